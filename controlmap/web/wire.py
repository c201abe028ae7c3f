"""The map's data as it travels to the browser, and the one place its schema is written down. The map script's
decode.js is its one reader.

**The payload** (``controlmap.web.payload.build_payload(timeline)``: the timeline in columns, days counted from
``day0``):

- ``day0`` (ISO date), ``n_days``, ``initial_day`` (index), ``statuses`` (the status names, index = code),
  ``legend`` (labels, fill and line colours, order), ``change_days`` (indices of days on which anything changes);
- ``settlements``: ``katottg``, ``name_en``, ``name_uk``, ``lat``, ``lon`` (4 decimals or null), ``quality``
  (0 exact, 1 hromada centre, 2 user point, 3 none, 4 OSM name), ``label`` (1: a town named on the map);
- ``runs``: per settlement, from ``day`` on: ``status`` code, ``disputed`` (0/1), ``since`` (the day the status
  began, −1 for none) and ``event`` (index into ``events``, −1 for the baseline); ``start`` holds CSR offsets
  (settlement i's runs are ``start[i]`` … ``start[i+1]``);
- ``events``: the statements the runs name: ``date`` (ISO), ``source``, ``claimed_by``.

**The wire form** (``wire_payload``; ``selection_columns`` is its per-claimant-selection part, what a map holding the
settlements switches between): ``id_prefix`` + ``katottg`` (the codes without their common prefix), ``name_en``,
``name_uk``, ``lat``, ``lon``, ``quality``, ``labels`` (indices of towns); ``run_count`` (runs per settlement instead
of offsets), ``day``, ``state`` (``status * 2 + disputed``), ``since_gap`` (``day − since``), ``event``,
``event_day`` (day index of each event's date), ``event_source`` (index into ``sources``, each string once), and
``day0``, ``n_days``, ``change_days``, ``statuses``, ``legend`` as in the payload.

**The shapes** (``compact_shapes``): features ``{p: properties, c: rings}``, each ring the first point then moves, in
integer steps of 1/``scale`` degree (the outline 1/10,000; hromada lines and cells 1/2,000); the borders between
cells for the front line (``frontline``), in steps of 1/1,000.

Everything is packed as deflated JSON in base64 (``packed_json``).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from controlmap.geo import frontline
from controlmap.model import CLAIMANTS

COORD_DIGITS = 4


# Hromada lines and cells travel in steps of 1/2000° (36–56 m here): they are simplified to 150 m for drawing
# anyway (data/geo/ATTRIBUTION.md), and the finer steps cost a fifth of the data sent at start.
INNER_SHAPE_SCALE = 2000
# The front line is drawn along the cells' borders, sent in steps of 1/1000° (about 100 m, a third less data
# than 1/2000°): it is a line over the cells at the zoom levels it is read at.
BORDER_SCALE = 1000
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


def wire_payload(payload: dict) -> dict:
    """The payload as sent to the browser: the same columns, made compact.

    Run counts instead of CSR offsets, status and disputed flag as one ``status * 2 + disputed``,
    ``since`` as a gap before ``day``, label indices,
    event dates as day indices, repeated source strings as indices into a table, and the common
    prefix of the katottg codes sent once.
    """
    settlements = payload["settlements"]
    ids = [str(k) for k in settlements["katottg"]]
    prefix = _common_prefix(ids)
    return {
        "statuses": list(payload["statuses"]),
        "legend": payload["legend"],
        "id_prefix": prefix,
        "katottg": [k[len(prefix) :] for k in ids],
        "name_en": list(settlements["name_en"]),
        "name_uk": list(settlements["name_uk"]),
        "lat": [_coord(x) for x in settlements["lat"]],
        "lon": [_coord(x) for x in settlements["lon"]],
        "quality": [int(x) for x in settlements["quality"]],
        "labels": [i for i, flag in enumerate(settlements["label"]) if flag],
        **selection_columns(payload),
    }


def selection_columns(payload: dict) -> dict:
    """The timeline columns of ``payload`` alone (``decode.TIMELINE_KEYS`` in the map script): what differs
    between two claimant selections of one dataset, which a map holding the settlements can switch to."""
    runs, events = payload["runs"], payload["events"]
    start = [int(x) for x in runs["start"]]
    run_days = [int(x) for x in runs["day"]]
    day0 = date.fromisoformat(payload["day0"])
    event_source, sources = _indexed([str(s) for s in events["source"]])
    return {
        "day0": payload["day0"],
        "n_days": int(payload["n_days"]),
        "change_days": [int(x) for x in payload["change_days"]],
        "run_count": [b - a for a, b in pairwise(start)],
        "day": run_days,
        "state": [int(s) * 2 + bool(x) for s, x in zip(runs["status"], runs["disputed"], strict=True)],
        "since_gap": [d - int(s) for d, s in zip(run_days, runs["since"], strict=True)],
        "event": [int(x) for x in runs["event"]],
        "event_day": [None if d is None else (date.fromisoformat(d) - day0).days for d in events["date"]],
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


def _features(geojson: dict) -> list[dict]:
    if geojson.get("type") == "FeatureCollection":
        return [f for f in geojson["features"] if f.get("geometry")]
    if geojson.get("type") == "Feature":
        return [geojson] if geojson.get("geometry") else []
    return [{"type": "Feature", "properties": {}, "geometry": geojson}]


def compact_shapes(geojson: dict, *, as_lines: bool = False, keep: tuple[str, ...] | None = None,
                   scale: int = 10**COORD_DIGITS) -> dict:
    """Polygon features in the wire format the map script expands (``expandShapes``): properties, and each
    geometry as polygons of rings (or, ``as_lines``, as the rings alone: hovering inside a boundary must not
    count as hovering the boundary) in quantized steps. ``keep`` names the properties the map needs (all by
    default). About a third of the GeoJSON's packed size."""
    features = []
    for feature in _features(geojson):
        polygons = _polygons_of(feature["geometry"])
        rings = [[_quantized_line(ring, scale) for ring in polygon] for polygon in polygons]
        properties = feature.get("properties") or {}
        if keep is not None:
            properties = {k: properties[k] for k in keep if k in properties}
        features.append({"p": properties,
                         "c": [ring for polygon in rings for ring in polygon] if as_lines else rings})
    return {"scale": scale, "lines": as_lines, "features": features}


def _bounds(geojson: dict) -> list[list[float]]:
    lons, lats = [], []
    for feature in _features(geojson):
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


def layer_data(payload: dict, *, outline: dict, boundaries: dict | None = None, cells: dict | None = None,
               borders: list[frontline.Border] | None = None, selection: str = "",
               selections: dict[str, dict] | None = None, raions: dict | None = None) -> LayerData:
    """``payload`` (its schema: the module's doc) and the shapes, ready for ``map_of_layer``.
    ``borders``: the cells' borders (``frontline.cell_borders(cells)``, found here when not given), along
    which the map draws the front line. ``selection``: the claimant selection of ``payload`` (see
    ``selection_key``); ``selections``: other selections' ``selection_columns``, by key, that the map can
    switch to in the browser. ``raions``: the raions, drawn as lines heavier than the hromadas'."""
    if cells and borders is None:
        borders = frontline.cell_borders(cells)
    rows = {str(k): i for i, k in enumerate(payload["settlements"]["katottg"])}
    data = {
        "selection": selection,
        "selections": selections or {},
        "payload": wire_payload(payload),
        "outline": compact_shapes(outline, keep=()),
        "boundaries": compact_shapes(boundaries, as_lines=True, keep=BOUNDARY_PROPERTIES,
                                     scale=INNER_SHAPE_SCALE) if boundaries else None,
        "cells": compact_shapes(_cells_by_row(cells, rows), keep=("row",), scale=INNER_SHAPE_SCALE) if cells else None,
        # Raion lines in the front line's steps: drawn over whole raions, they need no finer ones.
        "raions": compact_shapes(raions, as_lines=True, keep=RAION_PROPERTIES, scale=BORDER_SCALE) if raions else None,
        "borders": frontline.wire_borders(borders, rows, BORDER_SCALE) if cells and borders else None,
    }
    return LayerData(packed_json(data), _bounds(outline))


def _cells_by_row(cells: dict, rows: dict[str, int]) -> dict:
    """The cells of the payload's settlements, each naming its settlement by payload row (the map script finds the
    code there): a row number is a fifth of the size of a code."""
    features = [{**f, "properties": {"row": rows[str(f["properties"]["katottg"])]}} for f in _features(cells)
                if str((f.get("properties") or {}).get("katottg")) in rows]
    return {"type": "FeatureCollection", "features": features}
