"""Settlements' own boundaries (OpenStreetMap) for the map, fetched by the browser only once it is zoomed in close.

They are never part of the map's data at start: data/geo/settlement_shapes.geojson is 1.5 MB, the data sent at start
must stay under 300 KB. ``python -m controlmap install-assets`` writes a compact copy into static/ (the rings as lines
in steps of 1/5000°, about 20 m, packed as the map's data is: about 180 KB), named by its source's content; the map
script (assets/timeline/own_shapes.js) fetches it from the URL the map is given, the first time it is zoomed in to
``MIN_ZOOM``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from controlmap import paths
from controlmap.web.static import STATIC_URL, install_named_file
from controlmap.web.wire import compact_shapes, packed_json

FOLDER = "vendor/controlmap"  # beside the map script (script.SCRIPT_FOLDER)
SCALE = 5000
MIN_ZOOM = 11  # the map script's own_shapes.js draws them from this zoom level on
FORMAT = "lines-v1"  # changes the file's name when the format changes
PREFIX = "settlement-shapes-"


@functools.cache
def _file_name(source: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256(FORMAT.encode() + b"\0" + str(SCALE).encode() + b"\0" + Path(source).read_bytes())
    return f"{PREFIX}{digest.hexdigest()[:12]}.txt"


def file_name(source: Path = paths.SETTLEMENT_SHAPES_GEOJSON) -> str:
    """The installed copy's name: from the source's content (and this format), so a browser never keeps an old one."""
    stat = Path(source).stat()
    return _file_name(str(source), stat.st_mtime_ns, stat.st_size)


def packed_shapes(source: Path = paths.SETTLEMENT_SHAPES_GEOJSON) -> str:
    """The boundaries as the map script reads them: ``wire.compact_shapes`` as lines, each feature keeping its
    settlement's ``katottg``, packed by ``wire.packed_json`` (deflated JSON in base64)."""
    geojson = json.loads(Path(source).read_text(encoding="utf-8"))
    return packed_json(compact_shapes(geojson, as_lines=True, keep=("katottg",), scale=SCALE))


def install(static_dir: Path = paths.STATIC_DIR, source: Path = paths.SETTLEMENT_SHAPES_GEOJSON) -> Path:
    """Write the compact copy into ``static_dir`` (earlier copies removed; see ``offline.install_named_file``)."""
    return install_named_file(Path(static_dir) / FOLDER, file_name(source),
                              packed_shapes(source).encode("ascii"), f"{PREFIX}*.txt")


def installed_url(static_dir: Path | None = paths.STATIC_DIR,
                  source: Path = paths.SETTLEMENT_SHAPES_GEOJSON) -> str | None:
    """The URL of the installed copy of ``source``'s current content, None when it is not installed (the map then
    shows no settlement boundaries) or there is no source."""
    if static_dir is None:
        return None
    try:
        name = file_name(source)
    except OSError:
        return None
    return f"{STATIC_URL}/{FOLDER}/{name}" if (Path(static_dir) / FOLDER / name).is_file() else None
