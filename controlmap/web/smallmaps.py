"""The small maps of the analyst pages (Town history, Compare dates), as folium maps that load Leaflet from the app.

Each gets the same offline context as the main map: the oblast outline, the raion and hromada lines and the data's
attribution; no tile server. Text drawn into a tooltip comes from event files and is escaped here.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable
from pathlib import Path

import folium
import pandas as pd

from controlmap import paths
from controlmap.geo.gazetteer import has_own_point
from controlmap.geo.shapes import read_shapes
from controlmap.model import STATUS_COLOURS, STATUS_LABELS
from controlmap.timeline.history import cell_feature
from controlmap.web.offline import LEAFLET_URL, offline_map

OUTLINE_STYLE = {"color": "#222222", "weight": 2, "fill": False}
HROMADA_STYLE = {"color": "#666666", "weight": 1, "opacity": 0.7, "fill": False}
RAION_STYLE = {"color": "#333333", "weight": 2, "opacity": 0.85, "fill": False}
SINGLE_ZOOM = 11  # one settlement's neighbourhood: its hromada and the next
NEIGHBOUR_STYLE = {"color": "#888888", "weight": 0.8, "fillColor": "#dddddd", "fillOpacity": 0.25}


@functools.cache
def read_settlement_shapes(geo_dir: Path = paths.GEO_DIR) -> dict[str, dict]:
    """katottg → the settlement's own boundary feature (OpenStreetMap), read once per process; shared."""
    collection = json.loads((geo_dir / paths.SETTLEMENT_SHAPES_GEOJSON.name).read_text("utf-8"))
    return {f["properties"]["katottg"]: f for f in collection["features"]}


def tooltip_text(text: str) -> str:
    """Text for a folium tooltip: HTML-escaped, and braces too (branca renders tooltips as Jinja templates)."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def _features(collection: dict, keep: Callable[[dict], bool]) -> dict:
    return {"type": "FeatureCollection", "features": [f for f in collection["features"] if keep(f["properties"])]}


def _context(m: folium.Map, shapes: dict) -> None:
    """Outline, raion and hromada lines, drawn under everything else and not interactive."""
    folium.GeoJson(shapes["hromadas"], name="Hromada boundaries", style_function=lambda _: HROMADA_STYLE,
                   interactive=False).add_to(m)
    folium.GeoJson(shapes["raions"], name="Raion boundaries", style_function=lambda _: RAION_STYLE,
                   interactive=False).add_to(m)
    folium.GeoJson(shapes["outline"], name="Oblast outline", style_function=lambda _: OUTLINE_STYLE,
                   interactive=False).add_to(m)


def town_map(info: dict, status: str, *, leaflet_url: str = LEAFLET_URL, shapes: dict | None = None,
             settlement_shapes: dict | None = None) -> folium.Map | None:
    """One settlement: its cell filled with the status colour, its own OpenStreetMap boundary, its point; the
    other cells of its hromada, its hromada's line in bold, and the oblast's context. None without a position."""
    if info.get("lat") is None or info.get("lon") is None:
        return None
    shapes = shapes or read_shapes()
    own_shapes = settlement_shapes if settlement_shapes is not None else read_settlement_shapes()
    code, hromada = info["katottg"], info["hromada_code"]
    m = offline_map(leaflet_url, location=[info["lat"], info["lon"]], zoom_start=11, control_scale=True)
    _context(m, shapes)
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"])
    label = tooltip_text(f"{info['name_en']} ({info['name_uk']}): {STATUS_LABELS.get(status, status)}")
    neighbours = _features(shapes["cells"], lambda p: p["hromada_code"] == hromada and p["katottg"] != code)
    if neighbours["features"]:
        folium.GeoJson(neighbours, name="Other settlements of the hromada", style_function=lambda _: NEIGHBOUR_STYLE,
                       tooltip=folium.GeoJsonTooltip(["name_en"], labels=False)).add_to(m)
    folium.GeoJson(_features(shapes["hromadas"], lambda p: p["code"] == hromada), name="Its hromada",
                   style_function=lambda _: {"color": "#222222", "weight": 2.5, "fill": False},
                   interactive=False).add_to(m)
    cell = cell_feature(shapes["cells"], code)
    if cell is not None:
        folium.GeoJson(cell, name="Its cell", style_function=lambda _: {
            "color": "#222222", "weight": 1, "fillColor": colour, "fillOpacity": 0.45},
            tooltip=folium.Tooltip(label)).add_to(m)
    if code in own_shapes:
        folium.GeoJson(own_shapes[code], name="Its boundary (OpenStreetMap)", style_function=lambda _: {
            "color": "#000000", "weight": 2, "dashArray": "5 4", "fill": False}, interactive=False).add_to(m)
    approximate = not has_own_point(info.get("coord_quality", ""))
    folium.CircleMarker([info["lat"], info["lon"]], radius=9 if approximate else 6, color="#222222",
                        weight=2, dash_array="4 3" if approximate else None, fill=not approximate,
                        fill_color=colour, fill_opacity=0.9, tooltip=folium.Tooltip(label)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def changes_map(frame: pd.DataFrame, status_column: str, name_column: str, *, leaflet_url: str = LEAFLET_URL,
                shapes: dict | None = None) -> folium.Map | None:
    """Settlements as points coloured by ``status_column`` over the oblast's context; approximate positions
    drawn as hollow dashed rings. None when no settlement has a position."""
    placed = frame.dropna(subset=["lat", "lon"])
    if placed.empty:
        return None
    # One settlement: its neighbourhood, as on the Town history (zoom 8 showed a fifth of the oblast around it).
    m = offline_map(leaflet_url, location=[float(placed.lat.mean()), float(placed.lon.mean())],
                    zoom_start=SINGLE_ZOOM if len(placed) == 1 else 8, control_scale=True)
    _context(m, shapes or read_shapes())
    for row in placed.itertuples():
        colour = STATUS_COLOURS.get(getattr(row, status_column), STATUS_COLOURS["unknown"])
        approximate = not has_own_point(row.coord_quality)
        text = (f"{getattr(row, name_column)}: {STATUS_LABELS.get(row.from_status, row.from_status)} → "
                f"{STATUS_LABELS.get(row.to_status, row.to_status)}")
        if approximate:
            text += " (approximate position: hromada centre)"
        folium.CircleMarker([row.lat, row.lon], radius=7, color="#222222", weight=1.5,
                            dash_array="3 3" if approximate else None, fill=True, fill_color=colour,
                            fill_opacity=0.35 if approximate else 0.9,
                            tooltip=folium.Tooltip(tooltip_text(text))).add_to(m)
    if len(placed) > 1:
        m.fit_bounds([[placed.lat.min(), placed.lon.min()], [placed.lat.max(), placed.lon.max()]], padding=(40, 40),
                     max_zoom=SINGLE_ZOOM)
    return m
