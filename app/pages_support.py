"""Widgets and displays shared by the analyst pages (Town history, Compare dates, Events, Time series).

Layout only: figures come from controlmap, words and colours from controlmap.model; caching, session keys and
every URL read or write live in app.state.
Text that comes from event files (names, sources, quotes, notes) is untrusted: it is shown through
st.dataframe / st.text, or through `md_escape` where it must sit inside Markdown; never as HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app import data, session_maps, urls, widgets
from controlmap import paths, region
from controlmap.geo.gazetteer import placement_summary
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS, STATUS_COLOURS, STATUSES, colour_key
from controlmap.text import md_escape, safe_url
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.engine import Timeline
from controlmap.web import smallmaps

EVENTS_FILE = paths.shown(paths.EVENTS_CSV)
MAP_HEIGHT = 360


# ---------------------------------------------------------------- text

def other_name_column(name_column: str) -> str:
    return "name_uk" if name_column == "name_en" else "name_en"


def claimants_text(claimants: Iterable[str]) -> str:
    chosen = list(claimants)
    return ", ".join(chosen) if chosen else "none"


# ---------------------------------------------------------------- page frame

def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"{title} · {region.current().name_en} control map", layout="wide")


@dataclass(frozen=True)
class AnalystPage:
    """What an analyst page showing a timeline starts from: the claimants chosen, the names' language, the data."""

    claimants: tuple[str, ...]
    name_column: str
    other_column: str
    dataset: Dataset
    timeline: Timeline


def analyst_page(title: str, claimants_key: str) -> AnalystPage:
    """The frame of the Town history, Compare dates and Time series pages: the page's title and settings, the names
    switch and the claimant filter in the sidebar, and the data for the claimants chosen (the title is left to the
    page, which may show widgets before it)."""
    page_setup(title)
    widgets.names_switch()
    claimants = claimant_filter(claimants_key)
    name_column = widgets.name_column()
    return AnalystPage(claimants, name_column, other_name_column(name_column), data.dataset(),
                       data.timeline(claimants))


def freshness_notice() -> None:
    """How fresh the data are ("as of <the newest map snapshot read>"), and a warning when that is more than a week
    old (with how to update)."""
    fresh = data.freshness()
    if fresh is None:
        return
    st.caption(f"Map data {md_escape(fresh.as_of)}: the newest map snapshot read.")
    if fresh.stale:
        st.warning(md_escape(fresh.notice()))


def sources_caption(dataset: Dataset, claimants: Iterable[str] | None, extra: str = "") -> None:
    """Where the page's numbers come from: the events file, how fresh it is, the claimant filter, what the areas
    are."""
    upload = " plus the file you are trying in this session" if data.has_upload() else ""
    parts = [f"Data: `{EVENTS_FILE}` ({len(dataset.events):,} valid events){upload}"]
    if region.current().maps_only:
        parts.append(region.MAPS_ONLY_NOTE.rstrip("."))
    fresh = data.freshness()
    if fresh is not None:
        parts.append(md_escape(fresh.as_of))
    if claimants is not None:
        parts.append(f"claimants: {claimants_text(claimants)}")
    placed = placement_summary(dataset.gazetteer.settlements)
    parts.append(f"areas: each settlement's cell within its hromada ({placed})")
    if extra:
        parts.append(extra)
    st.caption(" · ".join(parts))
    errors = len(dataset.validation.errors)
    if errors:
        st.caption(f"{errors} rows of `{EVENTS_FILE}` have errors and are left out (see the Upload page).")


def claimant_filter(key: str, container: Any = None) -> tuple[str, ...]:
    """A checkbox per claimant, as on the map page (labels in full, never cut), kept in the URL as
    `claimants=ua,ru,independent` (`none` for an empty choice). Keys: `<key>_ua`, `<key>_ru`, `<key>_independent`."""
    container = container or st.sidebar
    from_url = urls.query_claimants()
    container.markdown("**Statements included**", help="Whose statements decide the displayed status. "
                       "Claims are never merged.")
    for claimant in CLAIMANTS:
        widgets.seed(f"{key}_{claimant}", claimant in from_url)
        container.checkbox(CLAIMANT_LABELS[claimant], key=f"{key}_{claimant}")
    chosen = tuple(c for c in CLAIMANTS if widgets.widget_value(f"{key}_{c}", False))
    urls.set_query_claimants(chosen)
    if not chosen:
        container.warning("No claimant chosen: every settlement keeps the 24 Feb 2022 baseline.")
    return chosen


def clamp(value: date, low: date, high: date) -> date:
    return min(max(value, low), high)


# ---------------------------------------------------------------- tables and charts

def table(frame: pd.DataFrame, key: str, **options: Any) -> None:
    """st.dataframe inside a container keyed `key` (a read-only dataframe keeps no key of its own, and tests and
    page styles find the table through its container)."""
    with st.container(key=key):
        st.dataframe(frame, hide_index=True, **options)


def link_column(label: str = "url") -> Any:  # a column configuration (Streamlit declares no type for it)
    return st.column_config.LinkColumn(label, help="Where the statement was published", width="small",
                                       display_text=r"https?://(?:www\.)?([^/]+)")


def with_safe_urls(frame: pd.DataFrame, columns: Iterable[str] = ("url",)) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column] = out[column].map(safe_url)
    return out


def status_scale() -> alt.Scale:
    return alt.Scale(domain=list(STATUSES), range=[STATUS_COLOURS[s] for s in STATUSES])


def colours_text() -> str:
    """The statuses' colours in words, for the captions of charts and maps (from controlmap.model)."""
    return f"Colours: {colour_key()}."


# ---------------------------------------------------------------- small maps (built by controlmap.web.smallmaps)

def settlement_map(info: dict, status: str, key: str) -> None:
    """One settlement with its cell, its own boundary and its hromada (see ``smallmaps.town_map``)."""
    if not session_maps.ensure_static_assets():
        return
    m = smallmaps.town_map(info, status)
    if m is None:
        st.caption("This settlement has no position in the gazetteer.")
        return
    st_folium(m, key=key, height=MAP_HEIGHT, use_container_width=True, returned_objects=[])


def points_map(frame: pd.DataFrame, status_column: str, name_column: str, key: str) -> None:
    """Settlements as points coloured by ``status_column`` (see ``smallmaps.changes_map``)."""
    if not session_maps.ensure_static_assets():
        return
    m = smallmaps.changes_map(frame, status_column, name_column)
    if m is not None:
        with st.container(key=f"{key}_box"):  # pages' styles and tests find the map by this container
            st_folium(m, key=key, height=MAP_HEIGHT, use_container_width=True, returned_objects=[])
