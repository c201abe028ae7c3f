"""The Upload page through AppTest, on a temporary copy of data/events.csv (``paths.EVENTS_CSV`` is patched).

Streamlit 1.67's AppTest can upload files (``file_uploader.set_value``), so besides rendering and the secret
handling these tests also save and undo; the browser tests (tests/browser/test_upload_browser.py) cover the
same flow in Chromium, plus what only a browser shows (Try in one session only, markup, downloads).
"""

import csv
import io
import re
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import data as app_data
from app import editing
from app.pages_support import md_escape
from controlmap import limits, paths
from controlmap.areas import layer_upload
from controlmap.digest import sha256
from controlmap.events import merge, store, uploads
from controlmap.events.editor import SECRET_ENV
from controlmap.timeline.dataset import Dataset

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "5_Upload.py"
GOOD = ROOT / "tests" / "fixtures" / "upload" / "good.csv"
LAYERS = ROOT / "tests" / "fixtures" / "layers"
KUPIANSK, KUPIANSK_VUZLOVYI = "UA63080090010026457", "UA63080090030044417"
SECRET = "s3cret"
DISABLED = (
    "Saving is disabled: no editor secret is configured. To enable it, set the environment variable "
    "`CONTROLMAP_EDITOR_SECRET` or `editor_secret` in `.streamlit/secrets.toml`, then restart the app. "
    "Viewing and trying never need it."
)


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Wrong secrets are counted per server process: each test starts with none."""
    editing._secret_throttle.clear()
    yield
    editing._secret_throttle.clear()


@pytest.fixture
def events(tmp_path, monkeypatch) -> Path:
    """A private copy of data/events.csv that the page reads and writes; the repository's file is untouched."""
    repository = paths.EVENTS_CSV.read_bytes()
    copy = tmp_path / "data" / "events.csv"
    copy.parent.mkdir()
    shutil.copy2(paths.EVENTS_CSV, copy)
    monkeypatch.setattr(paths, "EVENTS_CSV", copy)
    yield copy
    assert (ROOT / "data" / "events.csv").read_bytes() == repository


def run_page(secret: str | None, monkeypatch) -> AppTest:
    if secret is None:
        monkeypatch.delenv(SECRET_ENV, raising=False)
    else:
        monkeypatch.setenv(SECRET_ENV, secret)
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.secrets["unrelated"] = "1"  # in-memory secrets: a local .streamlit/secrets.toml cannot leak in
    return at.run()


def labels(elements) -> list[str]:
    return [e.label for e in elements]


def values(elements) -> list[str]:
    return [e.value for e in elements]


def test_without_a_file_or_a_secret_the_page_renders_and_offers_no_saving(events, monkeypatch):
    at = run_page(None, monkeypatch)
    assert not at.exception
    assert values(at.title) == ["Upload event CSVs"]
    assert values(at.info) == ["Choose one or more CSV files to check them.", DISABLED]
    assert labels(at.text_input) == []
    assert labels(at.button) == []


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_secret_disables_saving_too(events, monkeypatch, blank):
    at = run_page(blank, monkeypatch)
    assert not at.exception
    assert DISABLED in values(at.info)
    assert labels(at.text_input) == []


def test_with_a_secret_and_no_save_there_is_nothing_to_undo(events, monkeypatch):
    at = run_page(SECRET, monkeypatch)
    assert not at.exception
    assert labels(at.text_input) == ["Editor secret"]
    assert "Nothing to undo." in values(at.caption)
    assert labels(at.button) == []  # no Save without a valid upload, no Undo without a save


def saved_by_another_writer(events) -> store.SaveResult:
    dataset = Dataset.load(events)
    saved = store.EventStore(events).save(GOOD.read_bytes(), validator=dataset.validator, author="cli")
    assert saved.written
    return saved


def test_another_writers_save_is_undone_only_once_confirmed_and_with_the_secret(events, monkeypatch):
    before = events.read_bytes()
    saved = saved_by_another_writer(events)
    after = events.read_bytes()
    at = run_page(SECRET, monkeypatch)
    [history] = at.dataframe
    assert list(history.value.action) == ["merge"]
    what = f"the merge of {saved.entry['when']}"
    assert values(at.warning)[-1] == (
        f"The newest save, {what}, was not made in this browser session (author: cli). Undoing it removes that "
        "writer's change.")
    assert at.button(key="undo").label == "Undo that save"
    at.text_input(key="editor_secret").set_value(SECRET).run()
    assert at.button(key="undo").disabled, "not before the confirmation"
    at.checkbox(key="confirm_undo").check().run()
    at.text_input(key="editor_secret").set_value("wrong").run()
    at.button(key="undo").click().run()
    assert values(at.error) == ["Wrong editor secret: nothing was changed."]
    assert events.read_bytes() == after
    at.text_input(key="editor_secret").set_value(SECRET).run()
    at.button(key="undo").click().run()
    assert values(at.success) == [
        md_escape(f"undid the merge of {saved.entry['when']}: restored {saved.entry['previous']}")
    ]
    assert events.read_bytes() == before
    assert list(at.dataframe[-1].value.action) == ["undo", "merge"]


def test_wrong_secrets_are_throttled(events, monkeypatch):
    saved_by_another_writer(events)
    at = run_page(SECRET, monkeypatch)
    at.checkbox(key="confirm_undo").check().run()
    at.text_input(key="editor_secret").set_value("wrong").run()
    errors = []
    for _ in range(3):
        at.button(key="undo").click().run()
        errors.append(values(at.error))
    # Two tries are free (as the README says); the wait is 2 s from the second wrong try, rounded up to whole seconds.
    assert [["Wrong editor secret: nothing was changed."]] * 2 == errors[:2]
    [[refused]] = errors[2:]
    assert re.fullmatch(r"Too many wrong editor secrets from you: try again in [12] s\. Nothing was "
                        r"changed\.", refused), refused


def test_one_visitors_wrong_secrets_never_delay_the_editor(events, monkeypatch):
    """AppTest, like a browser on the server's own machine, has no client address: each session is its own client.
    (Before, every such client shared one record: seven wrong tries here made the editor wait 30 s.)"""
    saved_by_another_writer(events)
    visitor = run_page(SECRET, monkeypatch)
    visitor.checkbox(key="confirm_undo").check().run()
    visitor.text_input(key="editor_secret").set_value("wrong").run()
    for _ in range(7):
        visitor.button(key="undo").click().run()
    assert values(visitor.error)[0].startswith("Too many wrong editor secrets from you: try again in ")
    editor = run_page(SECRET, monkeypatch)
    editor.checkbox(key="confirm_undo").check().run()
    editor.text_input(key="editor_secret").set_value(SECRET).run()
    editor.button(key="undo").click().run()
    assert [] == values(editor.error)
    assert values(editor.success)[-1].startswith("undid the merge of ")


def test_an_uploaded_file_is_previewed_saved_and_undone(events, monkeypatch):
    before = events.read_bytes()
    at = run_page(SECRET, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("good.csv", GOOD.read_bytes(), "text/csv")]).run()
    assert not at.exception
    assert [e.label for e in at.expander] == [f"{md_escape('good.csv')}: 2 rows, 0 errors, 0 warnings"]
    assert "2 new events, 0 exact duplicates skipped, 0 conflicts with existing statements (added, flagged)." in [
        m.value for m in at.markdown
    ]
    assert at.button(key="save").disabled
    at.text_input(key="editor_secret").set_value(SECRET).run()
    rows = Dataset.load(events).validation.rows
    at.button(key="save").click().run()
    assert values(at.success) == ["No problems found.", md_escape(f"saved: 2 events added, {rows} → {rows + 2} rows")]
    after = events.read_bytes()
    assert after.startswith(before) and Dataset.load(events).validation.rows == rows + 2
    [entry] = store.EventStore(events).history()
    at.button(key="undo").click().run()
    assert values(at.success) == [
        "No problems found.",
        md_escape(f"undid the merge of {entry['when']}: restored {entry['previous']}"),
    ]
    assert events.read_bytes() == before


def test_an_uploaded_file_without_a_secret_configured_cannot_be_saved(events, monkeypatch):
    at = run_page(None, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("good.csv", GOOD.read_bytes(), "text/csv")]).run()
    assert not at.exception
    assert "Preview" in values(at.subheader)
    assert DISABLED in values(at.info)
    assert "save" not in [b.key for b in at.button] and labels(at.text_input) == []


def test_reruns_do_not_validate_the_uploaded_files_again(events, monkeypatch):
    """Each file's check is cached by its content: typing the secret or moving the preview slider reruns the page
    without validating anything again."""
    from controlmap.events.validation import Validator

    validated = []
    validate = Validator.validate

    def counting(self, data, today=None):
        validated.append(len(data))
        return validate(self, data, today)

    monkeypatch.setattr(Validator, "validate", counting)
    data = GOOD.read_bytes().replace(b"first test event", f"first test event ({events})".encode())  # not cached yet
    at = run_page(SECRET, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("good.csv", data, "text/csv")]).run()
    assert not at.exception
    assert len(validated) >= 2  # the file on its own, then the files together
    checked = len(validated)
    at.text_input(key="editor_secret").set_value(SECRET).run()
    slider = at.slider(key="preview_date")
    slider.set_value(slider.value - timedelta(days=30)).run()
    assert not at.exception
    assert len(validated) == checked


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(events, monkeypatch):
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    def unread(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(UploadedFile, "getvalue", unread)
    big = b"x" * (limits.MAX_UPLOAD_BYTES + 1)
    at = run_page(None, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("big.csv", big, "text/csv")]).run()
    assert not at.exception
    assert [e.label for e in at.expander] == [f"{md_escape('big.csv')}: 0 rows, 1 errors, 0 warnings"]
    assert any(md_escape("the file is too large: 5.0 MB (the limit is 5 MB per upload)") in e.value for e in at.error)


# ---------------------------------------------------------------- control-area layers (tests/fixtures/layers/)


def layer_plan(events: Path, name: str, data: bytes, day: date | None = None) -> tuple[uploads.CheckedFile,
                                                                                        uploads.Upload]:
    """What the page should find: the engine's own conversion and plan, on the page's copy of the data file."""
    dataset = Dataset.load(events)
    checked = layer_upload.check_layer(name, data, dataset.validator, day=day, today=date.today())
    return checked, uploads.combine([checked], dataset.validator, dataset.validation, date.today())


def summary_of(plan: merge.MergePlan) -> str:
    s = plan.summary()
    return (f"{s['added']} new events, {s['duplicates_skipped']} exact duplicates skipped, {s['conflicts']} "
            "conflicts with existing statements (added, flagged).")


def test_a_layer_of_real_places_is_dated_converted_previewed_tried_saved_and_undone(events, monkeypatch):
    """kupiansk.geojson against the shipped gazetteer: its name carries no date, so the page asks for the day."""
    before = events.read_bytes()
    data = (LAYERS / "kupiansk.geojson").read_bytes()
    at = run_page(SECRET, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("kupiansk.geojson", data, "application/geo+json")]).run()
    assert not at.exception
    assert values(at.subheader)[0] == "Control-area layers"
    assert at.selectbox(key="layer_preset").value == "deepstate"
    assert md_escape("kupiansk.geojson: its file name carries no date the preset recognises.") in values(at.caption)
    day = at.date_input(key="layer-day-kupiansk.geojson")
    assert (day.label, day.value) == ("Day the map shows", None)
    assert at.selectbox(key="layer-series-kupiansk.geojson").value == "history"
    assert [e.label for e in at.expander] == [f"{md_escape('kupiansk.geojson')}: 0 rows, 1 errors, 0 warnings"]
    assert md_escape("the layer has no date: its file name is none the preset 'deepstate' dates") in at.error[0].value
    assert "Preview" not in values(at.subheader)

    day.set_value(date(2025, 11, 25)).run()
    assert not at.exception
    checked, planned = layer_plan(events, "kupiansk.geojson", data, date(2025, 11, 25))
    rows = checked.rows
    assert rows == 1676 and planned.ready
    assert [e.label for e in at.expander] == [f"{md_escape('kupiansk.geojson')}: {rows:,} rows, 0 errors, 0 warnings"]
    assert summary_of(planned.plan) in values(at.markdown)
    assert md_escape(" ".join(checked.summary.lines())) in values(at.caption)
    assert f"Layer sha256: {sha256(data)}" in values(at.caption)
    new = at.dataframe[0].value
    assert len(new) == rows
    assert set(new.source) == {"DeepStateMap (uploaded layer)"} and set(new.date) == {"2025-11-25"}
    assert set(new.url.fillna("")) == {""}  # an upload has no public address
    by_code = new.set_index("katottg")
    assert (by_code.status[KUPIANSK], by_code.status[KUPIANSK_VUZLOVYI]) == ("ru", "contested")
    assert by_code.note[KUPIANSK] == (
        "derived: the point of the settlement lies in the occupied layer of the map dated 2025-11-25 by the uploader "
        f"(uploaded file kupiansk.geojson, sha256 {sha256(data)})")

    at.button(key="try").click().run()
    assert len(at.session_state[app_data.UPLOAD_EVENTS]) == rows

    at.text_input(key="editor_secret").set_value(SECRET).run()
    shipped = Dataset.load(events).validation.rows
    at.button(key="save").click().run()
    assert md_escape(f"saved: {rows} events added, {shipped} → {shipped + rows} rows") in values(at.success)
    after = events.read_bytes()
    assert after.startswith(before)
    saved = list(csv.DictReader(io.StringIO(after[len(before):].decode("utf-8")),
                                fieldnames=next(csv.reader(io.StringIO(before.decode("utf-8"))))))
    assert len(saved) == rows and {r["url"] for r in saved} == {""}
    at.button(key="undo").click().run()
    assert events.read_bytes() == before


def test_a_layer_whose_name_the_preset_dates_needs_no_day(events, monkeypatch):
    name = "1764079200.geojson"  # DeepState's archive name: published 2025-11-25 14:00 UTC
    data = (LAYERS / "kupiansk.geojson").read_bytes()
    at = run_page(None, monkeypatch)
    at.file_uploader(key="upload_files").set_value([(name, data, "application/geo+json")]).run()
    assert not at.exception
    assert [d.label for d in at.date_input] == []
    assert md_escape(f"{name}: dated by its file name, 2025-11-25 14:00 UTC (DeepState's full layer set: occupied, "
                     "grey zone, liberated (told apart by fill)).") in values(at.caption)
    checked, planned = layer_plan(events, name, data)
    assert [e.label for e in at.expander] == [f"{md_escape(name)}: {checked.rows:,} rows, 0 errors, 0 warnings"]
    assert summary_of(planned.plan) in values(at.markdown)
    note = at.dataframe[0].value.set_index("katottg").note[KUPIANSK]
    assert note.endswith(f"of the snapshot published 2025-11-25 14:00 UTC (uploaded file {name}, sha256 "
                         f"{sha256(data)})")


@pytest.mark.parametrize(("name", "codes"), [
    ("not_a_layer.geojson", ["not_a_layer"]),
    ("no_rule.geojson", ["no_recognised_feature"]),
    ("outside.geojson", ["layer_outside_oblast"]),
])
def test_a_layer_that_cannot_be_used_gets_its_message(events, monkeypatch, name, codes):
    data = (LAYERS / name).read_bytes()
    at = run_page(None, monkeypatch)
    at.file_uploader(key="upload_files").set_value([(name, data, "application/geo+json")]).run()
    at.date_input(key=f"layer-day-{name}").set_value(date(2025, 11, 25)).run()
    assert not at.exception
    checked, _ = layer_plan(events, name, data, date(2025, 11, 25))
    assert [p.code for p in checked.problems] == codes
    assert [e.label for e in at.expander] == [f"{md_escape(name)}: 0 rows, 1 errors, 0 warnings"]
    [problem] = checked.problems
    text = f"{problem.message} ({problem.suggestion})"
    assert md_escape(text) in at.error[0].value
    assert list(at.dataframe[0].value.code) == codes
    assert "Preview" not in values(at.subheader)


VIRTUAL_LAYER = (b'<OGRVRTDataSource><OGRVRTLayer name="passwd"><SrcDataSource>CSV:/etc/passwd</SrcDataSource>'
                 b"<SrcSQL dialect=\"sqlite\">SELECT 'POLYGON((37 49,38 49,38 50,37 49))' AS wkt, *, '#a52714' AS fill "
                 b'FROM passwd</SrcSQL><GeometryField encoding="WKT" field="wkt"/></OGRVRTLayer></OGRVRTDataSource>')


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("leak.geojson", VIRTUAL_LAYER, "a GeoJSON file"),
    ("leak.json", VIRTUAL_LAYER, "a GeoJSON file"),
    ("leak.kml", VIRTUAL_LAYER, "a KML file"),
    ("leak.gpkg", VIRTUAL_LAYER, "a GeoPackage file"),
])
def test_a_gdal_virtual_layer_under_any_layer_name_is_refused_and_reads_nothing(events, monkeypatch, name, data, kind):
    """GDAL picks its reader by content: this file, named as a layer, listed the lines of /etc/passwd (and of the
    editor secret's file) as the names of polygons on this page."""
    at = run_page(SECRET, monkeypatch)
    at.file_uploader(key="upload_files").set_value([(name, data, "application/octet-stream")]).run()
    at.date_input(key=f"layer-day-{name}").set_value(date(2025, 11, 25)).run()
    assert not at.exception
    assert [e.label for e in at.expander] == [f"{md_escape(name)}: 0 rows, 1 errors, 0 warnings"]
    assert md_escape(f"the file is not {kind}: it is a GDAL virtual layer (<OGRVRTDataSource>), which reads other "
                     "files; such files are never opened") in at.error[0].value
    assert list(at.dataframe[0].value.code) == ["not_a_layer"]
    shown = " ".join(str(e.value) for e in (*at.error, *at.markdown, *at.caption, *at.info))
    assert "root:" not in shown and "/bin/" not in shown
    assert "Preview" not in values(at.subheader)


def test_a_kmz_holding_a_virtual_layer_is_refused(events, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.kml", VIRTUAL_LAYER)
    at = run_page(None, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("leak.kmz", buffer.getvalue(), "application/zip")]).run()
    at.date_input(key="layer-day-leak.kmz").set_value(date(2025, 11, 25)).run()
    assert not at.exception
    # Stored (not compressed), the virtual layer's text shows in the zip's bytes themselves.
    assert md_escape("the file is not a KMZ file: it is a GDAL virtual layer (<OGRVRTDataSource>)") in \
        at.error[0].value


def test_a_layer_over_its_size_limit_is_refused_before_it_is_read(events, monkeypatch):
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    def unread(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(UploadedFile, "getvalue", unread)
    monkeypatch.setattr(limits, "MAX_LAYER_BYTES", 1000)
    at = run_page(None, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("big.geojson", b"x" * 1001, "application/geo+json")]).run()
    assert not at.exception
    assert [e.label for e in at.expander] == [f"{md_escape('big.geojson')}: 0 rows, 1 errors, 0 warnings"]
    assert md_escape("the layer is too large: 0.0 MB (the limit is 5 MB per layer)") in at.error[0].value


def test_reruns_do_not_convert_a_layer_again(events, monkeypatch):
    """A layer is converted once per content, preset, day and series: typing the secret reruns nothing of it."""
    converted = []
    check_layer = layer_upload.check_layer

    def counting(name, data, *args, **kwargs):
        converted.append(name)
        return check_layer(name, data, *args, **kwargs)

    monkeypatch.setattr(layer_upload, "check_layer", counting)
    data = (LAYERS / "kupiansk.geojson").read_bytes() + b"\n" * 3  # content not converted by another test
    at = run_page(SECRET, monkeypatch)
    at.file_uploader(key="upload_files").set_value([("kupiansk.geojson", data, "application/geo+json")]).run()
    at.date_input(key="layer-day-kupiansk.geojson").set_value(date(2025, 11, 24)).run()
    assert not at.exception and "Preview" in values(at.subheader)
    assert converted == ["kupiansk.geojson", "kupiansk.geojson"]  # without a day, then with it
    at.text_input(key="editor_secret").set_value(SECRET).run()
    assert not at.exception
    assert len(converted) == 2
