"""km² of a region inside a snapshot's classified areas (equal-area): what a map of the archive showed on a day,
to check the derived rows against (benchmarks/bench_area_import.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry
from shapely import Geometry

from controlmap.areas.classify import classify_layer
from controlmap.areas.preset import Preset
from controlmap.areas.snapshots import Snapshot, read_layer
from controlmap.geo.cells import area_km2


@dataclass(frozen=True)
class AreaFigures:
    """km² of a region inside one snapshot's classified features (equal-area, controlmap.geo.cells)."""

    snapshot: Snapshot
    ru_km2: float
    contested_km2: float

    @property
    def total_km2(self) -> float:
        return round(self.ru_km2 + self.contested_km2, 1)


def snapshot_on(snapshots: Sequence[Snapshot], day: date) -> Snapshot | None:
    """The last snapshot published on or before the end of `day` (None before the first one)."""
    earlier = [s for s in snapshots if s.day <= day]
    return earlier[-1] if earlier else None


def area_inside(snapshot: Snapshot, preset: Preset, region: Geometry) -> AreaFigures:
    """The area of `region` (a shapely polygon in WGS 84) inside the snapshot's `ru` features, and inside its
    `contested` features but not its `ru` ones."""
    layer = classify_layer(read_layer(snapshot.file, tuple(region.bounds)), snapshot.series, preset)
    ru = _clip(layer.geometries["ru"], region)
    contested = shapely.difference(_clip(layer.geometries["contested"], region), ru)
    return AreaFigures(snapshot, _km2(ru), _km2(contested))


def _clip(polygons: list[Geometry], region: Geometry) -> Geometry:
    if not polygons:
        return shapely.Polygon()
    return shapely.intersection(shapely.union_all(np.asarray(polygons, dtype=object)), region)


def _km2(geometry: Geometry) -> float:
    return 0.0 if geometry.is_empty else round(area_km2(geometry), 1)


def areas_on(days: Iterable[date], snapshots: Sequence[Snapshot], preset: Preset,
             region: Geometry) -> list[AreaFigures | None]:
    """For each day, the area of `region` inside the `ru` and `contested` features of that day's last snapshot
    (None for a day before the first snapshot). This is what a map of the archive showed that day."""
    return [None if (s := snapshot_on(snapshots, day)) is None else area_inside(s, preset, region) for day in days]


def read_region(path: Path) -> Geometry:
    """The union of a GeoJSON file's polygons (e.g. data/geo/oblast_outline.geojson)."""
    document = json.loads(Path(path).read_text("utf-8"))
    shapes = [shapely.geometry.shape(f["geometry"]) for f in document["features"]]
    return shapely.union_all(np.asarray(shapes, dtype=object))
