"""Saving: the editor secret (checked with one throttle per server, keyed per client), the store, and the saves
made in this browser session (what its undo may undo).
"""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

import streamlit as st

from controlmap import paths
from controlmap.events import editor

if TYPE_CHECKING:
    from controlmap.events.store import EventStore
    from controlmap.events.throttle import SecretCheck, SecretThrottle


def editor_secret() -> str | None:
    """The configured editor secret (environment or Streamlit secrets), None when saving is disabled."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets.toml at all is the normal case
        secrets = {}

    return editor.editor_secret(os.environ, secrets)


CLIENT_SESSION = "session_client_id"  # a random id per browser session: the throttle's key for a client on this machine


@st.cache_resource
def _secret_throttle() -> SecretThrottle:
    from controlmap.events.throttle import SecretThrottle

    return SecretThrottle()


def check_editor_secret(given: str, expected: str) -> SecretCheck:
    """``given`` against the configured secret, throttled per client (its address, or for a client on this machine
    its session; one throttle per server)."""
    from controlmap.events.editor import check_secret
    from controlmap.events.throttle import check_secret_throttled, client_key

    address = st.context.ip_address
    session = st.session_state.setdefault(CLIENT_SESSION, secrets.token_hex(8))
    client = client_key(address if isinstance(address, str) else None, session)
    return check_secret_throttled(given, expected, client, _secret_throttle(), check_secret)


MY_SAVES = "my_saves"  # ids of the saves made in this browser session (what "Undo my last save" may undo)


def remember_save(entry_id: str) -> None:
    st.session_state.setdefault(MY_SAVES, []).append(entry_id)


def saved_here(entry_id: str) -> bool:
    return entry_id in st.session_state.get(MY_SAVES, [])


def event_store() -> EventStore:
    from controlmap.events.store import EventStore

    return EventStore(paths.EVENTS_CSV)
