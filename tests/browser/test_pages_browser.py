"""The analyst pages in headless Chromium: links reopen the same view, downloads hold the rows shown, maps
load nothing from outside the machine.

Uses the server and page fixtures of tests/browser/conftest.py (``streamlit_app`` runs streamlit_app.py, which
serves dashboard.py and its pages/ folder). Expectations come from the engine on whatever data/events.csv holds.
"""

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from controlmap.timeline import exports, history
from controlmap.timeline.dataset import Dataset

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOVA_HUSARIVKA = "UA63040010210040302"
KUPIANSK = "UA63080090010026457"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def engine() -> Dataset:
    return Dataset.load()


@pytest.fixture(scope="module")
def base_url(streamlit_app) -> str:
    return streamlit_app(ROOT / "streamlit_app.py")


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator("[data-testid=stApp]").wait_for(timeout=TIMEOUT_MS)
    # the script has finished once the sources caption, always the last element, is drawn
    page.get_by_text("areas: each settlement's cell within its hromada").last.wait_for(timeout=TIMEOUT_MS)


def date_shown(page, label: str) -> str:
    """The date in the date input labelled `label`, as YYYY-MM-DD."""
    field = page.locator("[data-testid=stDateInput]").filter(has_text=label).first
    return "".join(re.findall(r"[\d-]", field.inner_text()))


def grid_rows(page, key: str) -> tuple[int, list[list[str]]]:
    """(row count, the rows drawn) of the st.dataframe in the container keyed `key`, read from the grid's
    accessible table (the canvas draws only what is visible; aria-rowcount counts every row and the header)."""
    table = page.locator(f".st-key-{key} table[role=grid]")
    table.wait_for(state="attached", timeout=TIMEOUT_MS)
    count = int(table.get_attribute("aria-rowcount")) - 1
    rows = [[cell.inner_text() for cell in row.locator("td").all()] for row in table.locator("tbody tr").all()]
    return count, rows


def download(page, key: str) -> str:
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.locator(f".st-key-{key} button").click()
    return Path(info.value.path()).read_text("utf-8")


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_compare_link_reopens_the_same_dates_and_changes(page, base_url, engine):
    first, second = "2022-09-06", "2022-09-12"
    open_page(page, f"{base_url}/Compare_dates?from={first}&to={second}")
    assert [first, second] == [date_shown(page, "From"), date_shown(page, "To")]
    expected = engine.timeline().changes(first, second)
    plural = "s" if len(expected) != 1 else ""
    heading = f"{len(expected)} settlement{plural} changed hands between {first} and {second}"
    expect(page.get_by_text(heading)).to_be_visible()
    if len(expected):
        count, rows = grid_rows(page, "compare_table")
        assert len(expected) == count
        # The table's columns: name, other name, from, to, the statement responsible, … (katottg after raion).
        assert list(expected.name_en[: len(rows)]) == [row[0] for row in rows]
        assert list(expected.to_status[: len(rows)]) == [row[3] for row in rows]
    document = csv_rows(download(page, "compare_download_csv"))
    assert list(expected.katottg) == [row["katottg"] for row in document]
    assert csv_rows(exports.changes_csv(engine.timeline(), first, second)) == document
    assert f"from={first}" in page.url and f"to={second}" in page.url
    assert page.recorder.external_requests == []


def test_an_example_button_writes_its_dates_to_the_url(page, base_url):
    open_page(page, f"{base_url}/Compare_dates")
    page.get_by_role("button", name="May 2024 offensive north of Kharkiv").click()
    expect(page).to_have_url(re.compile(r"from=2024-05-09.*to=2024-06-15|to=2024-06-15.*from=2024-05-09"),
                             timeout=TIMEOUT_MS)
    expect(page.get_by_text("changed hands between 2024-05-09 and 2024-06-15")).to_be_visible(timeout=TIMEOUT_MS)
    assert [date_shown(page, "From"), date_shown(page, "To")] == ["2024-05-09", "2024-06-15"]


@pytest.mark.parametrize("claimant", ["independent", "ru"])
def test_the_events_download_holds_exactly_the_filtered_rows(page, base_url, engine, claimant):
    open_page(page, f"{base_url}/Events?claimants={claimant}")
    expected = history.filter_events(engine.events, claimants=[claimant])
    expected = expected.sort_values(["date", "line"], kind="stable")  # oldest first, as the table shows them
    expect(page.get_by_text(f"{len(expected):,} of {len(engine.events):,} events")).to_be_visible()
    rows = csv_rows(download(page, "events_download"))
    assert len(expected) == len(rows)
    assert {claimant} == {row["claimed_by"] for row in rows} or not rows
    wanted = history.events_export(expected, engine.gazetteer.settlements)
    assert csv_rows(exports.to_safe_csv(wanted)) == rows


def test_a_town_link_from_the_map_shows_the_settlement(page, base_url, engine):
    info = history.settlement_info(engine.gazetteer.settlements, KUPIANSK)
    with (ROOT / "data" / "events.csv").open(encoding="utf-8", newline="") as file:  # read here, not by the package
        statements = [row for row in csv.DictReader(file) if row["katottg"] == KUPIANSK]
    open_page(page, f"{base_url}/Town_history?settlement={KUPIANSK}")
    expect(page.get_by_role("heading", name=info["name_en"], exact=True)).to_be_visible()
    expect(page.get_by_text(f"{info['hromada_en']} hromada", exact=True)).to_be_attached()
    metric = page.locator("[data-testid=stMetric]").filter(has_text="Statements").first
    expect(metric.locator("[data-testid=stMetricValue]")).to_have_text(str(len(statements)))
    # the small map is drawn with the app's own Leaflet: its iframe holds a Leaflet container
    small_map = page.frame_locator("iframe[title*='streamlit_folium']").first
    expect(small_map.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    expect(small_map.locator(".leaflet-control-attribution")).to_contain_text(
        "© OpenStreetMap contributors, ODbL 1.0")
    assert page.recorder.external_requests == []


def test_a_villages_small_map_shows_its_cell_its_boundary_and_its_hromada(page, base_url):
    open_page(page, f"{base_url}/Town_history?settlement={NOVA_HUSARIVKA}")
    expect(page.get_by_text("OpenStreetMap node/337560755, joined by its KATOTTG code")).to_be_attached()
    small_map = page.frame_locator("iframe[title*='streamlit_folium']").first
    overlays = small_map.locator(".leaflet-control-layers-overlays")
    expect(overlays).to_be_attached(timeout=TIMEOUT_MS)
    names = [" ".join(text.split()) for text in overlays.locator("label").all_inner_texts()]
    assert ["Hromada boundaries", "Raion boundaries", "Oblast outline", "Other settlements of the hromada",
            "Its hromada", "Its cell", "Its boundary (OpenStreetMap)"] == names


def test_the_names_switch_shows_ukrainian_names_and_keeps_them_in_the_url(page, base_url, engine):
    info = history.settlement_info(engine.gazetteer.settlements, KUPIANSK)
    open_page(page, f"{base_url}/Town_history?settlement={KUPIANSK}&names=uk")
    expect(page.get_by_role("heading", name=info["name_uk"], exact=True)).to_be_visible()
    assert "names=uk" in page.url


def test_the_time_series_date_and_snapshot_download(page, base_url, engine):
    day = "2024-06-15"
    open_page(page, f"{base_url}/Time_series?date={day}")
    assert day == date_shown(page, "Date")
    snapshot = download(page, "series_download_csv")
    assert exports.snapshot_csv(engine.timeline(), date.fromisoformat(day)) == snapshot
    cli = subprocess.run([sys.executable, "-m", "controlmap", "snapshot", "--date", day, "--format", "csv"],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
    assert cli.stdout == snapshot, "the page's snapshot is the CLI's"
    geojson = json.loads(download(page, "series_download_geojson"))
    cli = subprocess.run([sys.executable, "-m", "controlmap", "snapshot", "--date", day, "--format", "geojson"],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(cli.stdout) == geojson
    assert len(engine.gazetteer.settlements) == len(geojson["features"])
    assert len(engine.gazetteer.settlements) == len(csv_rows(snapshot))
