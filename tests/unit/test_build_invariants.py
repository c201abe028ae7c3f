"""What the shipped data/geo/ promises (see controlmap.geo.build), checked on the committed files."""

import json
import re

import pandas as pd
import pytest
import shapely
from shapely.geometry import GeometryCollection, shape

from controlmap import paths
from controlmap.geo import build
from controlmap.geo import cells as geo_cells
from controlmap.model import COORD_QUALITIES, OWN_POINT_QUALITIES

COLUMNS = ["katottg", "category", "name_uk", "name_en", "former_names", "aliases", "raion_code", "raion_en",
           "hromada_code", "hromada_en", "is_hromada_centre", "lat", "lon", "coord_source", "coord_quality",
           "osm_place"]
OBLAST_AREA_KM2 = 31_415  # Kharkiv oblast, official


@pytest.fixture(scope="module")
def settlements() -> pd.DataFrame:
    return pd.read_csv(paths.SETTLEMENTS_CSV, dtype=str, keep_default_na=False)


def geojson(name: str) -> dict:
    return json.loads((paths.GEO_DIR / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def outline_area() -> float:
    (feature,) = geojson("oblast_outline.geojson")["features"]
    return geo_cells.area_km2(shape(feature["geometry"]))


# ---------------------------------------------------------------- settlements.csv

def test_settlements_columns_in_order(settlements):
    assert COLUMNS == list(settlements.columns)
    assert COLUMNS == build.SETTLEMENT_COLUMNS


def test_settlement_count(settlements):
    assert 1751 == len(settlements)


def test_katottg_codes_are_unique_kharkiv_codes(settlements):
    assert settlements.katottg.is_unique
    assert settlements.katottg.str.fullmatch(r"UA63\d{15}").all()


def test_rows_are_in_katottg_order(settlements):
    assert sorted(settlements.katottg) == list(settlements.katottg)


def test_categories(settlements):
    assert {"M": 18, "X": 178, "C": 1555} == settlements.category.value_counts().to_dict()


def test_coord_quality_values(settlements):
    assert set(COORD_QUALITIES) >= set(settlements.coord_quality)


def test_openstreetmap_places_settlements_by_their_code(settlements):
    by_code = settlements[(settlements.coord_quality == "exact") & settlements.coord_source.str.startswith("osm:")]
    assert len(by_code) >= 1639
    assert (settlements.coord_quality == "osm_name").sum() >= 2
    assert settlements.coord_quality.isin(OWN_POINT_QUALITIES).sum() >= 1670


def test_point_sources(settlements):
    own = settlements[settlements.coord_quality.isin(OWN_POINT_QUALITIES)]
    exact = own.coord_quality == "exact"
    assert [] == own.katottg[exact & ~own.coord_source.str.fullmatch(r"osm:node/\d+|geonames:\d+")].tolist()
    assert [] == own.katottg[~exact & ~own.coord_source.str.fullmatch(r"osm:node/\d+")].tolist()
    assert own.coord_source.is_unique


def test_hromada_centre_rows_have_the_point_of_their_hromada_centre(settlements):
    centres = settlements[settlements.is_hromada_centre == "true"].set_index("hromada_code")
    placed = settlements[settlements.coord_quality == "hromada_centre"]
    assert len(placed) > 0
    expected = pd.DataFrame({
        "lat": placed.hromada_code.map(centres.lat).to_numpy(),
        "lon": placed.hromada_code.map(centres.lon).to_numpy(),
        "coord_source": ("hromada_centre:" + placed.hromada_code.map(centres.katottg)).to_numpy(),
    })
    actual = placed[["lat", "lon", "coord_source"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(expected, actual)
    assert set(centres.coord_quality[placed.hromada_code.unique()]) <= set(OWN_POINT_QUALITIES)


@pytest.mark.parametrize(("name_en", "hromada_en", "lat", "lon", "source"), [
    ("Kupiansk", "Kupianska", "49.71330", "37.61420", "osm:node/337548383"),
    ("Izium", "Iziumska", "49.19132", "37.27841", "osm:node/337568004"),
    ("Balakliia", "Balakliiska", "49.45213", "36.83978", "osm:node/337558289"),
    ("Vovchansk", "Vovchanska", "50.29288", "36.93700", "osm:node/337525302"),
    ("Prolisne", "Prolisnenska", "49.71553", "36.93225", "osm:node/337548317"),
    ("Nova Husarivka", "Balakliiska", "49.39043", "36.87547", "osm:node/337560755"),
    ("Bairak", "Balakliiska", "49.42140", "36.84108", "osm:node/6867435694"),
    # OpenStreetMap's files hold no node for Kupiansk-Vuzlovyi (a selyshche): its GeoNames point stays.
    ("Kupiansk-Vuzlovyi", "Kupianska", "49.67061", "37.64319", "geonames:703652"),
])
def test_key_settlements_at_their_points(settlements, name_en, hromada_en, lat, lon, source):
    row = settlements[(settlements.name_en == name_en) & (settlements.hromada_en == hromada_en)]
    assert [[lat, lon, source, "exact"]] == row[["lat", "lon", "coord_source", "coord_quality"]].values.tolist()


def test_rows_without_a_position_have_no_point(settlements):
    none = settlements[settlements.coord_quality == "none"]
    assert (none.lat == "").all() and (none.lon == "").all() and (none.coord_source == "").all()


def test_positioned_rows_have_numeric_points(settlements):
    placed = settlements[settlements.coord_quality != "none"]
    lat, lon = placed.lat.astype(float), placed.lon.astype(float)
    assert lat.between(48.5, 50.5).all() and lon.between(34.7, 38.9).all()


def test_every_hromada_has_exactly_one_centre(settlements):
    centres = settlements[settlements.is_hromada_centre == "true"].groupby("hromada_code").size()
    assert 56 == settlements.hromada_code.nunique()
    assert 56 == len(centres)
    assert {1} == set(centres)
    assert {"true", "false"} == set(settlements.is_hromada_centre)


def test_seven_raions(settlements):
    assert 7 == settlements.raion_code.nunique()


@pytest.mark.parametrize(("name_en", "former"), [
    ("Prolisne", "Чкаловське|Chkalovske"),
    ("Berestyn", "Красноград|Krasnohrad"),
])
def test_former_names_of_renamed_settlements(settlements, name_en, former):
    assert [former] == settlements.former_names[settlements.name_en == name_en].tolist()


# ---------------------------------------------------------------- geometries

def shapes_of(name: str, key: str) -> dict:
    return {f["properties"][key]: shape(f["geometry"]) for f in geojson(name)["features"]}


def test_outline_area_is_that_of_kharkiv_oblast(outline_area):
    assert abs(outline_area - OBLAST_AREA_KM2) / OBLAST_AREA_KM2 < 0.002


def test_outline_states_its_own_area(outline_area):
    (feature,) = geojson("oblast_outline.geojson")["features"]
    assert round(outline_area, 1) == feature["properties"]["area_km2"]
    assert OBLAST_AREA_KM2 == feature["properties"]["official_area_km2"]


@pytest.mark.parametrize(("name", "column", "count"), [("hromadas.geojson", "hromada_code", 56),
                                                     ("raions.geojson", "raion_code", 7)])
def test_hromadas_and_raions_are_openstreetmap_relations(settlements, name, column, count):
    features = geojson(name)["features"]
    assert count == len(features)
    assert sorted(settlements[column].unique()) == [f["properties"]["code"] for f in features]
    assert all(re.fullmatch(r"relation/\d+", f["properties"]["osm"]) for f in features)
    assert "OpenStreetMap" in geojson(name)["note"]


@pytest.mark.parametrize("name", ["cells.geojson", "hromadas.geojson", "raions.geojson"])
def test_features_tile_the_outline(name, outline_area):
    features = geojson(name)["features"]
    parts = [shape(f["geometry"]) for f in features]
    total = geo_cells.area_km2(GeometryCollection(parts))  # the sum of the parts' areas, in one projection
    assert abs(total - outline_area) / outline_area < 0.001
    assert abs(geo_cells.area_km2(shapely.union_all(parts)) - total) / total < 0.0001  # no overlaps
    assert abs(sum(f["properties"]["area_km2"] for f in features) - outline_area) / outline_area < 0.001


def test_one_cell_per_settlement_with_its_own_point(settlements):
    cells = [f["properties"]["katottg"] for f in geojson("cells.geojson")["features"]]
    assert sorted(settlements.katottg[settlements.coord_quality.isin(OWN_POINT_QUALITIES)]) == sorted(cells)
    assert len(set(cells)) == len(cells)


def test_no_cell_crosses_its_hromada_line():
    # Coordinates are rounded to 1e-5° (about 1 m): along a long line that leaves slivers of a few 1,000 m².
    hromadas = shapes_of("hromadas.geojson", "code")
    crossing = {}
    for feature in geojson("cells.geojson")["features"]:
        cell = shape(feature["geometry"])
        outside = geo_cells.area_km2(cell.difference(hromadas[feature["properties"]["hromada_code"]]))
        if outside > 0.005:
            crossing[feature["properties"]["katottg"]] = outside
    assert {} == crossing


def test_each_point_lies_in_its_own_cell(settlements):
    # Hromada lines are simplified for drawing (tens of metres): a point right on one may fall just outside.
    points = settlements.set_index("katottg")
    outside = {}
    for code, cell in shapes_of("cells.geojson", "katottg").items():
        point = shapely.Point(float(points.lon[code]), float(points.lat[code]))
        if not cell.contains(point) and cell.distance(point) > 0.003:
            outside[code] = round(cell.distance(point), 4)
    assert len(outside) <= 10, outside


def test_settlement_shapes_are_openstreetmap_boundaries_of_placed_settlements(settlements):
    features = geojson("settlement_shapes.geojson")["features"]
    assert len(features) >= 1600
    placed = settlements.set_index("katottg").coord_quality
    assert {"exact", "osm_name"} >= {placed[f["properties"]["katottg"]] for f in features}
    assert all(re.fullmatch(r"relation/\d+", f["properties"]["osm"]) for f in features)
    points = settlements.set_index("katottg")
    far = {}
    for feature in features:
        code = feature["properties"]["katottg"]
        distance = shape(feature["geometry"]).distance(shapely.Point(float(points.lon[code]), float(points.lat[code])))
        if distance > 0.01:
            far[code] = round(distance, 3)
    assert {} == far  # the label node of a boundary lies in (or right by) it


def test_gazetteer_load_reads_cell_areas(real_gazetteer, outline_area):
    assert (real_gazetteer.settlements.coord_quality.isin(OWN_POINT_QUALITIES)).sum() == len(
        real_gazetteer.cell_area_km2)
    assert abs(real_gazetteer.areas.sum() - outline_area) / outline_area < 0.001


# ---------------------------------------------------------------- area_km2 itself

def test_area_km2_of_the_tiny_squares(tiny_dir):
    cells = json.loads((tiny_dir / "cells.geojson").read_text("utf-8"))["features"]
    measured = {f["properties"]["name_en"]: geo_cells.area_km2(shape(f["geometry"])) for f in cells}
    assert ["Alpha", "Beta", "Gamma"] == list(measured)
    for name, expected in {"Alpha": 1.0, "Beta": 4.0, "Gamma": 9.0}.items():
        assert expected == pytest.approx(measured[name], rel=0.01), name


def test_tiny_gazetteer_loads_like_the_real_one(tiny_dir, tiny_gazetteer):
    from controlmap.geo.gazetteer import Gazetteer

    loaded = Gazetteer.load(tiny_dir)
    pd.testing.assert_frame_equal(tiny_gazetteer.settlements, loaded.settlements)
    assert tiny_gazetteer.areas.tolist() == loaded.areas.tolist() == [1.0, 4.0, 0.0, 9.0, 0.0, 0.0]


# ---------------------------------------------------------------- reproducibility

@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    first, second = tmp_path_factory.mktemp("build1"), tmp_path_factory.mktemp("build2")
    build.build(first)
    build.build(second)
    return first, second


GEO_FILES = ["settlements.csv", "cells.geojson", "hromadas.geojson", "raions.geojson", "oblast_outline.geojson",
             "settlement_shapes.geojson", "build_report.txt"]


@pytest.mark.slow
@pytest.mark.timeout(300)  # two full builds, done once for the module
@pytest.mark.parametrize("name", GEO_FILES)
def test_build_is_byte_for_byte_reproducible(two_builds, name):
    first, second = two_builds
    assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(300)  # two full builds, done once for the module
@pytest.mark.parametrize("name", GEO_FILES)
def test_build_reproduces_the_committed_files(two_builds, name):
    first, _ = two_builds
    assert (paths.GEO_DIR / name).read_bytes() == (first / name).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(300)  # two full builds, done once for the module
def test_build_writes_nothing_else(two_builds):
    first, _ = two_builds
    assert sorted(GEO_FILES) == sorted(p.name for p in first.iterdir())
