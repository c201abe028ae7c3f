"""The Upload page's files: each checked once per content (a rerun caused by typing the secret validates nothing
again), combined and planned against data/events.csv once per data version.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from app.data import events_version, shipped_dataset
from controlmap.areas import layer_upload
from controlmap.events import uploads

if TYPE_CHECKING:
    from controlmap.areas.layer_upload import CheckedLayer
    from controlmap.events.uploads import CheckedFile, Upload


@st.cache_data(max_entries=32, show_spinner=False)
def _checked_file(digest: str, name: str, choices: tuple[tuple[str, str], ...], today: str,
                  _data: bytes) -> CheckedFile:

    return uploads.check_file(name, _data, shipped_dataset().validator, dict(choices), date.fromisoformat(today))


def checked_file(name: str, data: bytes, choices: dict[str, str]) -> CheckedFile:
    """One uploaded file checked (limits, picked settlements, validation), cached by its content's sha256:
    typing the secret or moving a preview control reruns the page without validating the file again."""
    digest = hashlib.sha256(data).hexdigest()
    return _checked_file(digest, name, tuple(sorted(choices.items())), date.today().isoformat(), data)


@st.cache_data(max_entries=16, show_spinner=False)
def _combined_upload(files_key: tuple, signature: str, today: str, _files: list) -> Upload:

    shipped = shipped_dataset()
    return uploads.combine(_files, shipped.validator, shipped.validation, date.fromisoformat(today))


def combined_upload(files: list[CheckedFile]) -> Upload:
    """The checked files combined and planned against data/events.csv; cached by the files' digests and the
    data file's version."""
    key = tuple((f.name, f.digest, tuple(sorted(f.choices.items()))) for f in files)
    return _combined_upload(key, events_version(), date.today().isoformat(), files)


def upload_choices() -> dict[str, dict[str, str]]:
    """Candidates picked on the Upload page for ambiguous settlements: file name → {settlement text: katottg}."""
    return st.session_state.setdefault("upload_choices", {})


@st.cache_data(max_entries=16, show_spinner=False)
def _checked_layer(digest: str, name: str, preset: str, day: str, series: str, today: str,
                   _data: bytes) -> CheckedLayer:

    return layer_upload.check_layer(name, _data, shipped_dataset().validator, preset,
                                    date.fromisoformat(day) if day else None, series or None,
                                    date.fromisoformat(today))


def checked_layer(name: str, data: bytes, preset: str, day: date | None, series: str | None) -> CheckedLayer:
    """One uploaded control-area layer converted into events and checked like a CSV (controlmap.areas.layer_upload),
    cached by its content's sha256 and the preset, day and series it is read with."""
    digest = hashlib.sha256(data).hexdigest()
    return _checked_layer(digest, name, preset, day.isoformat() if day else "", series or "",
                          date.today().isoformat(), data)
