"""The maps of a session: the settlement map (built once per session and data version, then told what Python
chooses through the bridges), an upload's preview map, and whether Leaflet is installed to draw them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from app.data import UPLOAD_DIGEST, dataset, events_version
from app.urls import query_view
from controlmap import paths
from controlmap.timeline.dataset import Dataset
from controlmap.web import offline, wire
from controlmap.web.maps import dataset_layer, map_of_layer, packed_selection
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


MAPS = "session_maps"  # this session's settlement map, by data version, with the claimant selection it was built for


def settlement_map(claimants: tuple[str, ...], day: int) -> folium.Map:
    """The map, built once per session and data version and reused, so reruns send it no new HTML; another
    claimant selection is shown on it in the browser (see ``selection_push``).

    Per session, not shared: st_folium adds to the map object it renders. The view in the URL, ``claimants`` and
    ``day`` when it is built are its starting view, selection and day (painted at once, before the bridges are
    there); after that the map keeps its own view and day, and the bridges tell it what Python chooses.
    """
    key = (events_version(), st.session_state.get(UPLOAD_DIGEST, ""))
    maps = st.session_state.setdefault(MAPS, {})
    if key not in maps:
        data = dataset()
        layer = dataset_layer(data, claimants)
        view = query_view(layer.bounds)
        maps.clear()
        built = map_of_layer(layer, initial_day=day_index(data.timeline(claimants), day), mode="cells",
                                     center=view.center, zoom=view.zoom if view.center else None,
                                     fill_window=True)
        maps[key] = (built, wire.selection_key(claimants))
    return maps[key][0]


SELECTION_BRIDGE = "session_selection_bridge"  # set once this session's map was told another selection


def selection_push(claimants: tuple[str, ...],
                   compare: tuple[str, ...] | None) -> tuple[str, str | None, dict] | None:
    """What the selection bridge tells the map: the selection to show, the one whose front line is drawn too
    (None: none), and the packed columns of those the map was not built with. None while the map shows what it
    was built with and nothing was asked of it this session: the page then needs no bridge at all."""
    built = next(iter(st.session_state.get(MAPS, {}).values()), (None, None))[1]
    show = wire.selection_key(claimants)
    second = None if compare is None else wire.selection_key(compare)
    if show == built and second is None and not st.session_state.get(SELECTION_BRIDGE):
        return None
    st.session_state[SELECTION_BRIDGE] = True
    wanted = {show: claimants, **({} if compare is None else {second: compare})}
    packed = {key: packed_selection(dataset(), chosen) for key, chosen in wanted.items() if key != built}
    return show, second, packed


def previous_day(key: str, day: int, selection: tuple[str, ...]) -> int | None:
    """The day shown on the previous run of this page for the same claimants (None at first, or after the claimants
    changed: controlmap.web.panel then compares with the day before)."""
    shown = st.session_state.get(key)
    st.session_state[key] = (day, selection)
    return shown[0] if shown is not None and shown[1] == selection else None


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
