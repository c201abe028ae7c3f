"""The one module that owns st.cache_* and st.session_state keys. Pages call these; the logic is in controlmap."""

import hashlib
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from controlmap import history, mapview, offline, paths, urlvalues
from controlmap.cache import load_dataset
from controlmap.dataset import Dataset
from controlmap.digest import file_sha256
from controlmap.model import CLAIMANTS, EARLIEST_DATE
from controlmap.payload import day_index
from controlmap.timeline import Timeline, from_day

if TYPE_CHECKING:
    from controlmap.layer_upload import CheckedLayer
    from controlmap.store import EventStore
    from controlmap.throttle import SecretCheck, SecretThrottle
    from controlmap.upload import CheckedFile, Upload

# session_state keys
UPLOAD_EVENTS = "session_upload_events"  # validated events tried in this session only
UPLOAD_DIGEST = "session_upload_digest"
NAMES = "names"  # "en" | "uk"

NAME_COLUMN = {"en": "name_en", "uk": "name_uk"}


def _file_signature(path) -> str:
    """The file's version: the sha256 of its content ("" when it is missing: the validator then says so), read
    again only when its inode, size or times change (controlmap.digest)."""
    return file_sha256(path)


@st.cache_resource(max_entries=2, show_spinner="Loading events and settlements…")
def _shipped(signature: str) -> Dataset:
    # From the disk cache when the app restarts on unchanged data, with the first map's layer.
    return load_dataset(paths.EVENTS_CSV, warm=mapview.dataset_layer)


def shipped_dataset() -> Dataset:
    """The shipped data; reloaded when data/events.csv changes on disk (after a save)."""
    return _shipped(_file_signature(paths.EVENTS_CSV))


@st.cache_resource(max_entries=16, show_spinner=False)
def _with_upload(signature: str, digest: str, _events: pd.DataFrame) -> Dataset:
    return shipped_dataset().with_events(_events)


def dataset() -> Dataset:
    """Shipped data plus this session's tried upload, if any (other sessions never see it)."""
    extra = st.session_state.get(UPLOAD_EVENTS)
    if extra is None:
        return shipped_dataset()
    return _with_upload(_file_signature(paths.EVENTS_CSV), st.session_state[UPLOAD_DIGEST], extra)


def try_upload(events: pd.DataFrame) -> None:
    digest = hashlib.sha256(pd.util.hash_pandas_object(events, index=False).values.tobytes()).hexdigest()
    st.session_state[UPLOAD_EVENTS] = events
    st.session_state[UPLOAD_DIGEST] = digest


def clear_upload() -> None:
    st.session_state.pop(UPLOAD_EVENTS, None)
    st.session_state.pop(UPLOAD_DIGEST, None)


def has_upload() -> bool:
    return st.session_state.get(UPLOAD_EVENTS) is not None


def timeline(claimants=CLAIMANTS) -> Timeline:
    return dataset().timeline(claimants)


# ---------------------------------------------------------------- start-up

def warm_up() -> None:
    """Does ahead what the map page's first run would wait for: a look for Leaflet's files, the shipped data with its
    default timeline and map layer, and the folium modules that streamlit_folium imports.

    streamlit_app.py runs this in a thread when the server starts. A script run that needs a value being
    computed here waits for it (Streamlit's cache and Python's imports both lock), so nothing is done twice.
    """
    # Not streamlit_folium itself: it declares a Streamlit component, which only a script run registers.
    import folium.plugins  # noqa: F401

    missing = leaflet_missing()
    if missing:  # the pages say so too, with what to do
        _LOG.error("Leaflet is missing from %s (%s): run ./scripts/setup.sh", paths.STATIC_DIR, ", ".join(missing))
    shipped_dataset()


# ---------------------------------------------------------------- URL state
# Pages read and write the URL only through these. A URL can be typed or pasted by anyone: every value is
# checked by controlmap.urlvalues (unreadable → the page's default; numbers clamped; text cut and cleaned).

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


def set_query(**values) -> None:
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
    zoom: int | None = None


def query_view(bounds: list[list[float]] | None = None) -> MapView:
    """The map view from the URL (lat, lon, zoom): the centre clamped into ``bounds``, the zoom to the map's
    levels; missing or unreadable (NaN, infinite, text) → the map's own default."""
    center, zoom = urlvalues.map_view(st.query_params.get("lat"), st.query_params.get("lon"),
                                      st.query_params.get("zoom"), bounds)
    return MapView(center, zoom)


def remember_view(view: dict) -> None:
    """Writes the view the map reports after the user pans or zooms ({"lat", "lon", "zoom"}) to the URL."""
    if not isinstance(view, dict):
        return
    center, zoom = urlvalues.map_view(view.get("lat"), view.get("lon"), view.get("zoom"))
    if center is None or zoom is None:
        return
    set_query(lat=f"{center[0]:.4f}", lon=f"{center[1]:.4f}", zoom=zoom)


def names_language() -> str:
    return st.session_state.get(NAMES) or query_choice("names", tuple(NAME_COLUMN), "en")


def name_column() -> str:
    return NAME_COLUMN.get(names_language(), "name_en")


def names_switch() -> str:
    """Sidebar switch between English and Ukrainian names, kept in the URL."""
    current = query_choice("names", ("en", "uk"), "en")
    choice = st.sidebar.radio("Names", ["en", "uk"], index=["en", "uk"].index(current),
                              format_func={"en": "English (KMU 2010)", "uk": "Українська"}.get,
                              horizontal=True, key=NAMES)
    set_query(names=None if choice == "en" else choice)
    return choice


def day_to_date(day: int) -> date:
    return from_day(day)


# ---------------------------------------------------------------- map

_LOG = logging.getLogger(__name__)
_leaflet_ready = False  # once found, not looked for again in this process
LEAFLET_MISSING = ("The map cannot be drawn: its library (Leaflet) is not installed in `static/vendor/leaflet`. "
                   "Run `./scripts/setup.sh` (or `.venv/bin/python -m controlmap install-assets`) on the server "
                   "and reload this page.")


def leaflet_missing() -> list[str]:
    """Leaflet's files missing from ./static (copied there at set-up, never by the app): [] when ready."""
    global _leaflet_ready
    if _leaflet_ready:
        return []
    missing = offline.missing_leaflet_files()
    _leaflet_ready = not missing
    return missing


def ensure_static_assets() -> bool:
    """True when the maps can load Leaflet from /app/static/; else says what to do, on the page and in the log."""
    missing = leaflet_missing()
    if missing:
        _LOG.error("Leaflet is missing from %s: %s", paths.STATIC_DIR / "vendor" / "leaflet", ", ".join(missing))
        st.error(LEAFLET_MISSING)
    return not missing


MAPS = "session_maps"  # this session's settlement map, by data version, with the claimant selection it was built for


def settlement_map(claimants: tuple[str, ...], day: int):
    """The map, built once per session and data version and reused, so reruns send it no new HTML; another
    claimant selection is shown on it in the browser (see ``selection_push``).

    Per session, not shared: st_folium adds to the map object it renders. The view in the URL, ``claimants`` and
    ``day`` when it is built are its starting view, selection and day (painted at once, before the bridges are
    there); after that the map keeps its own view and day, and the bridges tell it what Python chooses.
    """
    key = (_file_signature(paths.EVENTS_CSV), st.session_state.get(UPLOAD_DIGEST, ""))
    maps = st.session_state.setdefault(MAPS, {})
    if key not in maps:
        data = dataset()
        layer = mapview.dataset_layer(data, claimants)
        view = query_view(layer.bounds)
        maps.clear()
        built = mapview.map_of_layer(layer, initial_day=day_index(data.timeline(claimants), day), mode="cells",
                                     center=view.center, zoom=view.zoom if view.center else None,
                                     fill_window=True)
        maps[key] = (built, mapview.selection_key(claimants))
    return maps[key][0]


SELECTION_BRIDGE = "session_selection_bridge"  # set once this session's map was told another selection


def selection_push(claimants: tuple[str, ...],
                   compare: tuple[str, ...] | None) -> tuple[str, str | None, dict] | None:
    """What the selection bridge tells the map: the selection to show, the one whose front line is drawn too
    (None: none), and the packed columns of those the map was not built with. None while the map shows what it
    was built with and nothing was asked of it this session: the page then needs no bridge at all."""
    built = next(iter(st.session_state.get(MAPS, {}).values()), (None, None))[1]
    show = mapview.selection_key(claimants)
    second = None if compare is None else mapview.selection_key(compare)
    if show == built and second is None and not st.session_state.get(SELECTION_BRIDGE):
        return None
    st.session_state[SELECTION_BRIDGE] = True
    wanted = {show: claimants, **({} if compare is None else {second: compare})}
    packed = {key: mapview.packed_selection(dataset(), chosen) for key, chosen in wanted.items() if key != built}
    return show, second, packed


def previous_day(key: str, day: int) -> int:
    """The day shown on the previous run of this page (for "changed since the previous step")."""
    previous = st.session_state.get(key, day)
    st.session_state[key] = day
    return previous


PREVIEW_MAPS = "session_preview_maps"  # this session's map of an upload's preview, by its key


def map_of(dataset: Dataset, key: str):
    """The map of any dataset (an upload's preview), built once per session and `key`.

    Per session, never shared between sessions (st_folium adds to the map object it renders); only the
    latest is kept. The heavy part, the packed layer, is derived once per dataset (``Dataset.derived``).
    """
    maps = st.session_state.setdefault(PREVIEW_MAPS, {})
    if key not in maps:
        maps.clear()
        maps[key] = mapview.map_of_layer(mapview.dataset_layer(dataset), initial_day=day_index(dataset.timeline()))
    return maps[key]


# ---------------------------------------------------------------- saving

def editor_secret() -> str | None:
    """The configured editor secret (environment or Streamlit secrets), None when saving is disabled."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets.toml at all is the normal case
        secrets = {}
    from controlmap import store  # imported on use: the map page never needs the file lock

    return store.editor_secret(os.environ, secrets)


CLIENT_SESSION = "session_client_id"  # a random id per browser session: the throttle's key for a client on this machine


@st.cache_resource
def _secret_throttle() -> "SecretThrottle":
    from controlmap.throttle import SecretThrottle

    return SecretThrottle()


def check_editor_secret(given: str, expected: str) -> "SecretCheck":
    """``given`` against the configured secret, throttled per client (its address, or for a client on this machine
    its session; one throttle per server)."""
    from controlmap.store import check_secret
    from controlmap.throttle import check_secret_throttled, client_key

    address = st.context.ip_address
    session = st.session_state.setdefault(CLIENT_SESSION, secrets.token_hex(8))
    client = client_key(address if isinstance(address, str) else None, session)
    return check_secret_throttled(given, expected, client, _secret_throttle(), check_secret)


def first_map_date():
    """The first day a dated control-area map speaks for the settlements in the shown data (None: none does)."""
    data = dataset()
    return data.derived("first map date", lambda: history.first_derived_date(data.events))


MY_SAVES = "my_saves"  # ids of the saves made in this browser session (what "Undo my last save" may undo)


def remember_save(entry_id: str) -> None:
    st.session_state.setdefault(MY_SAVES, []).append(entry_id)


def saved_here(entry_id: str) -> bool:
    return entry_id in st.session_state.get(MY_SAVES, [])


def event_store() -> "EventStore":
    from controlmap.store import EventStore

    return EventStore(paths.EVENTS_CSV)


# ---------------------------------------------------------------- sharing, citing, opening a town

def data_version() -> str:
    """The sha256 of data/events.csv as it is now."""
    return _file_signature(paths.EVENTS_CSV) or "unknown (data/events.csv cannot be read)"


def share_url() -> str:
    """The link that reopens this page as it is: its address with the URL values it carries now (date, claimants,
    view, names); relative when the page's address is unknown."""
    from controlmap import citation

    url = st.context.url
    return citation.share_url(url if isinstance(url, str) else "", st.query_params.to_dict())


@st.cache_data(max_entries=8, show_spinner=False)
def _settlement_names(signature: str, digest: str, column: str) -> list[str]:
    names = dataset().gazetteer.settlements[column].dropna().astype(str)
    return sorted({name for name in names if name.strip()}, key=str.casefold)


def settlement_names() -> list[str]:
    """Every settlement's name in the language shown, once each, sorted (a namesake's history page asks which)."""
    return _settlement_names(_file_signature(paths.EVENTS_CSV), st.session_state.get(UPLOAD_DIGEST, ""),
                             name_column())


OPEN_TOWN = "open_town"  # the map page's settlement list
TOWN_TO_OPEN = "town_to_open"


def town_chosen() -> None:
    """The settlement list's callback: the name chosen is opened on the next run, and the list is emptied (coming
    back to the map page does not open it again)."""
    st.session_state[TOWN_TO_OPEN] = st.session_state.get(OPEN_TOWN)
    st.session_state[OPEN_TOWN] = None


def town_to_open() -> str | None:
    """The name chosen in the settlement list since the last run, once."""
    chosen = st.session_state.pop(TOWN_TO_OPEN, None)
    return (chosen.strip() or None) if isinstance(chosen, str) else None


# ---------------------------------------------------------------- the map page's day

MAP_DAY = "map_day"  # the day the map page shows (engine day number)


def map_day(default: int) -> int:
    return st.session_state.get(MAP_DAY, default)


def set_map_day(day: int) -> None:
    st.session_state[MAP_DAY] = int(day)


def shift_map_day(days: int, default: int, first: int, last: int) -> None:
    """Button callback: move the map page's day by `days`, within the span."""
    set_map_day(min(max(map_day(default) + days, first), last))


# ---------------------------------------------------------------- widget values

def seed(key: str, value) -> None:
    """A widget's first value (from the URL) set through session state, so that later runs keep the user's
    choice and callbacks may change it (a widget given both `value=` and a session value warns)."""
    if key not in st.session_state:
        st.session_state[key] = value


def widget_value(key: str, default):
    """A widget's current value before the widget is drawn this run (its default on the first run)."""
    return st.session_state.get(key, default)


def set_widget(**values) -> None:
    """Callback helper: give widgets new values (takes effect on the rerun the callback precedes)."""
    for key, value in values.items():
        st.session_state[key] = value


def reset_widgets(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


# ---------------------------------------------------------------- the Upload page's files

@st.cache_data(max_entries=32, show_spinner=False)
def _checked_file(digest: str, name: str, choices: tuple[tuple[str, str], ...], today: str,
                  _data: bytes) -> "CheckedFile":
    from controlmap import upload

    return upload.check_file(name, _data, shipped_dataset().validator, dict(choices), date.fromisoformat(today))


def checked_file(name: str, data: bytes, choices: dict[str, str]) -> "CheckedFile":
    """One uploaded file checked (limits, picked settlements, validation), cached by its content's sha256:
    typing the secret or moving a preview control reruns the page without validating the file again."""
    digest = hashlib.sha256(data).hexdigest()
    return _checked_file(digest, name, tuple(sorted(choices.items())), date.today().isoformat(), data)


@st.cache_data(max_entries=16, show_spinner=False)
def _combined_upload(files_key: tuple, signature: str, today: str, _files: list) -> "Upload":
    from controlmap import upload

    shipped = shipped_dataset()
    return upload.combine(_files, shipped.validator, shipped.validation, date.fromisoformat(today))


def combined_upload(files: list["CheckedFile"]) -> "Upload":
    """The checked files combined and planned against data/events.csv; cached by the files' digests and the
    data file's version."""
    key = tuple((f.name, f.digest, tuple(sorted(f.choices.items()))) for f in files)
    return _combined_upload(key, _file_signature(paths.EVENTS_CSV), date.today().isoformat(), files)


def preview_dataset(upload: "Upload") -> Dataset:
    """The shipped data plus a ready upload's new events (its preview), built once per upload and data version."""
    return _with_upload(_file_signature(paths.EVENTS_CSV), f"preview-{upload.digest}", upload.plan.new)


def upload_choices() -> dict[str, dict[str, str]]:
    """Candidates picked on the Upload page for ambiguous settlements: file name → {settlement text: katottg}."""
    return st.session_state.setdefault("upload_choices", {})


@st.cache_data(max_entries=16, show_spinner=False)
def _checked_layer(digest: str, name: str, preset: str, day: str, series: str, today: str,
                   _data: bytes) -> "CheckedLayer":
    from controlmap import layer_upload

    return layer_upload.check_layer(name, _data, shipped_dataset().validator, preset,
                                    date.fromisoformat(day) if day else None, series or None,
                                    date.fromisoformat(today))


def checked_layer(name: str, data: bytes, preset: str, day: date | None, series: str | None) -> "CheckedLayer":
    """One uploaded control-area layer converted into events and checked like a CSV (controlmap.layer_upload),
    cached by its content's sha256 and the preset, day and series it is read with."""
    digest = hashlib.sha256(data).hexdigest()
    return _checked_layer(digest, name, preset, day.isoformat() if day else "", series or "",
                          date.today().isoformat(), data)


# ---------------------------------------------------------------- publishing

@st.cache_data(max_entries=4, show_spinner="Writing the static site…")
def _site_zip(signature: str, claimants: tuple[str, ...], first: date | None, last: date | None,
              title: str) -> bytes:
    from controlmap import publish

    request = publish.SiteRequest(claimants, first, last, title)
    return publish.site_zip(publish.site_files(request, paths.EVENTS_CSV, shipped_dataset()))


def site_zip(claimants: tuple[str, ...], first: date | None, last: date | None, title: str) -> bytes:
    """The static site of the shipped data (``python -m controlmap publish`` with the same arguments), zipped;
    kept until data/events.csv changes. Raises ``publish.PublishError`` for a request it cannot publish."""
    return _site_zip(_file_signature(paths.EVENTS_CSV), claimants, first, last, title)
