"""The compact timeline the browser recolours the map from (sent once; see controlmap/mapview.py).

Columnar, integers where possible; days are relative to `day0`. Strings in it come from event files and
are escaped by the browser code (it only ever sets textContent).
"""

import numpy as np
import pandas as pd

from controlmap.model import STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER, STATUS_OUTLINES, STATUSES
from controlmap.timeline import NO_DAY, Timeline, from_day

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
