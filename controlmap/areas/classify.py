"""One snapshot's features → its classified areas, and the state of every settlement's point in them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from shapely import Geometry

from controlmap.areas.preset import CLASSES, Preset, Series
from controlmap.model import STATUS_CODE


@dataclass
class ClassifiedLayer:
    """One snapshot's classified areas (polygons only) and what was not recognised."""

    geometries: dict[str, list[Geometry]]  # status → shapely polygons
    unrecognised: Counter = field(default_factory=Counter)  # (name, fill) → features that matched no rule
    # Classified polygons that were invalid (a ring crossing itself…), as read, with GEOS's reason; `geometries`
    # holds them repaired (shapely.make_valid).
    repaired: list[tuple[Geometry, str]] = field(default_factory=list)


def classify_layer(frame: pd.DataFrame, series: Series, preset: Preset) -> ClassifiedLayer:
    names = _text_column(frame, preset.name_property)
    fills = [f.lower() for f in _text_column(frame, preset.fill_property)]
    layer = ClassifiedLayer({status: [] for status in CLASSES})
    for name, fill, geometry in zip(names, fills, frame.geometry, strict=True):
        polygons = polygon_parts(geometry)
        if not polygons:
            continue
        status = series.classify(name, fill)
        if status is None:
            layer.unrecognised[(_short(name), fill)] += 1
        elif status != "ignore":
            for polygon in polygons:
                if polygon.is_valid:
                    layer.geometries[status].append(polygon)
                else:
                    layer.repaired.append((polygon, shapely.is_valid_reason(polygon)))
                    layer.geometries[status] += polygon_parts(shapely.make_valid(polygon))
    return layer


def _text_column(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame:
        # KML readers give a placemark's <name> as "Name": a property is also found in another case.
        found = [c for c in frame.columns if str(c).lower() == column.lower()]
        if not found:
            return [""] * len(frame)
        column = found[0]
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in frame[column]]


def polygon_parts(geometry: Geometry | None) -> list[Geometry]:
    """The polygonal parts of a geometry (collections are opened; points and lines are dropped)."""
    if geometry is None or geometry.is_empty:
        return []
    parts = shapely.get_parts(geometry)
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    for p in parts:
        if p.geom_type in ("MultiPolygon", "GeometryCollection"):
            polygons += polygon_parts(p)
    return polygons


def polygon_count(geometries: Iterable[Geometry | None]) -> int:
    """Polygons among the geometries (collections opened)."""
    return sum(len(polygon_parts(g)) for g in geometries)


def _short(name: str) -> str:
    return " ".join(name.split())[:80]


# The state of a point outside every feature of an archive without a grey zone (resolved by `continue_grey`).
NOT_OCCUPIED = -1
# A point outside every feature of a snapshot drawn only in part (a series' coarse period): not seen at all.
NOT_SEEN = -2


def point_states(points: np.ndarray, tree: shapely.STRtree, layer: ClassifiedLayer, preset: Preset,
                 grey_zone: bool = True, outside_seen: bool = True) -> np.ndarray:
    """The status code of every point in one snapshot (int8, model.STATUS_CODE; NOT_OCCUPIED for a point outside
    every feature of an archive without a grey zone; NOT_SEEN for one outside every feature of a snapshot whose
    ground outside its features is not known, `outside_seen` False)."""
    outside = (STATUS_CODE[preset.outside] if grey_zone else NOT_OCCUPIED) if outside_seen else NOT_SEEN
    states = np.full(len(points), outside, dtype=np.int8)
    for status in reversed(preset.precedence):  # the first of `precedence` is written last, so it wins
        geometries = layer.geometries.get(status, [])
        if geometries:
            _, inside = tree.query(np.asarray(geometries, dtype=object), predicate="intersects")
            states[np.unique(inside)] = STATUS_CODE[status]
    return states
