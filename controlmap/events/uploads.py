"""Uploads of one or more event files, from bytes to a merge plan; the Upload page and the CLI lay this out.

1. `check_file` checks one file: the size and row limits (before parsing), the settlements the user picked for
   ambiguous names (`choices`), then validation. A file over the size limit is never read at all: callers
   that know the size first (a path, a Streamlit upload) use `too_large` or `read_file` instead.
2. `combine` joins the files that passed: their events are written out as one file (normalised rows, what
   Save stores) and validated again, which finds what no single file shows (the same row in two files, two
   files giving one source two statuses for one day); then the merge into the data file is planned.

Nothing here writes: saving is `EventStore.save(upload.data, …)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from controlmap.digest import sha256
from controlmap.events import merge, writing
from controlmap.events.fields import choose_settlements
from controlmap.events.problems import Problem
from controlmap.events.reading import read_rows, read_text, sniff_delimiter, unreadable_file
from controlmap.events.validation import ValidationResult, Validator
from controlmap.limits import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, MAX_UPLOAD_ROWS, megabytes


@dataclass
class CheckedFile:
    """One uploaded file: its name, the bytes validated (picked settlements filled in) and what was found.

    `result` is None when the file was not parsed (over the limits, or unreadable); `limit_problems` then say why.
    """

    name: str
    data: bytes | None
    result: ValidationResult | None
    limit_problems: list[Problem] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)  # settlement text → katottg picked by the user
    digest: str = ""  # sha256 of `data`

    @property
    def problems(self) -> list[Problem]:
        return self.limit_problems or (self.result.problems if self.result else [])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def rows(self) -> int:
        return self.result.rows if self.result else 0

    @property
    def ok(self) -> bool:
        return self.result is not None and not self.errors

    def ambiguous_names(self) -> list[str]:
        """Settlement texts that several settlements share (the user may pick one), sorted."""
        return sorted({p.value for p in self.errors if p.code == "ambiguous_settlement"})


def too_large(name: str, size: int) -> CheckedFile | None:
    """The file refused on its size alone (nothing read), or None when the size is within the limit."""
    problems = check_upload_size(size)
    return CheckedFile(name, None, None, problems) if problems else None


def check_file(name: str, data: bytes, validator: Validator, choices: Mapping[str, str] | None = None,
               today: date | None = None) -> CheckedFile:
    """Limits, then the picked settlements, then validation."""
    over_limits = check_upload_limits(data)
    if over_limits:
        return CheckedFile(name, data, None, over_limits, digest=sha256(data))
    choices = dict(choices or {})
    if choices:
        data = choose_settlements(data, choices)
    return CheckedFile(name, data, validator.validate(data, today), choices=choices, digest=sha256(data))


def read_file(path: Path, validator: Validator, today: date | None = None) -> CheckedFile:
    """A file on disk: its size is checked before it is read, then `check_file`."""
    data, problems = read_upload(path)
    if data is None:
        return CheckedFile(str(path), None, None, problems)
    return check_file(str(path), data, validator, today=today)


# Why an upload cannot be applied, by stage.
FILES_HAVE_ERRORS = "files"  # at least one file has errors of its own


TOGETHER_HAVE_ERRORS = "together"  # the files pass one by one but not together


CONTRADICTS_DATA_FILE = "contradicts"  # a line contradicts data/events.csv


READY = "ready"


@dataclass
class Upload:
    """The files of one upload, combined. When `ready`: `data` is what Save writes (every file's events,
    normalised), `combined` its validation, `plan` the merge into the data file."""

    files: list[CheckedFile]
    stage: str
    data: bytes | None = None
    combined: ValidationResult | None = None
    plan: merge.MergePlan | None = None

    @property
    def ready(self) -> bool:
        return self.stage == READY

    @cached_property
    def digest(self) -> str:
        """sha256 of `data` ("" when the files have errors of their own)."""
        return sha256(self.data) or ""

    @property
    def problems(self) -> list[Problem]:
        """What stops the upload at its stage (every file's own errors; the combination's; the contradictions)."""
        if self.stage == FILES_HAVE_ERRORS:
            return [p for f in self.files for p in f.errors]
        if self.stage == TOGETHER_HAVE_ERRORS and self.combined is not None:
            return self.combined.errors
        if self.stage == CONTRADICTS_DATA_FILE and self.plan is not None:
            return self.plan.problems
        return []

    def replace_plan(self, existing: ValidationResult | pd.DataFrame) -> merge.MergePlan:
        """What replacing the data file (holding `existing`) with this upload would change. The files must
        pass one by one (any other stage than FILES_HAVE_ERRORS): else there are no combined events."""
        if self.combined is None:
            raise ValueError("the files have errors of their own: there are no combined events to replace with")
        return merge.plan_merge(existing, self.combined, replace=True)


def combine(files: Sequence[CheckedFile], validator: Validator, existing: ValidationResult | pd.DataFrame,
            today: date | None = None) -> Upload:
    """The files as one upload, validated together and planned against the data file's events `existing`."""
    files = list(files)
    if not files:
        raise ValueError("an upload needs at least one file")
    if any(not f.ok for f in files):
        return Upload(files, FILES_HAVE_ERRORS)
    # Every file is ok, so every file has its result.
    data = writing.render_events(pd.concat([f.result.events for f in files if f.result is not None], ignore_index=True))
    combined = validator.validate(data, today)
    if not combined.ok:  # e.g. the same row in two files, or two files giving one source two statuses
        return Upload(files, TOGETHER_HAVE_ERRORS, data, combined)
    plan = merge.plan_merge(existing, combined)
    return Upload(files, READY if plan.ok else CONTRADICTS_DATA_FILE, data, combined, plan)


def check_upload_size(size: int) -> list[Problem]:
    """The size limit, checked on the size alone, before the file is read (an error, or [] within it)."""
    if size > MAX_UPLOAD_BYTES:
        return [Problem(0, "", f"{size:,} bytes",
                        f"the file is too large: {megabytes(size)} (the limit is {MAX_UPLOAD_MB} MB per upload)",
                        "split it into several smaller files", code="file_too_large")]
    return []


def check_upload_limits(data: bytes) -> list[Problem]:
    """Size and row limits, checked before the upload is parsed (errors, or [] when within the limits)."""
    too_large = check_upload_size(len(data))
    if too_large:
        return too_large
    if data.count(b"\n") > MAX_UPLOAD_ROWS:  # cheap bound first: rows never outnumber line breaks + 1
        rows = count_rows(data)
        if rows > MAX_UPLOAD_ROWS:
            return [Problem(0, "", f"{rows:,} rows",
                            f"the file has too many rows: {rows:,} (the limit is {MAX_UPLOAD_ROWS:,} per upload)",
                            "split it into several smaller files", code="too_many_rows")]
    return []


def read_upload(path: Path) -> tuple[bytes | None, list[Problem]]:
    """An upload file's bytes, read only when its size is within the limit: (bytes, []) or (None, problems)."""
    try:
        size = Path(path).stat().st_size
        too_large = check_upload_size(size)
        if too_large:
            return None, too_large
        return Path(path).read_bytes(), []
    except OSError as error:
        return None, [unreadable_file(path, error)]


def count_rows(data: bytes | None) -> int:
    """Event rows (non-blank lines after the header), as the validator counts them."""
    if not data:
        return 0
    decoded = read_text(data)
    if decoded.problem:
        return 0
    _, rows = read_rows(decoded.text, sniff_delimiter(decoded.text))
    return len(rows)
