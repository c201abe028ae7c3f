"""The settlement map: one folium map whose settlements recolour in the browser for any day.

The whole timeline travels once, packed inside the map's script. The map starts on the day it is built
with; later days are chosen in the browser (or pushed to it), so Streamlit reruns never rebuild it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, JavascriptLink
from folium.elements import JSCSSMixin
from jinja2 import Template

from controlmap import paths
from controlmap.geo.shapes import read_shapes
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS
from controlmap.timeline.dataset import Dataset
from controlmap.web import own_shapes, urlvalues
from controlmap.web.offline import LEAFLET_URL, offline_map
from controlmap.web.script import asset_text, installed_script_url, timeline_script
from controlmap.web.wire import LayerData, layer_data, selection_key, selection_wire, timeline_wire

TOWN_PAGE_URL = "/Town_history"


MODES = ("points", "cells")


# A map that fills the window keeps this many pixels below it, and is never lower than `min`.
FILL_WINDOW = {"margin": 16, "min": 420}
OSM_TILES = {
    "name": "OpenStreetMap tiles (online)",
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "&copy; OpenStreetMap contributors",
}


class Verbatim(Element):
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
    """Draws every settlement of a timeline and recolours them for any day, in the browser. The map script is
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
        self.css = asset_text("timeline_layer.css")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        # MacroElement.render wraps each macro's output in Element(), which compiles it as a Jinja
        # template again: slow for a large payload, and it would evaluate Jinja found in names.
        figure: Any = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        module = self._template.module
        figure.header.add_child(Verbatim(module.header(self, kwargs)), name=self.get_name())
        figure.script.add_child(Verbatim(module.script(self, kwargs)), name=self.get_name())


def layer_of(dataset: Dataset, claimants: tuple[str, ...], offered: Iterable[str] = (), first: int | None = None,
             last: int | None = None) -> LayerData:
    """The layer of ``dataset``'s timeline for ``claimants`` with the shipped shapes, shown from day index ``first`` to
    ``last`` (None: the timeline's ends); every other choice among ``offered`` travels with it, so that the page can
    switch between them (and draw one's front line over another's) with no server."""
    key = selection_key(claimants)
    offered = tuple(offered)
    others = {selection_key(s): selection_wire(dataset.timeline(s), first, last)
              for s in (selections_of(offered) if offered else ()) if selection_key(s) != key}
    shapes = read_shapes()
    return layer_data(timeline_wire(dataset.timeline(claimants), first, last), outline=shapes["outline"],
                      boundaries=shapes["hromadas"], cells=shapes["cells"], selection=key, raions=shapes["raions"],
                      selections=others)


def dataset_layer(dataset: Dataset, claimants: tuple[str, ...] = CLAIMANTS, *,
                  every_selection: bool = False) -> LayerData:
    """``layer_of`` the whole timeline, derived once per dataset (and cached with it when computed before: see
    ``controlmap.timeline.cache.load_dataset``); ``every_selection``: with every other choice of claimants."""
    return dataset.derived(("map layer", tuple(sorted(claimants)), every_selection),
                           lambda: layer_of(dataset, claimants, CLAIMANTS if every_selection else ()))


def selections_of(claimants: Iterable[str]) -> list[tuple[str, ...]]:
    """Every choice among ``claimants`` (in CLAIMANTS' order), the empty one first, then by size."""
    chosen = [c for c in CLAIMANTS if c in set(claimants)]
    return [combo for size in range(len(chosen) + 1) for combo in itertools.combinations(chosen, size)]


def build_map(
    timeline: dict,
    *,
    initial_day: int,
    outline: dict,
    boundaries: dict | None = None,
    cells: dict | None = None,
    **view: Any,
) -> folium.Map:
    """The settlement map of ``timeline`` (a ``wire.timeline_wire``), starting on day index ``initial_day``; ``view``
    as for ``map_of_layer``."""
    data = layer_data(timeline, outline=outline, boundaries=boundaries, cells=cells)
    return map_of_layer(data, initial_day=initial_day, **view)


def map_of_layer(
    data: LayerData,
    *,
    initial_day: int,
    mode: str = "points",
    center: tuple[float, float] | None = None,
    zoom: float | None = None,
    town_page_url: str = TOWN_PAGE_URL,
    osm_tiles: bool = False,
    leaflet_url: str = LEAFLET_URL,
    static_dir: Path | None = paths.STATIC_DIR,
    fill_window: bool = False,
    script_url: str | None = None,
    own_shapes_url: str | None = None,
) -> folium.Map:
    """The settlement map of ``data``, showing day index ``initial_day`` (days since the timeline's day0).

    ``mode`` is the initial view ("points" or "cells"); the map can switch without the server.
    Without ``zoom`` the map fits the outline. ``osm_tiles`` offers online OpenStreetMap tiles in
    the layer control, off until the user turns them on. The map loads its script from ``static_dir`` when
    it is installed there (``python -m controlmap install-assets``), else carries it inline; ``script_url``, when
    given, is where the map loads it from instead (a published site's copy), as ``own_shapes_url`` is where it
    fetches settlements' own boundaries from (``controlmap.web.own_shapes``). ``fill_window``: in
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
        zoom_snap=urlvalues.ZOOM_STEP,
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
        "ownShapesUrl": own_shapes_url or own_shapes.installed_url(static_dir),
        "claimantLabels": CLAIMANT_LABELS,  # whose statements a claimant selection holds, in words (the PNG says)
    }
    TimelineLayer(data.packed, options, script_url or installed_script_url(static_dir)).add_to(m)
    return m
