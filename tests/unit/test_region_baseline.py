"""The baseline per region: on 24 Feb 2022 a settlement the region names as held by Russia since 2014 is Russian-held,
every other Ukrainian-held (the tiny region: Hammivska hromada's three settlements lie behind its hand-made 2014 line,
Alphivska's three do not). The map, the area series, the Town history and the published site show it from day one."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from controlmap.geo.gazetteer import Gazetteer
from controlmap.model import BASELINE_SOURCE
from controlmap.region import Baseline, Region, RegionError
from controlmap.timeline import history
from controlmap.timeline.dataset import Dataset
from controlmap.web.publish import SiteRequest, site_settings

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
ALPHA, BETA, DELTA_A = "UA63900010010044441", "UA63900010020044442", "UA63900010030044443"
GAMMA, DELTA_H, KHAMMA = "UA63900020010044444", "UA63900020020044445", "UA63900020030044446"
HELD_SOURCE = "Baseline: held by Russia since 2014 (a hand-made test line around Hammivska hromada)"
UA_SOURCE = "Baseline: under Ukrainian control on 2022-02-24, outside the areas held by Russia since 2014"
HEADER = "date,settlement,katottg,status,claimed_by,source,url,quote,note,lat,lon\n"


def dataset(folder: Path, events: str = HEADER) -> Dataset:
    return Dataset.from_parts(Gazetteer.load(folder / "geo"), events.encode(), today=date(2026, 1, 1))


def test_the_region_file_names_the_settlements_held_since_2014(tiny_region):
    baseline = Region.load(tiny_region).baseline
    assert baseline.russian_held == {GAMMA, DELTA_H, KHAMMA}
    assert (baseline.status_of(GAMMA), baseline.status_of(ALPHA)) == ("ru", "ua")
    assert (baseline.source_of(GAMMA), baseline.source_of(ALPHA)) == (HELD_SOURCE, UA_SOURCE)
    assert baseline.russian_held_url == "https://example.org/line-2014"
    assert baseline.describe() == "Ukrainian-held; Russian-held for the 3 settlements held by Russia since 2014"


def test_a_region_without_a_baseline_section_is_ukrainian_held_throughout():
    assert Region.load(ROOT / "data").baseline == Baseline()
    assert Baseline().source_of(GAMMA) == BASELINE_SOURCE
    assert Baseline().describe() == "Ukrainian-held"


def test_codes_that_are_not_katottg_codes_are_refused(tiny_region):
    raw = json.loads((tiny_region / "region.json").read_text("utf-8"))
    raw["baseline"]["russian_held"]["settlements"] = ["Gamma"]
    (tiny_region / "region.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(RegionError, match="list of KATOTTG codes"):
        Region.load(tiny_region)


def test_the_map_shows_the_2014_line_from_day_one(tiny_region):
    snapshot = dataset(tiny_region).timeline().snapshot("2022-02-24").set_index("katottg")
    assert snapshot.status.to_dict() == {ALPHA: "ua", BETA: "ua", DELTA_A: "ua", GAMMA: "ru", DELTA_H: "ru",
                                         KHAMMA: "ru"}
    assert snapshot.source[GAMMA] == HELD_SOURCE and snapshot.source[ALPHA] == UA_SOURCE
    assert set(snapshot.since) == {"2022-02-24"}


def test_before_the_baseline_day_nothing_is_known(tiny_region):
    assert set(dataset(tiny_region).timeline().snapshot("2022-02-23").status) == {"unknown"}


def test_the_area_series_counts_the_2014_part_as_russian_held(tiny_region):
    """Cells: Alpha 1 km², Beta 4 km², Gamma 9 km² (tests/fixtures/tiny/cells.geojson)."""
    series = dataset(tiny_region).timeline().daily_series().set_index("date")
    first = series.loc["2022-02-24"]
    assert (first.ua_settlements, first.ru_settlements, first.ua_km2, first.ru_km2) == (3, 3, 5.0, 9.0)


def test_a_statement_ends_the_baseline_and_the_change_names_it(tiny_region):
    events = HEADER + (f"2022-09-10,Gamma,{GAMMA},ua,independent,ISW,https://example.org/g,,,,\n"
                       f"2022-03-01,Alpha,{ALPHA},ru,independent,ISW,https://example.org/a,,,,\n")
    timeline = dataset(tiny_region, events).timeline()
    rows = timeline.changes("2022-02-24", "2022-09-10").set_index("katottg")
    assert rows.loc[GAMMA, ["from_status", "to_status", "from_source", "to_source"]].tolist() == [
        "ru", "ua", HELD_SOURCE, "ISW"]
    assert rows.loc[ALPHA, ["from_status", "to_status", "from_source"]].tolist() == ["ua", "ru", UA_SOURCE]


def test_the_town_history_starts_with_the_regions_baseline(tiny_region):
    timeline = dataset(tiny_region).timeline()
    bands = history.displayed_bands(timeline, KHAMMA, end="2022-03-01")
    assert [(b["status"], b["source"]) for b in bands] == [("ru", HELD_SOURCE)]
    assert history.status_at(timeline, ALPHA, "2022-03-01")["source"] == UA_SOURCE


def test_the_published_site_gets_each_settlements_baseline(tiny_region):
    settings = site_settings(dataset(tiny_region), SiteRequest(title="Tiny"), "0" * 64)
    assert settings["baselineSources"] == [UA_SOURCE, HELD_SOURCE]
    assert settings["baselineSourceOf"] == {"3": 1, "4": 1, "5": 1}
    assert settings["baselineText"] == "Ukrainian-held; Russian-held for the 3 settlements held by Russia since 2014"


def test_the_cli_reads_the_baseline_of_the_folder_it_is_given(tiny_region):
    done = subprocess.run([sys.executable, "-m", "controlmap", "--data", str(tiny_region), "snapshot", "--date",
                           "2022-02-24", "--format", "csv"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = {line.split(",")[0]: line.split(",")[3] for line in done.stdout.splitlines()[1:]}
    assert lines == {ALPHA: "ua", BETA: "ua", DELTA_A: "ua", GAMMA: "ru", DELTA_H: "ru", KHAMMA: "ru"}
