"""The data every page shows, cached: the shipped events with their timelines (reloaded when data/events.csv
changes), a session's tried upload on top of them, and what is derived from them once per version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from controlmap import paths
from controlmap.digest import file_sha256
from controlmap.events.sources import sources_path
from controlmap.model import CLAIMANTS
from controlmap.timeline.cache import load_dataset
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.engine import Timeline
from controlmap.timeline.freshness import Freshness
from controlmap.web.maps import dataset_layer
from controlmap.web.wire import LayerData

if TYPE_CHECKING:
    from controlmap.events.uploads import Upload


# session_state keys
UPLOAD_EVENTS = "session_upload_events"  # validated events tried in this session only

UPLOAD_DIGEST = "session_upload_digest"


def events_version() -> str:
    """The data's version: the sha256 of data/events.csv ("" when it is missing: the validator then says so) and
    of data/sources.json beside it (what the map series read), each read again only when its inode, size or times
    change (controlmap.digest)."""
    events = file_sha256(paths.EVENTS_CSV)
    record = sources_path(paths.EVENTS_CSV)
    return f"{events}+{file_sha256(record)}" if events and record.exists() else events


@st.cache_resource(max_entries=2, show_spinner="Loading events and settlements…")
def _shipped(signature: str) -> Dataset:
    # From the disk cache when the app restarts on unchanged data, with the map page's layer.
    return load_dataset(paths.EVENTS_CSV, warm=map_page_layer)


def map_page_layer(data: Dataset) -> LayerData:
    """The map page's layer at first: every claimant's statements, and every other choice of claimants alongside."""
    return dataset_layer(data, CLAIMANTS, every_selection=True)


def shipped_dataset() -> Dataset:
    """The shipped data; reloaded when data/events.csv changes on disk (after a save)."""
    return _shipped(events_version())


@st.cache_resource(max_entries=16, show_spinner=False)
def _with_upload(signature: str, digest: str, _events: pd.DataFrame) -> Dataset:
    return shipped_dataset().with_events(_events)


def dataset() -> Dataset:
    """Shipped data plus this session's tried upload, if any (other sessions never see it)."""
    extra = st.session_state.get(UPLOAD_EVENTS)
    if extra is None:
        return shipped_dataset()
    return _with_upload(events_version(), st.session_state[UPLOAD_DIGEST], extra)


def try_upload(events: pd.DataFrame) -> None:
    digest = hashlib.sha256(pd.util.hash_pandas_object(events, index=False).values.tobytes()).hexdigest()
    st.session_state[UPLOAD_EVENTS] = events
    st.session_state[UPLOAD_DIGEST] = digest


def clear_upload() -> None:
    st.session_state.pop(UPLOAD_EVENTS, None)
    st.session_state.pop(UPLOAD_DIGEST, None)


def has_upload() -> bool:
    return st.session_state.get(UPLOAD_EVENTS) is not None


def timeline(claimants: Sequence[str] = CLAIMANTS) -> Timeline:
    return dataset().timeline(claimants)


def freshness() -> Freshness | None:
    """How fresh the shipped data are today: the newest map snapshot read (None: no map series was read)."""
    return shipped_dataset().freshness(date.today())


def data_version() -> str:
    """The sha256 of data/events.csv as it is now."""
    return file_sha256(paths.EVENTS_CSV) or "unknown (data/events.csv cannot be read)"


def preview_dataset(upload: Upload) -> Dataset:
    """The shipped data plus a ready upload's new events (its preview), built once per upload and data version."""
    assert upload.plan is not None, "a ready upload has a plan"
    return _with_upload(events_version(), f"preview-{upload.digest}", upload.plan.new)
