"""Problems found in event and layer files, as data: a stable code, line, column, value, message and suggestion.

Every problem carries one of the codes in `PROBLEM_CODES`; code that reacts to a problem matches its code, never
its wording (messages may be reworded, codes stay). data/README.md lists them too. Imports nothing of the package
but `controlmap.limits`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from controlmap import limits
from controlmap.model import EARLIEST_DATE

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
    "reported_before_date": "a reported day (when the statement was made) before the day the state began",
    "unknown_scope": "a scope other than empty (the settlement), hromada or raion",
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
    "point_outside_oblast": "a point outside the region's box",
    "point_not_used": "warning: a point for a settlement that already has an exact one",
    "duplicate_row": "the same statement twice",
    "two_statuses": "one source giving two statuses for one settlement on one day",
    # saving (controlmap.store)
    "contradicts_data_file": "a source already gives another status for that settlement and day in the data file",
    "data_file_unreadable": "data/events.csv itself cannot be read, so nothing is merged into it",
    "cannot_write": "the rows cannot be written in the data file's encoding",
    "read_back_mismatch": "the new file would not read back as the events expected; nothing is written",
    # an uploaded control-area layer (controlmap.areas.layer_upload), before its rows are checked as above
    "not_a_layer": "a file named as a control-area layer that is not that format, or that no layer reader opens "
                   "(line 0)",
    "bad_coordinates": "a layer with coordinates that are not finite or lie off the globe in longitude and latitude "
                       "(line 0)",
    "invalid_geometry": "a layer with a polygon that crosses itself or is otherwise invalid (line 0)",
    "unpacked_too_large": "a KMZ whose content unpacks to more than the layer limit; it is not read (line 0)",
    "too_many_features": "a layer with more features than the layer limit (line 0)",
    "no_recognised_feature": "a layer with no area the preset classifies as ru, contested or ua (line 0)",
    "layer_outside_oblast": "a layer whose recognised areas all lie outside the region's box (line 0)",
    "implausible_jump": "a snapshot in which more than the preset's share of the settlements changes state at once",
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
