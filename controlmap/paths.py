"""Where the data lives: the region's data folder (the shipped ``data/``, unless ``$CONTROLMAP_DATA`` names
another folder of the same shape; ``python -m controlmap --data DIR`` and ``./scripts/run.sh --data DIR`` set it).
Every path can be overridden by the caller."""

import os
from pathlib import Path

DATA_ENV = "CONTROLMAP_DATA"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Read once, when the package is first imported: functions take these paths as their defaults.
DATA_DIR = Path(os.environ[DATA_ENV]).resolve() if os.environ.get(DATA_ENV) else PROJECT_ROOT / "data"
GEO_DIR = DATA_DIR / "geo"
EVENTS_CSV = DATA_DIR / "events.csv"
SETTLEMENTS_CSV = GEO_DIR / "settlements.csv"
OUTLINE_GEOJSON = GEO_DIR / "oblast_outline.geojson"
CELLS_GEOJSON = GEO_DIR / "cells.geojson"
HROMADAS_GEOJSON = GEO_DIR / "hromadas.geojson"
RAIONS_GEOJSON = GEO_DIR / "raions.geojson"
SETTLEMENT_SHAPES_GEOJSON = GEO_DIR / "settlement_shapes.geojson"
STATIC_DIR = PROJECT_ROOT / "static"

# The files of a geo folder that a loaded dataset and its maps read, by role: the gazetteer's and the maps' shapes.
# One list: the disk cache's key is made of exactly the files read (controlmap.timeline.cache.dataset_digest).
GAZETTEER_FILES = {"settlements": "settlements.csv", "cells": "cells.geojson"}
SHAPE_FILES = {"outline": "oblast_outline.geojson", "hromadas": "hromadas.geojson", "cells": "cells.geojson",
               "raions": "raions.geojson"}
DATASET_GEO_FILES = tuple(sorted({*GAZETTEER_FILES.values(), *SHAPE_FILES.values()}))


def shown(path: Path) -> str:
    """``path`` as pages and messages name it: relative to the project (``data/events.csv``) when it lies inside."""
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return Path(path).as_posix()
