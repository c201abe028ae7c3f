"""The settlement map on a synthetic timeline (browser tests and benchmark).

Environment: CONTROLMAP_DEMO_N settlements (default 1751), CONTROLMAP_DEMO_RUNS runs per settlement
(default 3), CONTROLMAP_DEMO_CELLS=1 adds Voronoi cells. ``?day=YYYY-MM-DD`` sets the first day.
"""

import os
from datetime import date
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from controlmap.web.maps import build_map
from controlmap.web.offline import install_assets
from tests.support.synthetic import INITIAL_DAY, box_outline, grid_boundaries, synthetic_timeline, voronoi_cells

N_SETTLEMENTS = int(os.environ.get("CONTROLMAP_DEMO_N", "1751"))
N_RUNS = int(os.environ.get("CONTROLMAP_DEMO_RUNS", "3"))
WITH_CELLS = os.environ.get("CONTROLMAP_DEMO_CELLS") == "1"
# Untrusted names must reach the page as text.
HOSTILE_NAMES = {
    0: ('<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>"),
    1: ("{{ 7*7 }} & 'quoted'", "Ім'я </script><b>bold</b>"),
}


@st.cache_resource
def demo_timeline(n: int, runs: int) -> dict:
    timeline = synthetic_timeline(n, runs, seed=7)
    for i, (name_en, name_uk) in HOSTILE_NAMES.items():
        timeline["name_en"][i] = name_en
        timeline["name_uk"][i] = name_uk
    return timeline


@st.cache_resource
def demo_cells(n: int, runs: int) -> dict:
    return voronoi_cells(demo_timeline(n, runs))


@st.cache_resource
def demo_map(n: int, runs: int, with_cells: bool, initial_day: int):
    """Built once per first day, like the dashboard's map: a rerun then sends the map no new HTML."""
    return build_map(
        demo_timeline(n, runs),
        initial_day=initial_day,
        outline=box_outline(),
        boundaries=grid_boundaries(),
        cells=demo_cells(n, runs) if with_cells else None,
    )


def first_day(timeline: dict) -> int:
    """The day index ``?day=`` names, else the demo's own."""
    try:
        return (date.fromisoformat(st.query_params.get("day", "")) - date.fromisoformat(timeline["day0"])).days
    except ValueError:
        return INITIAL_DAY


st.set_page_config(page_title="controlmap demo", layout="wide")
install_assets(Path(__file__).resolve().parent / "static")  # Leaflet and the map script
timeline = demo_timeline(N_SETTLEMENTS, N_RUNS)
st_folium(demo_map(N_SETTLEMENTS, N_RUNS, WITH_CELLS, first_day(timeline)), key="map", returned_objects=[],
          height=560, use_container_width=True)
