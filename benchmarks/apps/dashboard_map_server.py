"""Serves dashboard_map.py with the dashboard's warm-up at server start (see streamlit_app.py)."""

from pathlib import Path

import streamlit as st

from app.startup import warm_up_at_start

app = st.App(Path(__file__).resolve().parent / "dashboard_map.py", lifespan=warm_up_at_start)
