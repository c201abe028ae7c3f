"""The date control's Streamlit side: a bridge between Python's day and the map's own date control.

Scrubbing and playing run inside the map, with no server round trip. This component pushes a day
chosen in Python (URL, buttons) to the map in the browser, and reports the day the user commits in
the map (slider released, pause, previous/next change) back to Python, which costs one rerun. It also
reports the views the user pans or zooms to, so that the map component itself never triggers a rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import streamlit as st

_JS = (Path(__file__).resolve().parent / "assets" / "date_control.js").read_text(encoding="utf-8")
_bridge = st.components.v2.component("controlmap.date_control", js=_JS)


def _memo_key(key: str) -> str:
    return f"_{key}_memo"


def _on_commit(key: str) -> None:
    # Runs before the script, so the rerun's own date_control call already sends the committed day.
    committed = (st.session_state.get(key) or {}).get("day")
    if committed is not None:
        memo = st.session_state.setdefault(_memo_key(key), {"shown": None, "committed": None})
        memo["committed"] = int(committed)


def _on_view(key: str, on_view: Callable[[dict], None]) -> None:
    view = (st.session_state.get(key) or {}).get("view")
    if view:
        on_view(view)


def date_control(
    day: int,
    n_days: int,
    day0: str,
    change_days: Sequence[int],
    key: str = "date_control",
    on_view: Callable[[dict], None] | None = None,
) -> int:
    """Keep the map in this page on ``day`` and return the day to show.

    A controlled widget: pass the day you showed last (this function's previous return value) to
    keep the user's choice; a day the user commits in the map is returned by the rerun that the
    commit triggers. Pass any other day to move the map there. ``day0`` and ``change_days`` describe the span; the map
    already holds both, so only the day and the span's length travel on each rerun.
    ``on_view`` is called with ``{"lat", "lon", "zoom"}`` when the user moves the map (before the rerun).
    """
    memo = st.session_state.setdefault(_memo_key(key), {"shown": day, "committed": None})
    committed, memo["committed"] = memo["committed"], None
    chosen = committed if committed is not None and memo["shown"] in (None, day) else day
    memo["shown"] = shown = min(max(int(chosen), 0), n_days - 1)
    _bridge(
        key=key,
        data={"day": shown, "n_days": n_days, "day0": day0},
        on_day_change=partial(_on_commit, key),
        on_view_change=partial(_on_view, key, on_view or (lambda view: None)),
    )
    return shown
