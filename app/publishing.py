"""The published site of the shipped data, zipped for the map page's download, kept until the data change.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from app.data import events_version, shipped_dataset
from controlmap import paths
from controlmap.web import publish

if TYPE_CHECKING:
    pass


@st.cache_data(max_entries=4, show_spinner="Writing the static site…")
def _site_zip(signature: str, claimants: tuple[str, ...], first: date | None, last: date | None,
              title: str) -> bytes:

    request = publish.SiteRequest(claimants, first, last, title)
    return publish.site_zip(publish.site_files(request, paths.EVENTS_CSV, shipped_dataset()))


def site_zip(claimants: tuple[str, ...], first: date | None, last: date | None, title: str) -> bytes:
    """The static site of the shipped data (``python -m controlmap publish`` with the same arguments), zipped;
    kept until data/events.csv changes. Raises ``publish.PublishError`` for a request it cannot publish."""
    return _site_zip(events_version(), claimants, first, last, title)
