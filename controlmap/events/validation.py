"""Validating an event file: every row checked, every problem reported with its line (controlmap.events.problems);
the file is read by controlmap.events.reading.

`validate` never raises and never changes anything: it returns the problems it found (each with
its line, column, stable code, value, message and, where it can, a suggestion) and the rows that passed,
normalised. Line numbers are the spreadsheet's: the header is line 1, the first event line 2.

Every problem carries one of the codes in `PROBLEM_CODES`; code that reacts to a problem matches its code,
never its wording (messages may be reworded, codes stay). data/README.md lists them too.

Hostile text (invisible characters, formula-like fields, over-long fields) is dealt with once, for every
caller, in controlmap.events.hostile_text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import TypeAlias

import numpy as np
import pandas as pd

from controlmap import limits
from controlmap.events import hostile_text
from controlmap.events.fields import (
    CLAIMANT_SYNONYMS,
    EVENT_COLUMNS,
    ISO_RE,
    OPTIONAL_COLUMNS,
    PLAIN_ISO_RE,
    REQUIRED_COLUMNS,
    SCOPE_SYNONYMS,
    STATUS_SYNONYMS,
    URL_RE,
    normalise_choice,
    read_date,
)
from controlmap.events.problems import Problem, problems_frame
from controlmap.events.reading import (
    empty_file,
    read_spans,
    read_text,
    shown,
    sniff_delimiter,
    unclosed_quote,
    unreadable_file,
)
from controlmap.geo.gazetteer import Gazetteer
from controlmap.geo.names import exact_key
from controlmap.geo.resolve import Resolution, Resolver, Suggestion, fits_hint, forms_of
from controlmap.model import EARLIEST_DATE, OWN_POINT_QUALITIES
from controlmap.region import Region
from controlmap.region import current as current_region

# A user-supplied point may lie this far (degrees) outside the region outline's bounding box.
BOUNDS_MARGIN_DEG = 0.25


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


def empty_events() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in EVENT_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[s]")
    frame["lat"] = pd.Series(dtype=float)
    frame["lon"] = pd.Series(dtype=float)
    frame["line"] = pd.Series(dtype=int)
    return frame


# A settlement's names and area (what a row's name and hint are compared with).
ROW_FIELDS = ("name_uk", "name_en", "former_names", "aliases", "hromada_code", "raion_code", "hromada_en", "raion_en")

# A problem on a settlement, before its line is known: (column, value, message, suggestion, severity, code).
ProblemFields: TypeAlias = tuple[str, str, str, str, str, str]


class Validator:
    """Checks event files against one gazetteer (the resolver is built on first use, then kept)."""

    def __init__(self, gazetteer: Gazetteer, resolver: Resolver | None = None,
                 region: Region | None = None) -> None:
        self.gazetteer = gazetteer
        self._resolver = resolver
        self.region = region or current_region()
        self.bounds = self.region.bounds
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
        header, spans = read_spans(text, delimiter)
        rows = [(start, row) for start, _, row in spans]
        result = ValidationResult(encoding=decoded.encoding, delimiter=delimiter, rows=len(rows))
        header_problems = self._check_header(header, rows)
        result.problems += [*decoded.bad_lines, *header_problems]
        if any(p.severity == "error" for p in header_problems):
            result.problems.sort(key=lambda p: (p.line, p.severity != "error"))
            return result
        rejected = {start for start, end, _ in spans
                    if any(start <= p.line <= end for p in decoded.bad_lines)}
        if spans and (unclosed := unclosed_quote(text, *spans[-1][:2])) is not None:
            result.problems.append(unclosed)
            rejected.add(spans[-1][0])
        frame = self._frame(header, rows, rejected, result.problems)
        checked = self._check_rows(frame, rejected, today, result.problems)
        result.problems.sort(key=lambda p: (p.line, p.severity != "error"))
        result.events = checked
        return result

    def _check_header(self, header: list[str], rows: list[tuple[int, list[str]]]) -> list[Problem]:
        if not header:
            return [empty_file()]
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
                problems.append(Problem(number, "", shown(",".join(row)),
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
        bad |= hostile_text.check_field_sizes(frame, problems)
        bad |= hostile_text.check_invisible(frame, problems)
        bad |= hostile_text.check_formulas(frame, problems)
        bad |= self._check_dates(frame, today, problems)
        bad |= self._check_choice(frame, "status", STATUS_SYNONYMS, "ua, ru or contested", "status", problems)
        bad |= self._check_choice(frame, "claimed_by", CLAIMANT_SYNONYMS, "ua, ru or independent", "claimant",
                                  problems)
        bad |= self._check_scope(frame, problems)
        bad |= self._check_required_text(frame, "source", problems)
        bad |= self._check_settlements(frame, problems)
        bad |= self._check_urls(frame, problems)
        bad |= self._check_points(frame, problems)
        bad |= self._check_duplicates(frame, problems)
        bad |= self._check_conflicts(frame, bad, problems)
        valid = frame[~bad].copy()
        valid["date"] = pd.to_datetime(valid["date"]).astype("datetime64[s]")
        return valid.reset_index(drop=True)

    def _check_dates(self, frame: pd.DataFrame, today: date, problems: list[Problem]) -> pd.Series:
        bad = self._check_date_column(frame, "date", today, problems)
        bad |= self._check_date_column(frame, "reported", today, problems, required=False)
        both = ~bad & (frame.reported != "")
        for i in frame.index[both & (frame.reported < frame.date)]:
            problems.append(Problem(int(frame.line[i]), "reported", frame.reported[i],
                                    f"reported {frame.reported[i]} is before the date {frame.date[i]}: a statement is "
                                    "made on or after the day the state it describes began",
                                    "the date is the day the state began, reported the day the statement was made",
                                    code="reported_before_date"))
            bad[i] = True
        return bad

    def _check_date_column(self, frame: pd.DataFrame, column: str, today: date, problems: list[Problem],
                           required: bool = True) -> pd.Series:
        values = frame[column]
        given = values != "" if not required else pd.Series(True, index=frame.index)
        # The fast path reads only plain YYYY-MM-DD: pandas would also read "-2022-01-01" (year -2022).
        plain = values.where(values.str.fullmatch(PLAIN_ISO_RE), "")
        parsed = pd.to_datetime(plain, format="%Y-%m-%d", errors="coerce")
        parsed = parsed.where(parsed.dt.year >= 1)  # pandas reads year 0, which no date of Python's can hold
        bad = pd.Series(False, index=frame.index)
        for i in frame.index[parsed.isna() & given]:
            value, why, code = read_date(values[i])
            if value is None:
                problems.append(Problem(int(frame.line[i]), column, values[i], why.replace("date", column, 1)
                                        if column != "date" else why, "write dates as YYYY-MM-DD, e.g. 2022-09-10",
                                        code=code))
                bad[i] = True
            else:
                parsed[i] = pd.Timestamp(value)
                if not ISO_RE.match(values[i]) or "T" in values[i] or " " in values[i]:
                    problems.append(Problem(int(frame.line[i]), column, values[i],
                                            f"{column} read as {value.isoformat()}", severity="warning",
                                            code="date_reformatted"))
        early = parsed.notna() & (parsed < pd.Timestamp(EARLIEST_DATE))
        late = parsed.notna() & (parsed > pd.Timestamp(today))
        for i in frame.index[early]:
            problems.append(Problem(int(frame.line[i]), column, values[i],
                                    f"{column} {parsed[i].date()} is before {EARLIEST_DATE.isoformat()}",
                                    code="date_too_early"))
        for i in frame.index[late]:
            problems.append(Problem(int(frame.line[i]), column, values[i],
                                    f"{column} {parsed[i].date()} is in the future (today is {today.isoformat()})",
                                    code="future_date"))
        frame[column] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), values)
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

    def _check_scope(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        normalised = frame.scope.map({v: normalise_choice(v, SCOPE_SYNONYMS) for v in frame.scope.unique()})
        bad = normalised.isna()
        problems += [Problem(int(frame.line[i]), "scope", frame.scope[i], f"unknown scope '{frame.scope[i]}'",
                             "leave it empty for a statement about the settlement itself; write area for one about its "
                             "surroundings or a direction, hromada or raion for one about the unit it lies in",
                             code="unknown_scope") for i in frame.index[bad]]
        frame["scope"] = normalised.where(~bad, frame.scope)
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
                                        f"point {lat[i]}, {lon[i]} is outside {self.region.name_en}",
                                        "check that lat and lon are not swapped", code="point_outside_oblast"))
                bad[i] = True
            elif frame.katottg[i] in self._with_own_point:
                problems.append(Problem(line, "lat", f"{lat[i]},{lon[i]}",
                                        "the settlement already has an exact point; this one is not used",
                                        severity="warning", code="point_not_used"))
        frame["lat"], frame["lon"] = lat.where(given & ~bad), lon.where(given & ~bad)
        return bad

    def _check_duplicates(self, frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
        key_columns = ["date", "reported", "scope", "katottg", "status", "claimed_by", "source", "url", "quote", "note"]
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
