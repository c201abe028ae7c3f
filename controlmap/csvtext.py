"""Rows → CSV text that reads back as the same rows: the one CSV writer of the package.

Python's csv writer quotes a field that holds the delimiter, the quote character or a character of its line
terminator; with ``\\n`` line ends, a bare carriage return inside a field is written unquoted, and every reader
(this package's too) then ends the line there. Here every field holding a carriage return or a line feed is
quoted, whatever line end the rows get.
"""

import csv
import io
from collections.abc import Iterable, Sequence


class _RowSink:
    """Receives each row as the csv writer renders it (one ``write`` per row), with our line end instead."""

    def __init__(self, terminator: str) -> None:
        self.parts: list[str] = []
        self.terminator = terminator

    def write(self, row: str) -> None:
        self.parts.append(row.removesuffix("\r\n") + self.terminator)


def write_rows(rows: Iterable[Sequence[object]], delimiter: str = ",", terminator: str = "\n") -> str:
    """The rows as CSV text: fields quoted where they hold the delimiter, a quote, a carriage return or a line
    feed (the writer is told "\\r\\n", so it quotes both; each row then gets `terminator`)."""
    sink = _RowSink(terminator)
    csv.writer(sink, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return "".join(sink.parts)


def rewritten(text: str, terminator: str = "\n") -> str:
    """CSV text written by another writer (pandas' ``to_csv`` with "\\r\\n" line ends), re-written with
    `write_rows`: the same fields, every line break inside a field quoted."""
    return write_rows(csv.reader(io.StringIO(text, newline="")), terminator=terminator)
