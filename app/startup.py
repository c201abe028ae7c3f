"""What the server does ahead when it starts: ``warm_up_at_start`` is the lifespan of the dashboard's server
(streamlit_app.py) and of the benchmark's map-only app; it runs ``warm_up`` in a thread.

The data and map modules are imported inside ``warm_up``, in that thread: imported here, they would delay the
server's start by their import time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

_LOG = logging.getLogger(__name__)
_WARM_UP_THREAD = "warm-up"

# The data's loading spinner has no page to show in while warming up; Streamlit would log that for this thread.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: record.threadName != _WARM_UP_THREAD)


def warm_up() -> None:
    """Does ahead what the map page's first run would wait for: a look for Leaflet's files, the shipped data with its
    default timeline and map layer, and the folium modules that streamlit_folium imports.

    A script run that needs a value being computed here waits for it (Streamlit's cache and Python's imports both
    lock), so nothing is done twice.
    """
    # Not streamlit_folium itself: it declares a Streamlit component, which only a script run registers.
    import folium.plugins  # noqa: F401

    from app.data import shipped_dataset
    from app.session_maps import leaflet_missing
    from controlmap import paths

    missing = leaflet_missing()
    if missing:  # the pages say so too, with what to do
        _LOG.error("Leaflet is missing from %s (%s): run ./scripts/setup.sh", paths.STATIC_DIR, ", ".join(missing))
    shipped_dataset()


def _warm_up_logged() -> None:
    try:
        warm_up()
    except Exception:  # the page loads the data itself, and shows the problem to the user
        _LOG.warning("Loading the data at start failed; the first page will load it.", exc_info=True)


@asynccontextmanager
async def warm_up_at_start(_app: Any) -> AsyncIterator[None]:
    """A Streamlit ``App`` lifespan: starts ``warm_up`` in a thread as soon as the server is up, while the first
    browser is still loading Streamlit's own page."""
    threading.Thread(target=_warm_up_logged, name=_WARM_UP_THREAD, daemon=True).start()
    yield
