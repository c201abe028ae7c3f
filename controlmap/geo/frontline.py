"""Where the settlements' cells meet: the borders the map's front line is drawn along.

The map script draws, for the day shown, every border whose two sides are on different sides of the front
(Ukrainian-held against Russian-held or contested; see assets/timeline/frontline.js), so the line follows
the displayed statuses without the server. This module finds those borders once, from the cells as
shipped: cells tile each hromada exactly, but across a hromada line a cell's ring may hold points its
neighbour's lacks, so each pair of touching cells is compared within a small tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from shapely.geometry import shape
from shapely.ops import linemerge

# Degrees. The shipped cells are rounded to 1e-5° (about a metre): neighbours across a hromada line agree
# to within that; a corner where two cells only touch gives pieces shorter than MIN_LENGTH, left out.
TOLERANCE = 2e-5
MIN_LENGTH = 1e-4


@dataclass(frozen=True)
class Border:
    """The border of two settlements' cells (``a`` < ``b``, katottg codes), as lines of (lon, lat)."""

    a: str
    b: str
    lines: tuple[tuple[tuple[float, float], ...], ...]


def _lines(geometry: shapely.Geometry) -> list[shapely.LineString]:
    if geometry.is_empty:
        return []
    if geometry.geom_type == "LineString":
        return [geometry]
    if geometry.geom_type == "MultiLineString":
        merged = linemerge(geometry)
        return [merged] if merged.geom_type == "LineString" else list(merged.geoms)
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("LineString", "MultiLineString")]
        return _lines(shapely.union_all(parts)) if parts else []
    return []


def _trimmed(points: list[tuple[float, float]], tolerance: float) -> tuple[tuple[float, float], ...]:
    """A border line without the stubs at its ends: where a third cell's border leaves it, the first cell's
    ring runs on within the tolerance of the second cell for a moment."""
    def short(p: tuple[float, float], q: tuple[float, float]) -> bool:
        return abs(p[0] - q[0]) + abs(p[1] - q[1]) <= 2 * tolerance

    while len(points) > 2 and short(points[0], points[1]):
        points = points[1:]
    while len(points) > 2 and short(points[-1], points[-2]):
        points = points[:-1]
    return tuple(points)


def cell_borders(cells: dict, *, key: str = "katottg", tolerance: float = TOLERANCE,
                 min_length: float = MIN_LENGTH) -> list[Border]:
    """Every border between two cells of ``cells`` (a GeoJSON FeatureCollection whose features name their
    settlement in the property ``key``), sorted by the settlements' codes. Points along a border follow the
    first cell's ring."""
    features = [f for f in cells.get("features", []) if f.get("geometry") and (f.get("properties") or {}).get(key)]
    codes = [str(f["properties"][key]) for f in features]
    order = sorted(range(len(features)), key=codes.__getitem__)
    codes = [codes[k] for k in order]
    geometries = [shape(features[k]["geometry"]) for k in order]
    if not geometries:
        return []
    outlines = [g.boundary for g in geometries]
    grown = shapely.buffer(geometries, tolerance)
    tree = shapely.STRtree(geometries)
    left, right = tree.query(grown, predicate="intersects")
    borders = []
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if i >= j or codes[i] == codes[j]:
            continue
        pieces = [line for line in _lines(outlines[i].intersection(grown[j])) if line.length >= min_length]
        if pieces:
            borders.append(Border(codes[i], codes[j], tuple(
                _trimmed([(x, y) for x, y, *_ in line.coords], tolerance) for line in pieces)))
    return borders


def wire_borders(borders: Iterable[Border], rows: dict[str, int], scale: int) -> dict:
    """``borders`` as the map script reads them (``decodeBorders`` in frontline.js), for settlements at
    rows ``rows`` of the timeline's wire form (katottg → row; borders of settlements not there are left out).

    ``a``: the first settlement's row as a step from the previous border's; ``b``: the second's, as a step
    from the first's; ``n``: each line's point count and ``c``: the points, in integer steps of 1/``scale``
    degree, each from the last point sent (lines of a border follow their border, borders their rows).
    Points that fall on the previous one at that precision are dropped; a line reduced to one point is.
    """
    steps_a: list[int] = []
    steps_b: list[int] = []
    counts: list[int] = []
    coords: list[int] = []
    last_row = 0
    last = (0, 0)
    placed = [(min(rows[b.a], rows[b.b]), max(rows[b.a], rows[b.b]), b) for b in borders if b.a in rows and b.b in rows]
    for row_a, row_b, item in sorted(placed, key=lambda entry: entry[:2]):
        lines = []
        for line in item.lines:
            points: list[tuple[int, int]] = []
            for lon, lat in line:
                point = (round(lon * scale), round(lat * scale))
                if not points or point != points[-1]:
                    points.append(point)
            if len(points) >= 2:
                lines.append(points)
        for points in lines:
            steps_a.append(row_a - last_row)
            steps_b.append(row_b - row_a)
            last_row = row_a
            # Each line starts at its end nearer to where the previous one ended: smaller steps.
            if abs(points[-1][0] - last[0]) + abs(points[-1][1] - last[1]) < abs(points[0][0] - last[0]) + abs(
                    points[0][1] - last[1]):
                points.reverse()
            counts.append(len(points))
            for point in points:
                coords += [point[0] - last[0], point[1] - last[1]]
                last = point
    return {"scale": scale, "a": steps_a, "b": steps_b, "n": counts, "c": coords}
