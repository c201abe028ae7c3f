"""The vendored geodata inputs of `python -m controlmap build-geo` (data/geo/sources/, see its manifest.json).

- `ukraine-geo-data/`: OpenStreetMap boundaries of the region's oblast (ODbL): the oblast file holds the raion
  relations (admin_level 6), each raion file its hromada relations (admin_level 7) and their admin_centre
  nodes, each hromada file its settlement relations (admin_level 9/10) and their label nodes.
- `osm-place-nodes.<prefix>.csv`: KATOTTG code → OSM place node (ODbL), per KATOTTG prefix of the region.
- `katottg-2023.<prefix>.csv`: the codifier's pre-2024 edition (the former names of renamed settlements).
- `wikidata-points.<prefix>.csv` (where the region has it): KATOTTG code → the coordinates of the Wikidata item
  with that code (CC0), for settlements OpenStreetMap's files do not place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import shape

from controlmap import paths
from controlmap.geo.names import fold_key

SOURCES_DIR = paths.GEO_DIR / "sources"
BOUNDARIES = "ukraine-geo-data"
PLACE_NODES = "osm-place-nodes.{prefix}.csv"
OLD_CODIFIER = "katottg-2023.{prefix}.csv"
MANIFEST = "manifest.json"
WIKIDATA_POINTS = "wikidata-points.{prefix}.csv"
# Two rows of one code further apart than this (degrees) make its Wikidata point ambiguous: it is not used.
WIKIDATA_DUPLICATE_SPREAD_DEG = 0.01
RAION_LEVEL, HROMADA_LEVEL, SETTLEMENT_LEVELS = "6", "7", ("9", "10")
NAME_TAGS = ("name", "name:uk", "old_name", "old_name:uk")


class SourceError(Exception):
    """A vendored input is missing or is not the file its manifest names."""


def verify(sources: Path = SOURCES_DIR) -> None:
    """Every vendored file exists and has the sha256 its manifest records."""
    manifest = json.loads((sources / MANIFEST).read_text("utf-8"))
    for entry in manifest["files"]:
        path = sources / entry["vendored_as"]
        if not path.exists():
            raise SourceError(f"{path} is missing (see {sources / MANIFEST})")
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["vendored_sha256"]:
            raise SourceError(f"{path} differs from the pinned input (sha256 mismatch; re-run "
                              f"scripts/vendor_geo_sources.py)")


def read_old_codifier(prefixes: tuple[str, ...], sources: Path = SOURCES_DIR) -> pd.DataFrame:
    frame = pd.concat([pd.read_csv(sources / OLD_CODIFIER.format(prefix=p), dtype=str, keep_default_na=False)
                       for p in prefixes], ignore_index=True)
    return frame.assign(name=frame["name"].str.strip())


def read_place_nodes(prefixes: tuple[str, ...], sources: Path = SOURCES_DIR) -> pd.DataFrame:
    """By KATOTTG code: its OSM place node's id (``osm_id``, as text) and ``place`` tag (city, town, village…)."""
    table = pd.concat([pd.read_csv(sources / PLACE_NODES.format(prefix=p), dtype=str, keep_default_na=False)
                       for p in prefixes], ignore_index=True)
    return table.set_index("katotth")[["osm_id", "place"]]


def read_wikidata_points(prefixes: tuple[str, ...], sources: Path = SOURCES_DIR) -> tuple[pd.DataFrame, list[str]]:
    """KATOTTG code → lat, lon from the region's Wikidata tables (empty where it has none), and the codes left out
    because their rows disagree."""
    frames = [pd.read_csv(path, sep=";", dtype={"katottg": str}) for p in prefixes
              if (path := sources / WIKIDATA_POINTS.format(prefix=p)).exists()]
    if not frames:
        return pd.DataFrame({"lat": pd.Series(dtype=float), "lon": pd.Series(dtype=float)},
                            index=pd.Index([], name="katottg")), []
    table = pd.concat(frames, ignore_index=True).rename(columns={"latitude": "lat", "longitude": "lon"})
    spread = table.groupby("katottg")[["lat", "lon"]].agg(lambda c: c.max() - c.min()).max(axis=1)
    ambiguous = sorted(spread.index[spread > WIKIDATA_DUPLICATE_SPREAD_DEG])
    table = table[~table.katottg.isin(ambiguous)].drop_duplicates("katottg")
    return table.set_index("katottg")[["lat", "lon"]], ambiguous


@dataclass(frozen=True)
class OsmBoundaries:
    """What the boundary files hold, as plain tables (geometries in WGS84 longitude/latitude)."""

    raions: pd.DataFrame  # code, name, relation, geometry
    hromadas: pd.DataFrame  # code, name, relation, geometry
    settlements: pd.DataFrame  # relation, names, geometry: settlement boundary polygons
    places: pd.DataFrame  # node, lon, lat, relation (the relation it labels; "" for an admin_centre), names


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text("utf-8"))["features"]


def _osm_number(osm_id: str) -> str:
    return osm_id.split("/", 1)[1]


def _names(tags: dict) -> tuple[str, ...]:
    return tuple(sorted({tags[t].strip() for t in NAME_TAGS if tags.get(t, "").strip()}))


def _area_rows(features: list[dict], level: str) -> list[dict]:
    return [{"code": f["properties"]["katotth"], "name": f["properties"]["name"],
             "relation": _osm_number(f["properties"]["@id"]), "geometry": shape(f["geometry"])}
            for f in features if f["properties"].get("admin_level") == level]


def _place_rows(features: list[dict]) -> list[dict]:
    rows = []
    for f in features:
        if f["geometry"]["type"] != "Point":
            continue
        lon, lat = f["geometry"]["coordinates"]
        for link in f["properties"].get("@relations") or []:
            labels = link["role"] == "label"
            rows.append({"node": _osm_number(f["properties"]["@id"]), "lon": float(lon), "lat": float(lat),
                         "relation": str(link["rel"]) if labels else "",
                         "names": _names(link.get("reltags", {})) if labels else ()})
    return rows


def read_boundaries(sources: Path = SOURCES_DIR) -> OsmBoundaries:
    folder = sources / BOUNDARIES
    files = sorted(folder.glob("*.geojson"))
    by_depth: dict[int, list[Path]] = {}
    for path in files:
        by_depth.setdefault(path.name.count("."), []).append(path)
    raions = [row for p in by_depth.get(1, []) for row in _area_rows(_features(p), RAION_LEVEL)]
    hromadas = [row for p in by_depth.get(2, []) for row in _area_rows(_features(p), HROMADA_LEVEL)]
    settlements, places = [], []
    for path in by_depth.get(2, []) + by_depth.get(3, []):
        features = _features(path)
        places += _place_rows(features)
        settlements += [{"relation": _osm_number(f["properties"]["@id"]), "names": _names(f["properties"]),
                         "geometry": shape(f["geometry"])}
                        for f in features if f["properties"].get("admin_level") in SETTLEMENT_LEVELS
                        and f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    return OsmBoundaries(
        raions=pd.DataFrame(raions).sort_values("code").reset_index(drop=True),
        hromadas=pd.DataFrame(hromadas).sort_values("code").reset_index(drop=True),
        settlements=pd.DataFrame(settlements).drop_duplicates("relation").sort_values("relation",
                                                                                      key=_numeric)
        .reset_index(drop=True),
        places=_one_row_per_node(pd.DataFrame(places)),
    )


def _numeric(column: pd.Series) -> pd.Series:
    return column.astype("int64")


def _one_row_per_node(places: pd.DataFrame) -> pd.DataFrame:
    """A node that labels a settlement relation is that settlement's place; admin_centre rows only add nodes."""
    places = places.assign(is_label=places.relation != "")
    places = places.sort_values(["node", "is_label", "relation"], ascending=[True, False, True],
                                key=lambda c: c.astype("int64") if c.name == "node" else c)
    return places.drop_duplicates("node").drop(columns="is_label").reset_index(drop=True)


def name_keys(names: Iterable[str]) -> set[str]:
    return {fold_key(n) for n in names if n}


def hromada_of_points(lon: npt.ArrayLike, lat: npt.ArrayLike, hromadas: pd.DataFrame) -> list[str]:
    """The code of the hromada polygon that contains each point ("" where none does)."""
    points = shapely.points(lon, lat)
    tree = shapely.STRtree(list(hromadas.geometry))
    point_index, polygon_index = tree.query(points, predicate="within")
    out = [""] * len(points)
    for p, h in sorted(zip(point_index.tolist(), polygon_index.tolist(), strict=True)):
        out[p] = out[p] or hromadas.code.iloc[h]
    return out
