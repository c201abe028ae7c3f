"""controlmap.areas.layer_upload: an uploaded control-area layer → events (one snapshot, by import_areas) → the
checks of an uploaded CSV. On the hand-made archive and gazetteer in tests/fixtures/areas/ (see its README), the
hand-made layers in tests/fixtures/layers/ (see its README), and, for one layer of real places, the shipped
gazetteer."""

import csv
import hashlib
import io
import json
import tomllib
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from controlmap import limits
from controlmap.areas import importer, layer_upload, snapshots
from controlmap.areas.preset import Preset
from controlmap.events import uploads
from controlmap.events.problems import PROBLEM_CODES
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer, read_settlements
from controlmap.model import OWN_POINT_QUALITIES

ROOT = Path(__file__).resolve().parents[2]
AREAS = ROOT / "tests" / "fixtures" / "areas"
LAYERS = ROOT / "tests" / "fixtures" / "layers"
T1 = "1656698640"  # 2022-07-01 18:04 UTC: Alpha ua, Beta contested, Gamma ru, Epsilon ua
ALPHA, BETA, GAMMA, EPSILON = ("UA63900010010044441", "UA63900010020044442", "UA63900020010044444",
                               "UA63900020020044445")
KUPIANSK, KUPIANSK_VUZLOVYI = "UA63080090010026457", "UA63080090030044417"
TODAY = date(2025, 12, 1)
SOURCE = "DeepStateMap (uploaded layer)"
GREY = "in the grey 'status unknown' zone"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(Gazetteer.from_frame(read_settlements(AREAS / "settlements.csv")))


@pytest.fixture(scope="module")
def preset() -> Preset:
    return Preset.load("deepstate")


def layer_bytes(stamp: str = T1) -> bytes:
    return (AREAS / "geojsons" / f"{stamp}.geojson").read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rows(checked: uploads.CheckedFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(checked.data.decode("utf-8"))))


def states(checked: uploads.CheckedFile) -> dict[str, str]:
    return {row["katottg"]: row["status"] for row in rows(checked)}


def check(validator, name: str, data: bytes, **options) -> layer_upload.CheckedLayer:
    return layer_upload.check_layer(name, data, validator, today=TODAY, **options)


def codes(checked: uploads.CheckedFile) -> list[str]:
    return [p.code for p in checked.problems]


# ---------------------------------------------------------------- a good layer


def test_a_layer_dated_by_its_file_name_becomes_one_row_per_placed_settlement(validator):
    data = layer_bytes()
    checked = check(validator, f"{T1}.geojson", data)
    assert (True, [], 4) == (checked.ok, checked.problems, checked.rows)
    assert {ALPHA: "ua", BETA: "contested", GAMMA: "ru", EPSILON: "ua"} == states(checked)
    beta = next(r for r in rows(checked) if r["katottg"] == BETA)
    assert {"date": "2022-07-01", "settlement": "Beta", "hint": "Alphivska hromada", "status": "contested",
            "claimed_by": "independent", "source": SOURCE, "url": "", "quote": "",
            "note": f"derived: the point of the settlement lies {GREY} of the snapshot published 2022-07-01 18:04 "
                    f"UTC (uploaded file {T1}.geojson, sha256 {sha256(data)})"} == {
        k: v for k, v in beta.items() if k != "katottg"}
    # what was checked is the derived CSV; the layer's own digest is kept apart
    assert (checked.digest, checked.layer_digest) == (sha256(checked.data), sha256(data))
    assert checked.summary.lines() == [
        "Read as one snapshot of the preset 'deepstate' (DeepState's full layer set: occupied, grey zone, "
        "liberated (told apart by fill)), dated 2022-07-01 by its file name.",
        "6 features: polygons classified ru 1, contested 1, ua 1; 2 ignored by the preset's rules; 0 matching no "
        "rule; 1 points or lines (not areas).",
        "4 settlements with a point of their own tested against it (ru 1, contested 1, ua 2); 2 without one get no "
        "row."]


def test_the_rows_are_those_import_areas_derives_from_the_same_snapshot(validator, preset):
    """The command line's code path: the same states on the same day; only source, url and note differ."""
    [snapshot], _ = snapshots.find_snapshots([AREAS / "geojsons" / f"{T1}.geojson"], preset)
    derived = importer.import_areas([snapshot], validator.gazetteer.settlements, preset,
                                    rule=importer.FlickerRule(first_days=0)).events
    checked = check(validator, f"{T1}.geojson", layer_bytes())
    assert sorted(zip(derived.date, derived.katottg, derived.status, strict=True)) == sorted(
        (r["date"], r["katottg"], r["status"]) for r in rows(checked))


def test_a_layer_without_a_date_in_its_name_takes_the_day_given(validator):
    data = layer_bytes()
    checked = check(validator, "my map.geojson", data, day=date(2022, 7, 5))
    assert checked.ok and {r["date"] for r in rows(checked)} == {"2022-07-05"}
    beta = next(r for r in rows(checked) if r["katottg"] == BETA)
    assert beta["note"] == (f"derived: the point of the settlement lies {GREY} of the map dated 2022-07-05 by the "
                            f"uploader (uploaded file my map.geojson, sha256 {sha256(data)})")
    assert "dated 2022-07-05 by the uploader" in checked.summary.lines()[0]


def test_a_file_name_the_preset_dates_wins_over_a_day_given(validator):
    checked = check(validator, f"{T1}.geojson", layer_bytes(), day=date(2023, 1, 1))
    assert {r["date"] for r in rows(checked)} == {"2022-07-01"}


def test_without_a_date_the_layer_is_read_but_not_converted(validator):
    checked = check(validator, "my map.geojson", layer_bytes())
    assert (False, None, ["missing_layer_date"]) == (checked.ok, checked.data, codes(checked))
    [problem] = checked.problems
    assert (problem.line, problem.column) == (0, "date")
    assert "give the day the map shows" in problem.suggestion
    assert checked.summary.read and checked.summary.lines()[0].endswith("with no date yet.")


def test_the_series_decides_how_features_are_read(validator):
    """The daily occupied-area series reads every polygon as occupied; the full layer set goes by fill."""
    data = (LAYERS / "no_rule.geojson").read_bytes()
    assert "no_recognised_feature" in codes(check(validator, "x.geojson", data, day=date(2024, 8, 1)))
    checked = check(validator, "x.geojson", data, day=date(2024, 8, 1), series_id="occupied-daily")
    assert checked.ok
    assert {ALPHA: "ru", BETA: "ru", GAMMA: "ru", EPSILON: "ua"} == states(checked)
    assert "(one occupied area only: every polygon is occupied, no grey zone)" in checked.summary.lines()[0]
    assert "the map dated 2024-08-01 by the uploader" in rows(checked)[0]["note"]


def test_a_name_of_the_daily_archive_chooses_its_series_and_date(validator):
    name = "deepstatemap_data_20250804.geojson"
    data = (LAYERS / "no_rule.geojson").read_bytes()
    checked = check(validator, name, data, day=date(2022, 7, 5), series_id="history")  # the name wins
    assert checked.ok
    assert {ALPHA: "ru", BETA: "ru", GAMMA: "ru", EPSILON: "ua"} == states(checked)
    alpha = next(r for r in rows(checked) if r["katottg"] == ALPHA)
    assert (alpha["date"], alpha["note"]) == (
        "2025-08-03", "derived: the point of the settlement lies inside the occupied area of the map of 2025-08-03 "
                      f"(archived the next day) (uploaded file {name}, sha256 {sha256(data)})")


@pytest.mark.parametrize("suffix", [".gpkg", ".kml", ".kmz"])
def test_geopackage_kml_and_kmz_layers_read_alike(validator, tmp_path, suffix):
    import geopandas as gpd

    source = gpd.read_file(AREAS / "geojsons" / f"{T1}.geojson")
    source = source[source.geom_type.isin(["Polygon", "Point"])][["name", "fill", "geometry"]]
    source.to_file(tmp_path / f"layer{suffix}", driver={".gpkg": "GPKG", ".kml": "KML", ".kmz": "LIBKML"}[suffix])
    data = (tmp_path / f"layer{suffix}").read_bytes()
    if suffix == ".kmz":
        assert data.startswith(b"PK")
    checked = check(validator, f"layer{suffix}", data, day=date(2022, 7, 1))
    assert checked.problems == [] and checked.ok
    # the GeoJSON's GeometryCollection over Gamma is not a Polygon, so it was left out here: Gamma is ua
    assert {ALPHA: "ua", BETA: "contested", GAMMA: "ua", EPSILON: "ua"} == states(checked)


def test_a_hostile_file_name_is_cleaned_in_the_note_and_the_rows_validate(validator):
    name = "{x} \u202emap\n=1.geojson"
    checked = check(validator, name, layer_bytes(), day=date(2022, 7, 5))
    assert checked.ok, checked.problems
    assert f"(uploaded file {{x}} map =1.geojson, sha256 {sha256(layer_bytes())})" in rows(checked)[0]["note"]


def test_the_derived_rows_combine_and_plan_like_a_csv(validator):
    checked = check(validator, f"{T1}.geojson", layer_bytes())
    empty = validator.validate(b"date,settlement,status,claimed_by,source\n", TODAY).events
    combined = uploads.combine([checked], validator, empty, TODAY)
    assert combined.ready and len(combined.plan.new) == 4
    assert set(combined.plan.new.source) == {SOURCE}


def test_a_layer_of_real_places_against_the_shipped_gazetteer(real_gazetteer):
    checked = layer_upload.check_layer("kupiansk.geojson", (LAYERS / "kupiansk.geojson").read_bytes(),
                                       Validator(real_gazetteer), day=date(2025, 11, 25), today=TODAY)
    assert checked.ok and checked.problems == []
    found = states(checked)
    placed = int(real_gazetteer.settlements.coord_quality.isin(OWN_POINT_QUALITIES).sum())
    assert (len(found), found[KUPIANSK], found[KUPIANSK_VUZLOVYI]) == (placed, "ru", "contested")
    assert pd.Series(found).value_counts().to_dict() == {"ua": placed - 2, "ru": 1, "contested": 1}


# ---------------------------------------------------------------- files that are no usable layer


@pytest.mark.parametrize(("name", "data"), [
    ("not_a_layer.geojson", (LAYERS / "not_a_layer.geojson").read_bytes()),
    ("empty.geojson", b""),
    ("garbage.gpkg", b"SQLite format 3\x00 but not really"),
    ("garbage.kml", b"<kml><Document><Placemark>"),
    ("not_a_zip.kmz", b"PK\x03\x04 truncated"),
    ("png.json", b"\x89PNG\r\n\x1a\n" + bytes(64)),
])
def test_a_file_that_is_no_layer(validator, name, data):
    checked = check(validator, name, data, day=date(2022, 7, 5))
    assert (False, ["not_a_layer"]) == (checked.ok, codes(checked))
    [problem] = checked.problems
    kind = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".kml": "KML", ".kmz": "KMZ"}
    assert problem.message.startswith(f"the file is not a {kind[Path(name).suffix]} file: ")
    assert "controlmap-layer-" not in problem.message  # the temporary file is never named
    assert (checked.rows, checked.data) == (0, None)


def test_a_layer_with_no_recognised_feature(validator):
    checked = check(validator, "no_rule.geojson", (LAYERS / "no_rule.geojson").read_bytes(), day=date(2022, 7, 5))
    assert ["no_recognised_feature"] == codes(checked)
    [problem] = checked.problems
    assert problem.message == (
        "the layer has no area the preset 'deepstate' recognises as ru, contested or ua (4 features: 1 points or "
        "lines, 1 polygons the preset ignores, 2 polygons matching no rule: 1 × name 'Багатокутник 7', fill #123456; "
        "1 × name 'Багатокутник 8', fill #123456)")
    assert "'name' and 'fill'" in problem.suggestion


def test_polygons_matching_no_rule_beside_recognised_ones_are_a_warning(validator, tmp_path):
    layer = json.loads(layer_bytes())
    layer["features"].append({"type": "Feature", "properties": {"name": "Багатокутник 7", "fill": "#123456"},
                              "geometry": {"type": "Polygon", "coordinates": [[[36.0, 49.0], [36.1, 49.0],
                                                                               [36.1, 49.1], [36.0, 49.0]]]}})
    checked = check(validator, f"{T1}.geojson", json.dumps(layer).encode())
    assert (True, 4, ["unrecognised_features"]) == (checked.ok, checked.rows, codes(checked))
    [warning] = checked.warnings
    assert warning.message == ("1 polygons of the layer match no rule of the preset and are ignored (1 × name "
                               "'Багатокутник 7', fill #123456)")


def test_a_layer_whose_areas_all_lie_outside_the_oblast(validator):
    checked = check(validator, "outside.geojson", (LAYERS / "outside.geojson").read_bytes(), day=date(2022, 7, 5))
    assert ["layer_outside_oblast"] == codes(checked)
    [problem] = checked.problems
    assert problem.message.startswith("all 2 areas the preset recognises lie outside Kharkiv oblast (lon 30.47…30.67,"
                                      " lat 50.40…50.50; Kharkiv oblast is lon 34.85…38.1, lat 48.53…50.46)")


def test_a_missing_date_is_reported_with_the_layers_other_problems(validator):
    checked = check(validator, "outside.geojson", (LAYERS / "outside.geojson").read_bytes())
    assert ["layer_outside_oblast", "missing_layer_date"] == codes(checked)


# ---------------------------------------------------------------- limits


def test_a_layer_over_the_size_limit_is_refused_on_its_size(validator, monkeypatch):
    assert layer_upload.too_large("a.geojson", limits.MAX_LAYER_BYTES) is None
    refused = layer_upload.too_large("a.geojson", limits.MAX_LAYER_BYTES + 1)
    assert (refused.data, refused.result, codes(refused)) == (None, None, ["file_too_large"])
    assert refused.problems[0].message == "the layer is too large: 5.0 MB (the limit is 5 MB per layer)"
    monkeypatch.setattr(limits, "MAX_LAYER_BYTES", 100)
    assert codes(check(validator, f"{T1}.geojson", layer_bytes())) == ["file_too_large"]


def test_a_kmz_that_unpacks_beyond_the_limit_is_not_unpacked(validator):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", bytes(limits.MAX_LAYER_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < 100_000
    checked = check(validator, "bomb.kmz", buffer.getvalue(), day=date(2022, 7, 5))
    assert ["unpacked_too_large"] == codes(checked)
    assert checked.problems[0].message == ("the layer unpacks to 50.0 MB (the limit is 50 MB unpacked); it was not "
                                           "read")


def test_a_layer_with_too_many_features(validator, monkeypatch):
    monkeypatch.setattr(limits, "MAX_LAYER_FEATURES", 5)
    checked = check(validator, f"{T1}.geojson", layer_bytes())
    assert ["too_many_features"] == codes(checked)
    assert checked.problems[0].message == "the layer has too many features: 6 (the limit is 5 per layer)"


def test_the_layer_limit_fits_the_servers_upload_limit():
    """Streamlit refuses any upload over server.maxUploadSize (MAX_UPLOAD_MB): the layer limit cannot exceed it."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert limits.MAX_LAYER_MB <= config["server"]["maxUploadSize"] == limits.MAX_UPLOAD_MB
    assert limits.MAX_LAYER_BYTES == limits.MAX_LAYER_MB * 1024 * 1024


def test_every_layer_problem_code_is_registered():
    assert {"not_a_layer", "unpacked_too_large", "too_many_features", "no_recognised_feature",
            "layer_outside_oblast", "missing_layer_date", "unrecognised_features"} <= set(PROBLEM_CODES)


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(("name", "layer"), [("a.geojson", True), ("A.GeoJSON", True), ("a.json", True),
                                             ("a.kml", True), ("a.kmz", True), ("a.gpkg", True), ("a.csv", False),
                                             ("a.txt", False), ("geojson.csv", False)])
def test_which_uploads_are_layers(name, layer):
    assert layer_upload.is_layer(name) is layer


def test_the_shipped_presets_default_first():
    assert layer_upload.preset_names()[0] == "deepstate"
    assert layer_upload.series_label("deepstate", "nope") == "nope"
