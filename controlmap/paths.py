"""Where the shipped data lives. Every path can be overridden by the caller."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
GEO_DIR = DATA_DIR / "geo"
EVENTS_CSV = DATA_DIR / "events.csv"
SETTLEMENTS_CSV = GEO_DIR / "settlements.csv"
OUTLINE_GEOJSON = GEO_DIR / "oblast_outline.geojson"
CELLS_GEOJSON = GEO_DIR / "cells.geojson"
HROMADAS_GEOJSON = GEO_DIR / "hromadas.geojson"
RAIONS_GEOJSON = GEO_DIR / "raions.geojson"
SETTLEMENT_SHAPES_GEOJSON = GEO_DIR / "settlement_shapes.geojson"
STATIC_DIR = PROJECT_ROOT / "static"
