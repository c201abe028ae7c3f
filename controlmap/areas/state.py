"""Where an import of a map series stopped, as sources.json keeps it (controlmap.events.sources): the snapshots read
per series, the newest of them, and every placed settlement's state (its counted state, or the run of a new state
still awaiting confirmation), so that an update continues the import exactly (controlmap.areas.importer.Tracker).

A settlement's entry is its counted status, or, while a run of another state is not yet confirmed,
[counted status or null, the run's status, the time of its first snapshot, its snapshots, "series/file" of its first
snapshot].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from controlmap.areas.importer import NONE, FlickerRule, Tracker
from controlmap.areas.preset import Preset, PresetError
from controlmap.areas.snapshots import Snapshot
from controlmap.events.sources import SourcesError, day_runs
from controlmap.model import STATUS_CODE, STATUSES


def time_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rule_of(part: dict | None, default: FlickerRule) -> FlickerRule:
    """The flicker rule a recorded import used (an update continues with it), else `default`."""
    if not part or "flicker_rule" not in part:
        return default
    rule = part["flicker_rule"]
    return FlickerRule(int(rule["min_snapshots"]), float(rule["min_days"]), float(rule["first_days"]))


def newest_time(part: dict | None) -> datetime | None:
    """The time of the newest snapshot the recorded import read (None: none)."""
    time = (part or {}).get("newest", {}).get("time")
    return parse_time(time) if time else None


def tracker_of(part: dict | None, placed: pd.DataFrame, preset: Preset, rule: FlickerRule) -> Tracker:
    """The tracker the recorded import ended in, for the settlements placed now (a settlement it did not know
    starts afresh)."""
    tracker = Tracker.empty(len(placed), rule)
    if not part:
        return tracker
    entries = part.get("settlements", {})
    for i, code in enumerate(placed.katottg.astype(str)):
        entry = entries.get(code)
        if entry is None:
            continue
        try:
            if isinstance(entry, str):
                tracker.counted[i] = tracker.run_status[i] = STATUS_CODE[entry]
                tracker.run_count[i] = 1
                continue
            counted, status, start, count, where = entry
            series_id, _, file_name = str(where).partition("/")
            series = preset.series_by_id(series_id)
            time = series.time_of(file_name)
            if time is None or time != parse_time(start):
                raise ValueError(f"{where} is not a snapshot of {start}")
            tracker.counted[i] = NONE if counted is None else STATUS_CODE[counted]
            tracker.run_status[i] = STATUS_CODE[status]
            tracker.run_start[i] = time.timestamp() / 3600
            tracker.run_count[i] = int(count)
            tracker.run_snapshot[i] = Snapshot(Path(file_name), series, time)
        except (KeyError, TypeError, ValueError, PresetError) as error:
            raise SourcesError(f"sources.json: the entry of settlement {code} cannot be read ({error})") from None
    return tracker


def settlements_of(tracker: Tracker, placed: pd.DataFrame) -> dict[str, object]:
    """Every placed settlement's entry (see the module doc); settlements no snapshot has shown are left out."""
    out: dict[str, object] = {}
    for i, code in enumerate(placed.katottg.astype(str)):
        status, counted = int(tracker.run_status[i]), int(tracker.counted[i])
        if status == NONE:
            continue
        if status == counted:
            out[code] = STATUSES[counted]
            continue
        first = tracker.run_snapshot[i]
        assert first is not None  # a run has a first snapshot
        out[code] = [None if counted == NONE else STATUSES[counted], STATUSES[status], time_text(first.time),
                     int(tracker.run_count[i]), f"{first.series.id}/{first.file.name}"]
    return out


def record_of(preset: Preset, rule: FlickerRule, tracker: Tracker, placed: pd.DataFrame,
              snapshots: Sequence[Snapshot], file_sha256: Callable[[Path], str], commits: dict[str, str],
              previous: dict | None = None) -> dict:
    """The preset's part of sources.json after reading `snapshots` (in time order) on top of `previous` (the part
    recorded before them, None for a first import)."""
    part: dict = {"publisher": preset.publisher, "claimed_by": preset.claimed_by, "preset_sha256": preset.digest,
                  "flicker_rule": {"min_snapshots": rule.min_snapshots, "min_days": rule.min_days,
                                   "first_days": rule.first_days},
                  "commits": {**(previous or {}).get("commits", {}), **commits},
                  "series": {k: dict(v) for k, v in (previous or {}).get("series", {}).items()},
                  "newest": dict((previous or {}).get("newest", {}))}
    for series in preset.series:
        own = [s for s in snapshots if s.series is series]
        if not own:
            continue
        entry = part["series"].setdefault(series.id, {"snapshots": 0, "days": []})
        entry.update(source=series.source, grey_zone=series.grey_zone)
        entry.setdefault("first", {"time": time_text(own[0].time), "file": own[0].file.name})
        entry["snapshots"] += len(own)
        entry["days"] = day_runs((s.day for s in own), entry["days"])
        entry["newest"] = {"time": time_text(own[-1].time), "file": own[-1].file.name,
                           "sha256": file_sha256(own[-1].file)}
    if snapshots:
        newest = snapshots[-1]
        part["newest"] = {"series": newest.series.id, **part["series"][newest.series.id]["newest"]}
    part["settlements"] = settlements_of(tracker, placed)
    return part


def pending_count(part: dict | None) -> int:
    return sum(isinstance(v, list) for v in (part or {}).get("settlements", {}).values())
