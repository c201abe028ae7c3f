"""Safe storage of the event file (data/events.csv): uploads are merged into it or replace it.

An upload can never corrupt or lose data:

- One writer at a time: every change holds ``<events file>.lock`` (``filelock.FileLock``; waiting longer
  than ``lock_timeout`` raises `StoreBusy`). Under the lock the current file is read again and the upload is
  merged into *that* version, so two editors saving at once both keep their events.
- Nothing is written unless the upload validates, the merge creates no contradiction (one source giving two
  statuses for one settlement and day) and the new file, read back by the validator, gives exactly the
  events expected (the old ones plus the new ones). Otherwise the result carries the problems.
- A merge appends the new rows' CSV text in the file's own columns, delimiter, line ending and encoding;
  the bytes of the existing rows stay identical. Columns the new rows need (lat/lon when an upload gives a
  point) are added to the header only. ``replace=True`` writes the upload's normalised rows as the whole file.
- Writes are atomic: a temporary file in the same directory is written, flushed and fsynced, then renamed
  over the file (``os.replace``) and the directory is fsynced. A crash at any moment leaves the old or the
  new file, complete. Temporary files a crash left behind are removed by the next change.
- Before the file is replaced, the previous version is copied to the history folder (default: ``history/``
  next to the file, i.e. data/history/) as ``events-<UTC time>-<first 12 hex of its sha256>.csv`` and, once
  the new file is in place, one JSON line describing the change is appended to ``history/log.jsonl``.
- ``undo()`` reverts the most recent save that has not been undone yet, byte for byte; calling it again
  reverts the save before that. An undo is never itself undone (there is no redo), but nothing is lost: the
  version an undo replaces is copied to the history folder like any other. Undo refuses, changing nothing,
  when the file is not exactly the version that save wrote (changed by hand, or a crash struck between
  the rename and the log line) or when that save created the file.

Formula-looking text (``=…``, ``+…``, ``-…``, ``@…``) never reaches the file: the validator refuses it
(``formula_like``, see controlmap.events), and the exports neutralise what they write (exports.to_safe_csv).
The store never checks the editor secret; the UI does, with `editor_secret` and `check_secret`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import json
import math
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, overload

import filelock
import pandas as pd

from controlmap import csvtext, paths
from controlmap.events import (
    EVENT_COLUMNS,
    Problem,
    ValidationResult,
    Validator,
    empty_events,
    read_numbered_rows,
    read_rows,
    read_text,
    sniff_delimiter,
    unreadable_file,
)
from controlmap.limits import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, MAX_UPLOAD_ROWS, megabytes

LOCK_TIMEOUT_S = 30.0
IDENTITY_COLUMNS = ("date", "katottg", "status", "claimed_by", "source")
CONFLICT_COLUMNS = ("katottg", "date", "claimed_by")
CONTRADICTION_COLUMNS = ("katottg", "date", "source")  # the validator's own conflict rule
POINT_COLUMNS = ("lat", "lon")
CANONICAL_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in POINT_COLUMNS)
LOG_NAME = "log.jsonl"
SECRET_ENV = "CONTROLMAP_EDITOR_SECRET"
SECRET_KEY = "editor_secret"
FILE_MODE = 0o644
LINE_RE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|$)")


class StoreError(RuntimeError):
    """The store could not do what was asked; the message says why. Nothing was changed."""


class StoreBusy(StoreError):
    """Another save holds the lock for longer than the timeout."""


# ---------------------------------------------------------------- the editor secret

def editor_secret(env: Mapping, secrets: Mapping | None = None) -> str | None:
    """The editor secret: ``CONTROLMAP_EDITOR_SECRET`` from ``env``, else ``editor_secret`` from ``secrets``
    (Streamlit's st.secrets, passed in by the caller). None when neither is set or the value is blank:
    editing is then disabled, never open to all."""
    value = env.get(SECRET_ENV)
    if not (isinstance(value, str) and value.strip()) and secrets is not None:
        try:
            value = secrets.get(SECRET_KEY)
        except (KeyError, OSError):  # Streamlit raises when there is no secrets file at all
            value = None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def check_secret(given: str | None, expected: str | None) -> bool:
    """True only when both are non-empty and equal; compared in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(str(given).encode("utf-8"), str(expected).encode("utf-8"))


# ---------------------------------------------------------------- limits

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


@overload
def sha256(data: bytes) -> str: ...
@overload
def sha256(data: None) -> None: ...


def sha256(data: bytes | None) -> str | None:
    """sha256 (hex) of `data`; None for no data."""
    return None if data is None else hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the plan

@dataclass
class MergePlan:
    """What an upload changes. Frames hold normalised events plus, where it applies, the data file's line.

    new: rows written (merge: not yet in the file; replace: not in the old file).
    duplicates: merge — rows skipped, already in the file on IDENTITY_COLUMNS (`existing_line`);
        replace — rows that were already in the file (written again, not new).
    conflicts: rows whose claimant already gives another status for that settlement and day
        (`existing_line`, `existing_status`, `existing_source`, `same_source`); still added, since
        claims are kept apart, but listed for the user.
    removed: replace only — rows of the old file that the upload does not contain.
    problems: contradictions that block the save (the same source giving two statuses for one
        settlement and day, which the validator would reject in the merged file).
    """

    new: pd.DataFrame
    duplicates: pd.DataFrame
    conflicts: pd.DataFrame
    removed: pd.DataFrame = field(default_factory=lambda: empty_events())
    problems: list[Problem] = field(default_factory=list)
    replace: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        summary = {"mode": "replace" if self.replace else "merge", "added": len(self.new),
                   "duplicates_skipped": 0 if self.replace else len(self.duplicates),
                   "conflicts": int(self.conflicts.line.nunique()) if len(self.conflicts) else 0}
        if self.replace:
            summary |= {"unchanged": len(self.duplicates), "removed": len(self.removed)}
        return summary

    def lines(self, limit: int = 20) -> list[str]:
        """A readable account: counts, then up to `limit` rows per section."""
        s = self.summary()
        if self.replace:
            out = [f"replace: {s['added']} new, {s['unchanged']} unchanged, {s['removed']} removed"]
        else:
            out = [f"merge: {s['added']} new, {_count(s['duplicates_skipped'], 'duplicate')} skipped, "
                   f"{_count(s['conflicts'], 'conflict')}"]
        out += _section("new", self.new, limit, lambda r: f"line {r.line}: {_describe(r)}")
        if self.replace:
            out += _section("removed", self.removed, limit, lambda r: f"data file line {r.line}: {_describe(r)}")
        else:
            out += _section("duplicates skipped", self.duplicates, limit,
                            lambda r: f"line {r.line}: {_describe(r)} (already on line {r.existing_line} "
                                      f"of the data file)")
        out += _section("conflicts (added, flagged)", self.conflicts, limit,
                        lambda r: f"line {r.line}: {_iso(r.date)} {r.settlement or r.katottg}: {r.claimed_by} "
                                  f"claims '{r.status}' ({r.source}), line {r.existing_line} of the data file "
                                  f"says '{r.existing_status}' ({r.existing_source})")
        return out


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _section(title: str, frame: pd.DataFrame, limit: int, render: Callable[[Any], str]) -> list[str]:
    if not len(frame):
        return []
    out = [f"{title}:"] + [f"  {render(row)}" for row in frame.head(limit).itertuples()]
    if len(frame) > limit:
        out.append(f"  … and {len(frame) - limit} more")
    return out


def _describe(row: Any) -> str:
    return (f"{_iso(row.date)} {row.settlement or row.katottg} ({row.katottg}) {row.status}, "
            f"claimed by {row.claimed_by} — {row.source}")


def _iso(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)[:10]


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable identity values: ISO dates, upper-case katottg, stripped text."""
    dates = frame["date"]
    if pd.api.types.is_datetime64_any_dtype(dates):
        iso = dates.dt.strftime("%Y-%m-%d")
    else:
        parsed = pd.to_datetime(dates.astype(str).str.strip(), errors="coerce", format="ISO8601")
        iso = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), dates.astype(str).str.strip())
    keys = pd.DataFrame({"date": iso.fillna("")}, index=frame.index)
    for column in ("katottg", "status", "claimed_by", "source"):
        keys[column] = frame[column].fillna("").astype(str).str.strip()
    keys["katottg"] = keys.katottg.str.upper()
    return keys


def _events_of(data: ValidationResult | pd.DataFrame) -> pd.DataFrame:
    frame = data.events if isinstance(data, ValidationResult) else data
    frame = frame.reset_index(drop=True)
    if "line" not in frame:
        frame = frame.assign(line=range(2, len(frame) + 2))
    return frame


def plan_merge(existing: ValidationResult | pd.DataFrame, upload: ValidationResult, *,
               replace: bool = False) -> MergePlan:
    """What `upload` would change in a file holding `existing` (normalised events). Pure: no I/O.

    Rows are compared on normalised values (resolved katottg, ISO dates, normalised status and claimant),
    so "Kupyansk" in an upload equals the file's "Kupiansk" row.
    """
    old, up = _events_of(existing), _events_of(upload)
    old_keys, up_keys = _keys(old), _keys(up)
    identity = list(IDENTITY_COLUMNS)
    first_old = old_keys.assign(existing_line=old.line.to_numpy()).drop_duplicates(subset=identity)
    matched = up_keys.merge(first_old, on=identity, how="left")
    is_duplicate = matched.existing_line.notna().to_numpy()

    if replace:
        present = set(map(tuple, up_keys[identity].to_numpy()))
        gone = [tuple(k) not in present for k in old_keys[identity].to_numpy()]
        duplicates = up[is_duplicate].assign(existing_line=matched.existing_line[is_duplicate].astype(int).to_numpy())
        return MergePlan(new=up[~is_duplicate].reset_index(drop=True), duplicates=duplicates.reset_index(drop=True),
                         conflicts=_no_conflicts(), removed=old[gone].reset_index(drop=True), replace=True)

    fresh = up[~is_duplicate]
    duplicates = up[is_duplicate].assign(existing_line=matched.existing_line[is_duplicate].astype(int).to_numpy())
    conflicts = _conflicts(fresh, up_keys[~is_duplicate], old, old_keys)
    problems = _contradictions(fresh, up_keys[~is_duplicate], old, old_keys)
    return MergePlan(new=fresh.reset_index(drop=True), duplicates=duplicates.reset_index(drop=True),
                     conflicts=conflicts, problems=problems)


CONFLICT_FIELDS = ["line", "date", "settlement", "katottg", "claimed_by", "status", "source", "existing_line",
                   "existing_status", "existing_source", "same_source"]


def _no_conflicts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CONFLICT_FIELDS})


def _pairs(fresh_keys: pd.DataFrame, old_keys: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """Each new row (`_new`) next to the first existing row (`_old`) of each other status sharing `on`.

    At most one existing row per status: the work stays linear in the rows however many rows share a key (5,000
    new rows on one settlement, day and claimant against 10,000 existing ones are 5,000 pairs, not 50 million)."""
    left = fresh_keys.assign(_new=range(len(fresh_keys)))
    right = old_keys.assign(_old=range(len(old_keys))).drop_duplicates(subset=[*on, "status"])
    pairs = left.merge(right, on=list(on), suffixes=("", "_old"))
    return pairs[pairs.status != pairs.status_old].sort_values(["_new", "_old"])


def _conflicts(fresh: pd.DataFrame, fresh_keys: pd.DataFrame, old: pd.DataFrame,
               old_keys: pd.DataFrame) -> pd.DataFrame:
    """New rows whose claimant already gives another status for that settlement and day: one existing row per
    other status, the one from the same source when there is one (that pair is also a contradiction)."""
    pairs = _pairs(fresh_keys, old_keys, CONFLICT_COLUMNS)
    if pairs.empty:
        return _no_conflicts()
    same = _pairs(fresh_keys, old_keys, CONTRADICTION_COLUMNS)
    same = same[same.claimed_by == same.claimed_by_old][["_new", "status_old", "_old"]]
    pairs = pairs.merge(same, on=["_new", "status_old"], how="left", suffixes=("", "_same"))
    pairs["_old"] = pairs._old_same.fillna(pairs._old).astype(int)
    pairs = pairs.sort_values(["_new", "_old"])
    new_rows = fresh.iloc[pairs._new.to_numpy()].reset_index(drop=True)
    old_rows = old.iloc[pairs._old.to_numpy()].reset_index(drop=True)
    frame = new_rows[["line", "date", "settlement", "katottg", "claimed_by", "status", "source"]].copy()
    frame["existing_line"] = old_rows.line.astype(int).to_numpy()
    frame["existing_status"] = old_rows.status.to_numpy()
    frame["existing_source"] = old_rows.source.to_numpy()
    frame["same_source"] = pairs._old_same.notna().to_numpy()
    return frame[CONFLICT_FIELDS].reset_index(drop=True)


def _contradictions(fresh: pd.DataFrame, fresh_keys: pd.DataFrame, old: pd.DataFrame,
                    old_keys: pd.DataFrame) -> list[Problem]:
    pairs = _pairs(fresh_keys, old_keys, CONTRADICTION_COLUMNS)
    problems = []
    for new_i, old_i in zip(pairs._new, pairs._old, strict=True):
        row, other = fresh.iloc[new_i], old.iloc[old_i]
        problems.append(Problem(
            int(row.line), "status", row.status,
            f"{row.source} already gives '{other.status}' for {row.settlement or row.katottg} on {_iso(row.date)} "
            f"(line {int(other.line)} of the data file); this line says '{row.status}'",
            "keep one of them: drop this line, or correct the data file and upload it whole with replace",
            code="contradicts_data_file"))
    return problems


# ---------------------------------------------------------------- CSV text

def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    """One column as the text written to the file: ISO dates, shortest exact decimals, "" for missing."""
    if column not in frame:
        return [""] * len(frame)
    values = frame[column]
    if column == "date" and pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("").tolist()
    if column == "date":
        return ["" if pd.isna(v) else _iso(v) for v in values]
    if column in POINT_COLUMNS:
        numbers = pd.to_numeric(values, errors="coerce")
        return ["" if math.isnan(v) else repr(float(v)) for v in numbers.tolist()]
    return [str(v) for v in values.astype(object).where(values.notna(), "").tolist()]


def _uses_points(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and any(frame[c].notna().any() for c in POINT_COLUMNS if c in frame)


def _csv_text(rows: Iterable[Sequence[str]], delimiter: str = ",", terminator: str = "\n") -> str:
    return csvtext.write_rows(rows, delimiter, terminator)


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[str, ...]]:
    return list(zip(*(_texts(frame, c) for c in columns), strict=True)) if len(frame) else []


def render_events(frame: pd.DataFrame) -> bytes:
    """A whole event file from normalised events: canonical columns (lat, lon only when used), UTF-8, LF."""
    columns = list(CANONICAL_COLUMNS) + (list(POINT_COLUMNS) if _uses_points(frame) else [])
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


def _comparable(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    return _records(frame, EVENT_COLUMNS)


def _read_back_fault(after: bytes, kept: int, written: pd.DataFrame, check: ValidationResult,
                     expected: pd.DataFrame) -> tuple[int | None, str]:
    """(the upload's line of the first row written that does not read back, why), naming the user's own line
    rather than one of the new file (None when no row can be blamed). `kept`: rows of the old file written first."""
    decoded = read_text(after)
    starts = [start for start, _ in read_numbered_rows(decoded.text, sniff_delimiter(decoded.text))[1]]
    upload_line = {start: int(line) for start, line in zip(starts[kept:], written.line, strict=False)}
    for problem in check.errors:
        if problem.line in upload_line:
            return upload_line[problem.line], f"column {problem.column or '-'}: {problem.message}"
    got, wanted = _comparable(check.events), _comparable(expected)
    for index, (read, meant) in enumerate(zip(got, wanted, strict=False)):
        if read != meant and index >= kept:
            return int(written.line.iloc[index - kept]), "the row read back differs from the row written"
    reason = "; ".join(str(p) for p in check.errors[:3]) or "the events read back differ from those expected"
    return None, reason


# ---------------------------------------------------------------- results

@dataclass
class SaveResult:
    ok: bool
    written: bool = False
    problems: list[Problem] = field(default_factory=list)  # validation problems (warnings too) and refusals
    plan: MergePlan | None = None
    entry: dict | None = None  # the history entry, when something was written
    message: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class UndoResult:
    ok: bool
    message: str
    entry: dict | None = None


@dataclass
class _Prepared:
    result: SaveResult
    before: bytes | None = None
    after: bytes | None = None
    rows_before: int = 0
    rows_after: int = 0


# ---------------------------------------------------------------- the store

class EventStore:
    """The event file, its lock and its history. Safe across threads and processes of one machine."""

    def __init__(self, path: Path = paths.EVENTS_CSV, history_dir: Path | None = None, *,
                 lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.history_dir = Path(history_dir) if history_dir is not None else self.path.parent / "history"
        self.lock_path = Path(f"{self.path}.lock")
        self.log_path = self.history_dir / LOG_NAME
        self.lock_timeout = lock_timeout

    # ------------------------------------------------------------ reading

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def digest(self) -> str:
        """sha256 (hex) of the current file; "" when there is no file."""
        return sha256(self.read()) or ""

    def history(self) -> list[dict]:
        """The log, newest first. A line a crash cut short is skipped."""
        try:
            lines = self.log_path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        return entries[::-1]

    # ------------------------------------------------------------ saving

    def preview(self, upload_bytes: bytes, *, replace: bool = False, validator: Validator,
                today: date | None = None) -> SaveResult:
        """Everything `save` checks and plans, against the current file, writing nothing."""
        return self._prepare(upload_bytes, self._validate_upload(upload_bytes, validator, today), replace,
                             validator, today).result

    def save(self, upload_bytes: bytes, *, replace: bool = False, validator: Validator, today: date | None = None,
             author: str = "") -> SaveResult:
        """Merge the upload into the file (or replace the file with it), under the lock, atomically.

        Returns a SaveResult: `ok` False with the problems when nothing could be written; `written` False
        when the upload adds nothing. Raises StoreBusy when the lock cannot be had in time.
        """
        upload = self._validate_upload(upload_bytes, validator, today)
        if isinstance(upload, SaveResult):
            return upload
        with self._lock():
            self._remove_stale_temp_files()
            prepared = self._prepare(upload_bytes, upload, replace, validator, today)
            result, plan = prepared.result, prepared.result.plan
            if not result.ok or plan is None or prepared.after is None or prepared.after == prepared.before:
                if result.ok:
                    result.message = "nothing to write: the file already holds these events"
                return result
            details = {"action": "replace" if replace else "merge", "author": author,
                       "rows_before": prepared.rows_before, "rows_after": prepared.rows_after,
                       **{k: v for k, v in plan.summary().items() if k != "mode"},
                       "upload_sha256": sha256(upload_bytes)}
            result.entry = self._commit(prepared.before, prepared.after, details)
            result.written = True
            result.message = (f"saved: {result.entry['added']} events added, {prepared.rows_before} → "
                              f"{prepared.rows_after} rows")
            return result

    def _validate_upload(self, upload_bytes: bytes, validator: Validator,
                         today: date | None) -> ValidationResult | SaveResult:
        limits = check_upload_limits(upload_bytes)
        if limits:
            return SaveResult(False, problems=limits, message="the upload is over the limits; nothing was written")
        upload = validator.validate(upload_bytes, today)
        if not upload.ok:
            return SaveResult(False, problems=upload.problems,
                              message=f"the upload has {_count(len(upload.errors), 'error')}; nothing was written")
        return upload

    def _prepare(self, upload_bytes: bytes, upload: ValidationResult | SaveResult, replace: bool,
                 validator: Validator, today: date | None) -> _Prepared:
        if isinstance(upload, SaveResult):
            return _Prepared(upload)
        before = self.read()
        existing = validator.validate(before, today) if before and before.strip() else ValidationResult()
        unreadable = "; ".join(p.message for p in existing.errors if p.line <= 1 and p.code != "no_events")
        if unreadable and not replace:
            return _Prepared(SaveResult(False, problems=[Problem(
                0, "", str(self.path), f"the data file cannot be read ({unreadable}); nothing was written",
                "restore it with undo, or upload a whole file with replace", code="data_file_unreadable")],
                message="the data file is unreadable"))
        plan = plan_merge(existing, upload, replace=replace)
        result = SaveResult(True, problems=list(upload.problems), plan=plan)
        if not plan.ok:
            result.ok, result.problems = False, result.problems + plan.problems
            verb = "contradicts" if len(plan.problems) == 1 else "contradict"
            result.message = f"{_count(len(plan.problems), 'line')} {verb} the data file; nothing was written"
            return _Prepared(result)
        try:
            after = render_events(upload.events) if replace else append_events(before, plan.new)
        except StoreError as error:
            result.ok, result.message = False, str(error)
            result.problems.append(Problem(0, "", str(self.path), str(error), code="cannot_write"))
            return _Prepared(result)
        if after == before:
            return _Prepared(result, before, after, existing.rows, existing.rows)
        expected = upload.events if replace else pd.concat([existing.events, plan.new], ignore_index=True)
        check = validator.validate(after, today)
        new_errors = len(check.errors) - (0 if replace else len(existing.errors))
        if new_errors > 0 or _comparable(check.events) != _comparable(expected):
            written = upload.events if replace else plan.new
            line, why = _read_back_fault(after, 0 if replace else existing.rows, written, check, expected)
            where = f"line {line} of the upload" if line else "the new file"
            result.ok, result.message = False, f"{where} would not read back as written ({why})"
            result.problems.append(Problem(line or 0, "", str(self.path), f"{result.message}; nothing was written",
                                           "report this with the file: the store wrote something it cannot read",
                                           code="read_back_mismatch"))
            return _Prepared(result)
        return _Prepared(result, before, after, existing.rows, check.rows)

    # ------------------------------------------------------------ undo

    def undo_target(self) -> dict | None:
        """The history entry of the save that ``undo`` would revert now (None: nothing to undo)."""
        return _undo_target(self.history())

    def undo(self, author: str = "", expected: str | None = None) -> UndoResult:
        """Restore the version from before the most recent save not yet undone, byte for byte (see module doc).

        With ``expected`` (a save's id, as the editor saw it in ``undo_target``), only that save is undone: if
        another writer saved or undid meanwhile, nothing changes."""
        with self._lock():
            self._remove_stale_temp_files()
            target = _undo_target(self.history())
            if target is None:
                return UndoResult(False, "nothing to undo: no save is recorded, or every save was undone already")
            if expected is not None and target.get("id") != expected:
                return UndoResult(False, f"nothing was undone: the newest save is now the {target.get('action')} "
                                         f"of {target.get('when', '?')} by {target.get('author') or 'unknown'}, not "
                                         "the one you chose; look at the history and try again")
            current = self.read()
            when = target.get("when", "?")
            if sha256(current) != target.get("sha256_after"):
                return UndoResult(False, f"nothing was undone: the data file is not the version the save of {when} "
                                         "wrote (it was changed outside the store); every earlier version is "
                                         f"in {self.history_dir}")
            if not target.get("previous"):
                return UndoResult(False, f"nothing was undone: the save of {when} created the file, there is no "
                                         "earlier version")
            try:
                restored = (self.history_dir / target["previous"]).read_bytes()
            except OSError as error:
                return UndoResult(False, f"nothing was undone: cannot read {target['previous']}: {error.strerror}")
            if sha256(restored) != target.get("sha256_before"):
                return UndoResult(False, f"nothing was undone: {target['previous']} is not the version it should be "
                                         "(its sha256 differs)")
            entry = self._commit(current, restored, {
                "action": "undo", "author": author, "undoes": target["id"], "restored": target["previous"],
                "rows_before": count_rows(current), "rows_after": count_rows(restored)})
            return UndoResult(True, f"undid the {target.get('action', 'save')} of {when}: restored "
                                    f"{target['previous']}", entry)

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.lock_path), timeout=self.lock_timeout)
        try:
            lock.acquire()
        except filelock.Timeout as error:
            raise StoreBusy(f"another save of {self.path.name} is in progress (waited {self.lock_timeout:g} s for "
                            f"{self.lock_path}); nothing was written, try again in a moment") from error
        try:
            yield
        finally:
            lock.release()

    def _commit(self, before: bytes | None, after: bytes, details: dict) -> dict:
        """Copy `before` to the history folder, put `after` in place, log the change. Lock held."""
        self.history_dir.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        previous = None
        if before is not None:
            previous = f"{self.path.stem}-{now:%Y%m%dT%H%M%S.%fZ}-{sha256(before)[:12]}.csv"
            atomic_write(self.history_dir / previous, before)
        mode = self.path.stat().st_mode & 0o777 if before is not None else FILE_MODE
        atomic_write(self.path, after, mode)
        entry = {"id": uuid.uuid4().hex[:16], "when": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
                 **details, "file": self.path.name, "sha256_before": sha256(before), "sha256_after": sha256(after),
                 "previous": previous}
        self._append_log(entry)
        return entry

    def _append_log(self, entry: dict) -> None:
        line = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
        with open(self.log_path, "a+b") as log:
            if log.seek(0, os.SEEK_END) > 0:
                log.seek(-1, os.SEEK_END)
                if log.read(1) != b"\n":  # a crash cut the last line short: start a fresh line
                    line = b"\n" + line
            log.write(line)
            log.flush()
            os.fsync(log.fileno())
        fsync_directory(self.history_dir)

    def _remove_stale_temp_files(self) -> None:
        """Temporary files are only made under the lock, which we hold: any found now was left by a crash."""
        patterns = [(self.path.parent, f".{self.path.name}.*.tmp"), (self.history_dir, f".{self.path.stem}-*.tmp")]
        for directory, pattern in patterns:
            for stale in directory.glob(pattern):
                stale.unlink(missing_ok=True)


def _undo_target(entries: list[dict]) -> dict | None:
    """Newest save (merge or replace) that no later undo reverted; entries are newest first."""
    undone = set()
    for entry in entries:
        if entry.get("action") == "undo":
            undone.add(entry.get("undoes"))
        elif entry.get("action") in ("merge", "replace") and entry.get("id") not in undone:
            return entry
    return None


def atomic_write(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Write `data` to `path` so that a crash leaves the old file or the new one, never a part."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
