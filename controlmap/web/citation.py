"""Sharing and citing a map: the link that reopens it, and a citation naming its date, claimants and data version.

The data version is the sha256 of data/events.csv (the file the map is drawn from, byte for byte), so a reader can
tell whether the data they open is the data that was cited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from controlmap import paths
from controlmap.digest import file_sha256
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS
from controlmap.region import current as current_region

# The map page's URL values, in the order a shared link gives them.
SHARED_PARAMS = ("date", "claimants", "lat", "lon", "zoom", "names")


def data_version(path: Path) -> str:
    """The sha256 of the file at ``path`` (hex); raises OSError when it cannot be read."""
    if not Path(path).exists():
        raise FileNotFoundError(path)
    return file_sha256(path)


def share_url(page_url: str, params: Mapping[str, str], order: Iterable[str] = SHARED_PARAMS) -> str:
    """``page_url`` (its own query and fragment dropped) with the URL values ``params`` that reopen the same map:
    those named in ``order`` first, in that order, then any others by name."""
    ordered = list(order)
    keys = [k for k in ordered if k in params] + sorted(k for k in params if k not in ordered)
    query = urlencode([(k, str(params[k])) for k in keys if str(params[k])], safe=",")
    scheme, netloc, path, _, _ = urlsplit(page_url or "")
    return urlunsplit((scheme, netloc, path or ("/" if netloc else ""), query, ""))


def claimants_text(claimants: Iterable[str]) -> str:
    chosen = set(claimants)
    named = ", ".join(CLAIMANT_LABELS[c] for c in CLAIMANTS if c in chosen)
    return named or "none (every settlement at its 24 Feb 2022 baseline)"


def citation(day: date, claimants: Iterable[str], version: str, url: str, *, uploaded: bool = False) -> str:
    """The map of ``day`` as one would cite it: title, date, whose statements it shows, the data's sha256 and the
    link. ``uploaded``: the session also shows events tried from an upload, which the data version does not cover."""
    extra = " plus events uploaded in this browser session only (not published)" if uploaded else ""
    return (f"{current_region().title}. Map of {day:%d %B %Y} ({day.isoformat()}). Statements by: "
            f"{claimants_text(claimants)}. Data: {paths.shown(paths.EVENTS_CSV)}, sha256 {version}{extra}. {url}")
