"""The settlement map: one folium map whose settlements recolour in the browser for any day.

The whole timeline travels once, packed inside the map's script. The map starts on the day it is built
with; later days are chosen in the browser (or pushed to it), so Streamlit reruns never rebuild it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import zlib
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, JavascriptLink
from folium.elements import JSCSSMixin
from jinja2 import Template

from controlmap import frontline, paths, settlement_shapes
from controlmap.dataset import Dataset
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS
from controlmap.offline import LEAFLET_URL, STATIC_URL, install_named_file, offline_map
from controlmap.payload import build_payload

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
TOWN_PAGE_URL = "/Town_history"
COORD_DIGITS = 4
MODES = ("points", "cells")
ZOOM_SNAP = 0.25
# A map that fills the window keeps this many pixels below it, and is never lower than `min`.
FILL_WINDOW = {"margin": 16, "min": 420}
OSM_TILES = {
    "name": "OpenStreetMap tiles (online)",
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "&copy; OpenStreetMap contributors",
}

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


# The map script's parts (controlmap/assets/timeline/), concatenated in this order: each registers itself in
# `controlmapParts` for the parts after it; layer.js defines `controlmapTimeline`.
TIMELINE_PARTS = (
    "decode.js", "runs.js", "styles.js", "sprites.js", "frontline.js", "state.js", "dom.js", "hover.js",
    "regions.js", "leaflet_adapter.js", "renderer.js", "date_control.js", "map_controls.js", "api.js",
    "export_image.js", "own_shapes.js", "layer.js",
)


def _asset(name: str) -> str:
    return (ASSETS_DIR / name).read_text(encoding="utf-8")


@functools.cache
def timeline_script() -> str:
    """The map script: its parts concatenated in ``TIMELINE_PARTS`` order."""
    return "\n".join(_asset(f"timeline/{name}") for name in TIMELINE_PARTS)


# Where `install-assets` puts the map script, under static/ (served at /app/static/, like Leaflet): a file
# named by its content, so a browser never runs a cached older version, and a map sends 70 KB less.
SCRIPT_FOLDER = "vendor/controlmap"


@functools.cache
def timeline_script_name() -> str:
    digest = hashlib.sha256(timeline_script().encode("utf-8")).hexdigest()[:12]
    return f"timeline-{digest}.js"


def install_timeline_script(static_dir: Path = paths.STATIC_DIR) -> Path:
    """Write the map script into ``static_dir`` (``python -m controlmap install-assets`` does, with Leaflet);
    earlier versions there are removed."""
    return install_named_file(Path(static_dir) / SCRIPT_FOLDER, timeline_script_name(),
                              timeline_script().encode("utf-8"), "timeline-*.js")


def installed_script_url(static_dir: Path | None = paths.STATIC_DIR) -> str | None:
    """The URL of this version of the map script when it is installed in ``static_dir``, else None (the map
    then carries it inline)."""
    if static_dir is None:
        return None
    target = Path(static_dir) / SCRIPT_FOLDER / timeline_script_name()
    try:
        installed = target.stat().st_size == len(timeline_script().encode("utf-8"))
    except OSError:
        return None
    return f"{STATIC_URL}/{SCRIPT_FOLDER}/{target.name}" if installed else None


class _Verbatim(Element):
    """Figure content that is emitted as is, never compiled as a template."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def script_json(value: object) -> str:
    """JSON that can stand inside a script element (no ``<``, ``>`` or ``&`` that HTML would read)."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class TimelineLayer(JSCSSMixin):
    """Draws every settlement of a payload and recolours them for any day, in the browser. The map script is
    loaded from ``script_url`` before the map's own script runs (streamlit-folium loads every element's
    ``default_js`` first, in order), or inlined when that is None."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        controlmapTimeline({{ this._parent.get_name() }}, "{{ this.packed }}", {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(self, packed: str, options: dict, script_url: str | None = None):
        super().__init__()
        self._name = "TimelineLayer"
        self.packed = packed
        self.options = script_json(options)
        self.default_js = [("controlmap_timeline", script_url)] if script_url else []
        self.js = "" if script_url else timeline_script()
        self.css = _asset("timeline_layer.css")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        # MacroElement.render wraps each macro's output in Element(), which compiles it as a Jinja
        # template again: slow for a large payload, and it would evaluate Jinja found in names.
        figure: Any = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        module = self._template.module
        figure.header.add_child(_Verbatim(module.header(self, kwargs)), name=self.get_name())
        figure.script.add_child(_Verbatim(module.script(self, kwargs)), name=self.get_name())


@dataclass(frozen=True)
class LayerData:
    """The heavy, view-independent part of a settlement map: the timeline and the shapes, packed
    (see ``packed_json``), and the outline's bounds. Worth keeping: a map is then cheap to build."""

    packed: str
    bounds: list[list[float]]


def layer_data(payload: dict, *, outline: dict, boundaries: dict | None = None, cells: dict | None = None,
               borders: list[frontline.Border] | None = None, selection: str = "",
               selections: dict[str, dict] | None = None, raions: dict | None = None) -> LayerData:
    """``payload`` (see benchmarks/synthetic.py for the format) and the shapes, ready for ``map_of_layer``.
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


@functools.cache
def read_shapes(geo_dir: Path = paths.GEO_DIR) -> dict[str, dict]:
    """Outline, hromada and raion lines and cells as shipped (4,201 points: Leaflet simplifies them per zoom level
    as it draws, so the server does not). Read once per process and shared: callers must not modify them."""
    return {key: json.loads((geo_dir / name).read_text("utf-8")) for key, name in paths.SHAPE_FILES.items()}


@functools.cache
def shipped_borders() -> list[frontline.Border]:
    """The borders of the shipped cells (``frontline.cell_borders``), found once per process."""
    return frontline.cell_borders(read_shapes()["cells"])


def dataset_layer(dataset: Dataset, claimants: tuple[str, ...] = CLAIMANTS) -> LayerData:
    """The layer of ``dataset``'s timeline for ``claimants`` with the shipped shapes, derived once per
    dataset (and cached with it when computed before: see ``controlmap.cache.load_dataset``)."""

    def compute() -> LayerData:
        shapes = read_shapes()
        return layer_data(build_payload(dataset.timeline(claimants)), outline=shapes["outline"],
                          boundaries=shapes["hromadas"], cells=shapes["cells"], borders=shipped_borders(),
                          selection=selection_key(claimants), raions=shapes["raions"])

    return dataset.derived(("map layer", tuple(sorted(claimants))), compute)


def packed_selection(dataset: Dataset, claimants: tuple[str, ...]) -> str:
    """The packed timeline columns (``selection_columns``) of ``dataset`` for ``claimants``, which a map built for
    another selection shows through ``addPackedSelection``; derived once per dataset."""
    return dataset.derived(("packed selection", selection_key(claimants)),
                           lambda: packed_json(selection_columns(build_payload(dataset.timeline(claimants)))))


def build_map(
    payload: dict,
    *,
    outline: dict,
    boundaries: dict | None = None,
    cells: dict | None = None,
    **view: Any,
) -> folium.Map:
    """The settlement map for ``payload``, starting on its ``initial_day``; ``view`` as for ``map_of_layer``."""
    data = layer_data(payload, outline=outline, boundaries=boundaries, cells=cells)
    return map_of_layer(data, initial_day=int(payload["initial_day"]), **view)


def map_of_layer(
    data: LayerData,
    *,
    initial_day: int,
    mode: str = "points",
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    town_page_url: str = TOWN_PAGE_URL,
    osm_tiles: bool = False,
    leaflet_url: str = LEAFLET_URL,
    static_dir: Path | None = paths.STATIC_DIR,
    fill_window: bool = False,
    script_url: str | None = None,
    own_shapes_url: str | None = None,
) -> folium.Map:
    """The settlement map of ``data``, showing day index ``initial_day`` (days since the payload's day0).

    ``mode`` is the initial view ("points" or "cells"); the map can switch without the server.
    Without ``zoom`` the map fits the outline. ``osm_tiles`` offers online OpenStreetMap tiles in
    the layer control, off until the user turns them on. The map loads its script from ``static_dir`` when
    it is installed there (``python -m controlmap install-assets``), else carries it inline; ``script_url``, when
    given, is where the map loads it from instead (a published site's copy), as ``own_shapes_url`` is where it
    fetches settlements' own boundaries from (``controlmap.settlement_shapes``). ``fill_window``: in
    streamlit-folium's frame, the map takes the page window's height below where it starts (its ``height``
    is then only the height before the script runs).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    (south, west), (north, east) = data.bounds
    location = list(center) if center else [(south + north) / 2, (west + east) / 2]
    m = offline_map(
        leaflet_url,
        location=location,
        zoom_start=zoom or 8,
        control_scale=True,
        # The fitted view may fall between zoom levels (the oblast as large as the map allows); the zoom
        # buttons still step by whole levels, and a view in the URL has a whole level.
        zoom_snap=ZOOM_SNAP,
    )
    options = {
        "initialDay": int(initial_day),
        "mode": mode,
        "townPageUrl": town_page_url,
        "tiles": OSM_TILES if osm_tiles else None,
        "fitBounds": data.bounds if zoom is None else None,
        # Set again once the map has its size: a resize before that moves the centre by part of a pixel.
        "view": {"center": location, "zoom": zoom} if zoom is not None else None,
        "fillWindow": FILL_WINDOW if fill_window else None,
        # Settlements' own boundaries, fetched when zoomed in close (None: not installed, none drawn).
        "ownShapesUrl": own_shapes_url or settlement_shapes.installed_url(static_dir),
        "claimantLabels": CLAIMANT_LABELS,  # whose statements a claimant selection holds, in words (the PNG says)
    }
    TimelineLayer(data.packed, options, script_url or installed_script_url(static_dir)).add_to(m)
    return m
