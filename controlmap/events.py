"""The event CSV: reading any encoding and delimiter people produce, and validating every row.

`validate` never raises and never changes anything: it returns the problems it found (each with
its line, column, value, message and, where it can, a suggestion) and the rows that passed,
normalised. Line numbers are the spreadsheet's: the header is line 1, the first event line 2.
"""

import codecs
import csv
import io
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from controlmap.gazetteer import Gazetteer
from controlmap.names import exact_key
from controlmap.resolve import Resolver, fits_hint, forms_of

REQUIRED_COLUMNS = ("date", "status", "claimed_by", "source")
OPTIONAL_COLUMNS = ("settlement", "katottg", "hint", "url", "quote", "note", "lat", "lon")
EVENT_COLUMNS = ("date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote",
                 "note", "lat", "lon")
EARLIEST_DATE = date(2022, 1, 1)
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


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    message: str
    suggestion: str = ""
    severity: str = "error"  # "error" | "warning"

    def to_dict(self) -> dict:
        return asdict(self)

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
        columns = ["line", "column", "value", "message", "suggestion", "severity"]
        return pd.DataFrame([p.to_dict() for p in self.problems], columns=columns)


def empty_events() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in EVENT_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[s]")
    frame["lat"] = pd.Series(dtype=float)
    frame["lon"] = pd.Series(dtype=float)
    frame["line"] = pd.Series(dtype=int)
    return frame


# ---------------------------------------------------------------- reading

def decode(data: bytes) -> tuple[str | None, str, Problem | None]:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 (BOM), else cp1251 (Ukrainian Excel)."""
    if not data.strip():
        return None, "", Problem(1, "", "", "the file is empty: expected a header line and at least one event")
    for signature, kind in FILE_SIGNATURES.items():
        if data.startswith(signature):
            return None, "", Problem(1, "", "", f"not a CSV file: this looks like {kind}",
                                     "save the sheet as CSV (comma, semicolon or tab separated)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16", None
    if b"\x00" in data:
        return None, "", Problem(1, "", "", "not a CSV file: it contains binary data",
                                 "save the sheet as CSV (comma, semicolon or tab separated)")
    try:
        return data.decode("utf-8-sig"), "utf-8", None
    except UnicodeDecodeError:
        return data.decode("cp1251"), "cp1251", None


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _column_name(raw: str) -> str:
    name = raw.strip().lstrip("\ufeff").strip().lower()
    name = COLUMN_SYNONYMS.get(name, name)
    return name.replace(" ", "_")


def read_rows(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    header, rows = read_numbered_rows(text, delimiter)
    return header, [row for _, row in rows]


def read_numbered_rows(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and the non-blank rows with the line (of the file) each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered, start = [], 1
    for row in reader:
        if any(cell.strip() for cell in row):
            numbered.append((start, row))
        start = reader.line_num + 1
    if not numbered:
        return [], []
    return [_column_name(c) for c in numbered[0][1]], numbered[1:]


# ---------------------------------------------------------------- field rules

def parse_date(text: str) -> tuple[date | None, str]:
    """(date, "") or (None, why not)."""
    value = text.strip()
    if match := ISO_RE.match(value) or YMD_SLASHED_RE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DOTTED_RE.match(value):
        day, month, year = (int(g) for g in match.groups())
    elif match := SLASHED_RE.match(value):
        first, second, year = (int(g) for g in match.groups())
        if first <= 12 and second <= 12 and first != second:
            return None, (f"ambiguous date '{value}': it could be {_spell(first, second, year)} or "
                          f"{_spell(second, first, year)}")
        day, month = (first, second) if first > 12 or first == second else (second, first)
    elif not value:
        return None, "missing date"
    else:
        return None, f"unreadable date '{value}'"
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, f"no such day: '{value}'"


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


class Validator:
    """Checks event files against one gazetteer (the resolver is built on first use, then kept)."""

    def __init__(self, gazetteer: Gazetteer, resolver: Resolver | None = None, bounds=OBLAST_BOUNDS):
        self.gazetteer = gazetteer
        self._resolver = resolver
        self.bounds = bounds
        self._exact = set(gazetteer.settlements.katottg[gazetteer.settlements.coord_quality == "exact"])

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
            return ValidationResult([Problem(0, "", str(path), f"cannot read the file: {error.strerror}")])
        return self.validate(data, today)

    def validate(self, data: bytes, today: date | None = None) -> ValidationResult:
        try:
            return self._validate(data, today or date.today())
        except Exception as error:  # never raise on bad input: report it
            return ValidationResult([Problem(0, "", "", f"could not read the file: {error}")])

    def _validate(self, data: bytes, today: date) -> ValidationResult:
        text, encoding, problem = decode(data)
        if problem:
            return ValidationResult([problem])
        delimiter = sniff_delimiter(text)
        header, rows = read_numbered_rows(text, delimiter)
        result = ValidationResult(encoding=encoding, delimiter=delimiter, rows=len(rows))
        result.problems += self._check_header(header, rows)
        if result.errors:
            return result
        frame, too_wide = self._frame(header, rows, result.problems)
        checked = self._check_rows(frame, too_wide, today, result.problems)
        result.problems.sort(key=lambda p: (p.line, p.severity != "error"))
        result.events = checked
        return result

    def _check_header(self, header: list[str], rows: list[list[str]]) -> list[Problem]:
        if not header:
            return [Problem(1, "", "", "the file is empty: expected a header line and at least one event")]
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        if not known & set(header):
            return [Problem(1, "", ",".join(header)[:80], "not an event CSV: none of the expected columns found",
                            "the header must name: date, settlement (or katottg), status, claimed_by, source")]
        problems = [Problem(1, c, "", f"missing required column '{c}'") for c in REQUIRED_COLUMNS if c not in header]
        if "settlement" not in header and "katottg" not in header:
            problems.append(Problem(1, "settlement", "", "missing required column 'settlement' (or 'katottg')"))
        problems += [Problem(1, c, c, f"unknown column '{c}' is ignored", severity="warning")
                     for c in header if c and c not in known]
        duplicated = sorted({c for c in header if c and header.count(c) > 1})
        problems += [Problem(1, c, c, f"column '{c}' appears more than once") for c in duplicated]
        if not rows and not problems:
            problems.append(Problem(1, "", "", "the file has a header but no events"))
        return problems

    def _frame(self, header: list[str], rows: list[tuple[int, list[str]]],
               problems: list[Problem]) -> tuple[pd.DataFrame, list[int]]:
        width = len(header)
        too_wide = []
        for number, row in rows:
            if any(cell.strip() for cell in row[width:]):
                problems.append(Problem(number, "", ",".join(row)[:80],
                                        f"this line has {len(row)} fields but the header has {width}",
                                        "quote fields that contain the delimiter"))
                too_wide.append(number)
        padded = [(row + [""] * width)[:width] for _, row in rows]
        frame = pd.DataFrame(padded, columns=header, dtype=str)
        frame = frame.loc[:, ~frame.columns.duplicated()]
        for column in EVENT_COLUMNS:
            if column not in frame:
                frame[column] = ""
        frame = frame[list(EVENT_COLUMNS)].apply(lambda s: s.str.strip())
        frame["line"] = np.array([number for number, _ in rows], dtype=np.int64)
        return frame, too_wide

    def _check_rows(self, frame: pd.DataFrame, too_wide: list[int], today: date,
                    problems: list[Problem]) -> pd.DataFrame:
        bad = frame.line.isin(too_wide)
        bad |= self._check_dates(frame, today, problems)
        bad |= self._check_choice(frame, "status", STATUS_SYNONYMS, "ua, ru or contested", problems)
        bad |= self._check_choice(frame, "claimed_by", CLAIMANT_SYNONYMS, "ua, ru or independent", problems)
        bad |= self._check_required_text(frame, "source", problems)
        bad |= self._check_settlements(frame, problems)
        bad |= self._check_urls(frame, problems)
        bad |= self._check_points(frame, problems)
        bad |= self._check_duplicates(frame, problems)
        bad |= self._check_conflicts(frame, bad, problems)
        valid = frame[~bad].copy()
        valid["date"] = pd.to_datetime(valid["date"]).astype("datetime64[s]")
        return valid.reset_index(drop=True)

    def _check_dates(self, frame, today, problems) -> pd.Series:
        parsed = pd.to_datetime(frame.date, format="%Y-%m-%d", errors="coerce")
        bad = pd.Series(False, index=frame.index)
        for i in frame.index[parsed.isna()]:
            value, why = parse_date(frame.date[i])
            if value is None:
                problems.append(Problem(int(frame.line[i]), "date", frame.date[i], why,
                                        "write dates as YYYY-MM-DD, e.g. 2022-09-10"))
                bad[i] = True
            else:
                parsed[i] = pd.Timestamp(value)
                if not ISO_RE.match(frame.date[i]) or "T" in frame.date[i] or " " in frame.date[i]:
                    problems.append(Problem(int(frame.line[i]), "date", frame.date[i],
                                            f"date read as {value.isoformat()}", severity="warning"))
        early = parsed.notna() & (parsed < pd.Timestamp(EARLIEST_DATE))
        late = parsed.notna() & (parsed > pd.Timestamp(today))
        for i in frame.index[early]:
            problems.append(Problem(int(frame.line[i]), "date", frame.date[i],
                                    f"date {parsed[i].date()} is before {EARLIEST_DATE.isoformat()}"))
        for i in frame.index[late]:
            problems.append(Problem(int(frame.line[i]), "date", frame.date[i],
                                    f"date {parsed[i].date()} is in the future (today is {today.isoformat()})"))
        frame["date"] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), frame.date)
        return bad | early | late

    def _check_choice(self, frame, column, synonyms, allowed, problems) -> pd.Series:
        unique = frame[column].unique()
        normalised = frame[column].map({v: normalise_choice(v, synonyms) for v in unique})
        bad = normalised.isna()
        for line, value in zip(frame.line[bad], frame[column][bad], strict=True):
            message = f"missing {column}" if not value else f"unknown {column} '{value}'"
            problems.append(Problem(int(line), column, value, message, f"use {allowed}"))
        frame[column] = normalised.where(~bad, frame[column])
        return bad

    def _check_required_text(self, frame, column, problems) -> pd.Series:
        bad = frame[column] == ""
        problems += [Problem(int(frame.line[i]), column, "", f"missing {column}",
                             "name the publication or official body making the statement")
                     for i in frame.index[bad]]
        return bad

    def _check_settlements(self, frame, problems) -> pd.Series:
        """Resolves each distinct (settlement, hint, katottg) once; reports on every line that uses it."""
        keys = list(zip(frame.settlement, frame.hint, frame.katottg.str.upper(), strict=True))
        outcomes = {key: self._settlement_outcome(*key) for key in dict.fromkeys(keys)}
        codes, bad = [], np.zeros(len(keys), bool)
        for row, (key, line) in enumerate(zip(keys, frame.line, strict=True)):
            code, problem = outcomes[key]
            codes.append(code)
            if problem is not None:
                problems.append(Problem(int(line), *problem))
                bad[row] = problem[-1] == "error"
        frame["katottg"] = codes
        return pd.Series(bad, index=frame.index)

    def _settlement_outcome(self, name: str, hint: str, code: str) -> tuple[str, tuple | None]:
        """(katottg or "", (column, value, message, suggestion, severity) or None)."""
        if code:
            if code not in self.gazetteer.position:
                return "", ("katottg", code, f"unknown KATOTTG code '{code}'", self._suggest_for(name), "error")
            if not name or self._agrees(name, hint, code):
                return code, None
            named = self.resolver.resolve(name, hint or None)
            if named.status == "match" and named.katottg != code:
                return code, ("settlement", name, f"'{name}' is {named.katottg}, but katottg {code} is used", "",
                              "warning")
            return code, None
        if not name:
            return "", ("settlement", "", "missing settlement (or katottg)", "", "error")
        resolution = self.resolver.resolve(name, hint or None)
        if resolution.status == "match":
            return resolution.katottg, None
        return "", self._settlement_problem(name, resolution)

    def _agrees(self, name: str, hint: str, code: str) -> bool:
        """Whether ``name`` is one of settlement ``code``'s names (exact key) and the hint, if any, names
        its area. Then resolving the name keeps this settlement among the candidates, so it cannot point
        at another one: the cross-check needs no name index."""
        i = self.gazetteer.position[code]
        row = SimpleNamespace(**{column: values[i] for column, values in self._row_fields.items()})
        named = exact_key(name) in {exact_key(form) for form in forms_of(row)}
        return named and (not hint or fits_hint(row, hint))

    def _settlement_problem(self, name: str, resolution) -> tuple:
        if resolution.status == "ambiguous":
            options = "; ".join(f"{m['name_en']}, {m['hromada_en']} hromada, {m['raion_en']} raion: {m['katottg']}"
                                for m in resolution.matches)
            return ("settlement", name,
                    f"ambiguous settlement '{name}': {len(resolution.matches)} settlements have this name",
                    f"add a hint (hromada or raion) or a katottg: {options}", "error")
        return "settlement", name, f"unknown settlement '{name}'", self._suggest_for(name), "error"

    def _suggest_for(self, name: str) -> str:
        if not name:
            return ""
        found = self.resolver.suggest(name, limit=3)
        if not found:
            return ""
        return "did you mean: " + "; ".join(f"{s.name_en} ({s.katottg}, score {s.score:g})" for s in found)

    def _check_urls(self, frame, problems) -> pd.Series:
        bad = (frame.url != "") & ~frame.url.str.match(URL_RE)
        problems += [Problem(int(frame.line[i]), "url", frame.url[i], f"malformed URL '{frame.url[i]}'",
                             "a full address starting with http:// or https://, or leave it empty")
                     for i in frame.index[bad]]
        return bad

    def _check_points(self, frame, problems) -> pd.Series:
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
                                        "lat and lon must both be decimal degrees", "e.g. lat 49.71, lon 37.62"))
                bad[i] = True
            elif not (south - margin <= lat[i] <= north + margin and west - margin <= lon[i] <= east + margin):
                problems.append(Problem(line, "lat", f"{lat[i]},{lon[i]}",
                                        f"point {lat[i]}, {lon[i]} is outside Kharkiv oblast",
                                        "check that lat and lon are not swapped"))
                bad[i] = True
            elif frame.katottg[i] in self._exact:
                problems.append(Problem(line, "lat", f"{lat[i]},{lon[i]}",
                                        "the settlement already has an exact point; this one is not used",
                                        severity="warning"))
        frame["lat"], frame["lon"] = lat.where(given & ~bad), lon.where(given & ~bad)
        return bad

    def _check_duplicates(self, frame, problems) -> pd.Series:
        key_columns = ["date", "katottg", "status", "claimed_by", "source", "url", "quote", "note"]
        keyed = frame.assign(katottg=frame.katottg.where(frame.katottg != "", frame.settlement))
        duplicated = keyed.duplicated(subset=key_columns, keep="first")
        first_line = keyed.groupby(key_columns, sort=False).line.transform("first")
        problems += [Problem(int(frame.line[i]), "", frame.settlement[i] or frame.katottg[i],
                             f"exact duplicate of line {int(first_line[i])}", "delete one of the two lines")
                     for i in frame.index[duplicated]]
        return duplicated

    def _check_conflicts(self, frame, bad, problems) -> pd.Series:
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
                                        "keep one of them"))
                flagged[i] = True
        return flagged


def choose_settlements(data: bytes, choices: dict[str, str]) -> bytes:
    """The upload with `katottg` filled in on every line whose settlement text is a key of `choices`.

    Used to settle ambiguous names by picking a candidate; returns UTF-8 CSV (other lines unchanged).
    """
    text, _, problem = decode(data)
    if problem or text is None:
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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(reader[0])
    for row in reader[1:]:
        row = row + [""] * (len(header) - len(row))
        if name_at >= 0 and row[name_at].strip() in choices and not row[code_at].strip():
            row[code_at] = choices[row[name_at].strip()]
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
