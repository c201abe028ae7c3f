"""Equal-area geometry: areas in km², and each settlement's cell (the part of its hromada nearer to it than to
any other placed settlement there). One equal-area system (EPSG:3035) for every area the package computes.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import Geometry

from controlmap.model import OWN_POINT_QUALITIES

EQUAL_AREA_CRS = "EPSG:3035"

# Shapes are simplified for drawing: hromada lines (and so cells) keep their shared edges
# (coverage simplification, metres in the equal-area CRS); a settlement's own boundary is kept to a few metres.
COVERAGE_TOLERANCE_M = 150.0


@functools.cache
def _transformers() -> tuple[Transformer, Transformer]:
    forward = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    back = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    return forward, back


def to_equal_area(geometry: Geometry) -> Geometry:
    forward, _ = _transformers()
    return shapely.transform(geometry, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geometry: Geometry) -> Geometry:
    _, back = _transformers()
    return shapely.transform(geometry, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def area_km2(geometry_lonlat: Geometry) -> float:
    return float(to_equal_area(geometry_lonlat).area / 1e6)


def voronoi_cells(lon: npt.ArrayLike, lat: npt.ArrayLike, region_ea: Geometry) -> list[Geometry]:
    """One cell per point (same order): the part of ``region_ea`` (equal-area CRS) nearer to it than to any
    other of the points."""
    forward, _ = _transformers()
    xs, ys = forward.transform(np.asarray(lon, float), np.asarray(lat, float))
    if len(xs) == 1:
        return [region_ea]
    sites = shapely.multipoints(np.column_stack([xs, ys]))
    regions = shapely.voronoi_polygons(sites, extend_to=region_ea.envelope.buffer(1e4), ordered=True)
    return [shapely.intersection(region, region_ea) for region in shapely.get_parts(regions)]


def hromada_coverage(hromadas: pd.DataFrame) -> tuple[list[Geometry], float]:
    """The hromada polygons in the equal-area CRS, simplified together so that neighbours keep one shared edge; and
    the km² by which OpenStreetMap's polygons overlapped (0: they were a coverage already)."""
    polygons, overlap_km2 = clean_coverage(hromadas.geometry)
    return list(shapely.coverage_simplify(polygons, COVERAGE_TOLERANCE_M)), overlap_km2


def clean_coverage(polygons_lonlat: pd.Series) -> tuple[list[Geometry], float]:
    """The polygons in the equal-area CRS, made a coverage where they are not one (OpenStreetMap neighbours that
    overlap or whose shared edges differ): each overlap goes to the neighbour with the longer shared border.
    Also the km² the input's overlaps held (0 where it was a coverage already, and then nothing is changed)."""
    polygons = [to_equal_area(g) for g in polygons_lonlat]
    if shapely.coverage_is_valid(polygons):
        return polygons, 0.0
    overlap_km2 = (sum(p.area for p in polygons) - shapely.union_all(polygons).area) / 1e6
    return [shapely.make_valid(p) for p in shapely.coverage_clean(polygons)], float(overlap_km2)


def settlement_cells(settlements: pd.DataFrame, hromadas: pd.DataFrame, coverage_ea: list[Geometry]) -> pd.DataFrame:
    """Each settlement with a point of its own gets the Voronoi cell of its point among its hromada's
    settlements with a point, clipped to its hromada: cells never cross a hromada line and tile each hromada."""
    rows = []
    for code, hromada_ea in zip(hromadas.code, coverage_ea, strict=True):
        members = settlements[(settlements.hromada_code == code) & settlements.coord_quality.isin(OWN_POINT_QUALITIES)]
        cells = voronoi_cells(members.lon, members.lat, hromada_ea) if len(members) else []
        rows += [{"row": s, "cell_ea": cell} for s, cell in zip(members.index, cells, strict=True)]
    return pd.DataFrame(rows).set_index("row").sort_index()
