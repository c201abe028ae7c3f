"""The map's shapes as one topology: each stretch of line where shapes meet travels once, as an *arc* that every
shape along it names (TopoJSON's encoding, https://github.com/topojson/topojson-specification). The cells, the
hromada and raion lines and the outline share their points, and the front line needs no data of its own: the map
script draws it along the arcs two cells share (assets/timeline/topology.js reads this form).

Shapes built apart rarely agree to the last digit where they meet (a cell's ring holds the point where a Voronoi
edge meets the hromada line, its neighbour's across the line does not), so they are first *noded*: each shape's
points and edges are snapped to the points of the shapes within ``SNAP_DEGREES`` of it. Points are then rounded to
steps of 1/``scale`` degree, and every ring is cut where the rings through a point do not all go on to the same
neighbours (a junction); a stretch met twice, in either direction, is sent once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

# Degrees. Shipped shapes are rounded to 1e-5° (about a metre): neighbours agree to within that.
SNAP_DEGREES = 2e-5

Point = tuple[int, int]


@dataclass(frozen=True)
class Layer:
    """Polygon features of one kind (a GeoJSON FeatureCollection, a Feature or a geometry), the properties the map
    reads of them, and whether the map draws their rings as lines (hovering inside a boundary must not count as
    hovering the boundary)."""

    geojson: dict
    keep: tuple[str, ...] = ()
    lines: bool = False


def features(geojson: dict) -> list[dict]:
    """The features with a geometry of a GeoJSON FeatureCollection, Feature or bare geometry."""
    if geojson.get("type") == "FeatureCollection":
        return [f for f in geojson["features"] if f.get("geometry")]
    if geojson.get("type") == "Feature":
        return [geojson] if geojson.get("geometry") else []
    return [{"type": "Feature", "properties": {}, "geometry": geojson}]


def noded(geometries: list[shapely.Geometry], tolerance: float = SNAP_DEGREES) -> list[shapely.Geometry]:
    """Each geometry with its points and edges snapped to the points of all within ``tolerance`` of its boundary
    (its own included), so that shapes that meet hold the same points along the line they share."""
    if not geometries:
        return []
    coords = np.unique(shapely.get_coordinates(np.asarray(geometries, dtype=object)), axis=0)
    tree = shapely.STRtree(shapely.points(coords))
    out = []
    for geometry in geometries:
        near = np.sort(tree.query(geometry.boundary, predicate="dwithin", distance=tolerance))
        out.append(shapely.snap(geometry, shapely.multipoints(coords[near]), tolerance) if len(near) else geometry)
    return out


def _polygons(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    if geometry.geom_type == "Polygon":
        return [geometry]
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for g in geometry.geoms for p in _polygons(g)]
    return []


def quantized_ring(coords: Iterable, scale: int) -> list[Point]:
    """A ring's points in steps of 1/``scale`` degree, without the closing point or any point that falls on the one
    before it; empty when fewer than three are left (the ring is then too small to draw)."""
    ring: list[Point] = []
    for x, y, *_ in coords:
        point = (round(x * scale), round(y * scale))
        if not ring or point != ring[-1]:
            ring.append(point)
    while len(ring) > 1 and ring[-1] == ring[0]:
        ring.pop()
    return ring if len(ring) >= 3 else []


def junctions(rings: Iterable[list[Point]]) -> set[Point]:
    """The points where rings part: the rings through them do not all come from and go on to the same two points."""
    seen: dict[Point, tuple[Point, Point]] = {}
    found: set[Point] = set()
    for ring in rings:
        n = len(ring)
        for i, point in enumerate(ring):
            pair = (ring[i - 1], ring[(i + 1) % n])
            first = seen.setdefault(point, pair)
            if first != pair and first != (pair[1], pair[0]):
                found.add(point)
    return found


def cut(ring: list[Point], at: set[Point]) -> list[tuple[Point, ...]]:
    """``ring`` as the stretches between its junctions ``at``, each with both ends; a ring without one, whole and
    closed, starting at its least point (so that the same ring met again gives the same stretch)."""
    cuts = [i for i, point in enumerate(ring) if point in at]
    if not cuts:
        k = ring.index(min(ring))
        whole = ring[k:] + ring[:k]
        return [(*whole, whole[0])]
    rotated = ring[cuts[0]:] + ring[:cuts[0]] + [ring[cuts[0]]]
    ends = [i - cuts[0] for i in cuts] + [len(ring)]
    return [tuple(rotated[a:b + 1]) for a, b in itertools.pairwise(ends)]


class Arcs:
    """The arcs met so far; ``ref`` names a stretch by its arc's index, or ``~index`` when it runs the arc backwards."""

    def __init__(self) -> None:
        self.points: list[tuple[Point, ...]] = []
        self._index: dict[tuple[Point, ...], int] = {}

    def ref(self, stretch: tuple[Point, ...]) -> int:
        found = self._index.get(stretch)
        if found is not None:
            return found
        backwards = self._index.get(stretch[::-1])
        if backwards is not None:
            return ~backwards
        self._index[stretch] = len(self.points)
        self.points.append(stretch)
        return len(self.points) - 1

    def wire(self) -> tuple[list[int], list[int]]:
        """Each arc's point count, and all points as steps from the point before (the first from (0, 0))."""
        counts, steps = [], []
        last = (0, 0)
        for arc in self.points:
            counts.append(len(arc))
            for point in arc:
                steps += [point[0] - last[0], point[1] - last[1]]
                last = point
        return counts, steps


def topology_wire(layers: dict[str, Layer | None], scale: int) -> dict:
    """``layers`` (None: left out) as the map script reads them (``expandTopology`` in topology.js):

    - ``scale``: points are integer steps of 1/``scale`` degree;
    - ``arc_points``: each arc's point count; ``arcs``: all arcs' points, each as the step from the point before it;
    - ``layers``: by name, ``{lines, features}``, each feature ``{p: properties, c: rings}``, a ring being the list
      of its arcs' references (``i``, or ``~i`` for arc ``i`` backwards), and ``c`` the feature's polygons of
      rings (or, for a layer of ``lines``, its rings alone).

    A ring too small to show at this scale is left out, and with it a polygon without its outer ring and a feature
    without a polygon."""
    present = {name: layer for name, layer in layers.items() if layer is not None}
    kept = {name: features(layer.geojson) for name, layer in present.items()}
    geometries = noded([shape(f["geometry"]) for name in present for f in kept[name]])
    shaped: dict[str, list[tuple[dict, list[list[list[Point]]]]]] = {}
    at = 0
    for name, layer in present.items():
        shaped[name] = []
        for feature in kept[name]:
            polygons = [rings for rings in _quantized_polygons(geometries[at], scale) if rings]
            at += 1
            if polygons:
                properties = feature.get("properties") or {}
                shaped[name].append(({k: properties[k] for k in layer.keep if k in properties}, polygons))
    joints = junctions(ring for items in shaped.values() for _, polygons in items
                       for rings in polygons for ring in rings)
    arcs = Arcs()

    def refs(ring: list[Point]) -> list[int]:
        return [arcs.ref(stretch) for stretch in cut(ring, joints)]

    wired = {}
    for name, layer in present.items():
        wired[name] = {"lines": layer.lines, "features": [
            {"p": properties,
             "c": [refs(ring) for rings in polygons for ring in rings] if layer.lines
             else [[refs(ring) for ring in rings] for rings in polygons]}
            for properties, polygons in shaped[name]]}
    counts, steps = arcs.wire()
    return {"scale": scale, "arc_points": counts, "arcs": steps, "layers": wired}


def _quantized_polygons(geometry: shapely.Geometry, scale: int) -> Iterator[list[list[Point]]]:
    """Each polygon's rings, quantized; a polygon whose outer ring vanishes gives no rings."""
    for polygon in _polygons(geometry):
        outer = quantized_ring(polygon.exterior.coords, scale)
        yield [outer, *(r for r in (quantized_ring(h.coords, scale) for h in polygon.interiors) if r)] if outer else []
