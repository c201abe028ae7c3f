"""The shapes the maps draw, as shipped in data/geo/ (outline, hromada and raion lines, cells), read once per
process.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from controlmap import paths


@functools.cache
def read_shapes(geo_dir: Path = paths.GEO_DIR) -> dict[str, dict]:
    """Outline, hromada and raion lines and cells as shipped (4,201 points: Leaflet simplifies them per zoom level
    as it draws, so the server does not). Read once per process and shared: callers must not modify them."""
    return {key: json.loads((geo_dir / name).read_text("utf-8")) for key, name in paths.SHAPE_FILES.items()}
