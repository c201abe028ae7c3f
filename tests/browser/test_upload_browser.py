"""The Upload page driven in Chromium: validation, preview, Try (this session only), Save, Undo, broken files.

Isolation: the app under test is a copy (streamlit_app.py, dashboard.py, pages/, app/, controlmap/,
data/events.csv, data/geo/, .streamlit/config.toml) in a temporary folder, served with that folder as working
directory and PYTHONPATH, so the copied ``controlmap.paths`` points at the copied data/events.csv.
``repository_data_untouched`` checks that the repository's own data/ is byte-identical after the module; every
test starts from the copy's original events file and the tests that do not save check that it is still
byte-identical at the end.

Expected messages, rows and counts come from the project's own engine (Validator, plan_merge,
check_upload_limits) run here on the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from playwright.sync_api import expect

from controlmap import limits
from controlmap.areas import layer_upload
from controlmap.events import editor, merge, store, uploads, writing
from controlmap.events.fields import choose_settlements
from controlmap.events.uploads import combine
from controlmap.timeline.dataset import Dataset
from controlmap.web.offline import LEAFLET_SOURCE, install_leaflet
from tests.browser.conftest import ROOT, streamlit_server
from tests.browser.test_dashboard_browser import map_frame

pytestmark = pytest.mark.browser

BAD_DIR = ROOT / "tests" / "fixtures" / "bad"
UPLOAD_DIR = ROOT / "tests" / "fixtures" / "upload"
LAYER_DIR = ROOT / "tests" / "fixtures" / "layers"
SECRET = "s3cret"
APP_FILES = ("streamlit_app.py", "dashboard.py", "pages", "app", "controlmap", ".streamlit/config.toml",
             "data/events.csv", "data/region.json", "data/geo")
# Opening a sub-page URL directly makes Streamlit's frontend probe these two (404) before it finds the app.
SUBPAGE_PROBES = {"/Upload/_stcore/health", "/Upload/_stcore/host-config"}
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"
TEST_SOURCE = "Upload test (browser)"
TIMEOUT_MS = 30_000

expect.set_options(timeout=TIMEOUT_MS)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the served copy


@dataclass
class ServedApp:
    url: str
    root: Path
    original: bytes  # data/events.csv as copied

    @property
    def events(self) -> Path:
        return self.root / "data" / "events.csv"

    @property
    def history(self) -> Path:
        return self.root / "data" / "history"

    def history_files(self) -> set[str]:
        return {p.name for p in self.history.glob("*")} if self.history.is_dir() else set()

    def log(self) -> list[dict]:
        log = self.history / store.LOG_NAME
        return [json.loads(line) for line in log.read_text("utf-8").splitlines()] if log.exists() else []


def copy_app(target: Path) -> Path:
    for name in APP_FILES:
        source, destination = ROOT / name, target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.lock", "history"))
        else:
            shutil.copy2(source, destination)
    install_leaflet(target / "static")  # served at /app/static/ from the copy's own folder
    return target


def app_environment(app_dir: Path, secret: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (editor.SECRET_ENV, "PYTHONPATH")}
    env["PYTHONPATH"] = str(app_dir)
    if secret is not None:
        env[editor.SECRET_ENV] = secret
    return env


def imported_events_path(app_dir: Path, env: dict[str, str]) -> Path:
    """The events file ``controlmap.paths`` names for a process started like the server."""
    command = [sys.executable, "-c", "from controlmap import paths; print(paths.EVENTS_CSV)"]
    out = subprocess.run(command, cwd=app_dir, env=env, capture_output=True, text=True, check=True).stdout
    return Path(out.strip())


@contextlib.contextmanager
def serve_copy(app_dir: Path, secret: str | None) -> Iterator[str]:
    """``streamlit run streamlit_app.py`` inside ``app_dir`` (as ./scripts/run.sh), importing the copy's own
    ``controlmap``."""
    env = app_environment(app_dir, secret)
    assert imported_events_path(app_dir, env) == app_dir / "data" / "events.csv"
    with streamlit_server("streamlit_app.py", env, cwd=app_dir) as base_url:
        yield base_url


def data_snapshot(data_dir: Path) -> dict[str, str]:
    """sha256 of every file under the repository's data/ (history and lock files included)."""
    return {p.relative_to(data_dir).as_posix(): sha256(p.read_bytes()) for p in sorted(data_dir.rglob("*"))
            if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def repository_data_untouched() -> Iterator[None]:
    before = data_snapshot(ROOT / "data")
    yield
    assert data_snapshot(ROOT / "data") == before, "the tests changed the repository's data/"


@pytest.fixture(scope="module")
def editor_app(tmp_path_factory) -> Iterator[ServedApp]:
    root = copy_app(tmp_path_factory.mktemp("upload-editor"))
    with serve_copy(root, SECRET) as url:
        yield ServedApp(url, root, (root / "data" / "events.csv").read_bytes())


@pytest.fixture(scope="module")
def viewer_app(tmp_path_factory) -> Iterator[ServedApp]:
    root = copy_app(tmp_path_factory.mktemp("upload-viewer"))
    with serve_copy(root, None) as url:
        yield ServedApp(url, root, (root / "data" / "events.csv").read_bytes())


@pytest.fixture
def app(editor_app) -> Iterator[ServedApp]:
    """The editor app, checked to start from the copied events file; tests that save must undo."""
    assert editor_app.events.read_bytes() == editor_app.original
    yield editor_app


@pytest.fixture(scope="module")
def engine(editor_app) -> Dataset:
    """The served copy's data, loaded by the project's engine."""
    return Dataset.load(editor_app.events, editor_app.root / "data" / "geo")


# ---------------------------------------------------------------- what the page should show


def shipped_row(app: ServedApp) -> dict[str, str]:
    """The first event of the copied file, by column name."""
    return next(csv.DictReader(io.StringIO(app.original.decode("utf-8"))))


def good_upload(app: ServedApp) -> bytes:
    """tests/fixtures/upload/good.csv (two new events) plus one row the data file already holds."""
    good = (UPLOAD_DIR / "good.csv").read_bytes()
    header = next(csv.reader(io.StringIO(good.decode("utf-8"))))
    buffer = io.StringIO()
    row = shipped_row(app)
    csv.writer(buffer, lineterminator="\n").writerow([row.get(column, "") for column in header])
    return good + buffer.getvalue().encode("utf-8")


def plan_for(engine: Dataset, *files: bytes) -> merge.MergePlan:
    """What the page plans for files without errors (as the page does: every file's events, re-validated)."""
    events = [engine.validator.validate(data).events for data in files]
    combined = engine.validator.validate(writing.render_events(pd.concat(events, ignore_index=True)))
    assert combined.ok
    return merge.plan_merge(engine.validation, combined)


def summary_text(plan: merge.MergePlan) -> str:
    s = plan.summary()
    return (f"{s['added']} new events, {s['duplicates_skipped']} exact duplicates skipped, "
            f"{s['conflicts']} conflicts with existing statements (added, flagged).")  # fmt: skip


def header_text(name: str, engine: Dataset, data: bytes) -> str:
    over_limits = uploads.check_upload_limits(data)
    result = None if over_limits else engine.validator.validate(data)
    problems = over_limits or result.problems
    errors = [p for p in problems if p.severity == "error"]
    return (f"{name}: {result.rows if result else 0:,} rows, {len(errors)} errors, "
            f"{len(problems) - len(errors)} warnings")  # fmt: skip


def problem_text(problem) -> str:
    """As the page words a problem: the engine's own text, without "line 0" for a whole-file problem."""
    if problem.line:
        return str(problem)
    return f"{problem.message} ({problem.suggestion})" if problem.suggestion else problem.message


def key_of(frame: pd.DataFrame) -> list[tuple]:
    dates = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    return sorted(zip(dates, frame.katottg, frame.status, frame.claimed_by, frame.source, strict=True))


# ---------------------------------------------------------------- driving the page


def track_console(page) -> list[tuple[str, str]]:
    """Console errors and uncaught page errors as (text, url); must be called before the first goto."""
    seen: list[tuple[str, str]] = []
    page.on("console", lambda m: m.type == "error" and seen.append((m.text, m.location.get("url", ""))))
    page.on("pageerror", lambda error: seen.append((str(error), "")))
    page.console_seen = seen
    return seen


def console_errors(page) -> list[tuple[str, str]]:
    """Everything but the two 404 probes of a directly opened sub-page URL."""
    return [(text, url) for text, url in page.console_seen
            if not (text == NOT_FOUND and urlsplit(url).path in SUBPAGE_PROBES)]  # fmt: skip


def open_upload(page, app: ServedApp) -> None:
    track_console(page)
    page.goto(f"{app.url}/Upload")
    expect(page.get_by_role("heading", name="Upload event CSVs")).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()


def upload(page, *files: tuple[str, bytes], mime_type: str = "text/csv") -> None:
    page.get_by_test_id("stFileUploader").locator('input[type="file"]').set_input_files(
        [{"name": name, "mimeType": mime_type, "buffer": data} for name, data in files]
    )


def expander(page, header: str):
    return page.get_by_test_id("stExpander").filter(has_text=header)


def alert(page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


def table_after(page, title: str):
    """The st.dataframe right after the bold title ``title``."""
    return page.locator(
        f'xpath=//div[@data-testid="stElementContainer"][.//strong[normalize-space()="{title}"]]'
        '/following-sibling::div[1]//div[@data-testid="stDataFrame"]'
    )


def grid(table) -> list[dict[str, str]]:
    """The rows of an st.dataframe, read from the grid's accessible table (the grid itself is a canvas)."""
    expect(table.locator('[role="gridcell"]').first).to_be_attached()
    headers, rows = table.evaluate(
        """el => [
            [...el.querySelectorAll('[role="columnheader"]')].map(h => h.textContent),
            [...el.querySelectorAll('tbody [role="row"]')].map(
                r => [...r.querySelectorAll('[role="gridcell"]')].map(c => c.textContent)),
        ]"""
    )
    return [dict(zip(headers, row, strict=True)) for row in rows]


def download(page, button_name: str) -> list[dict[str, str]]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button_name).click()
    return list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))


def page_still_works(page) -> None:
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert console_errors(page) == []


def enter_secret(page, secret: str) -> None:
    """Types the secret and applies it (the buttons that need it wait until they are enabled when clicked)."""
    field = page.get_by_label("Editor secret")
    field.fill(secret)
    field.press("Enter")
    expect(page.get_by_text("Press Enter to apply")).to_have_count(0)


# ---------------------------------------------------------------- good uploads


def test_a_good_upload_is_tried_in_this_session_only_then_saved_and_undone(browser, page, app, engine):
    before = app.original
    history_before, log_before = app.history_files(), len(app.log())
    data = good_upload(app)
    plan = plan_for(engine, data)
    assert plan.summary() == {"mode": "merge", "added": 2, "duplicates_skipped": 1, "conflicts": 0}
    shipped_count = len(engine.events)

    # validation and preview
    open_upload(page, app)
    upload(page, ("good.csv", data))
    expect(expander(page, "good.csv: 3 rows, 0 errors, 0 warnings")).to_be_visible()
    expect(page.get_by_text(summary_text(plan))).to_be_visible()
    expect(alert(page, "Fix the errors")).to_have_count(0)
    new_rows = grid(table_after(page, "New events"))
    assert [(r["date"], r["settlement"], r["katottg"], r["source"], r["note"]) for r in new_rows] == [
        ("2023-05-01", "Kupiansk", plan.new.katottg[0], TEST_SOURCE, "first test event"),
        ("2023-05-02", "Balakliia", plan.new.katottg[1], TEST_SOURCE, "second test event"),
    ]
    duplicate = shipped_row(app)
    assert [r["source"] for r in grid(table_after(page, "Duplicates skipped"))] == [duplicate["source"]]
    duplicates = download(page, "Download: duplicates skipped (CSV)")  # every column, the grid shows a few
    assert [(r["date"], r["katottg"], r["source"], r["existing_line"]) for r in duplicates] == [
        (duplicate["date"], plan.duplicates.katottg[0], duplicate["source"], "2")
    ]

    # Try: this session's map page includes the events, another browser context does not
    page.get_by_role("button", name="Show these events on every page, for this session only").click()
    expect(alert(page, "Applied for this browser session")).to_contain_text("your 2 new events")
    page.get_by_test_id("stSidebarNavLink").filter(has_text="dashboard").click()
    expect(map_frame(page).locator("#cm-version")).to_contain_text(
        f"From data/events.csv ({shipped_count + 2:,} events + your uploaded events, this session only), sha256 ")
    other = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        other_page = other.new_page()
        other_page.goto(app.url)
        expect(map_frame(other_page).locator("#cm-version")).to_contain_text(
            f"From data/events.csv ({shipped_count:,} events), sha256 ")
    finally:
        other.close()
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Upload").click()
    expect(alert(page, "Your session is showing uploaded events on every page.")).to_be_visible()
    assert app.events.read_bytes() == before  # trying wrote nothing

    # Save (merge) with the secret
    upload(page, ("good.csv", data))
    expect(page.get_by_text(summary_text(plan))).to_be_visible()
    rows_before = engine.validation.rows
    enter_secret(page, SECRET)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(alert(page, "saved: ")).to_have_text(f"saved: 2 events added, {rows_before} → {rows_before + 2} rows")
    after = app.events.read_bytes()
    assert after.startswith(before)  # merge appends; the existing rows' bytes stay
    saved = engine.validator.validate(after)
    assert saved.ok and saved.rows == rows_before + 2
    assert key_of(saved.events[saved.events.source == TEST_SOURCE]) == key_of(plan.new)
    assert len(saved.events) == shipped_count + 2
    [entry] = app.log()[log_before:]
    assert {k: entry[k] for k in ("action", "author", "added", "duplicates_skipped", "rows_before", "rows_after")} == {
        "action": "merge", "author": "dashboard", "added": 2, "duplicates_skipped": 1,
        "rows_before": rows_before, "rows_after": rows_before + 2,
    }  # fmt: skip
    assert (entry["sha256_before"], entry["sha256_after"]) == (sha256(before), sha256(after))
    assert (app.history / entry["previous"]).read_bytes() == before
    assert app.history_files() - history_before == {entry["previous"]} | ({store.LOG_NAME} - history_before)
    expect(table_after(page, "History of saves")).to_be_attached()

    # Undo restores the file byte for byte
    page.get_by_role("button", name=f"Undo my last save (the merge of {entry['when']})").click()
    expect(alert(page, "undid the")).to_have_text(f"undid the merge of {entry['when']}: restored {entry['previous']}")
    assert sha256(app.events.read_bytes()) == sha256(before)
    [_, undo] = app.log()[log_before:]
    assert (undo["action"], undo["undoes"], undo["sha256_after"]) == ("undo", entry["id"], sha256(before))
    assert console_errors(page) == []


def test_a_wrong_secret_saves_and_undoes_nothing(page, app, engine):
    history = app.history_files()
    open_upload(page, app)
    upload(page, ("good.csv", good_upload(app)))
    expect(page.get_by_text(summary_text(plan_for(engine, good_upload(app))))).to_be_visible()
    save = page.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_disabled()  # no secret typed yet
    enter_secret(page, "not-the-secret")
    save.click()
    expect(alert(page, "Wrong editor secret")).to_have_text("Wrong editor secret: nothing was saved.")
    expect(page.get_by_text("Nothing to undo.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    assert app.events.read_bytes() == app.original
    assert app.history_files() == history
    assert console_errors(page) == []


def test_replace_needs_a_confirmation_and_undo_restores_the_file(page, app, engine):
    data = good_upload(app)
    replace = merge.plan_merge(engine.validation, engine.validator.validate(data), replace=True).summary()
    open_upload(page, app)
    upload(page, ("good.csv", data))
    page.get_by_text("Replace data/events.csv with the upload").click()
    expect(alert(page, "Replace writes the upload as the whole file")).to_contain_text(
        f"{replace['added']} new, {replace['unchanged']} unchanged and {replace['removed']} events of "
        "data/events.csv removed"
    )
    enter_secret(page, SECRET)
    save = page.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_disabled()
    page.get_by_text(f"Yes, remove {replace['removed']} events from data/events.csv").click()
    expect(save).to_be_enabled()
    save.click()
    expect(alert(page, "saved: ")).to_contain_text("saved: 2 events added")
    replaced = engine.validator.validate(app.events.read_bytes())
    assert replaced.rows == 3 and key_of(replaced.events) == key_of(engine.validator.validate(data).events)
    page.get_by_role("button", name=re.compile(r"^Undo my last save \(the replace of ")).click()
    expect(alert(page, "undid the replace of")).to_be_visible()
    assert app.events.read_bytes() == app.original
    assert console_errors(page) == []


def test_without_a_secret_saving_is_disabled_and_explained(page, viewer_app, engine):
    open_upload(page, viewer_app)
    upload(page, ("good.csv", good_upload(viewer_app)))
    expect(page.get_by_text(summary_text(plan_for(engine, good_upload(viewer_app))))).to_be_visible()
    expect(alert(page, "Saving is disabled")).to_have_text(
        "Saving is disabled: no editor secret is configured. To enable it, set the environment variable "
        "CONTROLMAP_EDITOR_SECRET or editor_secret in .streamlit/secrets.toml, then restart the app. "
        "Viewing and trying never need it."
    )
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    expect(page.get_by_label("Editor secret")).to_have_count(0)
    assert viewer_app.events.read_bytes() == viewer_app.original
    assert not viewer_app.history.exists()
    assert console_errors(page) == []


def test_an_ambiguous_settlement_is_settled_by_picking_a_candidate(page, app, engine):
    data = (BAD_DIR / "ambiguous_settlement.csv").read_bytes()
    [error] = engine.validator.validate(data).errors
    [candidate] = [m for m in engine.resolver.resolve("Bairak").matches if m["hromada_en"] == "Balakliiska"]
    fixed = choose_settlements(data, {"Bairak": candidate["katottg"]})
    open_upload(page, app)
    upload(page, ("ambiguous_settlement.csv", data))
    expect(alert(page, "ambiguous_settlement.csv: 1 errors")).to_contain_text(problem_text(error))
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Which “Bairak”?")
    picker.click()
    options = page.get_by_role("option")
    expect(options).to_have_count(1 + len(engine.resolver.resolve("Bairak").matches))  # "choose…" + candidates
    options.filter(has_text=candidate["katottg"]).click()
    expect(expander(page, "ambiguous_settlement.csv: 2 rows, 0 errors, 0 warnings")).to_be_visible()
    expect(page.get_by_text("Settlements you picked:")).to_have_text(
        f"Settlements you picked: Bairak → {candidate['katottg']}"
    )
    expect(page.get_by_text(summary_text(plan_for(engine, fixed)))).to_be_visible()
    assert candidate["katottg"] in [r["katottg"] for r in grid(table_after(page, "New events"))]
    assert app.events.read_bytes() == app.original
    page_still_works(page)


# ---------------------------------------------------------------- a control-area layer


def test_a_control_area_layer_is_dated_converted_previewed_and_tried(page, app, engine):
    """tests/fixtures/layers/kupiansk.geojson (Kupiansk occupied, Kupiansk-Vuzlovyi grey) on the shipped gazetteer:
    its name carries no date, so the page asks for the day; then its rows are previewed and tried like a CSV's."""
    name, day = "kupiansk.geojson", date(2025, 11, 25)
    data = (LAYER_DIR / name).read_bytes()
    checked = layer_upload.check_layer(name, data, engine.validator, day=day)
    plan = combine([checked], engine.validator, engine.validation).plan
    assert checked.ok and plan.summary()["added"] == checked.rows == 1676

    open_upload(page, app)
    upload(page, (name, data), mime_type="application/geo+json")
    expect(page.get_by_role("heading", name="Control-area layers")).to_be_visible()
    expect(alert(page, f"{name}: 1 errors")).to_contain_text("the layer has no date")
    expect(page.get_by_role("heading", name="Preview")).to_have_count(0)

    expect(page.get_by_text(f"{name}: its file name carries no date the preset recognises.")).to_be_visible()
    field = page.get_by_test_id("stDateInput").filter(has_text="Day the map shows")
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.get_by_role("heading", name="Control-area layers").click()  # the date is sent when the field loses focus
    expect(expander(page, f"{name}: {checked.rows:,} rows, 0 errors, 0 warnings")).to_be_visible()
    expect(page.get_by_text(summary_text(plan))).to_be_visible()
    shown = grid(table_after(page, "New events"))  # the grid draws the rows and columns in view: the first ones
    expected = plan.new.head(len(shown))
    assert len(shown) >= 5
    assert [(r["date"], r["settlement"], r["katottg"], r["status"]) for r in shown] == list(zip(
        pd.to_datetime(expected.date).dt.strftime("%Y-%m-%d"), expected.settlement, expected.katottg, expected.status,
        strict=True))
    assert {r["source"] for r in shown} == {"DeepStateMap (uploaded layer)"}
    every = {r["katottg"]: r for r in download(page, "Download: new events (CSV)")}
    assert len(every) == checked.rows
    assert (every["UA63080090010026457"]["status"], every["UA63080090030044417"]["status"]) == ("ru", "contested")
    assert {r["url"] for r in every.values()} == {""}
    assert every["UA63080090010026457"]["note"] == (
        "derived: the point of the settlement lies in the occupied layer of the map dated 2025-11-25 by the uploader "
        f"(uploaded file {name}, sha256 {sha256(data)})")

    page.get_by_role("button", name="Show these events on every page, for this session only").click()
    expect(alert(page, "Applied for this browser session")).to_contain_text(f"your {checked.rows} new events")
    page.get_by_test_id("stSidebarNavLink").filter(has_text="dashboard").click()
    expect(map_frame(page).locator("#cm-version")).to_contain_text(
        f"({len(engine.events) + checked.rows:,} events + your uploaded events, this session only)")
    assert app.events.read_bytes() == app.original  # trying wrote nothing
    assert console_errors(page) == []


def test_a_gdal_virtual_layer_uploaded_as_geojson_reads_no_server_file(page, app):
    """GDAL picks its reader by content: an XML virtual layer named leak.geojson was opened, and the lines of any file
    the server can read (here a file beside the served app) were listed on this page as polygon names."""
    canary = app.root / "canary.csv"
    canary.write_text("name\nCANARY-5d1e77\n", encoding="utf-8")
    data = (f'<OGRVRTDataSource><OGRVRTLayer name="canary"><SrcDataSource>CSV:{canary}</SrcDataSource>'
            "<SrcSQL dialect=\"sqlite\">SELECT 'POLYGON((37 49,38 49,38 50,37 49))' AS wkt, *, '#a52714' AS fill "
            'FROM canary</SrcSQL><GeometryField encoding="WKT" field="wkt"/></OGRVRTLayer></OGRVRTDataSource>'
            ).encode()
    open_upload(page, app)
    upload(page, ("leak.geojson", data), mime_type="application/geo+json")
    field = page.get_by_test_id("stDateInput").filter(has_text="Day the map shows")
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type("20251125")
    page.get_by_role("heading", name="Control-area layers").click()
    expect(alert(page, "leak.geojson: 1 errors")).to_contain_text(
        "the file is not a GeoJSON file: it is a GDAL virtual layer (<OGRVRTDataSource>), which reads other files; "
        "such files are never opened")
    expect(page.get_by_role("heading", name="Preview")).to_have_count(0)
    assert "CANARY-5d1e77" not in page.content()
    assert app.events.read_bytes() == app.original
    canary.unlink()
    page_still_works(page)


# ---------------------------------------------------------------- broken files


def png_bytes() -> bytes:
    data = (LEAFLET_SOURCE / "images" / "layers.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


def too_large() -> bytes:
    row = b"2023-05-01,Kupiansk,ua,independent,Upload test (size),https://example.org/upload-test/size\n"
    data = b"date,settlement,status,claimed_by,source,url\n" + row * (6_000_000 // len(row))
    assert limits.MAX_UPLOAD_BYTES < len(data)  # over the limit, which the uploader itself enforces
    return data


def too_many_rows() -> bytes:
    data = b"date,settlement,status,claimed_by,source\n" + b"2023-05-01,Izium,ua,ua,X\n" * (limits.MAX_UPLOAD_ROWS + 1)
    assert len(data) < limits.MAX_UPLOAD_BYTES
    return data


GENERATED = {
    "zero_bytes.csv": lambda: b"",
    "picture.csv": png_bytes,  # a real PNG renamed .csv
    "too_large.csv": too_large,
    "too_many_rows.csv": too_many_rows,
}
BROKEN = [*(p.name for p in sorted(BAD_DIR.glob("*.csv"))), *GENERATED]


def broken_bytes(name: str) -> bytes:
    return GENERATED[name]() if name in GENERATED else (BAD_DIR / name).read_bytes()


@pytest.fixture(scope="module")
def corpus_page(browser, editor_app) -> Iterator:
    """One session for the whole corpus: each file is checked after the previous one was removed, so every
    test also shows that the page keeps working after a broken file."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_upload(page, editor_app)
    yield page
    context.close()


def clear_uploads(page) -> None:
    chips = page.get_by_test_id("stFileChipDeleteBtn").get_by_role("button")
    while chips.count():
        chips.first.click()
    expect(alert(page, "Choose one or more CSV files to check them.")).to_be_visible()
    expect(page.get_by_test_id("stExpander")).to_have_count(0)


@pytest.mark.parametrize("name", BROKEN)
def test_each_broken_file_gets_its_message_and_changes_nothing(corpus_page, app, engine, name):
    page = corpus_page
    clear_uploads(page)
    data = broken_bytes(name)
    over_limits = uploads.check_upload_limits(data)
    result = None if over_limits else engine.validator.validate(data)
    errors = over_limits or result.errors
    upload(page, (name, data))
    if name == "too_large.csv":  # the uploader refuses it (max_upload_size): the page never receives it
        uploader = page.get_by_test_id("stFileUploader")
        expect(uploader).to_contain_text(f"File must be {limits.MAX_UPLOAD_MB}")
        expect(uploader).to_contain_text("or smaller")
        expect(page.get_by_test_id("stExpander")).to_have_count(0)
        assert app.events.read_bytes() == app.original
        page_still_works(page)
        return
    expect(expander(page, header_text(name, engine, data))).to_be_visible()
    if errors:
        expect(alert(page, f"{name}: {len(errors)} errors")).to_contain_text(problem_text(errors[0]))
        expect(alert(page, "Fix the errors above")).to_be_visible()
        expect(page.get_by_role("heading", name="Preview")).to_have_count(0)
        expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    else:  # the readable_* files and odd_but_valid.csv: read fine, preview as the engine plans
        expect(page.get_by_text(summary_text(plan_for(engine, data)))).to_be_visible()
    assert app.events.read_bytes() == app.original
    page_still_works(page)


def test_markup_in_a_note_is_literal_text_and_never_runs(page, app):
    data = (UPLOAD_DIR / "script_note.csv").read_bytes()
    note = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    open_upload(page, app)
    upload(page, ("script_note.csv", data))
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    [row] = grid(table_after(page, "New events"))
    assert row["note"] == note
    assert download(page, "Download: new events (CSV)")[0]["note"] == note
    page.get_by_role("button", name="Show these events on every page, for this session only").click()
    expect(alert(page, "Applied for this browser session")).to_be_visible()
    expect(page.locator("iframe").first).to_be_attached()
    for frame in page.frames:
        assert frame.evaluate("typeof window.__xss") == "undefined", frame.url
        assert frame.locator('img[src="x"]').count() == 0
    assert app.events.read_bytes() == app.original
    page_still_works(page)


def test_formulas_are_refused_shown_as_text_and_neutralised_in_the_downloads(page, app):
    formula = '=HYPERLINK("http://evil.example","click")'
    open_upload(page, app)
    upload(page, ("formula_source.csv", (UPLOAD_DIR / "formula_source.csv").read_bytes()))
    expect(alert(page, "formula_source.csv: 1 errors")).to_contain_text("the source begins with '='")
    expect(page.get_by_role("heading", name="Preview")).to_have_count(0)
    problems = page.get_by_test_id("stExpander").filter(has_text="formula_source.csv: ")
    assert [(r["code"], r["value"]) for r in grid(problems.get_by_test_id("stDataFrame"))] == [
        ("formula_like", formula)
    ]

    bad_name = '=HYPERLINK("http://evil.example","Kupiansk")'
    upload(page, ("formula_settlement.csv", (UPLOAD_DIR / "formula_settlement.csv").read_bytes()))
    expect(alert(page, "formula_settlement.csv: 2 errors")).to_contain_text(f"unknown settlement '{bad_name}'")
    problems = page.get_by_test_id("stExpander").filter(has_text="formula_settlement.csv: ")
    assert [r["value"] for r in grid(problems.get_by_test_id("stDataFrame"))] == [bad_name, bad_name]
    with page.expect_download() as info:
        problems.get_by_role("button", name="Download the problems (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert [r["value"] for r in rows] == ["'" + bad_name, "'" + bad_name]
    assert app.events.read_bytes() == app.original
    page_still_works(page)


def test_a_line_contradicting_the_data_file_blocks_try_and_save(page, app, engine):
    first = engine.events.iloc[0]
    other = next(s for s in ("ua", "ru", "contested") if s != first.status)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(
        [
            ["date", "katottg", "status", "claimed_by", "source"],
            [first.date.strftime("%Y-%m-%d"), first.katottg, other, first.claimed_by, first.source],
        ]
    )
    data = buffer.getvalue().encode("utf-8")
    [problem] = plan_for(engine, data).problems
    open_upload(page, app)
    upload(page, ("contradiction.csv", data))
    expect(alert(page, "1 lines contradict data/events.csv")).to_contain_text(problem_text(problem))
    expect(page.get_by_role("button", name="Show these events on every page, for this session only")).to_have_count(0)
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    assert app.events.read_bytes() == app.original
    page_still_works(page)


def test_the_same_rows_in_two_files_are_reported_not_merged(page, app, engine):
    data = (UPLOAD_DIR / "good.csv").read_bytes()
    events = engine.validator.validate(data).events
    combined = engine.validator.validate(writing.render_events(pd.concat([events, events], ignore_index=True)))
    open_upload(page, app)
    upload(page, ("first.csv", data), ("second.csv", data))
    expect(expander(page, "second.csv: 2 rows, 0 errors, 0 warnings")).to_be_visible()
    expect(alert(page, "The files together have errors")).to_contain_text(problem_text(combined.errors[0]))
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    assert app.events.read_bytes() == app.original
    page_still_works(page)
