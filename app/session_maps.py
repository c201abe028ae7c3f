"""The maps of a session: the map page's map with its panel (built once per session and data version), an upload's
preview map, and whether Leaflet is installed to draw them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from app.data import UPLOAD_DIGEST, data_version, dataset, events_version, has_upload
from app.urls import query_view
from controlmap import paths, region
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.freshness import UPDATE_HINT
from controlmap.web import offline
from controlmap.web.maps import dataset_layer, map_of_layer
from controlmap.web.panel import PanelLayer, panel_settings
from controlmap.web.wire import day_index

if TYPE_CHECKING:
    import folium
    pass


_LOG = logging.getLogger(__name__)

_leaflet_ready = False  # once found, not looked for again in this process

LEAFLET_MISSING = ("The map cannot be drawn: its library (Leaflet) is not installed in `static/vendor/leaflet`. "
                   "Run `./scripts/setup.sh` (or `.venv/bin/python -m controlmap install-assets`) on the server "
                   "and reload this page.")


def leaflet_missing() -> list[str]:
    """Leaflet's files missing from ./static (copied there at set-up, never by the app): [] when ready."""
    global _leaflet_ready
    if _leaflet_ready:
        return []
    missing = offline.missing_leaflet_files()
    _leaflet_ready = not missing
    return missing


def ensure_static_assets() -> bool:
    """True when the maps can load Leaflet from /app/static/; else says what to do, on the page and in the log."""
    missing = leaflet_missing()
    if missing:
        _LOG.error("Leaflet is missing from %s: %s", paths.STATIC_DIR / "vendor" / "leaflet", ", ".join(missing))
        st.error(LEAFLET_MISSING)
    return not missing


MAPS = "session_maps"  # this session's settlement map, by data version


def settlement_map(claimants: tuple[str, ...], day: int) -> folium.Map:
    """The map page's map with its panel (``controlmap.web.panel``), built once per session and data version and
    reused, so reruns send it no new HTML. The view in the URL, ``claimants`` and ``day`` when it is built are its
    starting view, selection and day; every other selection travels with it, and the panel switches between them in
    the browser.

    Per session, not shared: st_folium adds to the map object it renders.
    """
    key = (events_version(), st.session_state.get(UPLOAD_DIGEST, ""))
    maps = st.session_state.setdefault(MAPS, {})
    if key not in maps:
        data = dataset()
        layer = dataset_layer(data, claimants, every_selection=True)
        view = query_view(layer.bounds)
        maps.clear()
        built = map_of_layer(layer, initial_day=day_index(data.timeline(claimants), day), mode="cells",
                             center=view.center, zoom=view.zoom if view.center else None, fill_window=True)
        settings = panel_settings(data, title=region.current().title, events_sha256=data_version(),
                                  data_file=paths.shown(paths.EVENTS_CSV), host="dashboard",
                                  view_bounds=layer.bounds, uploaded=has_upload(),
                                  stale_hint=UPDATE_HINT)
        PanelLayer(settings).add_to(built)
        maps[key] = built
    return maps[key]


PREVIEW_MAPS = "session_preview_maps"  # this session's map of an upload's preview, by its key


def map_of(dataset: Dataset, key: str) -> folium.Map:
    """The map of any dataset (an upload's preview), built once per session and `key`.

    Per session, never shared between sessions (st_folium adds to the map object it renders); only the
    latest is kept. The heavy part, the packed layer, is derived once per dataset (``Dataset.derived``).
    """
    maps = st.session_state.setdefault(PREVIEW_MAPS, {})
    if key not in maps:
        maps.clear()
        maps[key] = map_of_layer(dataset_layer(dataset), initial_day=day_index(dataset.timeline()))
    return maps[key]
