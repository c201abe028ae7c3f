"""The page scripts: the map's (its parts in controlmap/web/assets/timeline/) and the panel's (controlmap/web/assets/
site/), each concatenated into one file, named by its content, installed into static/ at set-up or carried inline by
a map when it is not there.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from controlmap import paths
from controlmap.web.static import STATIC_URL, install_named_file

ASSETS_DIR = Path(__file__).resolve().parent / "assets"


# The map script's parts (controlmap/web/assets/timeline/), concatenated in this order: each registers itself in
# `controlmapParts` for the parts after it; layer.js defines `controlmapTimeline`.
TIMELINE_PARTS = (
    "decode.js", "topology.js", "runs.js", "styles.js", "sprites.js", "frontline.js", "state.js", "dom.js", "hover.js",
    "regions.js", "leaflet_adapter.js", "renderer.js", "date_control.js", "map_controls.js", "api.js",
    "export_image.js", "own_shapes.js", "labels.js", "layer_controls.js", "layer_selections.js", "layer_view.js",
    "layer_playing.js", "layer.js",
)


def asset_text(name: str) -> str:
    return (ASSETS_DIR / name).read_text(encoding="utf-8")


@functools.cache
def timeline_script() -> str:
    """The map script: its parts concatenated in ``TIMELINE_PARTS`` order."""
    return "\n".join(asset_text(f"timeline/{name}") for name in TIMELINE_PARTS)


# Where `install-assets` puts the map script, under static/ (served at /app/static/, like Leaflet): a file
# named by its content, so a browser never runs a cached older version, and a map sends 70 KB less.
SCRIPT_FOLDER = "vendor/controlmap"


# The panel's page script (controlmap/web/assets/site/, see controlmap/web/panel.py), concatenated in this order:
# site.js uses the other two.
PANEL_PARTS = ("urlvalues.js", "panel.js", "site.js")


@functools.cache
def panel_script() -> str:
    """The panel's page script: its parts concatenated in ``PANEL_PARTS`` order."""
    return "\n".join(asset_text(f"site/{name}") for name in PANEL_PARTS)


SCRIPTS = {"timeline": timeline_script, "panel": panel_script}  # what install-assets puts in SCRIPT_FOLDER, by kind


@functools.cache
def script_name(kind: str = "timeline") -> str:
    """The installed file's name: the kind ("timeline" or "panel") and a digest of its content."""
    digest = hashlib.sha256(SCRIPTS[kind]().encode("utf-8")).hexdigest()[:12]
    return f"{kind}-{digest}.js"


def timeline_script_name() -> str:
    return script_name("timeline")


def install_script(kind: str, static_dir: Path = paths.STATIC_DIR) -> Path:
    """Write the script of ``kind`` into ``static_dir`` (``python -m controlmap install-assets`` does, with Leaflet);
    earlier versions there are removed."""
    return install_named_file(Path(static_dir) / SCRIPT_FOLDER, script_name(kind),
                              SCRIPTS[kind]().encode("utf-8"), f"{kind}-*.js")


def install_timeline_script(static_dir: Path = paths.STATIC_DIR) -> Path:
    return install_script("timeline", static_dir)


def installed_url(kind: str, static_dir: Path | None = paths.STATIC_DIR) -> str | None:
    """The URL of this version of the script of ``kind`` when it is installed in ``static_dir``, else None (a map
    then carries it inline)."""
    if static_dir is None:
        return None
    target = Path(static_dir) / SCRIPT_FOLDER / script_name(kind)
    try:
        installed = target.stat().st_size == len(SCRIPTS[kind]().encode("utf-8"))
    except OSError:
        return None
    return f"{STATIC_URL}/{SCRIPT_FOLDER}/{target.name}" if installed else None


def installed_script_url(static_dir: Path | None = paths.STATIC_DIR) -> str | None:
    """The map script's URL when installed (see ``installed_url``)."""
    return installed_url("timeline", static_dir)
