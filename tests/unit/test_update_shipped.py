"""`update` on a copy of the shipped data folder (data/events.csv and data/sources.json), with files in the daily
archive's format made here: their occupied area is a small square around every settlement sources.json records as
Russian-held on 22 Aug 2026 (facts of the shipped data, not anyone's drawing), plus one around a village it records
as Ukrainian-held."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from controlmap import paths
from controlmap.areas.preset import Preset
from controlmap.areas.update import UpdateError, UpdateRequest, run_update
from controlmap.geo.gazetteer import read_settlements

DAILY = "DeepStateMap (archived occupied area)"
COMMIT = "e904719a6726c7e6b5d6e87a7701e1b77b18e554"  # the daily archive's pinned commit (sources.json records it)
HALF = 0.002  # degrees: ~200 m, less than the distance between two settlements' points


@pytest.fixture(scope="module")
def shipped_record() -> dict:
    return json.loads((paths.DATA_DIR / "sources.json").read_text("utf-8"))["presets"]["deepstate"]


@pytest.fixture(scope="module")
def points() -> dict[str, tuple[float, float]]:
    settlements = read_settlements(paths.SETTLEMENTS_CSV)
    return {row.katottg: (row.lon, row.lat) for row in settlements.itertuples() if row.lat == row.lat}


@pytest.fixture(scope="module")
def village(shipped_record) -> str:
    """Kivsharivka: Ukrainian-held on 22 Aug 2026 by the shipped record."""
    settlements = read_settlements(paths.SETTLEMENTS_CSV).set_index("katottg")
    code = next(k for k, row in settlements.iterrows() if row.name_en == "Kivsharivka")
    assert "ua" == shipped_record["settlements"][code]
    return code


@pytest.fixture
def folder(tmp_path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("events.csv", "sources.json"):
        shutil.copy2(paths.DATA_DIR / name, data / name)
    return data


def square(lon: float, lat: float) -> list:
    return [[[lon - HALF, lat - HALF], [lon + HALF, lat - HALF], [lon + HALF, lat + HALF], [lon - HALF, lat + HALF],
             [lon - HALF, lat - HALF]]]


def daily_file(folder: Path, day: date, codes: list[str], points: dict) -> Path:
    """A file as the daily archive writes it: one MultiPolygon of the occupied area, no other properties."""
    geometry = {"type": "MultiPolygon", "coordinates": [square(*points[c]) for c in codes]}
    path = folder / f"deepstatemap_data_{day:%Y%m%d}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": geometry}]}), "utf-8")
    return path


def request(folder: Path, sources: list[str], **extra) -> UpdateRequest:
    return UpdateRequest(sources, Preset.load("deepstate"), folder / "events.csv", paths.GEO_DIR,
                         today=date(2026, 12, 6), author="test", **extra)


def files(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "events.csv").read_bytes(), (folder / "sources.json").read_bytes()


def two_new_files(tmp_path: Path, record: dict, points: dict, village: str) -> tuple[Path, list[str]]:
    """A folder with the files of 23 and 24 Aug 2026: the recorded occupied area, and the village too."""
    held = [code for code, state in record["settlements"].items() if state == "ru"]
    new = tmp_path / "new"
    new.mkdir()
    for day in (date(2026, 8, 23), date(2026, 8, 24)):
        daily_file(new, day, [*held, village], points)
    return new, held


def test_two_new_daily_files_add_the_villages_russian_row_and_a_second_run_nothing(tmp_path, folder, shipped_record,
                                                                                    points, village):
    new, _ = two_new_files(tmp_path, shipped_record, points, village)
    before = (folder / "events.csv").read_text("utf-8")
    result = run_update(request(folder, [str(new)]))
    after = (folder / "events.csv").read_text("utf-8")
    assert after.startswith(before)
    added = after[len(before):].splitlines()
    assert 1 == len(added) == len(result.rows)
    file = "deepstatemap_data_20260823.geojson"
    assert added[0] == (
        f"2026-08-22,,Kivsharivka,Kupianska hromada,,{village},ru,independent,{DAILY},"
        f"https://github.com/cyterat/deepstate-map-data/blob/{COMMIT}/data/{file},,derived: the point of the "
        f"settlement lies inside the occupied area of the map of 2026-08-22 (archived the next day) (data/{file})")
    record = json.loads((folder / "sources.json").read_text("utf-8"))["presets"]["deepstate"]
    assert {"series": "occupied-daily", "file": "deepstatemap_data_20260824.geojson",
            "time": "2026-08-23T23:59:59Z"} == {k: v for k, v in record["newest"].items() if k != "sha256"}
    assert "ru" == record["settlements"][village]
    snapshot = files(folder)
    again = run_update(request(folder, [str(new)]))
    assert [] == again.snapshots and snapshot == files(folder)


def test_a_truncated_third_file_fails_with_a_clear_message_and_changes_nothing(tmp_path, folder, shipped_record,
                                                                               points, village):
    new, held = two_new_files(tmp_path, shipped_record, points, village)
    run_update(request(folder, [str(new)]))
    before = files(folder)
    third = daily_file(tmp_path, date(2026, 8, 25), [*held, village], points)
    third.write_bytes(third.read_bytes()[: len(third.read_bytes()) // 2])
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [str(third)]))
    assert "not_a_layer" == caught.value.code
    assert str(caught.value).startswith("deepstatemap_data_20260825.geojson: the file is not a GeoJSON file: it is "
                                        "not valid JSON")
    assert before == files(folder)


def test_an_implausible_jump_is_refused_unless_allowed(tmp_path, folder, points):
    """A snapshot whose occupied area covers the whole oblast (a broken layer): every Ukrainian-held settlement
    would change at once."""
    new = tmp_path / "new"
    new.mkdir()
    everything = {"type": "Polygon", "coordinates": [[[34.0, 48.0], [39.5, 48.0], [39.5, 51.0], [34.0, 51.0],
                                                      [34.0, 48.0]]]}
    (new / "deepstatemap_data_20260823.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": everything}]}), "utf-8")
    before = files(folder)
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [str(new)]))
    assert "implausible_jump" == caught.value.code
    assert "placed settlements change state in this one snapshot (more than 25%): an implausible jump" in str(
        caught.value)
    assert before == files(folder)
    result = run_update(request(folder, [str(new)], max_change_share=1.0, dry_run=True))
    assert len(result.rows) == 0 and result.pending > 1000  # a change seen once waits for confirmation
    assert before == files(folder)
