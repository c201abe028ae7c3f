"""The dashboard's server: ``streamlit run streamlit_app.py`` (what ``./scripts/run.sh`` runs).

It serves the same app as ``streamlit run dashboard.py`` (the map page and ``pages/``). In addition, as soon
as the server is up, it loads the shipped data and the map's libraries in the background, while the first
browser is still loading Streamlit's own page: the first visitor's map does not wait for them
(``benchmarks/browser_bench.py`` measures the cold start both ways).
"""

import logging
import threading
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from app.backend_base import BackendBaseUrl

_LOG = logging.getLogger(__name__)
_WARM_UP_THREAD = "warm-up"

# The data's loading spinner has no page to show in while warming up; Streamlit would log that for this thread.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: record.threadName != _WARM_UP_THREAD)


def _warm_up() -> None:
    try:
        from app import startup

        startup.warm_up()
    except Exception:  # the page loads the data itself, and shows the problem to the user
        _LOG.warning("Loading the data at start failed; the first page will load it.", exc_info=True)


@asynccontextmanager
async def _warm_up_at_start(_app):
    threading.Thread(target=_warm_up, name=_WARM_UP_THREAD, daemon=True).start()
    yield


def _base_url_path() -> str:
    from streamlit import config

    return str(config.get_option("server.baseUrlPath") or "")


dashboard = st.App("dashboard.py", lifespan=_warm_up_at_start,
                   middleware=[Middleware(BackendBaseUrl, base_path=_base_url_path)])
