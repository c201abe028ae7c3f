"""The event format's columns and the rules for each field's value: the statuses, claimants and dates people
write, read into the format's own.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from controlmap import csvtext
from controlmap.events.reading import (
    INVISIBLE_RE,
    column_name,
    read_text,
    sniff_delimiter,
)

REQUIRED_COLUMNS = ("date", "status", "claimed_by", "source")

OPTIONAL_COLUMNS = ("reported", "settlement", "katottg", "hint", "scope", "url", "quote", "note", "lat", "lon")

EVENT_COLUMNS = ("date", "reported", "settlement", "hint", "scope", "katottg", "status", "claimed_by", "source",
                 "url", "quote", "note", "lat", "lon")

# Columns written only when a row uses them (a file without them reads the same).
SPARSE_COLUMNS = ("reported", "scope", "lat", "lon")

# What a statement is about: the settlement itself (written as ""), an area around it that the statement does not
# bound (a direction, "near X", "the X area"), or the hromada or raion it lies in. A statement about more than the
# settlement ranks below one about the settlement itself.
SCOPES = ("", "area", "hromada", "raion")
SCOPE_SYNONYMS = {"": "", "settlement": "", "village": "", "town": "", "area": "area", "direction": "area",
                  "near": "area", "vicinity": "area", "hromada": "hromada", "community": "hromada",
                  "громада": "hromada", "raion": "raion", "rayon": "raion", "district": "raion", "район": "raion"}

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

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)

ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")

DOTTED_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")

SLASHED_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

YMD_SLASHED_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")

PLAIN_ISO_RE = r"\d{4}-\d{2}-\d{2}"  # what the fast (pandas) date path may read; the rest goes to parse_date

NAME_COLUMNS = ("settlement", "hint")  # invisible characters removed (warning)

TEXT_COLUMNS = ("source", "quote", "note", "url")  # invisible characters refused (error)

FORMULA_COLUMNS = ("settlement", "hint", "source", "quote", "note")  # free text written to the file as given

FORMULA_STARTS = ("=", "+", "-", "@")


def parse_date(text: str) -> tuple[date | None, str]:
    """(date, "") or (None, why not)."""
    value, why, _ = read_date(text)
    return value, why


def read_date(text: str) -> tuple[date | None, str, str]:
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
    header = [column_name(c) for c in reader[0]]
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
