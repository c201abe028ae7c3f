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

- A save may carry the data folder's sources.json (what the map series have read, controlmap.events.sources):
  ``python -m controlmap update`` saves its new rows and its record together. The events are written first, then
  the record (a crash between them leaves rows the next update finds already present, never a record of rows that
  were not written); both previous versions go to the history folder, and undo restores both.

Formula-looking text (``=…``, ``+…``, ``-…``, ``@…``) never reaches the file: the validator refuses it
(``formula_like``, see controlmap.events.validation), and the exports neutralise what they write
(controlmap.timeline.exports.to_safe_csv).
The store never checks the editor secret; the UI does (controlmap.events.editor). Merge planning is
controlmap.events.merge, the bytes written controlmap.events.writing.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import filelock
import pandas as pd

from controlmap import paths
from controlmap.digest import sha256
from controlmap.events.merge import MergePlan, counted, plan_merge
from controlmap.events.problems import Problem
from controlmap.events.reading import read_numbered_rows, read_text, sniff_delimiter
from controlmap.events.sources import SOURCES_NAME
from controlmap.events.uploads import check_upload_limits, count_rows
from controlmap.events.validation import ValidationResult, Validator
from controlmap.events.writing import StoreError, append_events, comparable_records, render_events

LOCK_TIMEOUT_S = 30.0


class StoreBusy(StoreError):
    """Another save holds the lock for longer than the timeout."""


LOG_NAME = "log.jsonl"
RECORD_NAME = SOURCES_NAME


FILE_MODE = 0o644


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
    got, wanted = comparable_records(check.events), comparable_records(expected)
    for index, (read, meant) in enumerate(zip(got, wanted, strict=False)):
        if read != meant and index >= kept:
            return int(written.line.iloc[index - kept]), "the row read back differs from the row written"
    reason = "; ".join(str(p) for p in check.errors[:3]) or "the events read back differ from those expected"
    return None, reason


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

    def save(self, upload_bytes: bytes | None, *, replace: bool = False, validator: Validator,
             today: date | None = None, author: str = "", sources: bytes | None = None) -> SaveResult:
        """Merge the upload into the file (or replace the file with it), under the lock, atomically; with `sources`,
        write that as the data folder's sources.json too (`upload_bytes` None: the record alone).

        Returns a SaveResult: `ok` False with the problems when nothing could be written; `written` False
        when the upload adds nothing (and the record, if given, is unchanged). Raises StoreBusy when the lock
        cannot be had in time.
        """
        upload = None if upload_bytes is None else self._validate_upload(upload_bytes, validator, today)
        if isinstance(upload, SaveResult):
            return upload
        with self._lock():
            self._remove_stale_temp_files()
            if upload is None:
                before = self.read()
                rows = count_rows(before) if before else 0
                prepared = _Prepared(SaveResult(True, plan=None), before, before, rows, rows)
            else:
                prepared = self._prepare(upload_bytes or b"", upload, replace, validator, today)
            result, plan = prepared.result, prepared.result.plan
            record_before = self._read_record()
            record_changes = sources is not None and sources != record_before
            if not result.ok or prepared.after is None or (prepared.after == prepared.before and not record_changes):
                if result.ok:
                    result.message = "nothing to write: the file already holds these events"
                return result
            details = {"action": "replace" if replace else "merge", "author": author,
                       "rows_before": prepared.rows_before, "rows_after": prepared.rows_after,
                       **({k: v for k, v in plan.summary().items() if k != "mode"} if plan else {"added": 0}),
                       "upload_sha256": sha256(upload_bytes)}
            result.entry = self._commit(prepared.before, prepared.after, details,
                                        (record_before, sources) if sources is not None else None)
            result.written = True
            result.message = (f"saved: {result.entry['added']} events added, {prepared.rows_before} → "
                              f"{prepared.rows_after} rows" + (", sources.json updated" if record_changes else ""))
            return result

    @property
    def record_path(self) -> Path:
        """The data folder's sources.json (controlmap.events.sources), saved with the events by `update`."""
        return self.path.parent / RECORD_NAME

    def _read_record(self) -> bytes | None:
        try:
            return self.record_path.read_bytes()
        except FileNotFoundError:
            return None

    def _validate_upload(self, upload_bytes: bytes, validator: Validator,
                         today: date | None) -> ValidationResult | SaveResult:
        limits = check_upload_limits(upload_bytes)
        if limits:
            return SaveResult(False, problems=limits, message="the upload is over the limits; nothing was written")
        upload = validator.validate(upload_bytes, today)
        if not upload.ok:
            return SaveResult(False, problems=upload.problems,
                              message=f"the upload has {counted(len(upload.errors), 'error')}; nothing was written")
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
            result.message = f"{counted(len(plan.problems), 'line')} {verb} the data file; nothing was written"
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
        if new_errors > 0 or comparable_records(check.events) != comparable_records(expected):
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
            restored = self._kept_version(target["previous"], target.get("sha256_before"))
            if isinstance(restored, UndoResult):
                return restored
            record: tuple[bytes | None, bytes | None] | None = None
            if "record_sha256_after" in target:
                restoring = self._record_to_restore(target)
                if isinstance(restoring, UndoResult):
                    return restoring
                record = restoring
            entry = self._commit(current, restored, {
                "action": "undo", "author": author, "undoes": target["id"], "restored": target["previous"],
                "rows_before": count_rows(current), "rows_after": count_rows(restored)}, record)
            return UndoResult(True, f"undid the {target.get('action', 'save')} of {when}: restored "
                                    f"{target['previous']}", entry)

    def _record_to_restore(self, target: dict) -> tuple[bytes | None, bytes | None] | UndoResult:
        """(the record now, the record before the save `target`) when undo may restore it."""
        when = target.get("when", "?")
        now = self._read_record()
        if sha256(now) != target.get("record_sha256_after"):
            return UndoResult(False, f"nothing was undone: {RECORD_NAME} is not the version the save of {when} wrote "
                                     f"(changed since); every earlier version is in {self.history_dir}")
        if not target.get("record_previous"):
            return (now, None)
        earlier = self._kept_version(target["record_previous"], target.get("record_sha256_before"))
        return earlier if isinstance(earlier, UndoResult) else (now, earlier)

    def _kept_version(self, name: str, expected_sha256: str | None) -> bytes | UndoResult:
        """A version kept in the history folder, checked against the sha256 its log line gives."""
        try:
            kept = (self.history_dir / name).read_bytes()
        except OSError as error:
            return UndoResult(False, f"nothing was undone: cannot read {name}: {error.strerror}")
        if sha256(kept) != expected_sha256:
            return UndoResult(False, f"nothing was undone: {name} is not the version it should be (its sha256 differs)")
        return kept

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

    def _commit(self, before: bytes | None, after: bytes, details: dict,
                record: tuple[bytes | None, bytes | None] | None = None) -> dict:
        """Copy `before` to the history folder, put `after` in place, log the change; with `record` (the sources.json
        before and after; after None: remove it), the same for it, written after the events. Lock held."""
        self.history_dir.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        stamp = f"{now:%Y%m%dT%H%M%S.%fZ}"
        previous = None
        if before is not None:
            previous = f"{self.path.stem}-{stamp}-{sha256(before)[:12]}.csv"
            atomic_write(self.history_dir / previous, before)
        record_fields = {}
        if record is not None:
            record_before, record_after = record
            record_previous = None
            if record_before is not None:
                record_previous = f"{self.record_path.stem}-{stamp}-{sha256(record_before)[:12]}.json"
                atomic_write(self.history_dir / record_previous, record_before)
            record_fields = {"record": RECORD_NAME, "record_sha256_before": sha256(record_before),
                             "record_sha256_after": sha256(record_after), "record_previous": record_previous}
        mode = self.path.stat().st_mode & 0o777 if before is not None else FILE_MODE
        atomic_write(self.path, after, mode)
        if record is not None:
            if record[1] is None:
                self.record_path.unlink(missing_ok=True)
                fsync_directory(self.record_path.parent)
            else:
                atomic_write(self.record_path, record[1])
        entry = {"id": uuid.uuid4().hex[:16], "when": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
                 **details, "file": self.path.name, "sha256_before": sha256(before), "sha256_after": sha256(after),
                 "previous": previous, **record_fields}
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
        patterns = [(self.path.parent, f".{self.path.name}.*.tmp"), (self.history_dir, f".{self.path.stem}-*.tmp"),
                    (self.path.parent, f".{RECORD_NAME}.*.tmp"), (self.history_dir, f".{Path(RECORD_NAME).stem}-*.tmp")]
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
