"""The map page: each settlement's controller at the date on the slider, recoloured in the browser."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app import state
from app.date_control import date_control
from controlmap.model import CLAIMANTS
from controlmap.timeline import from_day, to_day

CLAIMANT_LABELS = {"ua": "Ukrainian officials", "ru": "Russian officials", "independent": "Independent observers"}
STATUS_LABELS = {"ua": "Ukrainian-held", "ru": "Russian-held", "contested": "Contested",
                 "unknown": "Unknown (no statement)"}
SHOWN_ORDER = ("ua", "ru", "contested", "unknown")

st.set_page_config(page_title="Kharkiv oblast: who controlled what, when", page_icon="🗺️", layout="wide")
state.ensure_static_assets()
names = state.names_switch()
claimants = tuple(st.sidebar.multiselect(
    "Statements included", CLAIMANTS, default=list(state.query_claimants()), format_func=CLAIMANT_LABELS.get,
    key="claimants", help="Whose statements decide the displayed status. Claims are never merged."))
if not claimants:
    st.sidebar.warning("No statements included: every settlement shows the 24 Feb 2022 baseline.")

timeline = state.timeline(claimants)
first, last = timeline.span
default_day = to_day(state.query_date("date", from_day(last)))
start_day = min(max(default_day, first), last)

st.title("Kharkiv oblast: who controlled which settlement, day by day")
map_column, text_column = st.columns([3, 2], gap="medium")


@st.fragment
def date_and_figures() -> None:
    """The date bridge and the text figures: a committed date reruns only this, never the map."""
    committed = date_control(start_day - first, last - first + 1, from_day(first).isoformat(),
                             [int(d - first) for d in timeline.change_days if first <= d <= last], key="date_control")
    day = first + int(committed)
    state.set_query(date=from_day(day).isoformat())
    shown = timeline.state_at(day)
    counts, areas = timeline.count_by_status(shown), timeline.area_by_status(shown)
    name_column = state.name_column()
    st.subheader(f"{from_day(day):%d %B %Y}")
    st.dataframe(pd.DataFrame({
        "status": [STATUS_LABELS[s] for s in SHOWN_ORDER],
        "settlements": [counts[s] for s in SHOWN_ORDER],
        "area km² (approx.)": [areas[s] for s in SHOWN_ORDER],
    }), hide_index=True, key="figures")
    disputed = int(shown.disputed.sum())
    st.markdown(f"**Disputed** (the sides' recent statements disagree): {disputed} settlement(s)")
    previous = state.previous_day("map_previous_day", day)
    changed = timeline.changes(previous, day)
    st.markdown(f"**Changed since {from_day(previous):%d %b %Y}:** {len(changed)} settlement(s)")
    if len(changed):
        st.dataframe(changed[[name_column, "from_status", "to_status", "to_source", "to_date", "to_url"]],
                     hide_index=True, key="changed",
                     column_config={"to_url": st.column_config.LinkColumn("link"), name_column: "settlement",
                                    "to_source": "source", "to_date": "statement date"})


with map_column:
    moved = st_folium(state.settlement_map(claimants), key=f"map-{','.join(claimants)}",
                      returned_objects=["center", "zoom"], height=640, use_container_width=True)
    state.remember_view(moved)
    st.caption("Points: settlements with an exact GeoNames point. Hollow dashed marks: settlements placed "
               "approximately around their hromada centre. Hromada lines and cells are approximate.")

state.set_query(claimants=None if claimants == CLAIMANTS else ",".join(claimants))
with text_column:
    date_and_figures()
    st.caption(f"From `data/events.csv` ({len(state.dataset().events):,} events"
               f"{' + your uploaded events, this session only' if state.has_upload() else ''}); statements by: "
               f"{', '.join(CLAIMANT_LABELS[c] for c in claimants) or 'none'}. Areas are approximate: Voronoi "
               "cells of the 161 exactly placed settlements. Before a settlement's first statement it shows the "
               "24 Feb 2022 baseline (Ukrainian-held).")
