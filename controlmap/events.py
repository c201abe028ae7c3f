"""The event CSV: reading any encoding and delimiter people produce, and validating every row.

`validate` never raises and never changes anything: it returns the problems it found (each with
its line, column, stable code, value, message and, where it can, a suggestion) and the rows that passed,
normalised. Line numbers are the spreadsheet's: the header is line 1, the first event line 2.

Every problem carries one of the codes in `PROBLEM_CODES`; code that reacts to a problem matches its code,
never its wording (messages may be reworded, codes stay). data/README.md lists them too.

Hostile text is dealt with here, once, for every caller:

- Invisible characters (`INVISIBLE_RE`: control characters, zero-width characters, bidi embeddings,
  overrides and isolates, soft hyphens, BOMs) are removed from names (settlement, hint), with a warning:
  a name is matched against the gazetteer, and "Iz\u200bium" means Izium. In the text fields that are stored
  and shown as given (source, quote, note, url) they are refused (an error): a right-to-left override shows
  "ISW" as "WSI" and can make one source or address look like another, a zero-width space makes two
  equal-looking sources differ (duplicates and contradictions are found by comparing sources), and removing
  them silently would change a quote that must stay verbatim. No text in this dataset needs them.
- A text field beginning with = + - or @ is refused (`formula_like`): data/events.csv is meant to be opened in
  spreadsheets, which run such a cell as a formula. Refusing keeps the stored text exactly what the user
  sent (neutralising it with a leading ' would change a verbatim quote and show the ' on every page);
  rewording is always possible ("DeepState (@DeepStateUA)"). Numbers (lat, lon) are not text fields.
- A field longer than `limits.MAX_FIELD_CHARS` is an error on its line, not a failure of the whole file.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import TypeAlias

import numpy as np
import pandas as pd

from controlmap import csvtext, limits
from controlmap.gazetteer import Gazetteer
from controlmap.model import EARLIEST_DATE, OWN_POINT_QUALITIES
from controlmap.names import exact_key
from controlmap.resolve import Resolution, Resolver, Suggestion, fits_hint, forms_of

REQUIRED_COLUMNS = ("date", "status", "claimed_by", "source")
OPTIONAL_COLUMNS = ("settlement", "katottg", "hint", "url", "quote", "note", "lat", "lon")
EVENT_COLUMNS = ("date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote",
                 "note", "lat", "lon")
# A user-supplied point may lie this far (degrees) outside the oblast outline's bounding box.
BOUNDS_MARGIN_DEG = 0.25
OBLAST_BOUNDS = (34.75, 48.55, 38.85, 50.50)  # lon/lat box of Kharkiv oblast (Natural Earth outline)

STATUS_SYNONYMS = {
    "ua": "ua", "ukraine": "ua", "ukrainian": "ua", "ukr": "ua", "uk": "ua", "ukraine-held": "ua",
    "ukrainian-held": "ua", "ukrainian control": "ua", "liberated": "ua", "україна": "ua", "зсу": "ua",
    "ru": "ru", "russia": "ru", "russian": "ru", "rus": "ru", "rf": "ru", "russian-held": "ru",
    "russian control": "ru", "occupied": "ru", "росія": "ru", "окупована": "ru",
    "contested": "contested", "disputed": "contested", "grey zone": "contested", "gray zone": "contested",
    "greyzone": "contested", "grayzone": "contested", "grey": "contested", "gray": "contested",
    "fighting": "contested", "frontline": "contested", "front line": "contested", "сіра зона": "contested",
}
CLAIMANT_SYNONYMS = {
    "ua": "ua", "ukraine": "ua", "ukrainian": "ua", "ukr": "ua", "ukrainian officials": "ua",
    "ru": "ru", "russia": "ru", "russian": "ru", "rus": "ru", "russian officials": "ru",
    "independent": "independent", "indep": "independent", "ind": "independent", "media": "independent",
    "press": "independent", "journalist": "independent", "journalists": "independent",
    "analyst": "independent", "analysts": "independent", "osint": "independent", "monitor": "independent",
    "monitors": "independent", "third party": "independent",
}
COLUMN_SYNONYMS = {"claimed by": "claimed_by", "claimant": "claimed_by", "claimed-by": "claimed_by",
                   "latitude": "lat", "longitude": "lon", "lng": "lon", "name": "settlement",
                   "place": "settlement", "town": "settlement", "village": "settlement", "code": "katottg"}
FILE_SIGNATURES = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                   b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
                   b"\xd0\xcf\x11\xe0": "an old Excel/Office file"}
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")
DOTTED_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
SLASHED_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
YMD_SLASHED_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
PLAIN_ISO_RE = r"\d{4}-\d{2}-\d{2}"  # what the fast (pandas) date path may read; the rest goes to parse_date
# Invisible characters: C0 and C1 controls other than tab, line feed and carriage return; the soft hyphen;
# the Arabic letter mark; the Mongolian vowel separator; zero-width space, non-joiner and joiner; the
# left-to-right and right-to-left marks; bidi embeddings, overrides and isolates; word joiner and invisible
# operators; deprecated format controls; the BOM / zero-width no-break space; interlinear annotation; tags.
INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                          "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")
NAME_COLUMNS = ("settlement", "hint")  # invisible characters removed (warning)
TEXT_COLUMNS = ("source", "quote", "note", "url")  # invisible characters refused (error)
FORMULA_COLUMNS = ("settlement", "hint", "source", "quote", "note")  # free text written to the file as given
FORMULA_STARTS = ("=", "+", "-", "@")
# Single-byte encodings a non-UTF-8 file may be in; charset_normalizer chooses among them (cp1251 on a tie).
LEGACY_ENCODINGS = ("cp1251", "koi8_u", "cp1125")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1251": "Windows Cyrillic (cp1251)",
                  "koi8_u": "KOI8-U", "cp1125": "DOS Ukrainian (cp1125)"}
SAVE_AS_UTF8 = "save the file as UTF-8 (in Excel: “CSV UTF-8”)"

# Every problem's code, with what it means. Stable: code that reacts to problems matches these.
PROBLEM_CODES = {
    # the file as a whole
    "unreadable_file": "the file cannot be opened (line 0)",
    "file_too_large": "the file is larger than the upload limit; it is not read (line 0)",
    "too_many_rows": "the file has more rows than the upload limit (line 0)",
    "empty_file": "nothing but blank lines",
    "not_csv": "an image, PDF, ZIP/xlsx or other binary file, not CSV text",
    "encoding": "a line (or a UTF-16 file) that is not in the file's encoding; the line is left out",
    "not_event_csv": "none of the expected columns in the header",
    "missing_column": "a required column is missing from the header",
    "duplicated_column": "a column appears twice in the header",
    "unknown_column": "warning: a column that is not part of the format; it is ignored",
    "no_events": "a header and no rows",
    "unexpected_error": "the validator itself failed: a bug to report (line 0)",
    # one row
    "too_many_fields": "a row with more fields than the header",
    "unclosed_quote": "a quote that is never closed: every line after it was read into one field",
    "field_too_large": f"a field longer than {limits.MAX_FIELD_CHARS:,} characters",
    "control_characters": "invisible or bidi-control characters in source, quote, note or url (refused)",
    "control_characters_removed": "warning: invisible characters removed from a settlement or hint",
    "formula_like": "a text field beginning with = + - or @ (a spreadsheet would run it as a formula)",
    "missing_date": "no date",
    "bad_date": "a date that cannot be read, or a day that does not exist",
    "ambiguous_date": "a date such as 03/04/2022 that could be either day-month or month-day",
    "date_too_early": f"a date before {EARLIEST_DATE.isoformat()}",
    "future_date": "a date after today",
    "date_reformatted": "warning: a date given in another form (DD.MM.YYYY, a date-time), read as shown",
    "missing_status": "no status",
    "unknown_status": "a status other than ua, ru, contested (or a synonym)",
    "missing_claimant": "no claimed_by",
    "unknown_claimant": "a claimed_by other than ua, ru, independent (or a synonym)",
    "missing_source": "no source",
    "missing_settlement": "neither a settlement nor a katottg",
    "unknown_settlement": "a settlement name that matches no settlement (suggestions given)",
    "ambiguous_settlement": "a settlement name several settlements have (candidates given)",
    "unknown_katottg": "a katottg code that is not in the gazetteer",
    "katottg_mismatch": "warning: the settlement name resolves to another settlement than the katottg",
    "bad_url": "a url that is not a full http(s) address",
    "bad_point": "lat or lon that is not a decimal number, or only one of them",
    "point_outside_oblast": "a point outside Kharkiv oblast",
    "point_not_used": "warning: a point for a settlement that already has an exact one",
    "duplicate_row": "the same statement twice",
    "two_statuses": "one source giving two statuses for one settlement on one day",
    # saving (controlmap.store)
    "contradicts_data_file": "a source already gives another status for that settlement and day in the data file",
    "data_file_unreadable": "data/events.csv itself cannot be read, so nothing is merged into it",
    "cannot_write": "the rows cannot be written in the data file's encoding",
    "read_back_mismatch": "the new file would not read back as the events expected; nothing is written",
    # an uploaded control-area layer (controlmap.layer_upload), before its rows are checked as above
    "not_a_layer": "a file named as a control-area layer that is not that format, or that no layer reader opens "
                   "(line 0)",
    "bad_coordinates": "a layer with coordinates that are not finite or lie off the globe in longitude and latitude "
                       "(line 0)",
    "invalid_geometry": "a layer with a polygon that crosses itself or is otherwise invalid (line 0)",
    "unpacked_too_large": "a KMZ whose content unpacks to more than the layer limit; it is not read (line 0)",
    "too_many_features": "a layer with more features than the layer limit (line 0)",
    "no_recognised_feature": "a layer with no area the preset classifies as ru, contested or ua (line 0)",
    "layer_outside_oblast": "a layer whose recognised areas all lie outside Kharkiv oblast (line 0)",
    "missing_layer_date": "a layer whose file name the preset does not date, and no day given (line 0)",
    "unrecognised_features": "warning: polygons of a layer that match no rule of the preset; they are ignored",
}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    message: str
    suggestion: str = ""
    severity: str = "error"  # "error" | "warning"
    code: str = field(kw_only=True)  # one of PROBLEM_CODES

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "code": self.code, "value": self.value,
                "message": self.message, "suggestion": self.suggestion, "severity": self.severity}

    def __str__(self) -> str:
        text = f"line {self.line}, column {self.column or '-'}: {self.message}"
        return f"{text} ({self.suggestion})" if self.suggestion else text


@dataclass
class ValidationResult:
    problems: list[Problem] = field(default_factory=list)
    events: pd.DataFrame = field(default_factory=lambda: empty_events())
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)


PROBLEM_FIELDS = ["line", "column", "code", "value", "message", "suggestion", "severity"]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([p.to_dict() for p in problems], columns=PROBLEM_FIELDS)


def listed_problems(problems: list[Problem],
                    limit: int = limits.MAX_LISTED_PROBLEMS) -> tuple[list[Problem], dict[str, int]]:
    """The problems to list (at most `limit`, errors before warnings, then in line order) and the number of
    the others by code, most frequent first. A 50,000-row file of unknown names lists 200 lines, not 50,000."""
    if len(problems) <= limit:
        return list(problems), {}
    errors = [p for p in problems if p.severity == "error"]
    chosen = errors[:limit] if len(errors) >= limit else errors + [p for p in problems if p.severity != "error"]
    chosen_ids = {id(p) for p in chosen[:limit]}
    listed = [p for p in problems if id(p) in chosen_ids]
    rest = Counter(p.code for p in problems if id(p) not in chosen_ids)
    return listed, dict(sorted(rest.items(), key=lambda item: (-item[1], item[0])))


def not_listed_text(rest: dict[str, int]) -> str:
    """"… and 26,113 more problems, not listed: unknown_settlement 26,000, bad_date 113" ("" when none)."""
    if not rest:
        return ""
    counts = ", ".join(f"{code} {n:,}" for code, n in rest.items())
    return f"… and {sum(rest.values()):,} more problems, not listed: {counts}"


def empty_events() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in EVENT_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[s]")
    frame["lat"] = pd.Series(dtype=float)
    frame["lon"] = pd.Series(dtype=float)
    frame["line"] = pd.Series(dtype=int)
    return frame


# ---------------------------------------------------------------- reading

# A field may be as long as the file (the csv module's default limit, 131,072, would fail the whole file);
# fields over limits.MAX_FIELD_CHARS are then reported on their line. Raised once, never lowered.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


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
        return Decoded("", "", _empty_file())
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


def _empty_file() -> Problem:
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
        bad.append(Problem(i + 1, "", _shown(text.rstrip("\r\n")), message,
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


def _shown(value: str, width: int = 80) -> str:
    """A value short enough to show in a problem."""
    return value if len(value) <= width else value[:width - 1] + "…"


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def _unclosed_quote(text: str, start: int, end: int) -> Problem | None:
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


def _column_name(raw: str) -> str:
    name = INVISIBLE_RE.sub("", raw).strip().lower()
    name = COLUMN_SYNONYMS.get(name, name)
    return name.replace(" ", "_")


def read_rows(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    header, rows = read_numbered_rows(text, delimiter)
    return header, [row for _, row in rows]


def read_numbered_rows(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and the non-blank rows with the line (of the file) each starts on."""
    header, spans = _read_spans(text, delimiter)
    return header, [(start, row) for start, _, row in spans]


def _read_spans(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, int, list[str]]]]:
    """Header and the non-blank rows with the first and last line (of the file) each spans."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    spans, start = [], 1
    for row in reader:
        if any(cell.strip() for cell in row):
            spans.append((start, reader.line_num, row))
        start = reader.line_num + 1
    if not spans:
        return [], []
    return [_column_name(c) for c in spans[0][2]], spans[1:]


# ---------------------------------------------------------------- field rules

def parse_date(text: str) -> tuple[date | None, str]:
    """(date, "") or (None, why not)."""
    value, why, _ = _parse_date(text)
    return value, why


def _parse_date(text: str) -> tuple[date | None, str, str]:
    """(date, "", "") or (None, why not, problem code)."""
    value = text.strip()
    if match := ISO_RE.match(value) or YMD_SLASHED_RE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DOTTED_RE.match(value):
        day, month, year = (int(g) for g in match.groups())
    elif match := SLASHED_RE.match(value):
        first, second, year = (int(g) for g in match.groups())
        if first <= 12 and second <= 12 and first != second:
            return None, (f"ambiguous date '{value}': it could be {_spell(first, second, year)} or "
                          f"{_spell(second, first, year)}"), "ambiguous_date"
        day, month = (first, second) if first > 12 or first == second else (second, first)
    elif not value:
        return None, "missing date", "missing_date"
    else:
        return None, f"unreadable date '{value}'", "bad_date"
    try:
        return date(year, month, day), "", ""
    except ValueError:
        return None, f"no such day: '{value}'", "bad_date"


def _spell(day: int, month: int, year: int) -> str:
    try:
        return date(year, month, day).strftime("%-d %B %Y")
    except ValueError:
        return f"day {day} of month {month}"


def normalise_choice(value: str, synonyms: dict[str, str]) -> str | None:
    key = re.sub(r"\s+", " ", value.strip().lower().replace("_", " "))
    return synonyms.get(key)


# ---------------------------------------------------------------- validation

# A settlement's names and area (what a row's name and hint are compared with).
ROW_FIELDS = ("name_uk", "name_en", "former_names", "aliases", "hromada_code", "raion_code", "hromada_en", "raion_en")
# A problem on a settlement, before its line is known: (column, value, message, suggestion, severity, code).
ProblemFields: TypeAlias = tuple[str, str, str, str, str, str]


class Validator:
    """Checks event files against one gazetteer (the resolver is built on first use, then kept)."""

    def __init__(self, gazetteer: Gazetteer, resolver: Resolver | None = None,
                 bounds: tuple[float, float, float, float] = OBLAST_BOUNDS) -> None:
        self.gazetteer = gazetteer
        self._resolver = resolver
        self.bounds = bounds
        settlements = gazetteer.settlements
        self._with_own_point = set(settlements.katottg[settlements.coord_quality.isin(OWN_POINT_QUALITIES)])

    @property
    def resolver(self) -> Resolver:
        # Lazy: a file whose rows give a katottg and that settlement's own name never needs the name index.
        if self._resolver is None:
            self._resolver = Resolver(self.gazetteer.settlements)
        return self._resolver

    def __getstate__(self) -> dict:
        # Pickled without the resolver: its name index is rebuilt on first use, and its caches do not pickle.
        return {**self.__dict__, "_resolver": None}

    @cached_property
    def _row_fields(self) -> dict[str, list]:
        # Plain lists: one pandas lookup per field and row costs more than the whole cross-check.
        return {column: self.gazetteer.settlements[column].tolist() for column in ROW_FIELDS}

    def validate_path(self, path: Path, today: date | None = None) -> ValidationResult:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            return ValidationResult([unreadable_file(path, error)])
        return self.validate(data, today)

    def validate(self, data: bytes, today: date | None = None) -> ValidationResult:
        try:
            return self._validate(data, today or date.today())
        except Exception as error:  # never raise on bad input: report it
            return ValidationResult([Problem(0, "", "", f"could not read the file: {error}",
                                             "this is a bug in the validator: please report it with the file",
                                             code="unexpected_error")])

    def _validate(self, data: bytes, today: date) -> ValidationResult:
        decoded = read_text(data)
        if decoded.problem:
            return ValidationResult([decoded.problem])
        text = decoded.text
        delimiter = sniff_delimiter(text)
        header, spans = _read_spans(text, delimiter)
        rows = [(start, row) for start, _, row in spans]
        result = ValidationResult(encoding=decoded.encoding, delimiter=delimiter, rows=len(rows))
        header_problems = self._check_header(header, rows)
        result.problems += [*decoded.bad_lines, *header_problems]
        if any(p.severity == "error" for p in header_problems):
            result.problems.sort(key=lambda p: (p.line, p.severity != "error"))
            return result
        rejected = {start for start, end, _ in spans
                    if any(start <= p.line <= end for p in decoded.bad_lines)}
        if spans and (unclosed := _unclosed_quote(text, *spans[-1][:2])) is not None:
            result.problems.append(unclosed)
            rejected.add(spans[-1][0])
        frame = self._frame(header, rows, rejected, result.problems)
        checked = self._check_rows(frame, rejected, today, result.problems)
        result.problems.sort(key=lambda p: (p.line, p.severity != "error"))
        result.events = checked
        return result

    def _check_header(self, header: list[str], rows: list[tuple[int, list[str]]]) -> list[Problem]:
        if not header:
            return [_empty_file()]
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        if not known & set(header):
            return [Problem(1, "", ",".join(header)[:80], "not an event CSV: none of the expected columns found",
                            "the header must name: date, settlement (or katottg), status, claimed_by, source",
                            code="not_event_csv")]
        problems = [Problem(1, c, "", f"missing required column '{c}'", code="missing_column")
                    for c in REQUIRED_COLUMNS if c not in header]
        if "settlement" not in header and "katottg" not in header:
            problems.append(Problem(1, "settlement", "", "missing required column 'settlement' (or 'katottg')",
                                    code="missing_column"))
        problems += [Problem(1, c, c, f"unknown column '{c}' is ignored", severity="warning", code="unknown_column")
                     for c in header if c and c not in known]
        duplicated = sorted({c for c in header if c and header.count(c) > 1})
        problems += [Problem(1, c, c, f"column '{c}' appears more than once", code="duplicated_column")
                     for c in duplicated]
        if not rows and not problems:
            problems.append(Problem(1, "", "", "the file has a header but no events", code="no_events"))
        return problems

    def _frame(self, header: list[str], rows: list[tuple[int, list[str]]], rejected: set[int],
               problems: list[Problem]) -> pd.DataFrame:
        """The rows as a frame of stripped text in EVENT_COLUMNS; rows too wide are added to `rejected`."""
        width = len(header)
        for number, row in rows:
            if any(cell.strip() for cell in row[width:]):
                problems.append(Problem(number, "", _shown(",".join(row)),
                                        f"this line has {len(row)} fields but the header has {width}",
                                        "quote fields that contain the delimiter", code="too_many_fields"))
                rejected.add(number)
        padded = [(row + [""] * width)[:width] for _, row in rows]
        frame = pd.DataFrame(padded, columns=header, dtype=str)
        frame = frame.loc[:, ~frame.columns.duplicated()]
        for column in EVENT_COLUMNS:
            if column not in frame:
                frame[column] = ""
        frame = frame[list(EVENT_COLUMNS)].apply(lambda s: s.str.strip())
        frame["line"] = np.array([number for number, _ in rows], dtype=np.int64)
        return frame

    def _check_rows(self, frame: pd.DataFrame, rejected: set[int], today: date,
                    problems: list[Problem]) -> pd.DataFrame:
        bad = frame.line.isin(rejected)
        bad |= self._check_field_sizes(frame, problems)
        bad |= self._check_invisible(frame, problems)
        bad |= self._check_formulas(frame, problems)
        bad |= self._check_dates(frame, today, problems)
        bad |= self._check_choice(frame, "status", STATUS_SYNONYMS, "ua, ru or contested", "status", problems)
        bad |= self._check_choice(frame, "claimed_by", CLAIMANT_SYNONYMS, "ua, ru or independent", "claimant",
                                  problems)
        bad |= self._check_required_text(frame, "source", problems)
        bad |= self._check_settlements(frame, problems)
        bad |= self._check_urls(frame, problems)
        bad |= self._check_points(frame, problems)
        bad |= self._check_duplicates(frame, problems)
        bad |= self._check_conflicts(frame, bad, problems)
        valid = frame[~bad].copy()
        valid["date"] = pd.to_datetime(valid["date"]).astype("datetime64[s]")
        return valid.reset_index(drop=True)

    def _check_field_sizes(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        """Fields over MAX_FIELD_CHARS: an error each, and the field cut short so later messages stay short."""
        bad = pd.Series(False, index=frame.index)
        for column in EVENT_COLUMNS:
            lengths = frame[column].str.len()
            for i in frame.index[lengths > limits.MAX_FIELD_CHARS]:
                problems.append(Problem(int(frame.line[i]), column, _shown(frame.at[i, column]),
                                        f"the {column} is {lengths[i]:,} characters long; the limit is "
                                        f"{limits.MAX_FIELD_CHARS:,} per field",
                                        "keep what the row needs (for a quote, the sentence relied on) and "
                                        "link the rest with the url", code="field_too_large"))
                frame.at[i, column] = _shown(frame.at[i, column])
                bad[i] = True
        return bad

    def _check_invisible(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        """Invisible characters: removed from names (warning), refused in text fields (see the module doc)."""
        bad = pd.Series(False, index=frame.index)
        for column in (*NAME_COLUMNS, *TEXT_COLUMNS):
            found = frame[column].str.contains(INVISIBLE_RE)
            for i in frame.index[found]:
                value = frame.at[i, column]
                named = _name_invisible(value)
                if column in NAME_COLUMNS:
                    clean = INVISIBLE_RE.sub("", value).strip()
                    problems.append(Problem(int(frame.line[i]), column, clean,
                                            f"invisible characters removed from the {column}: {named}",
                                            severity="warning", code="control_characters_removed"))
                    frame.at[i, column] = clean
                else:
                    problems.append(Problem(int(frame.line[i]), column, _shown(INVISIBLE_RE.sub("", value)),
                                            f"the {column} contains invisible characters: {named}",
                                            "delete them: they change how the text is shown, or make texts that "
                                            "look equal differ", code="control_characters"))
                    bad[i] = True
        return bad

    def _check_formulas(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        bad = pd.Series(False, index=frame.index)
        for column in FORMULA_COLUMNS:
            found = frame[column].str.startswith(FORMULA_STARTS)
            for i in frame.index[found]:
                value = frame.at[i, column]
                problems.append(Problem(int(frame.line[i]), column, _shown(value),
                                        f"the {column} begins with '{value[0]}', which a spreadsheet opening "
                                        "data/events.csv would run as a formula",
                                        "reword it to begin with a letter, a digit or a quotation mark, e.g. "
                                        "“DeepState (@DeepStateUA)” rather than “@DeepStateUA”", code="formula_like"))
                bad[i] = True
        return bad

    def _check_dates(self, frame: pd.DataFrame, today: date, problems: list[Problem]) -> pd.Series:
        # The fast path reads only plain YYYY-MM-DD: pandas would also read "-2022-01-01" (year -2022).
        plain = frame.date.where(frame.date.str.fullmatch(PLAIN_ISO_RE), "")
        parsed = pd.to_datetime(plain, format="%Y-%m-%d", errors="coerce")
        parsed = parsed.where(parsed.dt.year >= 1)  # pandas reads year 0, which no date of Python's can hold
        bad = pd.Series(False, index=frame.index)
        for i in frame.index[parsed.isna()]:
            value, why, code = _parse_date(frame.date[i])
            if value is None:
                problems.append(Problem(int(frame.line[i]), "date", frame.date[i], why,
                                        "write dates as YYYY-MM-DD, e.g. 2022-09-10", code=code))
                bad[i] = True
            else:
                parsed[i] = pd.Timestamp(value)
                if not ISO_RE.match(frame.date[i]) or "T" in frame.date[i] or " " in frame.date[i]:
                    problems.append(Problem(int(frame.line[i]), "date", frame.date[i],
                                            f"date read as {value.isoformat()}", severity="warning",
                                            code="date_reformatted"))
        early = parsed.notna() & (parsed < pd.Timestamp(EARLIEST_DATE))
        late = parsed.notna() & (parsed > pd.Timestamp(today))
        for i in frame.index[early]:
            problems.append(Problem(int(frame.line[i]), "date", frame.date[i],
                                    f"date {parsed[i].date()} is before {EARLIEST_DATE.isoformat()}",
                                    code="date_too_early"))
        for i in frame.index[late]:
            problems.append(Problem(int(frame.line[i]), "date", frame.date[i],
                                    f"date {parsed[i].date()} is in the future (today is {today.isoformat()})",
                                    code="future_date"))
        frame["date"] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), frame.date)
        return bad | early | late

    def _check_choice(self, frame: pd.DataFrame, column: str, synonyms: dict[str, str], allowed: str, kind: str,
                      problems: list[Problem]) -> pd.Series:
        unique = frame[column].unique()
        normalised = frame[column].map({v: normalise_choice(v, synonyms) for v in unique})
        bad = normalised.isna()
        for line, value in zip(frame.line[bad], frame[column][bad], strict=True):
            message, code = (f"missing {column}", f"missing_{kind}") if not value else \
                (f"unknown {column} '{value}'", f"unknown_{kind}")
            problems.append(Problem(int(line), column, value, message, f"use {allowed}", code=code))
        frame[column] = normalised.where(~bad, frame[column])
        return bad

    def _check_required_text(self, frame: pd.DataFrame, column: str, problems: list[Problem]) -> pd.Series:
        bad = frame[column] == ""
        problems += [Problem(int(frame.line[i]), column, "", f"missing {column}",
                             "name the publication or official body making the statement", code=f"missing_{column}")
                     for i in frame.index[bad]]
        return bad

    def _check_settlements(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        """Resolves each distinct (settlement, hint, katottg) once; reports on every line that uses it. Suggestions
        for unknown names, the costly part, are looked for the first MAX_LISTED_PROBLEMS distinct names only (the
        problems listed), in one batch: a file of 40,000 unknown names is answered in seconds."""
        keys = list(zip(frame.settlement, frame.hint, frame.katottg.str.upper(), strict=True))
        outcomes = {key: self._settlement_outcome(*key) for key in dict.fromkeys(keys)}
        unknown = list(dict.fromkeys(name for _, _, name in outcomes.values() if name))
        suggestions = self.resolver.suggest_many(unknown[:limits.MAX_LISTED_PROBLEMS], limit=3) if unknown else {}
        codes, bad = [], np.zeros(len(keys), bool)
        for row, (key, line) in enumerate(zip(keys, frame.line, strict=True)):
            code, problem, suggest_for = outcomes[key]
            codes.append(code)
            if problem is not None:
                column, value, message, suggestion, severity, problem_code = problem
                if suggest_for:
                    suggestion = _suggestion_text(suggestions.get(suggest_for), len(unknown))
                problems.append(Problem(int(line), column, value, message, suggestion, severity, code=problem_code))
                bad[row] = severity == "error"
        frame["katottg"] = codes
        return pd.Series(bad, index=frame.index)

    def _settlement_outcome(self, name: str, hint: str, code: str) -> tuple[str, ProblemFields | None, str]:
        """(katottg or "", (column, value, message, suggestion, severity, code) or None, the name to suggest
        settlements for or "")."""
        if code:
            if code not in self.gazetteer.position:
                return "", ("katottg", code, f"unknown KATOTTG code '{code}'", "", "error", "unknown_katottg"), \
                    self.resolver.suggestion_key(name)
            if not name or self._agrees(name, hint, code):
                return code, None, ""
            named = self.resolver.find(name, hint or None)
            if named.status == "match" and named.katottg != code:
                return code, ("settlement", name, f"'{name}' is {named.katottg}, but katottg {code} is used", "",
                              "warning", "katottg_mismatch"), ""
            return code, None, ""
        if not name:
            return "", ("settlement", "", "missing settlement (or katottg)", "", "error", "missing_settlement"), ""
        resolution = self.resolver.find(name, hint or None)
        if (found := resolution.katottg) is not None:  # a match
            return found, None, ""
        if resolution.status == "ambiguous":
            return "", self._ambiguous(name, resolution), ""
        return "", ("settlement", name, f"unknown settlement '{name}'", "", "error", "unknown_settlement"), \
            self.resolver.suggestion_key(name)

    def _agrees(self, name: str, hint: str, code: str) -> bool:
        """Whether ``name`` is one of settlement ``code``'s names (exact key) and the hint, if any, names
        its area. Then resolving the name keeps this settlement among the candidates, so it cannot point
        at another one: the cross-check needs no name index."""
        i = self.gazetteer.position[code]
        row = SimpleNamespace(**{column: values[i] for column, values in self._row_fields.items()})
        named = exact_key(name) in {exact_key(form) for form in forms_of(row)}
        return named and (not hint or fits_hint(row, hint))

    @staticmethod
    def _ambiguous(name: str, resolution: Resolution) -> ProblemFields:
        options = "; ".join(f"{m['name_en']}, {m['hromada_en']} hromada, {m['raion_en']} raion: {m['katottg']}"
                            for m in resolution.matches)
        return ("settlement", name,
                f"ambiguous settlement '{name}': {len(resolution.matches)} settlements have this name",
                f"add a hint (hromada or raion) or a katottg: {options}", "error", "ambiguous_settlement")

    def _check_urls(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        bad = (frame.url != "") & ~frame.url.str.match(URL_RE)
        problems += [Problem(int(frame.line[i]), "url", frame.url[i], f"malformed URL '{frame.url[i]}'",
                             "a full address starting with http:// or https://, or leave it empty", code="bad_url")
                     for i in frame.index[bad]]
        return bad

    def _check_points(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        bad = pd.Series(False, index=frame.index)
        given = (frame.lat != "") | (frame.lon != "")
        lat = pd.to_numeric(frame.lat.str.replace(",", ".", regex=False), errors="coerce")
        lon = pd.to_numeric(frame.lon.str.replace(",", ".", regex=False), errors="coerce")
        west, south, east, north = self.bounds
        margin = BOUNDS_MARGIN_DEG
        for i in frame.index[given]:
            line = int(frame.line[i])
            if pd.isna(lat[i]) or pd.isna(lon[i]):
                problems.append(Problem(line, "lat" if pd.isna(lat[i]) else "lon",
                                        f"{frame.lat[i]},{frame.lon[i]}",
                                        "lat and lon must both be decimal degrees", "e.g. lat 49.71, lon 37.62",
                                        code="bad_point"))
                bad[i] = True
            elif not (south - margin <= lat[i] <= north + margin and west - margin <= lon[i] <= east + margin):
                problems.append(Problem(line, "lat", f"{lat[i]},{lon[i]}",
                                        f"point {lat[i]}, {lon[i]} is outside Kharkiv oblast",
                                        "check that lat and lon are not swapped", code="point_outside_oblast"))
                bad[i] = True
            elif frame.katottg[i] in self._with_own_point:
                problems.append(Problem(line, "lat", f"{lat[i]},{lon[i]}",
                                        "the settlement already has an exact point; this one is not used",
                                        severity="warning", code="point_not_used"))
        frame["lat"], frame["lon"] = lat.where(given & ~bad), lon.where(given & ~bad)
        return bad

    def _check_duplicates(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        key_columns = ["date", "katottg", "status", "claimed_by", "source", "url", "quote", "note"]
        keyed = frame.assign(katottg=frame.katottg.where(frame.katottg != "", frame.settlement))
        duplicated = keyed.duplicated(subset=key_columns, keep="first")
        first_line = keyed.groupby(key_columns, sort=False).line.transform("first")
        problems += [Problem(int(frame.line[i]), "", frame.settlement[i] or frame.katottg[i],
                             f"exact duplicate of line {int(first_line[i])}", "delete one of the two lines",
                             code="duplicate_row")
                     for i in frame.index[duplicated]]
        return duplicated

    def _check_conflicts(self, frame: pd.DataFrame, bad: pd.Series, problems: list[Problem]) -> pd.Series:
        candidates = frame[~bad & (frame.katottg != "")]
        keys = ["katottg", "date", "source"]
        statuses = candidates.groupby(keys).status.transform("nunique")
        conflicting = candidates[statuses > 1]
        flagged = pd.Series(False, index=frame.index)
        for _, group in conflicting.groupby(keys, sort=False):
            first = group.iloc[0]
            for i in group.index[group.status != first.status]:
                place = frame.settlement[i] or frame.katottg[i]
                problems.append(Problem(int(frame.line[i]), "status", frame.status[i],
                                        f"{frame.source[i]} gives two statuses for {place} on {frame.date[i]}: "
                                        f"'{first.status}' (line {int(first.line)}) and '{frame.status[i]}'",
                                        "keep one of them", code="two_statuses"))
                flagged[i] = True
        return flagged


def _suggestion_text(found: list[Suggestion] | None, unknown: int) -> str:
    """"did you mean: …" for a name suggestions were looked for; for the others, why none were."""
    if found is None:
        return (f"the file has {unknown:,} distinct unknown names; settlements are suggested for the first "
                f"{limits.MAX_LISTED_PROBLEMS:,}")
    if not found:
        return ""
    return "did you mean: " + "; ".join(f"{s.name_en} ({s.katottg}, score {s.score:g})" for s in found)


def unreadable_file(path: Path, error: OSError) -> Problem:
    return Problem(0, "", str(path), f"cannot read the file: {error.strerror}", code="unreadable_file")


CONTROL_NAMES = {"\x00": "NULL (a NUL byte)"}


def _name_invisible(value: str) -> str:
    """The invisible characters of `value`, named: "U+202E RIGHT-TO-LEFT OVERRIDE at character 3"."""
    found = [(i, ch) for i, ch in enumerate(value) if INVISIBLE_RE.match(ch)]
    named = [f"U+{ord(ch):04X} {unicodedata.name(ch, CONTROL_NAMES.get(ch, 'CONTROL CHARACTER'))} at character "
             f"{i + 1}"
             for i, ch in found[:3]]
    return ", ".join(named) + (f" and {len(found) - 3} more" if len(found) > 3 else "")


def choose_settlements(data: bytes, choices: dict[str, str]) -> bytes:
    """The upload with `katottg` filled in on every line whose settlement text is a key of `choices`.

    Used to settle ambiguous names by picking a candidate; returns UTF-8 CSV (other lines unchanged).
    """
    decoded = read_text(data)
    text = decoded.text
    if decoded.problem or decoded.bad_lines:  # lines in another encoding stay errors
        return data
    delimiter = sniff_delimiter(text)
    reader = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not reader:
        return data
    header = [_column_name(c) for c in reader[0]]
    if "katottg" not in header:
        header.append("katottg")
        reader = [[*reader[0], "katottg"]] + [[*row, ""] for row in reader[1:]]
    name_at, code_at = header.index("settlement") if "settlement" in header else -1, header.index("katottg")
    rows = [reader[0]]
    for row in reader[1:]:
        row = row + [""] * (len(header) - len(row))
        name = INVISIBLE_RE.sub("", row[name_at]).strip() if name_at >= 0 else ""
        if name in choices and not row[code_at].strip():
            row[code_at] = choices[name]
        rows.append(row)
    return csvtext.write_rows(rows).encode("utf-8")
