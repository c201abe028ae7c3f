"""Widget state kept across reruns and pages: the names' language, the map page's day, a settlement chosen in the
map page's list, and widgets seeded from the URL.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import streamlit as st

from app.urls import query_choice, set_query
from controlmap.timeline.engine import from_day

if TYPE_CHECKING:
    pass


NAMES = "names"  # "en" | "uk"

NAME_COLUMN = {"en": "name_en", "uk": "name_uk"}


def names_language() -> str:
    return st.session_state.get(NAMES) or query_choice("names", tuple(NAME_COLUMN), "en")


def name_column() -> str:
    return NAME_COLUMN.get(names_language(), "name_en")


def names_switch() -> str:
    """Sidebar switch between English and Ukrainian names, kept in the URL."""
    current = query_choice("names", ("en", "uk"), "en")
    choice = st.sidebar.radio("Names", ["en", "uk"], index=["en", "uk"].index(current),
                              format_func={"en": "English (KMU 2010)", "uk": "Українська"}.get,
                              horizontal=True, key=NAMES)
    set_query(names=None if choice == "en" else choice)
    return choice


def day_to_date(day: int) -> date:
    return from_day(day)


OPEN_TOWN = "open_town"  # the map page's settlement list

TOWN_TO_OPEN = "town_to_open"


def town_chosen() -> None:
    """The settlement list's callback: the name chosen is opened on the next run, and the list is emptied (coming
    back to the map page does not open it again)."""
    st.session_state[TOWN_TO_OPEN] = st.session_state.get(OPEN_TOWN)
    st.session_state[OPEN_TOWN] = None


def town_to_open() -> str | None:
    """The name chosen in the settlement list since the last run, once."""
    chosen = st.session_state.pop(TOWN_TO_OPEN, None)
    return (chosen.strip() or None) if isinstance(chosen, str) else None


MAP_DAY = "map_day"  # the day the map page shows (engine day number)


def map_day(default: int) -> int:
    return st.session_state.get(MAP_DAY, default)


def set_map_day(day: int) -> None:
    st.session_state[MAP_DAY] = int(day)


def shift_map_day(days: int, default: int, first: int, last: int) -> None:
    """Button callback: move the map page's day by `days`, within the span."""
    set_map_day(min(max(map_day(default) + days, first), last))


def seed(key: str, value: Any) -> None:
    """A widget's first value (from the URL) set through session state, so that later runs keep the user's
    choice and callbacks may change it (a widget given both `value=` and a session value warns)."""
    if key not in st.session_state:
        st.session_state[key] = value


def widget_value(key: str, default: Any) -> Any:
    """A widget's current value before the widget is drawn this run (its default on the first run)."""
    return st.session_state.get(key, default)


def set_widget(**values: Any) -> None:
    """Callback helper: give widgets new values (takes effect on the rerun the callback precedes)."""
    for key, value in values.items():
        st.session_state[key] = value


def reset_widgets(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)
