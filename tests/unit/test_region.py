"""A region is a data folder: its region.json gives the names, title and box the core uses, and `python -m controlmap
--data DIR` reads another folder of the same shape (a tiny hand-made region: the tiny gazetteer of two hromadas)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from controlmap import paths
from controlmap.data_option import take_data_option
from controlmap.events.validation import Validator
from controlmap.region import BuildCodes, Region, RegionError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "controlmap", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_the_shipped_region_is_kharkiv_oblast():
    region = Region.load(paths.PROJECT_ROOT / "data")
    assert region.build == BuildCodes(("UA-63",), ("07",), 31415)
    assert (region.name_en, region.name_uk, region.katottg_prefixes) == ("Kharkiv oblast", "Харківська область",
                                                                          ("UA63",))
    assert region.title == "Kharkiv oblast: who controlled which settlement, day by day"
    assert region.compare_examples[1] == ("May 2024 offensive north of Kharkiv", date(2024, 5, 9), date(2024, 6, 15))


def test_the_shipped_box_is_the_outlines_rounded_outwards():
    outline = json.loads((paths.PROJECT_ROOT / "data" / "geo" / "oblast_outline.geojson").read_text("utf-8"))
    west, south, east, north = shapely.total_bounds([shape(f["geometry"]) for f in outline["features"]])
    box = Region.load(paths.PROJECT_ROOT / "data").bounds
    assert box[0] <= west and box[1] <= south and box[2] >= east and box[3] >= north
    assert max(west - box[0], south - box[1], box[2] - east, box[3] - north) < 0.01


@pytest.mark.parametrize("edit, field", [
    ({"title": ""}, "title must be a non-empty text"),
    ({"bounds": {"west": 37.0, "south": 49.4, "east": 36.4, "north": 49.8}}, "are not a box"),
    ({"katottg_prefixes": None}, "NoneType"),
    ({"compare_examples": [{"label": "x", "from": "2022-13-01", "to": "2022-12-01"}]}, "month must be in 1..12"),
    ({"build": {"iso_3166_2": ["UA-63", "UA-14"], "geonames_admin1": ["07"], "official_area_km2": 1}},
     "one code per KATOTTG prefix"),
    ({"build": {"iso_3166_2": ["UA-63"], "geonames_admin1": ["07"], "official_area_km2": True}},
     "must be a positive number"),
])
def test_a_region_file_that_says_something_unusable_is_named_with_its_field(tiny_region, edit, field):
    raw = json.loads((tiny_region / "region.json").read_text("utf-8"))
    (tiny_region / "region.json").write_text(json.dumps({**raw, **edit}), encoding="utf-8")
    with pytest.raises(RegionError, match=field) as caught:
        Region.load(tiny_region)
    assert str(tiny_region / "region.json") in str(caught.value)


def test_a_point_is_checked_against_the_regions_own_box(tiny_region, tiny_gazetteer):
    """50.5 N, 38.0 E lies inside Kharkiv oblast's box, not inside the tiny region's."""
    data = (tiny_region / "events.csv").read_bytes()
    tiny = Validator(tiny_gazetteer, region=Region.load(tiny_region)).validate(data, today=date(2026, 1, 1))
    assert [(3, "point_outside_oblast", "point 50.5, 38.0 is outside Tiny oblast")] == [
        (p.line, p.code, p.message) for p in tiny.problems if p.severity == "error"]
    kharkiv = Validator(tiny_gazetteer, region=Region.load(paths.PROJECT_ROOT / "data"))
    assert [] == [p for p in kharkiv.validate(data, today=date(2026, 1, 1)).problems if p.severity == "error"]


def test_the_cli_reads_the_folder_given_with_data(tiny_region):
    validated = cli("--data", str(tiny_region), "validate", str(tiny_region / "events.csv"))
    assert 1 == validated.returncode
    assert "line 3, column lat: point 50.5, 38.0 is outside Tiny oblast" in validated.stdout
    snapshot = cli(f"--data={tiny_region}", "snapshot", "--date", "2022-03-05", "--format", "json")
    assert 0 == snapshot.returncode, snapshot.stderr
    shown = {s["name_en"]: s["status"] for s in json.loads(snapshot.stdout)["settlements"]}
    # Hammivska hromada (Gamma, its Delta, Khamma) lies behind the tiny region's 2014 line: Russian-held from day one.
    assert shown == {"Alpha": "ru", "Beta": "ua", "Delta": "ru", "Gamma": "ru", "Khamma": "ru"}


def test_a_folder_that_is_not_a_region_is_refused_before_anything_runs(tmp_path):
    refused = cli("--data", str(tmp_path), "resolve", "Alpha")
    assert (2, "") == (refused.returncode, refused.stdout)
    assert f"error: {tmp_path} is not a region's data folder: it lacks region.json, geo/settlements.csv" in \
        refused.stderr


def test_data_is_taken_only_before_the_command():
    argv = ["controlmap", "--data", "elsewhere", "validate", "x.csv"]
    assert ("elsewhere", ["controlmap", "validate", "x.csv"]) == (take_data_option(argv), argv)
    argv = ["controlmap", "--data=elsewhere", "resolve", "x"]
    assert ("elsewhere", ["controlmap", "resolve", "x"]) == (take_data_option(argv), argv)
    argv = ["controlmap", "validate", "--data", "x.csv"]
    assert (None, ["controlmap", "validate", "--data", "x.csv"]) == (take_data_option(argv), argv)


def test_a_region_without_build_codes_is_not_built(tiny_region, tmp_path):
    from controlmap.geo.build import build

    with pytest.raises(RegionError, match=r"Tiny oblast: region\.json has no build section"):
        build(tmp_path / "out", region=Region.load(tiny_region))
    assert not (tmp_path / "out").exists()
