"""Serves bare_map.py with the dashboard's warm-up at server start (see streamlit_app.py): the bare app's first run
then no longer waits for folium's import, which the dashboard's server does in the background. The fair baseline for
the wall-clock of a cold start."""

from pathlib import Path

import streamlit as st

from app.startup import warm_up_at_start

app = st.App(Path(__file__).resolve().parent / "bare_map.py", lifespan=warm_up_at_start)
