"""The claimant selection's Streamlit side: shows another claimant selection (and a second selection's front line)
on the map already in the browser, instead of building and sending a new map.

Called on full runs of the map page only (the claimant choice lives in the sidebar, outside the date fragment): a
selection the map was not built with travels packed (~30 KB) with such a run, never with a date change.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_JS = (Path(__file__).resolve().parent / "assets" / "selection_bridge.js").read_text(encoding="utf-8")
_bridge = st.components.v2.component("controlmap.selection_bridge", js=_JS)


def selection_bridge(show: str, compare: str | None, packed: dict[str, str], key: str = "selection_bridge") -> None:
    """Make the page's map show selection ``show`` and draw ``compare``'s front line too (None: no second line).
    ``packed``: the packed timeline columns of the selections among them that the map was not built with."""
    _bridge(key=key, data={"show": show, "compare": compare, "packed": packed})
