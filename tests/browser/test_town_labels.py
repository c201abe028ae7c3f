"""Settlements' names on the map (labels.js) on Donetsk oblast's dense map, in headless Chromium: at the starting view
no two town names overlap, OpenStreetMap's cities keep theirs, a name left out returns when the user zooms in, and
close in, where every settlement is named, no two names in the view overlap."""

from __future__ import annotations

import csv
import itertools

import pytest

from tests.browser.conftest import ROOT
from tests.browser.test_dashboard_browser import map_frame

pytestmark = pytest.mark.browser

DONETSK = ROOT / "data" / "regions" / "donetska"
# The labels drawn within the map (its container clips the rest; the panel beside it is in the same frame).
SHOWN_LABELS = """() => { const view = document.querySelector('.leaflet-container').getBoundingClientRect();
    return [...document.querySelectorAll('.cm-label')]
    .filter((label) => getComputedStyle(label).display !== 'none')
    .filter((label) => { const box = label.getBoundingClientRect(); return box.right > view.left
        && box.bottom > view.top && box.left < view.right && box.top < view.bottom; })
    .map((label) => {
        const box = label.firstElementChild.getBoundingClientRect();
        return {text: label.textContent, village: label.classList.contains('cm-label-village'), left: box.left,
                top: box.top, right: box.right, bottom: box.bottom};
    }); }"""


def osm_cities() -> set[str]:
    """The oblast's places OpenStreetMap classes as cities (the vendored place-node table), by their English names
    in the gazetteer: read here from the files, not from the map."""
    sources = DONETSK / "geo" / "sources" / "osm-place-nodes.UA14.csv"
    with sources.open(encoding="utf-8") as f:
        codes = {row["katotth"] for row in csv.DictReader(f) if row["place"] == "city"}
    with (DONETSK / "geo" / "settlements.csv").open(encoding="utf-8") as f:
        return {row["name_en"] for row in csv.DictReader(f) if row["katottg"] in codes}


def overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for a, b in itertools.combinations(labels, 2)
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


@pytest.fixture(scope="module")
def donetsk(streamlit_app) -> str:
    return streamlit_app(ROOT / "streamlit_app.py", {"CONTROLMAP_DATA": str(DONETSK)})


def test_no_two_town_names_overlap_and_the_cities_keep_theirs(page, donetsk):
    page.set_viewport_size({"width": 1500, "height": 1000})
    page.goto(f"{donetsk}/?date=2022-07-01")
    frame = map_frame(page)
    shown = frame.evaluate(SHOWN_LABELS)
    assert [] == overlapping(shown)
    assert {"Donetsk", "Horlivka", "Kramatorsk", "Makiivka", "Mariupol", "Sloviansk"} == osm_cities()
    assert osm_cities() <= {label["text"] for label in shown}
    assert 0 < frame.locator(".cm-label-hidden").count()  # 52 towns do not fit at the oblast's scale


def test_a_name_left_out_returns_when_the_user_zooms_in(page, donetsk):
    page.set_viewport_size({"width": 1500, "height": 1000})
    page.goto(f"{donetsk}/?date=2022-07-01")
    frame = map_frame(page)
    name = frame.locator(".cm-label-hidden").first.text_content()
    with (DONETSK / "geo" / "settlements.csv").open(encoding="utf-8") as f:
        (town,) = [row for row in csv.DictReader(f) if row["category"] == "M" and row["name_en"] == name]
    zoom = frame.evaluate("() => window.controlmap.view().zoom") + 3
    frame.evaluate("(view) => window.controlmap.setView(view)", {"lat": town["lat"], "lon": town["lon"], "zoom": zoom})
    frame.wait_for_function("(name) => [...document.querySelectorAll('.cm-label:not(.cm-label-hidden)')]"
                            ".some((label) => label.textContent === name)", arg=name)
    assert [] == overlapping(frame.evaluate(SHOWN_LABELS))


def test_close_in_no_two_settlements_names_overlap_in_the_view(page, donetsk):
    """Around Bilytske at zoom level 12, two pairs of villages' names overlapped (Myroliubivka and Mykhailivka,
    Troianda and Leontovychi)."""
    page.set_viewport_size({"width": 1500, "height": 1000})
    page.goto(f"{donetsk}/?date=2022-07-01&lat=48.3000&lon=37.2000&zoom=12")
    frame = map_frame(page)
    shown = frame.evaluate(SHOWN_LABELS)
    assert 20 < sum(label["village"] for label in shown)  # the villages are named too
    assert [] == overlapping(shown)
