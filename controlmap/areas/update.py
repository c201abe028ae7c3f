"""Keeping the data current: read the snapshots of a publisher's map newer than the newest one the data folder has
read (sources.json), continue the import exactly where it stopped, and save the new rows with the new record.

Sources: the publisher's API (the preset's `api`; `deepstate-api` names DeepStateMap's), a base address of the same
layout (a mirror, a test server), folders laid out like the archives (a git clone too: its rows name its commit),
or single snapshot files. Only snapshots newer than the record are read (older files in a folder are skipped; an
older file named on its own, or any snapshot the preset's checks refuse, is an error). Nothing is written unless every
snapshot reads and every row validates; then the rows and the record are saved together through the store (backup,
undo). One update at a time: a second waits for nothing and stops (UpdateError "update_running"); a save made
on the Upload page meanwhile is merged with, never lost.

Running it twice adds nothing the second time and changes no byte; updating day by day gives exactly the rows and
the record one import over the same snapshots gives (the tracker's state is the record's).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import filelock
import pandas as pd

from controlmap import paths
from controlmap.areas import state
from controlmap.areas.fetch import MAX_LIST_BYTES, Fetcher, FetchError, parse_list
from controlmap.areas.importer import FlickerRule, ImportReport, import_areas, placed_settlements
from controlmap.areas.preset import Preset
from controlmap.areas.snapshots import Snapshot, SnapshotError, find_snapshots, layer_files
from controlmap.digest import file_sha256
from controlmap.events.sources import SourcesError, read_sources, render_sources, sources_path
from controlmap.events.store import EventStore, SaveResult, StoreBusy
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer
from controlmap.limits import MAX_SNAPSHOT_BYTES

API = "api"  # a source naming the preset's own API (the CLI also takes the publisher's name, e.g. deepstate-api)
Say = Callable[[str], None]


class UpdateError(Exception):
    """An update that stopped before writing anything: `code` names why."""

    def __init__(self, code: str, message: str, suggestion: str = "") -> None:
        super().__init__(message + (f" ({suggestion})" if suggestion else ""))
        self.code, self.message, self.suggestion = code, message, suggestion


@dataclass
class UpdateRequest:
    sources: Sequence[str]  # API, an http(s) base address, folders, files
    preset: Preset
    events_path: Path = paths.EVENTS_CSV
    geo_dir: Path = paths.GEO_DIR
    until: date | None = None
    dry_run: bool = False
    max_change_share: float | None = None
    commits: dict[str, str] = field(default_factory=dict)
    author: str = "update"
    today: date | None = None
    # The flicker rule of a first import (nothing recorded yet); later updates continue with the recorded one.
    rule: FlickerRule = field(default_factory=FlickerRule)


@dataclass
class UpdateResult:
    snapshots: list[Snapshot]
    skipped_older: int  # snapshots in the sources that the record had already read (or older)
    rows: pd.DataFrame
    report: ImportReport | None
    newest: dict  # the record's newest snapshot after the update
    save: SaveResult | None  # None: nothing to save, or a dry run
    dry_run: bool
    pending: int

    @property
    def changed(self) -> bool:
        return bool(self.save and self.save.written)

    def lines(self) -> list[str]:
        settlements = len(self.report.settlements_changed) if self.report else 0
        first_states = len(self.rows) - (self.report.counted_changes if self.report else 0)
        out = [f"snapshots read: {len(self.snapshots)}"
               + (f" ({self.snapshots[0].describe()} … {self.snapshots[-1].describe()})" if self.snapshots else "")
               + (f"; {self.skipped_older} already read or older, skipped" if self.skipped_older else ""),
               f"rows added: {len(self.rows)} ({settlements} settlements changed state"
               + (f", {first_states} first states" if first_states else "") + ")",
               f"settlements whose newest change awaits confirmation: {self.pending}",
               f"newest snapshot read: {self.newest.get('time', 'none')} ({self.newest.get('series', '-')}/"
               f"{self.newest.get('file', '-')})"]
        if self.dry_run:
            out.append("dry run: nothing was written")
        elif self.save is not None and self.save.entry:
            out.append(f"saved ({self.save.message}); undo with: python -m controlmap undo "
                       f"(save {self.save.entry['id']})")
        elif not self.snapshots:
            out.append("nothing new: nothing was written")
        return out


def lock_path(events_path: Path) -> Path:
    return Path(f"{sources_path(events_path)}.lock")


def run_update(request: UpdateRequest, say: Say = lambda _: None, fetcher: Fetcher | None = None,
               progress: Callable[[int, int], None] | None = None) -> UpdateResult:
    """The update (see the module doc). Raises UpdateError, writing nothing, when it cannot be done."""
    lock = filelock.FileLock(str(lock_path(request.events_path)), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise UpdateError("update_running", f"another update of {request.events_path.parent} is running (it holds "
                                             f"{lock_path(request.events_path)})", "let it finish") from None
    try:
        return _update(request, say, fetcher, progress)
    finally:
        lock.release()


def _update(request: UpdateRequest, say: Say, fetcher: Fetcher | None,
            progress: Callable[[int, int], None] | None) -> UpdateResult:
    preset = request.preset
    record_file = sources_path(request.events_path)
    try:
        record = read_sources(record_file) or {"presets": {}}
    except SourcesError as error:
        raise UpdateError("bad_sources", str(error), "restore it with python -m controlmap undo") from None
    part = record["presets"].get(preset.name)
    if part and part.get("preset_sha256") not in ("", preset.digest):
        say(f"note: the preset '{preset.name}' changed since the last import; the update continues with the record")
    newest = state.newest_time(part)
    with tempfile.TemporaryDirectory(prefix="controlmap-update-") as scratch:
        found, skipped = _snapshots(request, newest, Path(scratch), say, fetcher)
        if not found:
            return UpdateResult([], skipped, pd.DataFrame(), None, dict((part or {}).get("newest", {})), None,
                                request.dry_run, state.pending_count(part))
        gazetteer = Gazetteer.load(request.geo_dir)
        placed, _ = placed_settlements(gazetteer.settlements)
        rule = state.rule_of(part, request.rule)
        try:
            tracker = state.tracker_of(part, placed, preset, rule)
        except SourcesError as error:
            raise UpdateError("bad_sources", str(error), "restore it with python -m controlmap undo") from None
        commits = {**(part or {}).get("commits", {}), **_clone_commits(request.sources, found), **request.commits}
        say(f"importing {len(found)} snapshot(s) …")
        try:
            result = import_areas(found, gazetteer.settlements, preset, commits, rule, progress, tracker,
                                  request.max_change_share)
        except SnapshotError as error:
            raise UpdateError(error.error.code or "unreadable_snapshot", str(error),
                              error.error.suggestion) from None
        new_part = state.record_of(preset, rule, result.tracker, placed, found, file_sha256, commits, part)
    document = {**record, "presets": {**record["presets"], preset.name: new_part}}
    outcome = UpdateResult(found, skipped, result.events, result.report, new_part["newest"], None, request.dry_run,
                           state.pending_count(new_part))
    rows = result.csv().encode("utf-8") if len(result.events) else None
    store = EventStore(request.events_path)
    validator = Validator(gazetteer)
    if request.dry_run:
        if rows is not None:
            outcome.save = store.preview(rows, validator=validator, today=request.today)
            _refuse_if_failed(outcome.save)
            outcome.save = None
        return outcome
    try:
        outcome.save = store.save(rows, validator=validator, today=request.today, author=request.author,
                                  sources=render_sources(document))
    except StoreBusy as error:
        raise UpdateError("store_busy", str(error), "run the update again") from None
    _refuse_if_failed(outcome.save)
    return outcome


def _refuse_if_failed(save: SaveResult) -> None:
    if not save.ok:
        first = "; ".join(str(p) for p in save.errors[:3])
        raise UpdateError("rows_refused", f"the derived rows cannot be saved: {save.message}"
                                          + (f" ({first})" if first else ""), "report this with the snapshots read")


# ---------------------------------------------------------------- where the snapshots come from


def _snapshots(request: UpdateRequest, newest: datetime | None, scratch: Path, say: Say,
               fetcher: Fetcher | None) -> tuple[list[Snapshot], int]:
    """(the snapshots newer than `newest`, in time order, one per time; how many older ones were skipped)."""
    chosen: dict[datetime, Snapshot] = {}
    skipped = 0
    for source in request.sources:
        if source == API or source.startswith(("http://", "https://")):
            found, older = _from_api(request, source, newest, scratch, say, fetcher)
        else:
            found, older = _from_files(request, source, newest)
        skipped += older
        for snapshot in found:
            chosen.setdefault(snapshot.time, snapshot)
    return [chosen[time] for time in sorted(chosen)], skipped


def _from_files(request: UpdateRequest, source: str, newest: datetime | None) -> tuple[list[Snapshot], int]:
    path = Path(source)
    try:
        files = layer_files([path])
    except FileNotFoundError as error:
        raise UpdateError("no_such_source", str(error), "give deepstate-api, an http(s) address, a folder or a "
                                                        "snapshot file") from None
    snapshots, unmatched = find_snapshots(files, request.preset, until=request.until)
    if path.is_file() and unmatched:
        raise UpdateError("not_a_snapshot", f"{path.name} is no snapshot of the preset '{request.preset.name}' (its "
                                            "name says neither series nor time)",
                          "name it as the archive does, e.g. deepstatemap_data_20260823.geojson")
    newer = [s for s in snapshots if newest is None or s.time > newest]
    if path.is_file() and snapshots and not newer:
        raise UpdateError("older_snapshot", f"{path.name} shows the map of {snapshots[0].time:%Y-%m-%d %H:%M} UTC, "
                                            f"not newer than the newest already read ({newest:%Y-%m-%d %H:%M} UTC)",
                          "an update only reads newer snapshots; to read older ones, derive again")
    return newer, len(snapshots) - len(newer)


def _from_api(request: UpdateRequest, source: str, newest: datetime | None, scratch: Path, say: Say,
              fetcher: Fetcher | None) -> tuple[list[Snapshot], int]:
    api = request.preset.api
    if api is None:
        raise UpdateError("no_api", f"the preset '{request.preset.name}' names no API to fetch from",
                          "give a folder or files")
    base = api.base if source == API else source.rstrip("/")
    fetcher = fetcher or Fetcher(api.timeout_s, api.retries, api.min_interval_s)
    series = request.preset.series_by_id(api.series)
    list_url = api.list_url.format(base=base)
    say(f"fetching the list of snapshots: {list_url}")
    try:
        listed = parse_list(fetcher.get_json(list_url, MAX_LIST_BYTES), list_url, datetime.now(UTC))
    except FetchError as error:
        raise UpdateError(error.code, str(error), error.suggestion) from None
    wanted = [item for item in listed if (newest is None or item.time > newest)
              and (request.until is None or item.time.date() <= request.until)]
    if newest is None and wanted:
        minutes = len(wanted) * api.min_interval_s / 60
        say(f"no snapshot read before: all {len(wanted)} listed snapshots are read, one every "
            f"{api.min_interval_s:g} s (at least {minutes:.0f} min)")
    found = []
    for k, item in enumerate(wanted, 1):
        url = api.snapshot_url.format(base=base, id=item.id)
        say(f"fetching snapshot {k}/{len(wanted)}: {url}")
        try:
            body = fetcher.get(url, MAX_SNAPSHOT_BYTES)
        except FetchError as error:
            raise UpdateError(error.code, str(error), error.suggestion) from None
        file = scratch / f"deepstate-api-{item.id}.geojson"
        file.write_bytes(body)
        time = series.time_of(file.name)
        if time is None:  # the series' name pattern no longer matches its own files: a preset error
            raise UpdateError("bad_preset", f"the series '{series.id}' does not read the name {file.name}")
        found.append(Snapshot(file, series, time))
    return found, len(listed) - len(wanted)


def _clone_commits(sources: Sequence[str], snapshots: Sequence[Snapshot]) -> dict[str, str]:
    """For folders that are git clones: series → the clone's commit (its rows' addresses name it)."""
    out = {}
    for source in sources:
        folder = Path(source)
        if not (folder.is_dir() and (folder / ".git").exists()):
            continue
        try:
            head = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True,
                                  timeout=30, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        for snapshot in snapshots:
            if folder.resolve() in snapshot.file.resolve().parents:
                out[snapshot.series.id] = head
    return out
