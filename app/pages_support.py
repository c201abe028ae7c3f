"""Widgets and displays shared by the analyst pages (Town history, Compare dates, Events, Time series).

Layout only: figures come from controlmap; caching, session keys and the URL helpers live in app.state.
Text that comes from event files (names, sources, quotes, notes) is untrusted: it is shown through
st.dataframe / st.text, or through `md_escape` where it must sit inside Markdown; never as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app import state
from controlmap import offline
from controlmap.dataset import Dataset
from controlmap.history import CLAIMANT_LABELS, STATUS_COLOURS
from controlmap.model import CLAIMANTS, STATUSES
from controlmap.text import md_escape, safe_url  # noqa: F401  (re-exported for the pages)

EVENTS_FILE = "data/events.csv"
EARLIEST = date(2022, 1, 1)
NONE = "none"  # the URL value of an empty selection (an absent parameter means "all")
MAP_HEIGHT = 360


# ---------------------------------------------------------------- text

def other_name_column(name_column: str) -> str:
    return "name_uk" if name_column == "name_en" else "name_en"


def claimants_text(claimants: Iterable[str]) -> str:
    chosen = list(claimants)
    return ", ".join(chosen) if chosen else "none"


# ---------------------------------------------------------------- page frame

def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"{title} · Kharkiv oblast control map", layout="wide")


def sources_caption(dataset: Dataset, claimants: Iterable[str] | None, extra: str = "") -> None:
    """Where the page's numbers come from: the events file, the claimant filter, the approximate areas."""
    settlements = dataset.gazetteer.settlements
    exact = int((settlements.coord_quality == "exact").sum())
    upload = " plus the file you are trying in this session" if state.has_upload() else ""
    parts = [f"Data: `{EVENTS_FILE}` ({len(dataset.events):,} valid events){upload}"]
    if claimants is not None:
        parts.append(f"claimants: {claimants_text(claimants)}")
    parts.append(f"areas are approximate (Voronoi cells of the {exact} exactly placed settlements; the other "
                 f"{len(settlements) - exact:,} are placed at their hromada centre and count no area)")
    if extra:
        parts.append(extra)
    st.caption(" · ".join(parts))
    errors = len(dataset.validation.errors)
    if errors:
        st.caption(f"{errors} rows of `{EVENTS_FILE}` have errors and are left out (see the Upload page).")


def claimant_filter(key: str, container=None) -> tuple[str, ...]:
    """Multiselect of claimants kept in the URL as `claimants=ua,ru,independent` (`none` for an empty choice)."""
    container = container or st.sidebar
    state.seed(key, list(state.query_claimants()))
    chosen = container.multiselect(
        "Claimants", list(CLAIMANTS), key=key,
        format_func=lambda c: f"{c} ({CLAIMANT_LABELS[c]})",
        help="Whose statements count: Ukrainian officials, Russian officials, independent observers.")
    chosen = tuple(c for c in CLAIMANTS if c in chosen)
    state.set_query(claimants=",".join(chosen) or NONE)
    if not chosen:
        container.warning("No claimant chosen: every settlement keeps the 24 Feb 2022 baseline.")
    return chosen


def clamp(value: date, low: date, high: date) -> date:
    return min(max(value, low), high)


def query_list(name: str, allowed: Iterable[str] | None = None, default: list[str] | None = None) -> list[str] | None:
    """A comma-separated URL list; `default` when absent, [] for `none`; unknown values dropped when `allowed`."""
    raw = st.query_params.get(name)
    if raw is None:
        return default
    values = [v for v in raw.split(",") if v and v != NONE]
    if allowed is not None:
        allowed = set(allowed)
        values = [v for v in values if v in allowed]
    return values


def query_values(name: str) -> list[str]:
    """A repeated URL parameter (values may contain commas); [] when absent."""
    if name not in st.query_params:
        return []
    return [v for v in st.query_params.get_all(name) if v]


def list_param(chosen: Iterable[str], everything: Iterable[str]) -> str | None:
    """URL value of a selection out of `everything`, in its order: None (absent) for all, `none` for nothing."""
    chosen, everything = set(chosen), list(everything)
    if chosen >= set(everything):
        return None
    return ",".join(v for v in everything if v in chosen) or NONE


def set_query_values(name: str, values: list[str] | None) -> None:
    """Writes a repeated URL parameter; None or [] removes it."""
    current = st.query_params.get_all(name) if name in st.query_params else []
    wanted = list(values or [])
    if current == wanted:
        return
    if wanted:
        st.query_params[name] = wanted
    elif name in st.query_params:
        del st.query_params[name]


# ---------------------------------------------------------------- tables and charts

def table(frame: pd.DataFrame, key: str, **options) -> None:
    """st.dataframe inside a container keyed `key` (a read-only dataframe keeps no key of its own, and tests and
    page styles find the table through its container)."""
    with st.container(key=key):
        st.dataframe(frame, hide_index=True, **options)


def link_column(label: str = "url") -> st.column_config.LinkColumn:
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


# ---------------------------------------------------------------- small maps (Leaflet served by the app)

def _base_map(lat: float, lon: float, zoom: int) -> folium.Map:
    state.ensure_static_assets()
    return offline.offline_map(location=[lat, lon], zoom_start=zoom, control_scale=True)


def _outline(m: folium.Map, outline: dict | None) -> None:
    if outline:
        folium.GeoJson(outline, name="oblast", style_function=lambda _: {
            "color": "#444444", "weight": 1.5, "fill": False}).add_to(m)


def tooltip_text(text: str) -> str:
    """Text for a folium tooltip: HTML-escaped, and braces too (branca renders tooltips as Jinja templates)."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def settlement_map(info: dict, status: str, cell: dict | None, outline: dict | None, key: str) -> None:
    """One settlement: its Voronoi cell (exact points only) and its point; an approximate point as a dashed ring."""
    if info.get("lat") is None or info.get("lon") is None:
        st.caption("This settlement has no position in the gazetteer.")
        return
    m = _base_map(info["lat"], info["lon"], 10)
    _outline(m, outline)
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"])
    label = tooltip_text(f"{info['name_en']} ({info['name_uk']}): {status}")
    if cell is not None:
        folium.GeoJson({"type": "Feature", "geometry": cell["geometry"], "properties": {}},
                       style_function=lambda _: {"color": "#222222", "weight": 1, "fillColor": colour,
                                                 "fillOpacity": 0.45},
                       tooltip=folium.Tooltip(label)).add_to(m)
    approximate = info.get("coord_quality") != "exact"
    folium.CircleMarker([info["lat"], info["lon"]], radius=9 if approximate else 6, color="#222222",
                        weight=2, dash_array="4 3" if approximate else None, fill=not approximate,
                        fill_color=colour, fill_opacity=0.9, tooltip=folium.Tooltip(label)).add_to(m)
    st_folium(m, key=key, height=MAP_HEIGHT, use_container_width=True, returned_objects=[])


def points_map(frame: pd.DataFrame, status_column: str, name_column: str, outline: dict | None, key: str) -> None:
    """Settlements as points coloured by `status_column`; approximate positions drawn as hollow rings."""
    placed = frame.dropna(subset=["lat", "lon"])
    if placed.empty:
        return
    m = _base_map(float(placed.lat.mean()), float(placed.lon.mean()), 8)
    _outline(m, outline)
    for row in placed.itertuples():
        status = getattr(row, status_column)
        colour = STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"])
        approximate = row.coord_quality != "exact"
        text = f"{getattr(row, name_column)}: {row.from_status} → {row.to_status}"
        if approximate:
            text += " (approximate position: hromada centre)"
        folium.CircleMarker([row.lat, row.lon], radius=7, color="#222222", weight=1.5,
                            dash_array="3 3" if approximate else None, fill=True, fill_color=colour,
                            fill_opacity=0.35 if approximate else 0.9,
                            tooltip=folium.Tooltip(tooltip_text(text))).add_to(m)
    if len(placed) > 1:
        m.fit_bounds([[placed.lat.min(), placed.lon.min()], [placed.lat.max(), placed.lon.max()]], padding=(40, 40))
    st_folium(m, key=key, height=MAP_HEIGHT, use_container_width=True, returned_objects=[])
