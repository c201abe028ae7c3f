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

from controlmap import store
from controlmap.events import Problem, ValidationResult, Validator, choose_settlements


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
    problems = store.check_upload_size(size)
    return CheckedFile(name, None, None, problems) if problems else None


def check_file(name: str, data: bytes, validator: Validator, choices: Mapping[str, str] | None = None,
               today: date | None = None) -> CheckedFile:
    """Limits, then the picked settlements, then validation."""
    limits = store.check_upload_limits(data)
    if limits:
        return CheckedFile(name, data, None, limits, digest=store.sha256(data))
    choices = dict(choices or {})
    if choices:
        data = choose_settlements(data, choices)
    return CheckedFile(name, data, validator.validate(data, today), choices=choices, digest=store.sha256(data))


def read_file(path: Path, validator: Validator, today: date | None = None) -> CheckedFile:
    """A file on disk: its size is checked before it is read, then `check_file`."""
    data, problems = store.read_upload(path)
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
    plan: store.MergePlan | None = None

    @property
    def ready(self) -> bool:
        return self.stage == READY

    @cached_property
    def digest(self) -> str:
        """sha256 of `data` ("" when the files have errors of their own)."""
        return store.sha256(self.data) or ""

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

    def replace_plan(self, existing: ValidationResult | pd.DataFrame) -> store.MergePlan:
        """What replacing the data file (holding `existing`) with this upload would change. The files must
        pass one by one (any other stage than FILES_HAVE_ERRORS): else there are no combined events."""
        if self.combined is None:
            raise ValueError("the files have errors of their own: there are no combined events to replace with")
        return store.plan_merge(existing, self.combined, replace=True)


def combine(files: Sequence[CheckedFile], validator: Validator, existing: ValidationResult | pd.DataFrame,
            today: date | None = None) -> Upload:
    """The files as one upload, validated together and planned against the data file's events `existing`."""
    files = list(files)
    if not files:
        raise ValueError("an upload needs at least one file")
    if any(not f.ok for f in files):
        return Upload(files, FILES_HAVE_ERRORS)
    # Every file is ok, so every file has its result.
    data = store.render_events(pd.concat([f.result.events for f in files if f.result is not None], ignore_index=True))
    combined = validator.validate(data, today)
    if not combined.ok:  # e.g. the same row in two files, or two files giving one source two statuses
        return Upload(files, TOGETHER_HAVE_ERRORS, data, combined)
    plan = store.plan_merge(existing, combined)
    return Upload(files, READY if plan.ok else CONTRADICTS_DATA_FILE, data, combined, plan)
