"""What the map page built in an AppTest session: the folium map, its layer's options and unpacked data, and its
panel's settings (the browser draws the rest)."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import date, timedelta
from typing import Any


def built(at) -> tuple[Any, dict, dict, dict]:
    """(the folium map, its layer's options, the layer's unpacked data, the panel's settings)."""
    from app import session_maps

    (folium_map,) = at.session_state[session_maps.MAPS].values()
    children = {type(c).__name__: c for c in folium_map._children.values()}
    layer = children["TimelineLayer"]
    data = json.loads(zlib.decompress(base64.b64decode(layer.packed)))
    return folium_map, json.loads(layer.options), data, children["PanelLayer"].settings


def shown_day(at) -> str:
    """The day the map starts on, as an ISO date."""
    _, options, data, _ = built(at)
    return (date.fromisoformat(data["timeline"]["day0"]) + timedelta(days=options["initialDay"])).isoformat()


def starting_selection(at) -> str:
    """The claimants the map starts with, as the map names them ("ua,independent"; "" for none)."""
    return built(at)[2]["selection"]
