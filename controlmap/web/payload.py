"""The compact timeline the browser recolours the map from (sent once; see controlmap/web/maps.py).

Columnar, integers where possible; days are relative to `day0`. Strings in it come from event files and
are escaped by the browser code (it only ever sets textContent).
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd

from controlmap.model import STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER, STATUS_OUTLINES, STATUSES
from controlmap.timeline.engine import NO_DAY, Timeline, from_day

# The map script draws code 1 (hromada centre) as an approximate position.
QUALITY_CODE = {"exact": 0, "hromada_centre": 1, "user": 2, "none": 3, "osm_name": 4}
LABELLED_CATEGORIES = ("M",)


def _rounded(values: pd.Series, digits: int = 4) -> list:
    return [None if pd.isna(v) else round(float(v), digits) for v in values]


def day_index(timeline: Timeline, day: int | None = None) -> int:
    """``day`` (default: the last) as an index into the payload's days, clamped to the timeline's span."""
    first, last = timeline.span
    return (last if day is None else min(max(day, first), last)) - first


def legend() -> dict:
    """The statuses' words, colours and order as the map script draws them (legend, symbols, tooltips):
    controlmap.model's, so the map never keeps copies of its own."""
    return {
        "order": list(STATUS_ORDER),
        "labels": dict(STATUS_LABELS),
        "fill": dict(STATUS_COLOURS),
        "line": dict(STATUS_OUTLINES),
    }


def build_payload(timeline: Timeline, initial_day: int | None = None) -> dict:
    first, last = timeline.span
    runs = timeline.runs
    s = timeline.gazetteer.settlements
    referenced = np.unique(runs.statement[runs.statement >= 0])
    remap = np.full(len(timeline.statements) + 1, -1, np.int64)
    remap[referenced] = np.arange(len(referenced))
    events = timeline.statements.frame_of(referenced)
    return {
        "day0": from_day(first).isoformat(),
        "n_days": last - first + 1,
        "initial_day": day_index(timeline, initial_day),
        "statuses": list(STATUSES),
        "legend": legend(),
        "settlements": {
            "katottg": s.katottg.tolist(),
            "name_en": s.name_en.tolist(),
            "name_uk": s.name_uk.tolist(),
            "lat": _rounded(s.lat),
            "lon": _rounded(s.lon),
            "quality": s.coord_quality.map(QUALITY_CODE).fillna(3).astype(int).tolist(),
            "label": s.category.isin(LABELLED_CATEGORIES).astype(int).tolist(),
        },
        "runs": {
            "start": runs.start.tolist(),
            "day": (runs.day - first).tolist(),
            "status": runs.status.tolist(),
            "disputed": runs.disputed.astype(int).tolist(),
            "since": np.where(runs.since == NO_DAY, -1, runs.since - first).tolist(),
            "event": np.where(runs.statement >= 0, remap[np.maximum(runs.statement, 0)], -1).tolist(),
        },
        "events": {
            "date": [pd.Timestamp(d).date().isoformat() for d in events.date],
            "source": events.source.tolist(),
            "claimed_by": events.claimed_by.tolist(),
        },
        "change_days": (timeline.change_days[timeline.change_days >= first] - first).tolist(),
    }


def clip_payload(payload: dict, first: int | None = None, last: int | None = None) -> dict:
    """``payload`` shown only from day index ``first`` to ``last`` (inclusive; None: its own ends): day 0 becomes
    ``first``, each settlement keeps the run in force on it and the runs that start in the window. Statement
    dates keep their meaning (they travel as dates)."""
    n_days = int(payload["n_days"])
    lo = 0 if first is None else min(max(int(first), 0), n_days - 1)
    hi = n_days - 1 if last is None else min(max(int(last), lo), n_days - 1)
    runs = payload["runs"]
    start = np.asarray(runs["start"], dtype=np.int64)
    day = np.asarray(runs["day"], dtype=np.int64)
    keep = np.zeros(len(day), dtype=bool)
    counts = np.zeros(len(start) - 1, dtype=np.int64)
    for i in range(len(start) - 1):
        a, b = int(start[i]), int(start[i + 1])
        inside = np.flatnonzero((day[a:b] > lo) & (day[a:b] <= hi)) + a
        before = np.flatnonzero(day[a:b] <= lo)
        keep[inside] = True
        if len(before):
            keep[a + before[-1]] = True
        counts[i] = len(inside) + (1 if len(before) else 0)
    since = np.asarray(runs["since"], dtype=np.int64)[keep]
    change_days = [d - lo for d in payload["change_days"] if lo <= d <= hi]
    return {
        **payload,
        "day0": (date.fromisoformat(payload["day0"]) + timedelta(days=lo)).isoformat(),
        "n_days": hi - lo + 1,
        "initial_day": min(max(int(payload["initial_day"]) - lo, 0), hi - lo),
        "runs": {
            "start": np.concatenate([[0], np.cumsum(counts)]).tolist(),
            "day": np.maximum(day[keep] - lo, 0).tolist(),
            "status": np.asarray(runs["status"])[keep].tolist(),
            "disputed": np.asarray(runs["disputed"])[keep].tolist(),
            "since": np.where(since == -1, -1, since - lo).tolist(),
            "event": np.asarray(runs["event"])[keep].tolist(),
        },
        "change_days": change_days,
    }
