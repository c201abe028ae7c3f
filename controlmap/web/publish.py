"""A static, self-contained site of the map for any number of readers (``python -m controlmap publish``).

The site is the dashboard's map page (the same layer data from ``wire.layer_data``, the same map script, the same
panel: see ``panel.py``) in a page of its own: every claimant selection's timeline travels with it, so reading it
needs no server but a static one. Each settlement's statements are files of their own, fetched when it is clicked.
The date, claimants, comparison, view and names live in the URL, as on the dashboard. Built in memory as
{path: bytes}, byte for byte the same for the same input, so that the CLI's folder and the dashboard's zip are one
output.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import folium
from branca.element import Element

from controlmap import paths
from controlmap.model import (
    CLAIMANTS,
)
from controlmap.region import current as current_region
from controlmap.timeline import history
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.engine import from_day, to_day
from controlmap.web import maps, panel, script, wire
from controlmap.web.offline import LEAFLET_SOURCE, leaflet_files
from controlmap.web.own_shapes import file_name, packed_shapes


def default_title() -> str:
    """The site's title unless one is given: its region's (``region.json``)."""
    return current_region().title

LEAFLET_PATH = "vendor/leaflet"
STATEMENTS_PATH = "statements"
# Lists what a publish wrote, so that publishing into the folder again removes what is no longer part of the site.
MANIFEST = "manifest.json"
ZIP_TIME = (2022, 2, 24, 0, 0, 0)  # every zip entry's time: the zip depends on the site alone
STATEMENT_FIELDS = ("date", "reported", "status", "claimed_by", "source", "url", "quote", "note")


class PublishError(ValueError):
    """The site cannot be written as asked (the reason is the message)."""


@dataclass(frozen=True)
class SiteRequest:
    """What to publish: the claimants readers may choose among (the site opens with all of them), the dates
    shown (None: the data's own span) and the page's title."""

    claimants: tuple[str, ...] = CLAIMANTS
    first: date | None = None
    last: date | None = None
    title: str = field(default_factory=default_title)


def check(request: SiteRequest) -> None:
    """Raises ``PublishError`` for a request no data can satisfy (unknown claimants, reversed dates, no title)."""
    unknown = [c for c in request.claimants if c not in CLAIMANTS]
    if unknown or not request.claimants:
        raise PublishError(f"claimants are {', '.join(CLAIMANTS)} (got {', '.join(request.claimants) or 'none'})")
    if request.first and request.last and request.first > request.last:
        raise PublishError(f"--from {request.first} is after --to {request.last}")
    if not request.title.strip():
        raise PublishError("the title is empty")


def _window(dataset: Dataset, request: SiteRequest) -> tuple[int | None, int | None]:
    first, last = dataset.timeline(request.claimants).span
    lo = None if request.first is None else to_day(request.first) - first
    hi = None if request.last is None else to_day(request.last) - first
    if (lo is not None and lo > last - first) or (hi is not None and hi < 0):
        raise PublishError(f"the dates asked for lie outside the data ({iso(first)} – {iso(last)})")
    return lo, hi


def iso(day: int) -> str:
    return from_day(day).isoformat()


def site_layer(dataset: Dataset, request: SiteRequest) -> tuple[wire.LayerData, int]:
    """The map's layer data for ``request`` (its first selection: all the claimants; every other selection's
    timeline alongside) and the day index it starts on (the window's last day)."""
    lo, hi = _window(dataset, request)
    layer = maps.layer_of(dataset, request.claimants, request.claimants, lo, hi)
    return layer, layer.n_days - 1


def statements_documents(dataset: Dataset, claimants: Iterable[str]) -> dict[str, dict]:
    """Each settlement's statements by ``claimants`` (oldest first), by katottg, as the site loads them on a
    click; settlements without one are left out (the site then shows the baseline)."""
    chosen = tuple(claimants)
    events = dataset.events
    if events.empty:
        return {}
    settlements = dataset.gazetteer.settlements.set_index("katottg")
    out = {}
    chosen_events = events[events.claimed_by.isin(chosen)]
    for katottg, own in sorted(chosen_events.groupby(chosen_events.katottg.astype(str)), key=lambda item: item[0]):
        frame = history.settlement_statements(own, katottg, chosen)
        info = settlements.loc[katottg] if katottg in settlements.index else None
        rows = [{**{field: (row[field].isoformat() if field == "date" else str(row[field]))
                    for field in STATEMENT_FIELDS},
                 **({"about": history.statement_about(row["scope"], {} if info is None else dict(info))}
                    if row["scope"] else {})} for row in frame.to_dict("records")]
        out[katottg] = {
            "katottg": katottg,
            "name_en": "" if info is None else str(info["name_en"]),
            "name_uk": "" if info is None else str(info["name_uk"]),
            "statements": rows,
        }
    return out


def site_settings(dataset: Dataset, request: SiteRequest, events_sha256: str,
                  view_bounds: list[list[float]] | None = None, data_file: str | None = None) -> dict:
    """The panel's settings for the site (``panel.panel_settings``): the claimants ``request`` offers, its title,
    and each clicked settlement's statements fetched from the site's own files."""
    return panel.panel_settings(dataset, title=request.title, claimants=request.claimants,
                                events_sha256=events_sha256, view_bounds=view_bounds, host="site",
                                data_file=data_file or paths.shown(paths.EVENTS_CSV),
                                statements_path=STATEMENTS_PATH)


def _stable_ids(m: folium.Map) -> None:
    """Names every element of the map's page by its place in the tree: folium's are random, and the page
    must not change between two publishes of the same data."""
    counter = itertools.count()

    def visit(element: Any) -> None:
        element._id = f"{next(counter):04d}"
        for child in list(element._children.values()):
            visit(child)

    visit(m.get_root())


def _digest12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def render_page(layer: wire.LayerData, initial_day: int, settings: dict, assets: Mapping[str, str],
                own_shapes_url: str | None = None) -> str:
    """index.html: the map built by ``maps.map_of_layer`` (cells first, like the dashboard), its script and
    Leaflet from the site's own folder, and the panel the page script fills. ``assets``: the site's
    content-named script and style, by role."""
    m = maps.map_of_layer(layer, initial_day=initial_day, mode="cells", town_page_url="",
                             leaflet_url=LEAFLET_PATH, static_dir=None, script_url=assets["timeline"],
                             own_shapes_url=own_shapes_url)
    root: Any = m.get_root()
    title = settings["title"]
    root.header.add_child(Element(
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No icon file: a browser would otherwise ask for /favicon.ico, which the site does not have (a 404).
        '<link rel="icon" href="data:,">'
        f"<title>{panel.html_text(title)}</title>"
        f'<link rel="stylesheet" href="{assets["css"]}">'
        f"{panel.settings_element(settings)}"
        f'<script defer src="{assets["urlvalues"]}"></script>'
        f'<script defer src="{assets["panel"]}"></script>'
        f'<script defer src="{assets["js"]}"></script>'), name="site_header")
    root.html.add_child(maps.Verbatim(panel.panel_html(title)), name="site_panel")
    _stable_ids(m)
    return root.render()


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def site_files(request: SiteRequest = SiteRequest(), events_path: Path = paths.EVENTS_CSV,
               dataset: Dataset | None = None) -> dict[str, bytes]:
    """The whole site for ``request`` from the events file ``events_path`` (``dataset``: that file, already
    loaded), as {relative path: bytes}."""
    check(request)
    events_bytes = Path(events_path).read_bytes()
    if dataset is None:
        dataset = _loaded(Path(events_path))
    layer, initial_day = site_layer(dataset, request)
    settings = site_settings(dataset, request, hashlib.sha256(events_bytes).hexdigest(), layer.bounds,
                             paths.shown(Path(events_path)))
    own_shapes = (f"vendor/controlmap/{file_name()}",
                  packed_shapes().encode("ascii"))
    return assemble_site(layer, initial_day, settings,
                         statements_documents(dataset, request.claimants), request, own_shapes)


def _loaded(events_path: Path) -> Dataset:
    from controlmap.timeline.cache import load_dataset

    return load_dataset(events_path)


def assemble_site(layer: wire.LayerData, initial_day: int, settings: dict, statements: Mapping[str, dict],
                  request: SiteRequest, own_shapes: tuple[str, bytes] | None = None) -> dict[str, bytes]:
    """The site's files from its parts: the map's layer data, the day it opens on, the page script's
    ``settings`` (see ``site_settings``), each settlement's statements document, by katottg, and the settlements'
    own boundaries (path and packed content, see ``controlmap.web.own_shapes``; fetched when zoomed in)."""
    files: dict[str, bytes] = {}
    if own_shapes:
        files[own_shapes[0]] = own_shapes[1]
    for name in leaflet_files():
        files[f"{LEAFLET_PATH}/{name}"] = (LEAFLET_SOURCE / name).read_bytes()
    assets = {"timeline": f"vendor/controlmap/{script.timeline_script_name()}"}
    files[assets["timeline"]] = script.timeline_script().encode("utf-8")
    for role, name in (("urlvalues", "urlvalues.js"), ("panel", "panel.js"), ("js", "site.js"), ("css", "site.css")):
        data = panel.asset(name).encode("utf-8")
        stem, suffix = name.rsplit(".", 1)
        assets[role] = f"{stem}-{_digest12(data)}.{suffix}"
        files[assets[role]] = data
    for katottg, document in statements.items():
        files[f"{STATEMENTS_PATH}/{katottg}.json"] = _json_bytes(document)
    files["index.html"] = render_page(layer, initial_day, settings, assets,
                                      own_shapes[0] if own_shapes else None).encode("utf-8")
    files[MANIFEST] = _json_bytes({
        "generator": "python -m controlmap publish",
        "events_sha256": settings["eventsSha256"],
        "claimants": settings["claimants"],
        "from": request.first.isoformat() if request.first else None,
        "to": request.last.isoformat() if request.last else None,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    })
    return dict(sorted(files.items()))


def write_site(files: Mapping[str, bytes], out_dir: Path) -> list[Path]:
    """Writes ``files`` under ``out_dir``. A folder that holds anything but an earlier site is refused; the files
    of an earlier site that this one lacks are removed."""
    out_dir = Path(out_dir)
    previous = _previous_files(out_dir)
    for path, data in files.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(data)
        partial.replace(target)
    for stale in sorted(set(previous) - set(files)):
        (out_dir / stale).unlink(missing_ok=True)
    return [out_dir / path for path in files]


def _previous_files(out_dir: Path) -> list[str]:
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        raise PublishError(f"{out_dir} is a file, not a folder")
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        try:
            listed = json.loads(manifest.read_text("utf-8"))["files"]
        except (ValueError, KeyError, TypeError) as err:
            raise PublishError(f"{manifest} is not a site's manifest ({err})") from err
        return [p for p in listed if not Path(p).is_absolute() and ".." not in Path(p).parts]
    if any(out_dir.iterdir()):
        raise PublishError(f"{out_dir} is not empty and holds no earlier site ({MANIFEST}): choose an empty folder")
    return []


def site_zip(files: Mapping[str, bytes]) -> bytes:
    """The site as a zip archive whose bytes depend on ``files`` alone (fixed times, sorted entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def iframe_snippet(url: str, title: str | None = None) -> str:
    """The HTML that embeds a published site at ``url`` (``title``: the region's by default)."""
    return (f'<iframe src="{panel.html_text(url)}" title="{panel.html_text(title or default_title())}" '
            'width="100%" height="640" '
            'style="border:0" loading="lazy" allowfullscreen></iframe>')
