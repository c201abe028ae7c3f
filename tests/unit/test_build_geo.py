"""The build's joins and cells on tiny hand-made inputs (controlmap.geo.build, controlmap.geo.cells).

Two hromadas, H1 and H2. In H1: Alpha (joined by code), and a namesake pair Delta / Delta, one joined by
code, the other with a code newer than the code → node table. In H2: Gamma, whose node in the table is
missing from the boundary files; Epsilon, whose code is newer than the table; Zeta, whose name only occurs in H1.
"""

import numpy as np
import pandas as pd
import pytest
import shapely

from controlmap.geo import build
from controlmap.geo import cells as geo_cells
from controlmap.geo.gazetteer import placement_summary, point_sources, position_text

H1, H2 = "UA63900010000000001", "UA63900020000000002"


def settlement(code: str, name_uk: str, name_en: str, hromada: str, centre: bool = False) -> dict:
    return {"katottg": code, "category": "C", "name_uk": name_uk, "name_en": name_en, "former_names": "",
            "raion_code": "UA63900000000000000", "raion_en": "Alphivskyi", "hromada_code": hromada,
            "hromada_en": "Alphivska" if hromada == H1 else "Hammivska", "is_hromada_centre": centre,
            "osm_place": "village"}


SETTLEMENTS = pd.DataFrame([
    settlement("UA63900010010000011", "Альфа", "Alpha", H1, centre=True),
    settlement("UA63900010020000012", "Дельта", "Delta", H1),
    settlement("UA63900010030000013", "Дельта", "Delta", H1),  # newer than the code → node table
    settlement("UA63900020010000021", "Гамма", "Hamma", H2, centre=True),  # its node is not in the files
    settlement("UA63900020020000022", "Епсилон", "Epsylon", H2),  # newer than the table
    settlement("UA63900020030000023", "Зета", "Zeta", H2),  # newer; the only Зета lies in H1
])
NODE_OF_CODE = pd.Series({"UA63900010010000011": "1", "UA63900010020000012": "2", "UA63900020010000021": "9"})


def place(node: str, names: tuple[str, ...], hromada: str, lon: float, lat: float) -> dict:
    return {"node": node, "lon": lon, "lat": lat, "relation": f"10{node}", "names": names, "hromada_code": hromada}


PLACES = pd.DataFrame([
    place("1", ("Альфа",), H1, 36.00, 49.50),
    place("2", ("Дельта",), H1, 36.02, 49.50),
    place("3", ("Дельта",), H1, 36.04, 49.50),  # the other Delta's node: two settlements of that name in H1
    place("4", ("Гамма",), H2, 36.20, 49.50),  # Hamma's node under a new id
    place("5", ("Епсилон", "Старий Епсилон"), H2, 36.22, 49.50),
    place("6", ("Зета",), H1, 36.06, 49.50),
])


@pytest.fixture()
def joined():
    report = build.BuildReport()
    return build.osm_points(SETTLEMENTS, PLACES, NODE_OF_CODE, report), report


def test_joins_by_code_then_by_a_name_unique_in_the_hromada(joined):
    points, _ = joined
    assert ["code", "code", "", "name", "name", ""] == points.how.tolist()
    assert ["1", "2", "", "4", "5", ""] == points.node.tolist()
    assert ["101", "102", "", "104", "105", ""] == points.relation.tolist()


def test_every_join_not_made_is_reported(joined):
    _, report = joined
    assert [
        "UA63900020010000021 Hamma: node/9 of the code table is not in the boundary files",
        "UA63900010030000013 Delta: not matched by name: 1 places and 2 settlements of that name in its hromada",
        "UA63900020010000021 Hamma: matched by its name, unique in its hromada, to node/4",
        "UA63900020020000022 Epsylon: matched by its name, unique in its hromada, to node/5",
    ] == report.osm


def test_a_node_outside_its_hromada_is_kept_and_reported():
    places = PLACES.assign(hromada_code=[H2, H1, H1, H2, H2, H1])
    report = build.BuildReport()
    points = build.osm_points(SETTLEMENTS, places, NODE_OF_CODE, report)
    assert "code" == points.how[0]
    assert ("UA63900010010000011 Alpha: node/1 lies outside its hromada (UA63900020000000002); kept, the code "
            "decides") == report.osm[0]


def test_openstreetmap_first_then_geonames_then_the_hromada_centre(joined):
    points, _ = joined
    geonames = pd.DataFrame({"lat": [49.0, np.nan, np.nan, np.nan, np.nan, 49.6],
                             "lon": [36.9, np.nan, np.nan, np.nan, np.nan, 36.3],
                             "source": ["geonames:7", "", "", "", "", "geonames:8"],
                             "aliases": ["Alfa", "", "", "", "", ""]})
    report = build.BuildReport()
    placed = build.place_settlements(SETTLEMENTS, points, geonames, report)
    assert ["exact", "exact", "hromada_centre", "osm_name", "osm_name", "exact"] == placed.coord_quality.tolist()
    assert ["osm:node/1", "osm:node/2", "hromada_centre:UA63900010010000011", "osm:node/4", "osm:node/5",
            "geonames:8"] == placed.coord_source.tolist()
    assert [49.5, 36.0] == placed.loc[2, ["lat", "lon"]].tolist()  # the Delta without a point: at Alpha
    assert "Alfa" == placed.aliases[0]
    # Alpha's OSM and GeoNames points lie 86 km apart: listed, with the one kept and why.
    assert ["1 settlements have both points: median 85.78 km apart",
            ("UA63900010010000011 Alpha: 85.8 km; kept osm:node/1 (49.50000, 36.00000), joined by its official "
             "code, over geonames:7 (49.00000, 36.90000), matched by name only")] == report.disagreements
    assert ["UA63900010030000013 C Delta (Alphivska hromada): hromada_centre"] == report.without_point


# H1 is lon 35.9–36.1, H2 lon 36.1–36.3 (lat 49.4–49.6): OpenStreetMap's hromada polygons for the Wikidata check.
HROMADAS = pd.DataFrame({"code": [H1, H2], "geometry": [shapely.box(35.9, 49.4, 36.1, 49.6),
                                                       shapely.box(36.1, 49.4, 36.3, 49.6)]})


def test_a_wikidata_point_by_code_comes_after_openstreetmaps_by_code_and_before_a_name_match(joined):
    """Wikidata has points for Alpha (OSM by code wins), the code-less Delta (used: no other point), Hamma (OSM
    matched it by name only: Wikidata's, joined by its code, wins) and Zeta (its point lies in H1, not in its own
    H2: not used, reported)."""
    points, _ = joined
    report = build.BuildReport(wikidata=[])
    table = pd.DataFrame({"lat": [49.51, 49.52, 49.53, 49.54], "lon": [36.01, 36.05, 36.21, 36.05]},
                         index=pd.Index(["UA63900010010000011", "UA63900010030000013", "UA63900020010000021",
                                         "UA63900020030000023"], name="katottg"))
    wikidata = build.wikidata_points(SETTLEMENTS, table, HROMADAS, report)
    geonames = pd.DataFrame({"lat": np.nan, "lon": np.nan, "source": "", "aliases": ""}, index=SETTLEMENTS.index)
    placed = build.place_settlements(SETTLEMENTS, points, geonames, report, wikidata)
    assert placed.coord_source.tolist() == ["osm:node/1", "osm:node/2", "wikidata:UA63900010030000013",
                                            "wikidata:UA63900020010000021", "osm:node/5",
                                            "hromada_centre:UA63900020010000021"]
    assert placed.coord_quality.tolist() == ["exact", "exact", "exact", "exact", "osm_name", "hromada_centre"]
    assert [49.53, 36.21] == placed.loc[3, ["lat", "lon"]].tolist()
    assert report.wikidata[:2] == [
        "4 of 6 settlements have a Wikidata point; 3 lie in their own hromada",
        "not used: UA63900020030000023 Zeta: its point (49.54000, 36.05000) lies in UA63900010000000001, not in its "
        "own"]
    # Alpha: 0.01° of latitude (1.112 km) and of longitude at 49.5° (0.722 km) apart: 1.33 km.
    assert report.wikidata[2] == ("1 settlements have both an OpenStreetMap node (kept) and a Wikidata point: median "
                                  "1.33 km apart, 90th percentile 1.33 km")
    assert report.counts["exact (Wikidata point joined by KATOTTG code; no OpenStreetMap node)"] == 2


def test_two_settlements_of_a_hromada_at_one_point_leave_it_to_the_one_openstreetmap_places(joined):
    """Wikidata puts the code-less Delta at Alpha's OpenStreetMap point (36.00, 49.50): a copied point, not Delta's.
    Alpha keeps it; Delta is drawn at its hromada centre, and the report says why."""
    points, _ = joined
    report = build.BuildReport(wikidata=[])
    table = pd.DataFrame({"lat": [49.50], "lon": [36.00]}, index=pd.Index(["UA63900010030000013"], name="katottg"))
    wikidata = build.wikidata_points(SETTLEMENTS, table, HROMADAS, report)
    geonames = pd.DataFrame({"lat": np.nan, "lon": np.nan, "source": "", "aliases": ""}, index=SETTLEMENTS.index)
    placed = build.place_settlements(SETTLEMENTS, points, geonames, report, wikidata)
    assert placed.loc[[0, 2], "coord_source"].tolist() == ["osm:node/1", "hromada_centre:UA63900010010000011"]
    assert placed.loc[2, "coord_quality"] == "hromada_centre"
    assert report.without_point[0] == ("UA63900010030000013 Delta: its point (wikidata:UA63900010030000013) is "
                                       "UA63900010010000011 Alpha's too; not used")


def square(x0: float, y0: float, side_m: float):
    return shapely.box(x0, y0, x0 + side_m, y0 + side_m)


def test_cells_tile_each_hromada_and_never_cross_its_line():
    # Two 10 × 10 km hromadas side by side (equal-area metres): H1 with one placed settlement, H2 with two
    # placed on a west–east line, and one more settlement of H2 without a point of its own.
    x0, y0 = 6_000_000.0, 3_000_000.0
    coverage = [square(x0, y0, 10_000), square(x0 + 10_000, y0, 10_000)]
    sites = [(x0 + 9_000, y0 + 5_000), (x0 + 12_500, y0 + 5_000), (x0 + 17_500, y0 + 5_000), (x0, y0)]
    _, back = geo_cells._transformers()
    lon, lat = back.transform([x for x, _ in sites], [y for _, y in sites])
    settlements = pd.DataFrame({"hromada_code": [H1, H2, H2, H2], "lon": lon, "lat": lat,
                                "coord_quality": ["exact", "exact", "osm_name", "hromada_centre"]})
    hromadas = pd.DataFrame({"code": [H1, H2]})
    cells = geo_cells.settlement_cells(settlements, hromadas, coverage)
    assert [0, 1, 2] == cells.index.tolist()
    # H1's only settlement lies 1 km from H2's first: its cell is still the whole of H1.
    assert [100.0, 50.0, 50.0] == [round(c.area / 1e6, 3) for c in cells.cell_ea]
    assert cells.cell_ea[0].equals(coverage[0])
    assert pytest.approx(0.0, abs=1e-6) == shapely.intersection(cells.cell_ea[1], coverage[0]).area


# ---------------------------------------------------------------- how placements are told


def test_the_point_sources_are_the_ones_that_place_a_settlement_in_the_builds_order():
    settlements = pd.DataFrame({
        "coord_quality": ["exact", "osm_name", "hromada_centre"],
        "coord_source": ["wikidata:UA14020010010059145", "osm:node/256613798", "hromada_centre:UA14020050010014183"],
    })
    assert ["OpenStreetMap", "Wikidata"] == point_sources(settlements)
    assert [] == point_sources(settlements.iloc[2:])  # a hromada centre is no point of its own


def test_placement_summary_of_the_tiny_gazetteer(tiny_gazetteer):
    assert ("3 of 6 settlements at their own point (0 OpenStreetMap, 3 GeoNames); 3 drawn approximately at their "
            "hromada centre, with no cell and no area") == placement_summary(tiny_gazetteer.settlements)


@pytest.mark.parametrize(("quality", "source", "text"), [
    ("exact", "osm:node/337548383", "OpenStreetMap node/337548383, joined by its KATOTTG code"),
    ("osm_name", "osm:node/4", "OpenStreetMap node/4, joined by its name, the only one in its hromada"),
    ("exact", "geonames:703652", "GeoNames point 703652 (OpenStreetMap's files have none)"),
    ("exact", "wikidata:UA14020010010059145",
     "Wikidata: the coordinates of the item with its KATOTTG code (OpenStreetMap's files have none)"),
    ("hromada_centre", "hromada_centre:UA63900010010044441",
     "approximate: no point of its own is known; drawn at its hromada centre"),
    ("none", "", "no position"),
])
def test_position_text(quality, source, text):
    assert text == position_text(quality, source)


def test_overlapping_hromadas_are_made_a_coverage_and_a_coverage_is_left_alone():
    """Two 10 × 10 km squares (equal-area metres) overlapping by a 1 km strip (10 km²): cleaned, they tile their
    union (190 km²); two that only touch are returned as they came."""

    def lonlat(x0: float) -> shapely.Polygon:
        return geo_cells.to_lonlat(square(6_000_000.0 + x0, 3_000_000.0, 10_000))

    cleaned, overlap = geo_cells.clean_coverage(pd.Series([lonlat(0), lonlat(9_000)]))
    assert round(overlap, 3) == 10.0
    assert shapely.coverage_is_valid(cleaned)
    assert round(sum(p.area for p in cleaned) / 1e6, 3) == 190.0
    touching = pd.Series([lonlat(0), lonlat(10_000)])
    kept, none = geo_cells.clean_coverage(touching)
    assert none == 0.0
    assert [round(p.area / 1e6, 3) for p in kept] == [100.0, 100.0]
