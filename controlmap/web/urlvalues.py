"""Values read from a page's URL, checked: anyone can type or paste a URL, so every value is parsed here, an
unreadable one gives the caller's default and a number is clamped to what the page can show.

Pure functions of strings; ``app/state.py`` reads ``st.query_params`` and calls these. The published site applies
the same rules to its URL's hash (``assets/site/urlvalues.js``, given these limits by ``publish``): both are tested
on one table of cases (tests/fixtures/url_cases.json), so that a value means the same on both.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

NONE = "none"  # the URL value of an empty selection (an absent parameter means "all")
MAX_TEXT_CHARS = 200  # a search or a settlement code typed into a URL; longer text is cut
MAX_LIST_ITEMS = 500  # values of one list parameter kept (a settlement list, sources)
# The settlement map's zoom levels: the oblast fills the map at about 8; Leaflet's tiles end at 18. The map zooms in
# quarter steps (its zoomSnap), so a view's zoom is kept to the nearest quarter.
MIN_ZOOM, MAX_ZOOM = 5, 18
ZOOM_STEP = 0.25
# Latitudes Web Mercator can draw; longitudes wrap at ±180.
MAX_LATITUDE = 85.0
MAX_LONGITUDE = 180.0
# What a number or a date in a URL may look like (the page script's rules are the same: no "1_0", "0x10", "١٢",
# no week dates or compact dates that Python's own parsers would take).
NUMBER_RE = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*", re.ASCII)
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def text(raw: str | None, default: str = "", max_chars: int = MAX_TEXT_CHARS) -> str:
    """A free-text value without control or format characters (bidi overrides, zero-width marks), cut to
    ``max_chars``; ``default`` when absent."""
    if raw is None:
        return default
    kept = "".join(c for c in str(raw) if unicodedata.category(c) not in ("Cc", "Cf"))
    return kept[:max_chars]


def choice(raw: str | None, choices: Sequence[str], default: str) -> str:
    """``raw`` when it is one of ``choices``, else ``default``."""
    return raw if raw is not None and raw in choices else default


def iso_date(raw: str | None, default: date, low: date | None = None, high: date | None = None) -> date:
    """An ISO date (YYYY-MM-DD) clamped to [low, high]; ``default`` when absent or unreadable."""
    if raw is None or not ISO_DATE_RE.fullmatch(raw.strip()):
        return default
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:  # no such day (2022-02-30): the default, never the day it would roll over to
        return default
    if low is not None and value < low:
        return low
    if high is not None and value > high:
        return high
    return value


def selection(raw: str | None, allowed: Iterable[str], default: list[str] | None = None) -> list[str] | None:
    """A comma-separated list of values out of ``allowed`` (unknown values dropped, duplicates once, in the
    order given); ``default`` when absent, [] for ``none``."""
    if raw is None:
        return default
    allowed = set(allowed)
    values = [v for v in dict.fromkeys(raw.split(",")) if v and v != NONE and v in allowed]
    return values[:MAX_LIST_ITEMS]


def selection_param(chosen: Iterable[str], everything: Iterable[str]) -> str | None:
    """The URL value of a selection out of ``everything``, in its order: None (absent) for all, ``none`` for
    nothing (so that a reload keeps an empty choice)."""
    chosen, everything = set(chosen), list(everything)
    if chosen >= set(everything):
        return None
    return ",".join(v for v in everything if v in chosen) or NONE


def repeated(raws: Iterable[str], allowed: Iterable[str] | None = None) -> list[str]:
    """The values of a repeated parameter (they may contain commas), non-empty, within ``allowed`` if given."""
    allowed_set = None if allowed is None else set(allowed)
    values = [v for v in raws if v and (allowed_set is None or v in allowed_set)]
    return values[:MAX_LIST_ITEMS]


def finite(raw: str | float | int | None) -> float | None:
    """A finite number, or None (absent, unreadable, NaN or infinite)."""
    if raw is None:
        return None
    if isinstance(raw, str) and not NUMBER_RE.fullmatch(raw):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def limits() -> dict:
    """The limits the page script clamps with (published in the site's settings)."""
    return {"minZoom": MIN_ZOOM, "maxZoom": MAX_ZOOM, "zoomStep": ZOOM_STEP, "maxLatitude": MAX_LATITUDE,
            "maxLongitude": MAX_LONGITUDE}


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def map_view(lat: str | float | None, lon: str | float | None, zoom: str | float | int | None,
             bounds: Sequence[Sequence[float]] | None = None
             ) -> tuple[tuple[float, float] | None, float | None]:
    """The map's centre and zoom from the URL's ``lat``, ``lon`` and ``zoom``: a centre needs two finite
    numbers and is clamped into ``bounds`` ([[south, west], [north, east]]) when given, else to the
    latitudes and longitudes a map can show; the zoom is rounded to a quarter and clamped to [MIN_ZOOM, MAX_ZOOM].
    Each is None when absent or unreadable (the map then uses its own default)."""
    y, x = finite(lat), finite(lon)
    center = None
    if y is not None and x is not None:
        (south, west), (north, east) = bounds or ((-MAX_LATITUDE, -MAX_LONGITUDE), (MAX_LATITUDE, MAX_LONGITUDE))
        center = (clamp(y, south, north), clamp(x, west, east))
    z = finite(zoom)
    # To the nearest step, halves up (as the page script's Math.floor(z / step + 0.5) does).
    if z is None:
        return center, None
    return center, clamp(math.floor(clamp(z, MIN_ZOOM, MAX_ZOOM) / ZOOM_STEP + 0.5) * ZOOM_STEP, MIN_ZOOM, MAX_ZOOM)
