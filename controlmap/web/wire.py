"""The map's data as it travels to the browser, built straight from a timeline, and the one place its schema is
written down. The map script's decode.js reads it (topology.js the shapes).

**The timeline's wire form** (``timeline_wire(timeline)``; days are indices counted from ``day0``):

- ``statuses`` (the status names, index = code), ``legend`` (labels, fill and line colours, order);
- the settlements, one entry per gazetteer row: ``id_prefix`` + ``katottg`` (the codes without their common
  prefix), ``name_en``, ``name_uk``, ``lat``, ``lon`` (4 decimals or null), ``quality`` (0 exact, 1 hromada
  centre, 2 user point, 3 none, 4 OSM name), ``labels`` (indices of the towns named on the map, in the order they
  claim room on it: OpenStreetMap's cities, then its towns, then the rest, each in gazetteer order);
- the claimant selection's timeline (``selection_wire``: what differs between two selections of one dataset, which
  a map holding the settlements switches between): ``day0`` (ISO date), ``n_days``, ``change_days`` (days on which
  anything changes); the runs, settlement by settlement: ``run_count`` (runs per settlement), ``day`` (the run's
  first day), ``state`` (``status * 2 + disputed``), ``since_gap`` (``day`` minus the day the status began),
  ``event`` (index of the statement responsible, −1 for the baseline); the statements the runs name:
  ``event_day`` (day index of the statement's date, null for none), ``event_source`` (index into ``sources``, each
  string once). Strings come from event files: the browser only ever sets them as text.

**The shapes** (``topology.topology_wire``, under ``shapes``): the outline, the hromada and raion lines and the
cells as one topology, in steps of 1/2,000 degree: each line where shapes meet is sent once, as an arc that all of
them name, and the cells' shared arcs are the borders the map draws the front line along. A cell names its
settlement by ``row``. (A settlement's own boundary, fetched when asked for, comes as ``compact_shapes``: each ring
the first point then moves, in steps of 1/``scale`` degree.)

Everything is packed as deflated JSON in base64 (``packed_json``).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from controlmap.model import CLAIMANTS, STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER, STATUS_OUTLINES, STATUSES
from controlmap.timeline.engine import NO_DAY, Timeline, from_day
from controlmap.web.topology import Layer, features, topology_wire

COORD_DIGITS = 4
# The map script draws code 1 (hromada centre) as an approximate position.
QUALITY_CODE = {"exact": 0, "hromada_centre": 1, "user": 2, "none": 3, "osm_name": 4}
LABELLED_CATEGORIES = ("M",)
LABEL_PLACE_RANK = {"city": 0, "town": 1}  # OpenStreetMap's place classes, the larger first; any other after


# The shapes travel in steps of 1/2000° (36–56 m here): they are simplified to 150 m for drawing anyway
# (data/geo/ATTRIBUTION.md), and finer steps would send more data at start.
SHAPE_SCALE = 2000
# What the map script reads of the shapes' properties (see assets/timeline/layer.js).
BOUNDARY_PROPERTIES = ("name_en", "name", "name_uk", "approximate")
RAION_PROPERTIES = ("name_en", "name_uk")
PACK_LEVEL = 6  # zlib level: 9 is barely smaller and takes three times as long


def packed_json(value: object) -> str:
    """``value`` as deflated UTF-8 JSON in base64, which the browser unpacks with DecompressionStream.

    About a quarter of the JSON's size (streamlit-folium sends the script as a JSON string, which would
    escape every quote and non-ASCII letter again), and its alphabet holds nothing that HTML, Jinja or
    streamlit-folium's rewriting of map scripts could read: names from event files cannot break out.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), PACK_LEVEL)).decode("ascii")


def _coord(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), COORD_DIGITS)


def _common_prefix(strings: list[str]) -> str:
    if len(strings) < 2:
        return ""
    low, high = min(strings), max(strings)
    n = 0
    while n < len(low) and low[n] == high[n]:
        n += 1
    return low[:n]


def _indexed(values: list) -> tuple[list[int], list]:
    table = list(dict.fromkeys(values))
    position = {value: i for i, value in enumerate(table)}
    return [position[value] for value in values], table


def day_index(timeline: Timeline, day: int | None = None) -> int:
    """``day`` (default: the last) as an index into the wire form's days, clamped to the timeline's span."""
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


def timeline_wire(timeline: Timeline, first: int | None = None, last: int | None = None) -> dict:
    """``timeline`` as the map reads it (the module's doc): its settlements and its selection's runs, shown from day
    index ``first`` to ``last`` (see ``selection_wire``)."""
    s = timeline.gazetteer.settlements
    ids = [str(k) for k in s.katottg]
    prefix = _common_prefix(ids)
    return {
        "statuses": list(STATUSES),
        "legend": legend(),
        "id_prefix": prefix,
        "katottg": [k[len(prefix):] for k in ids],
        "name_en": s.name_en.tolist(),
        "name_uk": s.name_uk.tolist(),
        "lat": [_coord(x) for x in s.lat],
        "lon": [_coord(x) for x in s.lon],
        "quality": s.coord_quality.map(QUALITY_CODE).fillna(QUALITY_CODE["none"]).astype(int).tolist(),
        "labels": _labels(s),
        **selection_wire(timeline, first, last),
    }


def _labels(settlements: pd.DataFrame) -> list[int]:
    """The rows of the towns named on the map, the larger first (OpenStreetMap's place class: the gazetteer has no
    population), so that where two names would overlap the larger town's is shown."""
    rows = np.flatnonzero(settlements.category.isin(LABELLED_CATEGORIES).to_numpy())
    rank = settlements.osm_place.iloc[rows].map(LABEL_PLACE_RANK).fillna(len(LABEL_PLACE_RANK)).to_numpy()
    return [int(i) for i in rows[np.argsort(rank, kind="stable")]]


def selection_wire(timeline: Timeline, first: int | None = None, last: int | None = None) -> dict:
    """The timeline columns of ``timeline``'s claimant selection (``decode.TIMELINE_KEYS`` in the map script), shown
    only from day index ``first`` to ``last`` (inclusive; None: the timeline's own ends). Day 0 is then ``first``;
    each settlement keeps the run in force on it and the runs that start inside the window."""
    span_first, span_last = timeline.span
    n_days = span_last - span_first + 1
    lo = 0 if first is None else min(max(int(first), 0), n_days - 1)
    hi = n_days - 1 if last is None else min(max(int(last), lo), n_days - 1)
    runs = timeline.runs
    day = runs.day - span_first - lo  # days of the window
    settlement = runs.settlement
    started = day <= 0
    # A settlement's runs are in day order: a run started by day 0 is in force there unless the next one is too.
    followed = np.zeros(len(day), dtype=bool)
    followed[:-1] = (settlement[1:] == settlement[:-1]) & started[1:]
    keep = ((day > 0) & (day <= hi - lo)) | (started & ~followed)
    statement = runs.statement[keep]
    referenced = np.unique(statement[statement >= 0])
    position = np.full(len(timeline.statements) + 1, -1, np.int64)
    position[referenced] = np.arange(len(referenced))
    day0 = span_first + lo
    events = timeline.statements.frame_of(referenced)
    event_source, sources = _indexed([str(v) for v in events.source])
    kept_day = np.maximum(day[keep], 0)
    since = runs.since[keep]
    change_days = timeline.change_days - day0
    return {
        "day0": from_day(day0).isoformat(),
        "n_days": hi - lo + 1,
        "change_days": change_days[(change_days >= 0) & (change_days <= hi - lo)].tolist(),
        "run_count": np.bincount(settlement[keep], minlength=len(runs.start) - 1).tolist(),
        "day": kept_day.tolist(),
        "state": (runs.status[keep].astype(np.int64) * 2 + runs.disputed[keep].astype(bool)).tolist(),
        "since_gap": np.where(since == NO_DAY, kept_day + 1, kept_day - (since - day0)).tolist(),
        "event": np.where(statement >= 0, position[np.maximum(statement, 0)], -1).tolist(),
        "event_day": [None if pd.isna(d) else int(pd.Timestamp(d).toordinal() - from_day(day0).toordinal())
                      for d in events.date],
        "event_source": event_source,
        "sources": sources,
    }


def selection_key(claimants: tuple[str, ...] | list[str]) -> str:
    """The map's name of a claimant selection: its claimants in ``CLAIMANTS`` order, joined by commas ("" for
    none)."""
    unknown = set(claimants) - set(CLAIMANTS)
    if unknown:
        raise ValueError(f"unknown claimants: {sorted(unknown)}")
    return ",".join(c for c in CLAIMANTS if c in claimants)


def _quantized_line(coords: list, scale: int) -> list[int]:
    """A ring or line as integer steps of 1/``scale`` degree: the first point, then each move from the last
    one kept. Points that fall on the previous one at that precision are dropped; a ring stays closed."""
    flat: list[int] = []
    last = (0, 0)
    for lon, lat in coords:
        point = (round(lon * scale), round(lat * scale))
        if flat and point == last:
            continue
        flat += [point[0] - last[0], point[1] - last[1]]
        last = point
    return flat


def _polygons_of(geom: dict) -> list:
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    return []


def compact_shapes(geojson: dict, *, as_lines: bool = False, keep: tuple[str, ...] | None = None,
                   scale: int = 10**COORD_DIGITS) -> dict:
    """Polygon features in the wire format the map script expands (``expandShapes``): properties, and each
    geometry as polygons of rings (or, ``as_lines``, as the rings alone: hovering inside a boundary must not
    count as hovering the boundary) in quantized steps. ``keep`` names the properties the map needs (all by
    default). About a third of the GeoJSON's packed size."""
    compact = []
    for feature in features(geojson):
        polygons = _polygons_of(feature["geometry"])
        rings = [[_quantized_line(ring, scale) for ring in polygon] for polygon in polygons]
        properties = feature.get("properties") or {}
        if keep is not None:
            properties = {k: properties[k] for k in keep if k in properties}
        compact.append({"p": properties,
                        "c": [ring for polygon in rings for ring in polygon] if as_lines else rings})
    return {"scale": scale, "lines": as_lines, "features": compact}


def _bounds(geojson: dict) -> list[list[float]]:
    lons, lats = [], []
    for feature in features(geojson):
        for polygon in _polygons_of(feature["geometry"]):
            for ring in polygon:
                lons += [c[0] for c in ring]
                lats += [c[1] for c in ring]
    return [[round(min(lats), COORD_DIGITS), round(min(lons), COORD_DIGITS)],
            [round(max(lats), COORD_DIGITS), round(max(lons), COORD_DIGITS)]]


@dataclass(frozen=True)
class LayerData:
    """The heavy, view-independent part of a settlement map: the timeline and the shapes, packed
    (see ``packed_json``), and the outline's bounds. Worth keeping: a map is then cheap to build."""

    packed: str
    bounds: list[list[float]]
    n_days: int = 0  # the days the timeline shows (day indices 0 … n_days - 1)


def layer_data(timeline: dict, *, outline: dict, boundaries: dict | None = None, cells: dict | None = None,
               selection: str = "", selections: dict[str, dict] | None = None, raions: dict | None = None) -> LayerData:
    """``timeline`` (a ``timeline_wire``: the module's doc) and the shapes, ready for ``maps.map_of_layer``.
    ``selection``: the claimant selection of ``timeline`` (see ``selection_key``); ``selections``: other selections'
    ``selection_wire``, by key, that the map can switch to in the browser. ``raions``: the raions, drawn as lines
    heavier than the hromadas'."""
    rows = {timeline["id_prefix"] + k: i for i, k in enumerate(timeline["katottg"])}
    data = {
        "selection": selection,
        "selections": selections or {},
        "timeline": timeline,
        "shapes": topology_wire({
            "cells": Layer(_cells_by_row(cells, rows), keep=("row",)) if cells else None,
            "boundaries": Layer(boundaries, keep=BOUNDARY_PROPERTIES, lines=True) if boundaries else None,
            "raions": Layer(raions, keep=RAION_PROPERTIES, lines=True) if raions else None,
            "outline": Layer(outline),
        }, SHAPE_SCALE),
    }
    return LayerData(packed_json(data), _bounds(outline), int(timeline["n_days"]))


def _cells_by_row(cells: dict, rows: dict[str, int]) -> dict:
    """The cells of the wire form's settlements, each naming its settlement by row (the map script finds the
    code there): a row number is a fifth of the size of a code."""
    placed = [{**f, "properties": {"row": rows[str(f["properties"]["katottg"])]}} for f in features(cells)
              if str((f.get("properties") or {}).get("katottg")) in rows]
    return {"type": "FeatureCollection", "features": placed}
