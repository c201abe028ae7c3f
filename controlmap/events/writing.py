"""Normalised events → the event file's bytes: a whole file in the canonical form, or rows appended to an existing
file in its own columns, delimiter, line ending and encoding (the existing rows' bytes kept as they are).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from controlmap import csvtext
from controlmap.events.fields import EVENT_COLUMNS, SPARSE_COLUMNS
from controlmap.events.merge import iso
from controlmap.events.reading import read_rows, read_text, sniff_delimiter

POINT_COLUMNS = ("lat", "lon")
CANONICAL_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in SPARSE_COLUMNS)


LINE_RE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|$)")


class StoreError(RuntimeError):
    """The store could not do what was asked; the message says why. Nothing was changed."""


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    """One column as the text written to the file: ISO dates, shortest exact decimals, "" for missing."""
    if column not in frame:
        return [""] * len(frame)
    values = frame[column]
    if column == "date" and pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("").tolist()
    if column == "date":
        return ["" if pd.isna(v) else iso(v) for v in values]
    if column in POINT_COLUMNS:
        numbers = pd.to_numeric(values, errors="coerce")
        return ["" if math.isnan(v) else repr(float(v)) for v in numbers.tolist()]
    return [str(v) for v in values.astype(object).where(values.notna(), "").tolist()]


def _used(frame: pd.DataFrame, column: str) -> bool:
    """Whether any row of `frame` has a value in `column` (a sparse column is written only then)."""
    return column in frame and any(_texts(frame, column))


def _csv_text(rows: Iterable[Sequence[str]], delimiter: str = ",", terminator: str = "\n") -> str:
    return csvtext.write_rows(rows, delimiter, terminator)


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[str, ...]]:
    return list(zip(*(_texts(frame, c) for c in columns), strict=True)) if len(frame) else []


def render_events(frame: pd.DataFrame) -> bytes:
    """A whole event file from normalised events: the format's columns, in its order, each sparse one (reported,
    scope, lat, lon) only when a row uses it; UTF-8, LF."""
    columns = [c for c in EVENT_COLUMNS if c in CANONICAL_COLUMNS or _used(frame, c)]
    return _csv_text([columns, *_records(frame, columns)]).encode("utf-8")


def append_events(before: bytes | None, frame: pd.DataFrame) -> bytes:
    """`before` with the rows of `frame` appended; the existing rows' bytes are kept as they are.

    The rows follow the file's own header, delimiter, line ending and encoding. Columns the new rows need and
    the header lacks are added to the header line only (a shorter row reads as empty cells there).
    Raises StoreError when the rows cannot be written in the file's encoding.
    """
    if before is None or not before.strip():
        return render_events(frame)
    decoded = read_text(before)
    text, encoding = decoded.text, decoded.encoding
    if decoded.problem:
        raise StoreError(f"the data file cannot be read: {decoded.problem.message}")
    delimiter = sniff_delimiter(text)
    start, end = _header_span(text)
    raw_header = next(csv.reader([text[start:end]], delimiter=delimiter))
    header, _ = read_rows(text[start:end], delimiter)
    needed = [c for c in EVENT_COLUMNS if c not in header and c in frame
              and any(_texts(frame, c))]
    terminator = "\r\n" if text[end:end + 2] == "\r\n" else "\r" if text[end:end + 1] == "\r" else "\n"
    if needed:
        new_header = _csv_text([raw_header + needed], delimiter, "")
        text_before = text[:start] + new_header + text[end:]
    else:
        text_before = text
    body = _csv_text(_records(frame, header + needed), delimiter, terminator)
    if not text_before.endswith(("\n", "\r")):
        body = terminator + body
    if needed and decoded.bad_lines:  # rewriting the header would re-encode lines that are not in its encoding
        raise StoreError(f"the data file has lines that are not {encoding} (line {decoded.bad_lines[0].line} "
                         "first); fix them before adding columns to it")
    head = before if not needed else _encode(text_before, encoding, before)
    return head + _encode(body, encoding, before, bom=False)


def _header_span(text: str) -> tuple[int, int]:
    """Start and end (before the line break) of the first non-blank line: the header."""
    for line in LINE_RE.finditer(text):
        if line.group(1).strip().strip(",;\t").strip():
            return line.start(1), line.end(1)
    return 0, 0


def _encode(text: str, encoding: str, original: bytes, bom: bool = True) -> bytes:
    try:
        if encoding == "utf-16":
            big = original.startswith(b"\xfe\xff")
            data = text.encode("utf-16-be" if big else "utf-16-le")
            return ((b"\xfe\xff" if big else b"\xff\xfe") if bom else b"") + data
        if encoding == "utf-8":
            prefix = b"\xef\xbb\xbf" if bom and original.startswith(b"\xef\xbb\xbf") else b""
            return prefix + text.encode("utf-8")
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        raise StoreError(f"the data file is in {encoding} and cannot hold '{error.object[error.start:error.end]}'; "
                         "convert it to UTF-8 (or save the upload with replace)") from error


def comparable_records(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    return _records(frame, EVENT_COLUMNS)
