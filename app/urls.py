"""The pages' URL values: read through controlmap.web.urlvalues (anyone can type or paste a URL: an unreadable
value gives the page's default, numbers are clamped, text cut and cleaned) and written back only when changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from controlmap.model import CLAIMANTS, EARLIEST_DATE
from controlmap.web import urlvalues

if TYPE_CHECKING:
    pass


NONE = urlvalues.NONE


def query_text(name: str, default: str = "") -> str:
    """A free-text value (a search, a settlement code), cleaned and cut to a sane length."""
    return urlvalues.text(st.query_params.get(name), default)


def query_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    return urlvalues.choice(st.query_params.get(name), choices, default)


def query_date(name: str, default: date) -> date:
    """An ISO date from the URL, not before the earliest event date; ``default`` when missing or unreadable
    (pages clamp it further to what they can show)."""
    return urlvalues.iso_date(st.query_params.get(name), default, low=EARLIEST_DATE)


def query_list(name: str, allowed: Iterable[str], default: list[str] | None = None) -> list[str] | None:
    """A comma-separated URL list out of ``allowed``; ``default`` when absent, [] for ``none``."""
    return urlvalues.selection(st.query_params.get(name), allowed, default)


def query_values(name: str, allowed: Iterable[str] | None = None) -> list[str]:
    """A repeated URL parameter (values may contain commas); [] when absent."""
    if name not in st.query_params:
        return []
    return urlvalues.repeated(st.query_params.get_all(name), allowed)


def query_claimants(name: str = "claimants") -> tuple[str, ...]:
    """The claimants in the URL, in their usual order; all when absent, none for ``none``."""
    chosen = query_list(name, CLAIMANTS, list(CLAIMANTS)) or []
    return tuple(c for c in CLAIMANTS if c in chosen)


def list_param(chosen: Iterable[str], everything: Iterable[str]) -> str | None:
    """URL value of a selection out of `everything`: None (absent) for all, `none` for nothing."""
    return urlvalues.selection_param(chosen, everything)


def set_query(**values: str | None) -> None:
    """Writes only the values that changed (each write costs a browser history update)."""
    for key, value in values.items():
        text = "" if value is None else str(value)
        if st.query_params.get(key) != text:
            if text:
                st.query_params[key] = text
            elif key in st.query_params:
                del st.query_params[key]


def set_query_claimants(chosen: Iterable[str], name: str = "claimants") -> None:
    """Claimants into the URL: absent for all of them, ``none`` for an empty choice (a reload keeps it)."""
    set_query(**{name: list_param(chosen, CLAIMANTS)})


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


def drop_query(name: str) -> None:
    if name in st.query_params:
        del st.query_params[name]


def clear_query() -> None:
    st.query_params.clear()


@dataclass(frozen=True)
class MapView:
    center: tuple[float, float] | None = None
    zoom: float | None = None  # in the map's zoom steps (quarters)


def query_view(bounds: list[list[float]] | None = None) -> MapView:
    """The map view from the URL (lat, lon, zoom): the centre clamped into ``bounds``, the zoom to the map's
    levels; missing or unreadable (NaN, infinite, text) → the map's own default."""
    center, zoom = urlvalues.map_view(st.query_params.get("lat"), st.query_params.get("lon"),
                                      st.query_params.get("zoom"), bounds)
    return MapView(center, zoom)
