"""The dashboard's server: ``streamlit run streamlit_app.py`` (what ``./scripts/run.sh`` runs).

It serves the same app as ``streamlit run dashboard.py`` (the map page and ``pages/``). In addition, as soon
as the server is up, it loads the shipped data and the map's libraries in the background, while the first
browser is still loading Streamlit's own page: the first visitor's map does not wait for them
(``benchmarks/browser_bench.py`` measures the cold start both ways).
"""

import streamlit as st
from starlette.middleware import Middleware

from app.backend_base import BackendBaseUrl
from app.startup import warm_up_at_start


def _base_url_path() -> str:
    from streamlit import config

    return str(config.get_option("server.baseUrlPath") or "")


dashboard = st.App("dashboard.py", lifespan=warm_up_at_start,
                   middleware=[Middleware(BackendBaseUrl, base_path=_base_url_path)])
