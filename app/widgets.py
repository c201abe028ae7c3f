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
