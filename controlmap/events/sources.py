"""The data folder's record of what its map series have read (``sources.json`` beside ``events.csv``).

Per preset (a publisher's maps): the flicker rule and the archive commits the rows were derived with; per series the
snapshots read (how many, the first and the newest, with the newest file's sha256, and the days they cover); the
newest snapshot read of all; and where every placed settlement stands in it (its counted state, or the run of a new
state still awaiting confirmation), so that the next update continues exactly where the last one stopped
(controlmap.areas.state reads and writes that part). Written with the events, atomically, by the store.

The engine reads the days each publisher's maps cover (`coverages`): a map series states every covered
settlement's state on every snapshot, not only on the days its rows were written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

SOURCES_NAME = "sources.json"
FORMAT = 1
ABOUT = ("What the map series of this data folder have read (controlmap.events.sources): per preset, the snapshots "
         "read per series and where every placed settlement stands after the newest, so that python -m controlmap "
         "update continues exactly where the last run stopped.")
EPOCH = date(1970, 1, 1)


class SourcesError(ValueError):
    """A sources file that cannot be used (the message says why)."""


def sources_path(events_path: Path) -> Path:
    return Path(events_path).parent / SOURCES_NAME


def read_sources(path: Path) -> dict | None:
    """The record, or None when the data folder has none; SourcesError when it cannot be read."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SourcesError(f"{path} cannot be read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise SourcesError(f"{path} is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(
            document.get("presets"), dict):
        raise SourcesError(f"{path} is not a sources file of format {FORMAT}")
    return document


def render_sources(document: dict) -> bytes:
    """The record as written: keys sorted, so that two runs that read the same give the same bytes; a short list
    of plain values (a run of days, a settlement's pending run) on one line."""
    text = json.dumps({**document, "about": ABOUT, "format": FORMAT}, ensure_ascii=False, indent=1, sort_keys=True)
    return (_FLAT_LIST.sub(lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",\n")) + "]", text)
            + "\n").encode("utf-8")


# A list holding only strings, numbers, null (no list or object), as json.dumps(indent=…) spreads it over lines.
_FLAT_LIST = re.compile(r'\[\n((?:\s*(?:"(?:[^"\\\n]|\\.)*"|-?[\d.eE+-]+|null|true|false),\n)*'
                        r'\s*(?:"(?:[^"\\\n]|\\.)*"|-?[\d.eE+-]+|null|true|false))\n\s*\]')


# ---------------------------------------------------------------- days, compactly


def day_runs(days: Iterable[date], runs: list | None = None) -> list[list]:
    """Days as runs of consecutive days, [[first ISO day, count], …], extending `runs`."""
    out = [list(run) for run in (runs or [])]
    for day in sorted(set(days)):
        if out:
            first = date.fromisoformat(out[-1][0])
            last = first + timedelta(days=out[-1][1] - 1)
            if day <= last:
                continue
            if day == last + timedelta(days=1):
                out[-1][1] += 1
                continue
        out.append([day.isoformat(), 1])
    return out


def run_days(runs: list) -> list[date]:
    return [date.fromisoformat(first) + timedelta(days=k) for first, count in runs for k in range(int(count))]


# ---------------------------------------------------------------- what the engine needs


@dataclass(frozen=True)
class Coverage:
    """The days one publisher's maps speak on: on each, every settlement its series cover is stated again to be in
    the state of its latest row. `grey[i]`: whether the map of `days[i]` tells the grey zone from held ground (a map
    that cannot restates only "occupied" or "not occupied")."""

    publisher: str
    claimed_by: str  # the claimant its rows name
    sources: frozenset[str]  # the `source` of the rows its series write
    days: np.ndarray  # engine days (since 1970-01-01), sorted, unique
    grey: np.ndarray  # bool per day
    newest: datetime | None  # the time of the newest snapshot read
    # Settlements whose newest snapshots show a state not yet confirmed (katottg → engine day it was first shown):
    # from that day on the series no longer restates the state of its latest row for them.
    pending_since: dict[str, int]

    @property
    def last_day(self) -> int | None:
        return int(self.days[-1]) if len(self.days) else None


def coverages(document: dict | None) -> list[Coverage]:
    """Every publisher's coverage in the record (none without a record)."""
    out = []
    for preset in (document or {}).get("presets", {}).values():
        grey_by_day: dict[int, bool] = {}
        sources = set()
        for series in preset.get("series", {}).values():
            sources.add(series["source"])
            for day in run_days(series.get("days", [])):
                key = (day - EPOCH).days
                grey_by_day[key] = grey_by_day.get(key, False) or bool(series.get("grey_zone", True))
        days = np.array(sorted(grey_by_day), dtype=np.int64)
        newest = preset.get("newest", {}).get("time")
        pending = {code: (date.fromisoformat(state[2][:10]) - EPOCH).days
                   for code, state in preset.get("settlements", {}).items() if isinstance(state, list)}
        out.append(Coverage(preset.get("publisher", ""), preset.get("claimed_by", "independent"), frozenset(sources),
                            days, np.array([grey_by_day[d] for d in days], dtype=bool),
                            datetime.fromisoformat(newest) if newest else None, pending))
    return out


def newest_snapshot(document: dict | None) -> tuple[str, datetime] | None:
    """(publisher, time) of the newest snapshot any series read: what the map is "as of"."""
    found: list[tuple[datetime, str]] = []
    for preset in (document or {}).get("presets", {}).values():
        time = preset.get("newest", {}).get("time")
        if time:
            found.append((datetime.fromisoformat(time), preset.get("publisher", "")))
    if not found:
        return None
    time, publisher = max(found)
    return publisher, time


def as_json(value: Any) -> Any:
    """A datetime as ISO text with Z (what the record holds)."""
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
