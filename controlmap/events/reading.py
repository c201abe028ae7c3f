"""An event file's bytes → text → rows: any encoding and delimiter people produce, each line numbered as a
spreadsheet numbers it (the header is line 1). Never raises: what cannot be read is a `Problem`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from controlmap.events.problems import Problem

# A field may be as long as the file (the csv module's default limit, 131,072, would fail the whole file);
# fields over limits.MAX_FIELD_CHARS are then reported on their line. Raised once, never lowered.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


COLUMN_SYNONYMS = {"claimed by": "claimed_by", "claimant": "claimed_by", "claimed-by": "claimed_by",
                   "latitude": "lat", "longitude": "lon", "lng": "lon", "name": "settlement",
                   "place": "settlement", "town": "settlement", "village": "settlement", "code": "katottg"}
FILE_SIGNATURES = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                   b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
                   b"\xd0\xcf\x11\xe0": "an old Excel/Office file"}


# Invisible characters: C0 and C1 controls other than tab, line feed and carriage return; the soft hyphen;
# the Arabic letter mark; the Mongolian vowel separator; zero-width space, non-joiner and joiner; the
# left-to-right and right-to-left marks; bidi embeddings, overrides and isolates; word joiner and invisible
# operators; deprecated format controls; the BOM / zero-width no-break space; interlinear annotation; tags.
INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                          "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


# Single-byte encodings a non-UTF-8 file may be in; charset_normalizer chooses among them (cp1251 on a tie).
LEGACY_ENCODINGS = ("cp1251", "koi8_u", "cp1125")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1251": "Windows Cyrillic (cp1251)",
                  "koi8_u": "KOI8-U", "cp1125": "DOS Ukrainian (cp1125)"}
SAVE_AS_UTF8 = "save the file as UTF-8 (in Excel: “CSV UTF-8”)"


@dataclass(frozen=True)
class Decoded:
    """A file's text; or the problem that stops it being read at all (`problem`, and `text` "").

    `bad_lines` are problems (code "encoding") for lines that are not in the file's encoding; their text is a
    best-effort reading, and the validator leaves their rows out.
    """

    text: str
    encoding: str = ""
    problem: Problem | None = None
    bad_lines: tuple[Problem, ...] = ()


def decode(data: bytes) -> tuple[str | None, str, Problem | None]:
    """Bytes → (text, encoding, problem), text None when there is a problem: see `read_text`. Never raises."""
    decoded = read_text(data)
    return None if decoded.problem else decoded.text, decoded.encoding, decoded.problem


def read_text(data: bytes) -> Decoded:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 (BOM), else a Cyrillic single-byte encoding.

    A file that is UTF-8 except for some lines (one pasted from a cp1251 file) stays UTF-8 and those lines
    become problems: reading the whole file as cp1251 instead would turn every valid UTF-8 line into mojibake
    ("Р†Р·СЋРј"). Never raises.
    """
    if not data.strip():
        return Decoded("", "", empty_file())
    for signature, kind in FILE_SIGNATURES.items():
        if data.startswith(signature):
            return Decoded("", "", Problem(1, "", "", f"not a CSV file: this looks like {kind}",
                                           "save the sheet as CSV (comma, semicolon or tab separated)",
                                           code="not_csv"))
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return Decoded("", "", Problem(1, "", "", "the file is UTF-32 text, an encoding that is not read",
                                       SAVE_AS_UTF8, code="encoding"))
    utf16 = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_without_bom(data)
    if utf16:
        try:
            return Decoded(data.decode(utf16), "utf-16")
        except UnicodeDecodeError as error:
            begins = ("begins like UTF-16 text" if utf16 == "utf-16"
                      else "looks like UTF-16 text without a byte-order mark")
            return Decoded("", "", Problem(1, "", "", f"the file {begins} but byte {error.start:,} is not UTF-16",
                                           SAVE_AS_UTF8, code="encoding"))
    if _looks_binary(data):
        return Decoded("", "", Problem(1, "", "", "not a CSV file: it contains binary data",
                                       "save the sheet as CSV (comma, semicolon or tab separated)", code="not_csv"))
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        return _decode_by_line(data.removeprefix(codecs.BOM_UTF8))


def _utf16_without_bom(data: bytes) -> str:
    """"utf-16-le" or "utf-16-be" for UTF-16 text without a byte-order mark, told by its first line (a header is
    ASCII, so every other byte of it is zero); "" otherwise."""
    head = data[:64]
    if len(head) < 8:
        return ""
    even, odd = head[0::2], head[1::2]
    if not even.count(0) and odd.count(0) == len(odd):
        return "utf-16-le"
    if not odd.count(0) and even.count(0) == len(even):
        return "utf-16-be"
    return ""


# C0 control bytes other than tab, line feed, vertical tab, form feed and carriage return.
CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


def _looks_binary(data: bytes) -> bool:
    """Binary rather than text: control bytes are more than a handful and more than 1 % of the first 64 KiB. A text
    file with a stray NUL in a field is text: that field is refused on its own line (control_characters)."""
    head = data[:65536]
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    return controls > max(8, len(head) // 100)


def empty_file() -> Problem:
    return Problem(1, "", "", "the file is empty: expected a header line and at least one event", code="empty_file")


def _decode_by_line(data: bytes) -> Decoded:
    """Each line on its own: UTF-8 when any non-ASCII line is UTF-8, else the legacy encoding that fits."""
    lines = data.splitlines(keepends=True)  # \n, \r\n and \r: the line breaks the csv module counts
    utf8_texts: list[str | None] = [None] * len(lines)  # the lines that read as UTF-8 (ASCII ones included)
    utf8 = False
    for i, line in enumerate(lines):
        if line.isascii():
            utf8_texts[i] = line.decode("ascii")
            continue
        try:
            utf8_texts[i] = line.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            pass
    encoding = "utf-8" if utf8 else _legacy_encoding(data)
    texts: list[str] = []
    bad = []
    for i, (line, text) in enumerate(zip(lines, utf8_texts, strict=True)):
        if text is not None:
            texts.append(text)
            continue
        if encoding != "utf-8":
            try:
                texts.append(line.decode(encoding))
                continue
            except UnicodeDecodeError as error:
                text = line.decode(encoding, errors="replace")
                message = (f"byte 0x{line[error.start]:02X} on this line is not a character in "
                           f"{ENCODING_NAMES[encoding]}, the encoding of the rest of the file")
        else:
            text, guess = _best_effort(line)
            message = f"this line is not UTF-8 like the rest of the file{guess}"
        texts.append(text)
        bad.append(Problem(i + 1, "", shown(text.rstrip("\r\n")), message,
                           f"{SAVE_AS_UTF8} or retype this line; it is left out until then", code="encoding"))
    return Decoded("".join(texts), encoding, None, tuple(bad))


def _best_effort(line: bytes) -> tuple[str, str]:
    """A line that is not UTF-8 in a UTF-8 file: its cp1251 reading when it has one, else UTF-8 with �."""
    try:
        return line.decode("cp1251"), " (it looks like Windows Cyrillic, cp1251)"
    except UnicodeDecodeError:
        return line.decode("utf-8", errors="replace"), ""


def _legacy_encoding(data: bytes) -> str:
    """cp1251 (Ukrainian Excel), unless charset_normalizer finds KOI8-U or DOS Ukrainian clearly less garbled.

    Deciding between Cyrillic code pages needs letter statistics, which is what the library is for; it is
    asked only among LEGACY_ENCODINGS (left to itself it calls one short Cyrillic word Big5). Byte 0x98, the one
    byte cp1251 leaves undefined, is taken out first: one stray byte must not move the whole file to another
    code page (it is reported on its line instead).
    """
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency of requests, which streamlit needs
        return "cp1251"
    matches = from_bytes(data.replace(b"\x98", b""), cp_isolation=list(LEGACY_ENCODINGS))
    chaos = {match.encoding: match.chaos for match in matches if match.encoding in LEGACY_ENCODINGS}
    if not chaos:
        return "cp1251"
    return min(chaos, key=lambda encoding: (chaos[encoding], encoding != "cp1251"))


def shown(value: str, width: int = 80) -> str:
    """A value short enough to show in a problem."""
    return value if len(value) <= width else value[:width - 1] + "…"


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def unclosed_quote(text: str, start: int, end: int) -> Problem | None:
    """The last row, when a quote opened in it is never closed (the csv reader then takes every line to the end
    of the file as one field): it spans several lines and holds an odd number of quote characters."""
    if end <= start:
        return None
    offsets = [0] + [match.end() for match in LINE_BREAK_RE.finditer(text)]
    if text[offsets[start - 1]:].count('"') % 2 == 0:
        return None
    return Problem(start, "", f"lines {start}–{end}",
                   f"a quote opened on line {start} is never closed: lines {start} to {end}, the end of the file, "
                   "were read as one field", 'close the quote; a quote inside a quoted field is written twice ("")',
                   code="unclosed_quote")


def column_name(raw: str) -> str:
    name = INVISIBLE_RE.sub("", raw).strip().lower()
    name = COLUMN_SYNONYMS.get(name, name)
    return name.replace(" ", "_")


def read_rows(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    header, rows = read_numbered_rows(text, delimiter)
    return header, [row for _, row in rows]


def read_numbered_rows(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and the non-blank rows with the line (of the file) each starts on."""
    header, spans = read_spans(text, delimiter)
    return header, [(start, row) for start, _, row in spans]


def read_spans(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, int, list[str]]]]:
    """Header and the non-blank rows with the first and last line (of the file) each spans."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    spans, start = [], 1
    for row in reader:
        if any(cell.strip() for cell in row):
            spans.append((start, reader.line_num, row))
        start = reader.line_num + 1
    if not spans:
        return [], []
    return [column_name(c) for c in spans[0][2]], spans[1:]


def unreadable_file(path: Path, error: OSError) -> Problem:
    return Problem(0, "", str(path), f"cannot read the file: {error.strerror}", code="unreadable_file")
