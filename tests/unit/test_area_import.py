"""controlmap.areas.importer: dated control-area layers → settlement events, on the hand-made archive in
tests/fixtures/areas/ (see its README: three snapshots, a grey zone, a flicker, layers outside Ukraine to
ignore, settlements without a point)."""

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from controlmap import cli
from controlmap.areas import classify, importer, measure
from controlmap.areas.importer import FlickerRule, Tracker
from controlmap.areas.preset import Preset, PresetError
from controlmap.areas.snapshots import Snapshot, find_snapshots, layer_files, read_layer
from controlmap.events.store import EventStore
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer, read_settlements
from controlmap.model import STATUS_CODE

AREAS = Path(__file__).resolve().parent.parent / "fixtures" / "areas"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
T1, T2, T3 = "1656698640", "1656788640", "1656878640"
ALPHA, BETA, GAMMA, EPSILON = ("UA63900010010044441", "UA63900010020044442", "UA63900020010044444",
                               "UA63900020020044445")
SOURCE = "DeepStateMap (archived layer)"
UA, RU, CONTESTED = STATUS_CODE["ua"], STATUS_CODE["ru"], STATUS_CODE["contested"]


def url(stamp: str) -> str:
    return f"https://github.com/DanielRose2310/deepstatemaps-history/blob/{COMMIT}/geojsons/{stamp}.geojson"


def note(where: str, published: str, stamp: str) -> str:
    return (f"derived: the point of the settlement lies {where} of the snapshot published {published} UTC "
            f"(geojsons/{stamp}.geojson)")


OUTSIDE = "outside the occupied layer and the grey zone"
EXPECTED_ROWS = [
    ["2022-07-01", "Alpha", "Alphivska hromada", ALPHA, "ua", "independent", SOURCE, url(T1), "",
     note(OUTSIDE, "2022-07-01 18:04", T1)],
    ["2022-07-01", "Beta", "Alphivska hromada", BETA, "contested", "independent", SOURCE, url(T1), "",
     note("in the grey 'status unknown' zone", "2022-07-01 18:04", T1)],
    ["2022-07-01", "Gamma", "Hammivska hromada", GAMMA, "ru", "independent", SOURCE, url(T1), "",
     note("in the occupied layer", "2022-07-01 18:04", T1)],
    ["2022-07-01", "Epsilon", "Hammivska hromada", EPSILON, "ua", "independent", SOURCE, url(T1), "",
     note(OUTSIDE, "2022-07-01 18:04", T1)],
    ["2022-07-02", "Beta", "Alphivska hromada", BETA, "ru", "independent", SOURCE, url(T2), "",
     note("in the occupied layer", "2022-07-02 19:04", T2)],
    ["2022-07-02", "Gamma", "Hammivska hromada", GAMMA, "ua", "independent", SOURCE, url(T2), "",
     note(OUTSIDE, "2022-07-02 19:04", T2)],
]


@pytest.fixture(scope="module")
def preset() -> Preset:
    return Preset.load("deepstate")


@pytest.fixture(scope="module")
def settlements() -> pd.DataFrame:
    return read_settlements(AREAS / "settlements.csv")


@pytest.fixture(scope="module")
def snapshots(preset):
    found, unmatched = find_snapshots(layer_files([AREAS]), preset)
    assert [] == [p.name for p in unmatched if p.suffix == ".geojson"]
    return found


AT_ONCE = FlickerRule(first_days=0)  # the fixture's first snapshot's states count at once (its README's rows)


@pytest.fixture(scope="module")
def result(snapshots, settlements, preset):
    return importer.import_areas(snapshots, settlements, preset, {"history": COMMIT}, AT_ONCE)


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# ---------------------------------------------------------------- the preset and file names


def test_snapshot_times_come_from_the_file_names(snapshots):
    assert [datetime(2022, 7, 1, 18, 4, tzinfo=UTC), datetime(2022, 7, 2, 19, 4, tzinfo=UTC),
            datetime(2022, 7, 3, 20, 4, tzinfo=UTC)] == [s.time for s in snapshots]
    assert ["history"] * 3 == [s.series.id for s in snapshots]


def test_daily_archive_file_names_give_their_day(preset):
    series, time = preset.match("deepstatemap_data_20250804.geojson")
    # The file of 4 Aug shows the map as it was at the end of 3 Aug (see the preset's "about").
    assert ("occupied-daily", datetime(2025, 8, 3, 23, 59, 59, tzinfo=UTC)) == (series.id, time)
    assert None is preset.match("deepstatemap_data_2025084.geojson")
    assert None is preset.match("README.md")


@pytest.mark.parametrize(("name", "fill", "status"), [
    ("Окуповано /// Occupied /// geoJSON.status.occupied\n", "#a52714", "ru"),
    ("Ок\ufffd\ufffdповано", "#A52714", "ru"),  # names in the archive are sometimes garbled; the fill is not
    ("ОРДЛО /// CADR and CALR", "#880e4f", "ru"),
    ("Окупований Крим /// Occupied Crimea", "#000000", "ru"),
    ("Під питанням /// Contested", "#000000", None),
    ("Статус невідомий /// Unknown status /// geoJSON.status.unknown", "#bcaaa4", "contested"),
    ("Під питанням /// Contested", "#bdbdbd", "contested"),
    ("Звільнено /// Liberated /// geoJSON.status.dismissed", "#0f9d58", "ua"),
    ("Звільнено 10.05", "#0288d1", "ua"),
    ("Придністров'я", "#880e4f", "ignore"),
    ("Тимчасово окупована територія Карелії.", "#ff5252", "ignore"),
    ("Під контролем бойовиків-повстанців пвк \"вагнер\"", "#ce93d8", "ignore"),
    ("Багатокутник 54", "#fbc02d", None),
])
def test_deepstate_features_are_classified_by_fill_and_name(preset, name, fill, status):
    assert status == preset.series[0].classify(name, fill.lower())


def test_every_polygon_of_the_daily_archive_is_occupied(preset):
    assert "ru" == preset.series[1].classify("", "")


def test_unknown_preset_names_the_shipped_ones():
    with pytest.raises(PresetError, match=r"no preset 'nope' \(shipped presets: deepstate\)"):
        Preset.load("nope")


def test_a_preset_of_ones_own(tmp_path):
    document = {"name": "mine", "publisher": "Me", "claimed_by": "independent",
                "series": [{"id": "days", "file_name": r"^(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)T"
                                                       r"(?P<hour>\d\d)(?P<minute>\d\d)\.gpkg$",
                            "source": "My maps", "rules": [{"status": "contested", "name": "grey"}]}]}
    (tmp_path / "mine.json").write_text(json.dumps(document), "utf-8")
    mine = Preset.load(tmp_path / "mine.json")
    series, time = mine.match("2023-05-02T0930.gpkg")
    assert (datetime(2023, 5, 2, 9, 30, tzinfo=UTC), "contested", None) == (
        time, series.classify("Grey zone", ""), series.classify("occupied", ""))
    assert ("ua", ("ru", "contested", "ua")) == (mine.outside, mine.precedence)


def test_malformed_preset_is_refused():
    with pytest.raises(PresetError, match="rule status 'occupied'"):
        Preset.from_dict({"name": "x", "publisher": "x", "claimed_by": "independent",
                          "series": [{"id": "s", "file_name": ".", "source": "x",
                                      "rules": [{"status": "occupied"}]}]})


def test_a_later_series_is_used_only_after_the_earlier_ones_last_snapshot(preset, tmp_path):
    for name in ["1656698640.geojson", "1656878640.geojson", "deepstatemap_data_20220702.geojson",
                 "deepstatemap_data_20220704.geojson", "deepstatemap_data_20220705.geojson", "notes.json"]:
        (tmp_path / name).write_text("{}")
    found, unmatched = find_snapshots(layer_files([tmp_path]), preset)
    assert (["1656698640.geojson", "1656878640.geojson", "deepstatemap_data_20220704.geojson",
             "deepstatemap_data_20220705.geojson"], ["notes.json"]) == (
        [s.file.name for s in found], [p.name for p in unmatched])
    found, _ = find_snapshots(layer_files([tmp_path]), preset, since=date(2022, 7, 3),
                                          until=date(2022, 7, 4))
    # The daily files of 4 and 5 July show the maps of 3 and 4 July.
    assert ["1656878640.geojson", "deepstatemap_data_20220704.geojson", "deepstatemap_data_20220705.geojson"] == [
        s.file.name for s in found]


# ---------------------------------------------------------------- states and flicker


def test_states_of_the_placed_settlements_in_each_snapshot(result):
    assert [ALPHA, BETA, GAMMA, EPSILON] == list(result.placed.katottg)
    assert [[UA, CONTESTED, RU, UA], [RU, RU, UA, UA], [UA, RU, UA, RU]] == result.states.tolist()


def counted(states: list[int], hours: list[float], rule: FlickerRule) -> tuple[list[tuple[int, int]], bool]:
    """One settlement's states fed to a tracker: ([(snapshot of the row, status)], whether one awaits confirmation)."""
    series = Preset.load("deepstate").series[0]
    snapshots = [Snapshot(Path(f"{i}.geojson"), series, datetime.fromtimestamp(h * 3600, UTC)) for i, h in
                 enumerate(hours)]
    tracker = Tracker.empty(1, rule)
    rows = []
    for snapshot, state in zip(snapshots, states, strict=True):
        rows += [(snapshots.index(first), code) for _, code, first in tracker.add(snapshot, np.array([state], np.int8))]
    return rows, bool(tracker.pending[0])


@pytest.mark.parametrize(("states", "hours", "expected"), [
    ([UA, RU, UA, UA], [0, 25, 50, 75], ([(0, UA)], False)),
    ([UA, RU, RU, UA, UA], [0, 25, 50, 75, 100], ([(0, UA), (1, RU), (3, UA)], False)),
    ([UA, RU, RU, UA], [0, 25, 50, 75], ([(0, UA), (1, RU)], True)),  # ua awaits confirmation
    ([UA, RU, RU, UA, UA], [0, 2, 4, 25, 50], ([(0, UA)], False)),  # ru held 23 hours
    ([RU, CONTESTED, UA, UA], [0, 10, 20, 50], ([(0, RU), (2, UA)], False)),  # a grey stage
    ([RU, UA, UA], [0, 25, 50], ([(0, RU), (1, UA)], False)),  # the first state counts at once here
    ([UA, UA, RU], [0, 25, 50], ([(0, UA)], True)),
    ([], [], ([], False)),
])
def test_flicker_rule(states, hours, expected):
    assert expected == counted(states, hours, FlickerRule(2, 1, first_days=0))


def test_without_the_flicker_rule_every_change_counts():
    assert ([(0, UA), (1, RU), (2, UA)], False) == counted([UA, RU, UA], [0.0, 1, 2], FlickerRule(1, 0, 0))


@pytest.mark.parametrize(("states", "hours", "expected"), [
    # Kivsharivka in April 2022: the series' first snapshots show it outside the occupied area for four days, then
    # inside: the first state that held a week is the first row (no row says Ukrainian-held for those days).
    ([UA, UA, UA, RU, RU, RU, RU], [0, 24, 72, 96, 120, 200, 300], ([(3, RU)], False)),
    ([UA, UA, UA], [0, 100, 168], ([(0, UA)], False)),  # held a week: counts, dated its first snapshot
    ([UA, UA, UA], [0, 100, 167], ([], True)),  # not yet a week: awaits confirmation
    ([RU, UA, RU, RU], [0, 30, 60, 400], ([(2, RU)], False)),
])
def test_a_settlements_first_state_counts_once_it_held_a_week(states, hours, expected):
    assert expected == counted(states, hours, FlickerRule())


# ---------------------------------------------------------------- events


def test_exact_rows(result):
    assert EXPECTED_ROWS == rows_of(result.csv())[1:]
    assert list(importer.OUTPUT_COLUMNS) == rows_of(result.csv())[0]


def test_report(result):
    assert [
        "snapshots: 3 (history 3), the snapshot published 2022-07-01 18:04 UTC (geojsons/1656698640.geojson) … "
        "the snapshot published 2022-07-03 20:04 UTC (geojsons/1656878640.geojson)",
        "files whose name is no snapshot of the preset: 0; snapshots left out (outside --since/--until, or "
        "covered by an earlier series): 0",
        "settlements: 6; with a real point: 4; without one (no rows): 2 (hromada_centre 1, none 1)",
        "rows: 6 (first states and changes); settlements that changed state: 2",
        "flicker rule: a change counts once the new state held for at least 2 consecutive snapshots and 1 day(s); "
        "the first snapshot's state always counts",
        "raw changes: 5; removed as flicker: 2; settlements whose last change awaits confirmation: 1",
        "features near the settlements matching no rule (ignored): 1",
        "  1 × name 'Багатокутник 54', fill #fbc02d",
    ] == result.report.lines()


def test_rows_validate_and_merge_by_the_ordinary_code_path(result, settlements, tmp_path):
    validator = Validator(Gazetteer.from_frame(settlements))
    checked = validator.validate(result.csv().encode(), date(2026, 1, 1))
    assert ([], 6) == (checked.problems, len(checked.events))
    events = tmp_path / "events.csv"
    events.write_text("date,settlement,hint,katottg,status,claimed_by,source,url,quote,note\n", "utf-8")
    saved = EventStore(events).save(result.csv().encode(), validator=validator, today=date(2026, 1, 1))
    assert (True, 6) == (saved.ok, len(saved.plan.new))
    assert EXPECTED_ROWS == rows_of(events.read_text("utf-8"))[1:]


def test_without_a_commit_rows_have_no_url(snapshots, settlements, preset):
    plain = importer.import_areas(snapshots, settlements, preset, rule=AT_ONCE)
    assert [""] * 6 == list(plain.events.url)


def test_until_limits_the_snapshots(preset, settlements):
    found, _ = find_snapshots(layer_files([AREAS]), preset, until=date(2022, 7, 1))
    only_first = importer.import_areas(found, settlements, preset, {"history": COMMIT}, AT_ONCE)
    assert EXPECTED_ROWS[:4] == rows_of(only_first.csv())[1:]


def test_an_archive_without_grey_zone_continues_contested(preset, settlements, tmp_path):
    """The daily archive after the history archive's last snapshot: one MultiPolygon, occupied only. Beta,
    grey in the last history snapshot, stays contested; Gamma leaves the occupied area: Ukrainian-held."""
    (tmp_path / f"{T1}.geojson").write_bytes((AREAS / "geojsons" / f"{T1}.geojson").read_bytes())
    square = [[[36.25, 49.75], [36.35, 49.75], [36.35, 49.85], [36.25, 49.85], [36.25, 49.75]]]  # Epsilon
    geometry = {"type": "MultiPolygon", "coordinates": [square]}
    occupied = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}
    for day in ("20220703", "20220704"):
        (tmp_path / f"deepstatemap_data_{day}.geojson").write_text(json.dumps(occupied), "utf-8")
    found, _ = find_snapshots(layer_files([tmp_path]), preset)
    result = importer.import_areas(found, settlements, preset, {"history": COMMIT, "occupied-daily": COMMIT},
                                   AT_ONCE)
    daily = f"https://github.com/cyterat/deepstate-map-data/blob/{COMMIT}/data/deepstatemap_data_20220703.geojson"
    snapshot = "the map of 2022-07-02 (archived the next day) (data/deepstatemap_data_20220703.geojson)"
    assert [*EXPECTED_ROWS[:4],
            ["2022-07-02", "Gamma", "Hammivska hromada", GAMMA, "ua", "independent",
             "DeepStateMap (archived occupied area)", daily, "",
             f"derived: the point of the settlement lies outside the occupied area (this archive has no grey zone) "
             f"of {snapshot}"],
            ["2022-07-02", "Epsilon", "Hammivska hromada", EPSILON, "ru", "independent",
             "DeepStateMap (archived occupied area)", daily, "",
             f"derived: the point of the settlement lies inside the occupied area of {snapshot}"],
            ] == rows_of(result.csv())[1:]
    assert [[UA, CONTESTED, RU, UA], [UA, CONTESTED, UA, RU], [UA, CONTESTED, UA, RU]] == result.states.tolist()
    assert "settlements kept contested outside the occupied area of an archive without grey zone: 1" == \
        result.report.lines()[-1]


def test_continue_grey(preset):
    n, none = classify.NOT_OCCUPIED, importer.NONE
    resolved, grey = importer.continue_grey(np.array([n, n, n, n, RU], np.int8),
                                            np.array([none, CONTESTED, RU, UA, CONTESTED], np.int8), preset)
    assert ([UA, CONTESTED, UA, UA, RU], [False, True, False, False, False]) == (resolved.tolist(), grey.tolist())


# ---------------------------------------------------------------- other layer formats


@pytest.mark.parametrize(("suffix", "driver"), [(".gpkg", "GPKG"), (".kml", "KML"), (".zip", "ESRI Shapefile")])
def test_other_layer_formats_read_alike(preset, tmp_path, suffix, driver):
    import geopandas as gpd

    source = gpd.read_file(AREAS / "geojsons" / f"{T1}.geojson")
    source = source[source.geom_type == "Polygon"][["name", "fill", "geometry"]]
    if suffix == ".zip":
        import shutil

        (tmp_path / "shp").mkdir()
        source.to_file(tmp_path / "shp" / "layer.shp", driver=driver)
        path = tmp_path / "layer.zip"
        shutil.make_archive(str(path.with_suffix("")), "zip", tmp_path / "shp")
    else:
        path = tmp_path / f"layer{suffix}"
        source.to_file(path, driver=driver)
    frame = read_layer(path, (36.2, 49.4, 37.0, 49.9))
    layer = classify.classify_layer(frame, preset.series[0], preset)
    assert {"ru": 0, "contested": 1, "ua": 1} == {k: len(v) for k, v in layer.geometries.items()}


# ---------------------------------------------------------------- areas


def test_area_inside_the_occupied_and_grey_layers(snapshots, preset):
    region = shapely.box(36.6, 49.5, 37.0, 49.8)
    figures = [measure.area_inside(s, preset, region) for s in snapshots]
    assert [(80.2, 80.4, 160.6), (80.4, 0.0, 80.4), (80.4, 0.0, 80.4)] == [
        (f.ru_km2, f.contested_km2, f.total_km2) for f in figures]


def test_snapshot_on_a_day(snapshots):
    assert (None, T1, T2, T3) == tuple(
        s and s.file.stem for s in (measure.snapshot_on(snapshots, date(2022, 6, 30)),
                                    measure.snapshot_on(snapshots, date(2022, 7, 1)),
                                    measure.snapshot_on(snapshots, date(2022, 7, 2)),
                                    measure.snapshot_on(snapshots, date(2025, 1, 1))))


# ---------------------------------------------------------------- command line


def test_cli_import_areas_writes_the_rows(tmp_path, capsys):
    out = tmp_path / "derived.csv"
    code = cli.main(["import-areas", str(AREAS), "--preset", "deepstate", "--settlements",
                     str(AREAS / "settlements.csv"), "--commit", f"history={COMMIT}", "--out", str(out),
                     "--first-days", "0"])
    captured = capsys.readouterr()
    assert (0, "") == (code, captured.out)
    assert EXPECTED_ROWS == rows_of(out.read_text("utf-8"))[1:]
    assert "3/3 snapshots (100 %)" in captured.err
    assert "raw changes: 5; removed as flicker: 2" in captured.err
    assert "no snapshot of the preset: 0; snapshots left out (outside --since/--until, or covered by an earlier " \
           "series): 0" in captured.err  # README.md and settlements.csv are no layer files
    assert f"wrote 6 rows to {out}" in captured.err


def test_cli_import_areas_to_stdout_and_dry_run(capsys):
    argv = ["import-areas", str(AREAS / "geojsons"), "--settlements", str(AREAS / "settlements.csv"),
            "--commit", f"history={COMMIT}", "--since", "2022-07-02", "--first-days", "0"]
    assert 0 == cli.main(argv)
    printed = rows_of(capsys.readouterr().out)
    assert [("2022-07-02", "Alpha", "ru"), ("2022-07-02", "Beta", "ru"), ("2022-07-02", "Gamma", "ua"),
            ("2022-07-02", "Epsilon", "ua")] == [(r[0], r[1], r[4]) for r in printed[1:]]
    assert 0 == cli.main([*argv, "--dry-run"])
    captured = capsys.readouterr()
    assert ("", True) == (captured.out, "dry run: nothing was written" in captured.err)
    assert "snapshots left out (outside --since/--until, or covered by an earlier series): 1" in captured.err


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["--preset", "nope"], 2, "no preset 'nope'"),
    (["--commit", "history"], 2, "--commit takes SERIES=SHA"),
    (["--until", "2022-06-30"], 1, "no snapshot of preset 'deepstate' among 3 files"),
])
def test_cli_import_areas_refusals(argv, code, message, capsys):
    assert code == cli.main(["import-areas", str(AREAS / "geojsons"), *argv])
    assert message in capsys.readouterr().err


def test_cli_import_areas_missing_source(tmp_path, capsys):
    assert 1 == cli.main(["import-areas", str(tmp_path / "absent")])
    assert f"no such file or folder: {tmp_path / 'absent'}" in capsys.readouterr().err


# ---------------------------------------------------------------- shipping derived rows

HEADER = "date,settlement,hint,katottg,status,claimed_by,source,url,quote,note"


def test_derived_rows_replace_the_earlier_ones_and_come_after_researched_rows():
    current = (f"{HEADER}\r\n"
               "2022-09-10,Izium,,,ua,ua,General Staff,,\"Izium is ours,\r\nsaid the staff\",\r\n"
               "2022-04-03,Izium,,,ru,independent,DeepStateMap (archived layer),,,derived: old\r\n"
               "2022-09-10,Izium,,,contested,independent,ISW,,,\r\n").encode()
    derived = (f"{HEADER}\n"
               "2022-04-03,Izium,,,ru,independent,DeepStateMap (archived layer),,,derived: new\n"
               "2022-09-12,Izium,,,ua,independent,DeepStateMap (archived layer),,,derived: new").encode()
    combined = importer.with_derived_rows(current, derived, ["DeepStateMap (archived layer)"])
    assert (f"{HEADER}\r\n"
            "2022-09-10,Izium,,,ua,ua,General Staff,,\"Izium is ours,\r\nsaid the staff\",\r\n"
            "2022-09-10,Izium,,,contested,independent,ISW,,,\r\n"
            "2022-04-03,Izium,,,ru,independent,DeepStateMap (archived layer),,,derived: new\r\n"
            "2022-09-12,Izium,,,ua,independent,DeepStateMap (archived layer),,,derived: new\r\n").encode() == combined
    assert combined == importer.with_derived_rows(combined, derived, ["DeepStateMap (archived layer)"])


def test_derived_rows_are_written_in_the_files_columns():
    current = (b"date,reported,settlement,hint,scope,katottg,status,claimed_by,source,url,quote,note\n"
               b"2022-02-24,2022-04-30,Kutuzivka,,,,ru,ua,Suspilne,,,\n")
    derived = f"{HEADER}\n2022-04-03,Izium,,,ru,independent,DeepStateMap (archived layer),,,derived: x\n".encode()
    combined = importer.with_derived_rows(current, derived, ["DeepStateMap (archived layer)"])
    assert combined == current + b"2022-04-03,,Izium,,,,ru,independent,DeepStateMap (archived layer),,,derived: x\n"


def test_derived_rows_need_their_columns_in_the_file():
    with pytest.raises(ValueError, match="has no column katottg"):
        importer.with_derived_rows(b"date,settlement,hint,status,claimed_by,source,url,quote,note\n",
                                   f"{HEADER}\n".encode(), [])
