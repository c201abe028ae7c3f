"""What the server does ahead when it starts (streamlit_app.py runs it in a thread).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.data import shipped_dataset
from app.session_maps import leaflet_missing
from controlmap import paths

if TYPE_CHECKING:
    pass


def warm_up() -> None:
    """Does ahead what the map page's first run would wait for: a look for Leaflet's files, the shipped data with its
    default timeline and map layer, and the folium modules that streamlit_folium imports.

    streamlit_app.py runs this in a thread when the server starts. A script run that needs a value being
    computed here waits for it (Streamlit's cache and Python's imports both lock), so nothing is done twice.
    """
    # Not streamlit_folium itself: it declares a Streamlit component, which only a script run registers.
    import folium.plugins  # noqa: F401

    missing = leaflet_missing()
    if missing:  # the pages say so too, with what to do
        logging.getLogger(__name__).error("Leaflet is missing from %s (%s): run ./scripts/setup.sh", paths.STATIC_DIR,
                                          ", ".join(missing))
    shipped_dataset()
