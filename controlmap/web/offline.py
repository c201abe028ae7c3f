"""Serve Leaflet from the app itself, so a map makes no request that leaves the machine.

Streamlit serves ``<main script dir>/static/`` at ``/app/static/`` (``server.enableStaticServing``, see
controlmap.web.static);
``install_leaflet`` copies Leaflet 1.9.4 there from the installed ``js_lib_leaflet`` package at set-up
(``python -m controlmap install-assets``, run by ``scripts/setup.sh``; the app itself never writes into its
source tree, which may be read-only), ``missing_leaflet_files`` tells the app whether that was done, and
``offline_map`` builds a folium map that loads only those files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import folium
import js_lib_leaflet
from branca.element import MacroElement
from jinja2 import Template

from controlmap.paths import STATIC_DIR
from controlmap.web import own_shapes
from controlmap.web.script import install_script, install_timeline_script
from controlmap.web.static import STATIC_URL

LEAFLET_URL = f"{STATIC_URL}/vendor/leaflet"
# Whose data every map draws (the licences ask for it on every map); plain text, so the map links nowhere.
DATA_ATTRIBUTION = "&copy; OpenStreetMap contributors, ODbL 1.0 &middot; GeoNames, CC BY 4.0"
LEAFLET_SOURCE = Path(js_lib_leaflet.__file__).resolve().parent / "static" / "js_lib_leaflet"


def leaflet_files() -> list[str]:
    """The files of Leaflet the map needs, relative to the package's Leaflet folder."""
    images = sorted(f"images/{p.name}" for p in (LEAFLET_SOURCE / "images").glob("*.png"))
    return ["leaflet.js", "leaflet.css", *images]


def _is_current(source: Path, target: Path) -> bool:
    if not target.is_file():
        return False
    src, dst = source.stat(), target.stat()
    return src.st_size == dst.st_size and int(src.st_mtime) == int(dst.st_mtime)


def install_leaflet(static_dir: Path = STATIC_DIR) -> Path:
    """Copy Leaflet into ``static_dir/vendor/leaflet`` unless it is already there; return that folder.

    Cheap when nothing changed (one stat per file). Each file is written to a private temporary
    name first, so concurrent app starts never serve a half-written file.
    """
    target_dir = Path(static_dir) / "vendor" / "leaflet"
    for name in leaflet_files():
        source, target = LEAFLET_SOURCE / name, target_dir / name
        if _is_current(source, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copy2(source, partial)
        partial.replace(target)
    ignore = target_dir / ".gitignore"
    if not ignore.is_file():
        # Derived from the installed package wherever the app lives, not only under the root static/.
        ignore.write_text("*\n", encoding="utf-8")
    return target_dir


def install_assets(static_dir: Path = STATIC_DIR) -> list[Path]:
    """Everything the maps load from ``static_dir``: Leaflet, the map script and the panel's (see
    ``controlmap.web.script.install_script``; a map carries them inline when they are not there) and the
    settlements' own boundaries, which the map fetches once zoomed in close (``controlmap.web.own_shapes``)."""
    return [install_leaflet(static_dir), install_timeline_script(static_dir), install_script("panel", static_dir),
            own_shapes.install(static_dir)]


def missing_leaflet_files(static_dir: Path = STATIC_DIR) -> list[str]:
    """The files of Leaflet missing from ``static_dir/vendor/leaflet``, or not the installed package's (another
    size); [] when the map can load. Times are not compared: copying a deployed tree may change them."""
    target_dir = Path(static_dir) / "vendor" / "leaflet"
    missing = []
    for name in leaflet_files():
        target = target_dir / name
        if not target.is_file() or target.stat().st_size != (LEAFLET_SOURCE / name).stat().st_size:
            missing.append(name)
    return missing


def use_local_leaflet(m: folium.Map, leaflet_url: str = LEAFLET_URL) -> folium.Map:
    """Replace folium's CDN assets (Leaflet, jQuery, Bootstrap, Font Awesome…) by the local Leaflet.

    Instance attributes, not the class lists: folium's ``add_js_link`` mutates whichever list it finds.
    """
    m.default_js = [("leaflet", f"{leaflet_url}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{leaflet_url}/leaflet.css")]
    return m


class Attribution(MacroElement):
    """Adds a line to the map's attribution control (a map without tiles has no other)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


# The attribution on one line, small (a small map's wrapped onto two); on a narrow map the scale bar sits above it
# instead of behind it.
CONTROLS_CSS = ("<style>.leaflet-control-attribution{font-size:10px;line-height:1.5;white-space:nowrap}"
                "@media (max-width:520px){.leaflet-bottom.leaflet-left .leaflet-control-scale{margin-bottom:20px}}"
                "</style>")


def offline_map(leaflet_url: str = LEAFLET_URL, **map_options: Any) -> folium.Map:
    """A ``folium.Map`` without tiles that loads Leaflet from ``leaflet_url`` only, with the data's attribution."""
    map_options.setdefault("tiles", None)
    m = use_local_leaflet(folium.Map(**map_options), leaflet_url)
    Attribution(DATA_ATTRIBUTION).add_to(m)
    root: Any = m.get_root()  # a branca Figure, which has a header
    root.header.add_child(folium.Element(CONTROLS_CSS), name="controls_css")
    return m
