"""The editor secret: where it is configured, and checking a given one in constant time. The store never checks
it; the UI does (with `controlmap.events.throttle`).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

SECRET_ENV = "CONTROLMAP_EDITOR_SECRET"
SECRET_KEY = "editor_secret"


def editor_secret(env: Mapping, secrets: Mapping | None = None) -> str | None:
    """The editor secret: ``CONTROLMAP_EDITOR_SECRET`` from ``env``, else ``editor_secret`` from ``secrets``
    (Streamlit's st.secrets, passed in by the caller). None when neither is set or the value is blank:
    editing is then disabled, never open to all."""
    value = env.get(SECRET_ENV)
    if not (isinstance(value, str) and value.strip()) and secrets is not None:
        try:
            value = secrets.get(SECRET_KEY)
        except (KeyError, OSError):  # Streamlit raises when there is no secrets file at all
            value = None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def check_secret(given: str | None, expected: str | None) -> bool:
    """True only when both are non-empty and equal; compared in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(str(given).encode("utf-8"), str(expected).encode("utf-8"))
