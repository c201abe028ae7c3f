"""The real map page (dashboard.py) on the shipped data, in headless Chromium, served as ./scripts/run.sh serves it
(streamlit_app.py), and once started directly."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from shapely.geometry import shape

from controlmap.model import OWN_POINT_QUALITIES, STATUS_ORDER, STATUSES
from controlmap.timeline.engine import from_day, to_day
from controlmap.web import maps
from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser

KUPIANSK = "UA63080090010026457"
AT_KUPIANSK = "&lat=49.7100&lon=37.6158&zoom=12"  # zoomed in, so that the town's own marker is alone


def map_frame(page):
    """The map page's st_folium iframe, once its timeline layer and its panel are ready (another page's map, left
    behind while the page changes, is not it: it has no panel)."""
    ready = "() => !!window.controlmap && document.body.dataset.siteReady === 'true'"
    for _ in range(600):
        for frame in page.frames:
            try:
                if frame.evaluate(ready):
                    return frame
            except PlaywrightError:  # a frame of the page left behind, being removed
                continue
        page.wait_for_timeout(100)
    raise AssertionError("no map frame")


def open_dashboard(page, base: str, query: str = ""):
    return map_frame_of(page, f"{base}/{query}")


def map_frame_of(page, url: str):
    page.goto(url)
    return map_frame(page)


def engine_statuses(engine, day, claimants=("ua", "ru", "independent")) -> list[str]:
    state = engine.timeline(claimants).state_at(day)
    return [STATUSES[c] for c in state.status]


def map_day(frame, day_text: str) -> int:
    day0 = frame.evaluate("() => window.controlmap.isoDate(0)")
    return to_day(day_text) - to_day(day0)


def test_the_map_draws_every_settlement_offline_without_errors(page, dashboard, engine):
    frame = open_dashboard(page, dashboard)
    assert len(engine.gazetteer) == frame.evaluate("() => window.controlmap.stats().features")
    assert [] == page.recorder.external_requests
    assert [] == page.recorder.console_errors


def test_cells_mode_draws_a_cell_for_every_settlement_with_its_own_point(page, dashboard, engine):
    """Every one whose shipped cell is not empty. Kulynychi's is empty (its GeoNames point lies in Kharkiv's hromada,
    4 km outside its own): it stays a point."""
    frame = open_dashboard(page, dashboard)
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("© OpenStreetMap contributors, ODbL 1.0")
    frame.evaluate("() => window.controlmap.setMode('cells')")
    stats = frame.evaluate("() => window.controlmap.stats()")
    settlements = engine.gazetteer.settlements
    own_points = set(settlements.katottg[settlements.coord_quality.isin(OWN_POINT_QUALITIES)])
    cells = json.loads((ROOT / "data" / "geo" / "cells.geojson").read_text(encoding="utf-8"))["features"]
    empty = {f["properties"]["katottg"] for f in cells if shape(f["geometry"]).is_empty}
    assert ["Kulynychi"] == [f["properties"]["name_en"] for f in cells if f["properties"]["katottg"] in empty]
    assert ("cells", len(own_points - empty)) == (stats["mode"], stats["cells"])
    assert [] == page.recorder.console_errors


def test_the_map_shows_the_engines_status_for_every_settlement_at_two_dates(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=2022-09-06")
    before = frame.evaluate("() => window.controlmap.statuses()")
    assert engine_statuses(engine, "2022-09-06") == before
    frame.evaluate("(day) => window.controlmap.setDay(day)", map_day(frame, "2022-09-12"))
    after = frame.evaluate("() => window.controlmap.statuses()")
    assert engine_statuses(engine, "2022-09-12") == after
    recoloured = {engine.gazetteer.settlements.katottg[i] for i, (a, b) in enumerate(zip(before, after, strict=True))
                  if a != b}
    assert set(engine.timeline().changes("2022-09-06", "2022-09-12").katottg) == recoloured


def test_releasing_the_slider_updates_the_figures_and_the_url(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=2022-03-01")
    target = map_day(frame, "2022-09-12")
    frame.evaluate("""(value) => {
        const slider = document.querySelector('.cm-slider');
        slider.value = String(value);
        slider.dispatchEvent(new Event('input'));
        slider.dispatchEvent(new Event('change'));
    }""", target)
    expect(frame.locator("#cm-date")).to_have_text("12 September 2022", timeout=30_000)
    page.wait_for_function("() => location.search.includes('date=2022-09-12')", timeout=30_000)
    counts = engine.timeline().count_by_status(engine.timeline().state_at("2022-09-12"))
    assert counts == frame.evaluate("() => window.controlmap.counts()")
    shown = [int(c.replace(",", "")) for c in frame.locator("#cm-figures tbody td:nth-child(2)").all_inner_texts()]
    assert [counts[s] for s in STATUS_ORDER] == shown


def test_the_date_control_works_by_keyboard_and_tells_screen_readers_the_date(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-03-31")
    slider = frame.locator(".cm-slider")

    def press(key: str, shown: str) -> None:
        """The key moves the date; the page (URL) follows before the next key is pressed."""
        slider.press(key)
        expect(slider).to_have_attribute("aria-valuetext", shown)
        page.wait_for_function(f"() => location.search.includes('date={shown}')", timeout=30_000)

    expect(slider).to_have_attribute("aria-valuetext", "2022-03-31")
    slider.focus()
    press("PageUp", "2022-04-30")  # a calendar month; April has no 31st
    press("ArrowRight", "2022-05-01")
    press("PageDown", "2022-04-01")
    press("PageDown", "2022-03-01")
    last = frame.evaluate("() => window.controlmap.isoDate(Number(document.querySelector('.cm-slider').max))")
    press("End", last)
    assert map_day(frame, last) == frame.evaluate("() => window.controlmap.getDay()")
    expect(frame.locator("#cm-date")).to_have_text(f"{date.fromisoformat(last):%d %B %Y}", timeout=30_000)


def test_play_advances_the_date(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-03-01")
    start = frame.evaluate("() => window.controlmap.getDay()")
    frame.locator(".cm-play").click()
    expect(frame.locator(".cm-play")).to_have_attribute("aria-label", "Pause")
    frame.wait_for_function(f"() => window.controlmap.getDay() > {start} + 3", timeout=60_000)
    frame.locator(".cm-play").click()
    expect(frame.locator(".cm-play")).to_have_attribute("aria-label", "Play")
    assert frame.evaluate("() => window.controlmap.stats().lastPaintMs") < 50


def test_the_tooltip_shows_a_towns_names_status_and_source(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=2025-11-25" + AT_KUPIANSK)
    point = frame.evaluate("(k) => window.controlmap.pixelOf(k)", KUPIANSK)
    box = page.locator("iframe").first.bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    tip = frame.locator(".cm-tooltip")
    expect(tip).to_contain_text("Kupiansk", timeout=10_000)
    expect(tip).to_contain_text("Купʼянськ".replace("ʼ", "’"))
    expect(tip).to_contain_text("disputed")
    source = engine.timeline().snapshot("2025-11-25").set_index("katottg").source[KUPIANSK]
    expect(tip).to_contain_text(source)


def test_a_shared_url_restores_date_claimants_and_view(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=2025-12-13&claimants=ru&lat=49.7100&lon=37.6158&zoom=11")
    assert "2025-12-13" == frame.evaluate("() => window.controlmap.isoDate(window.controlmap.getDay())")
    assert engine_statuses(engine, "2025-12-13", ("ru",)) == frame.evaluate("() => window.controlmap.statuses()")
    view = frame.evaluate("() => window.controlmap.view()")
    assert (11, 49.71, 37.616) == (view["zoom"], round(view["lat"], 2), round(view["lon"], 3))
    expect(frame.locator("#cm-date")).to_have_text("13 December 2025")
    expect(frame.get_by_role("checkbox", name="Russian officials")).to_be_checked()
    expect(frame.get_by_role("checkbox", name="Ukrainian officials")).not_to_be_checked()
    query = parse_qs(urlsplit(page.url).query)
    assert (["2025-12-13"], ["ru"]) == (query["date"], query["claimants"])


def test_the_view_the_user_moves_to_goes_into_the_url_and_back(page, dashboard, browser):
    frame = open_dashboard(page, dashboard, "?date=2024-05-20")
    start = frame.evaluate("() => window.controlmap.view()")  # the oblast, as the map fits it
    page.wait_for_function("() => location.search.includes('lat=')", timeout=30_000)
    query = parse_qs(urlsplit(page.url).query)
    assert ([f"{start['lat']:.4f}"], [f"{start['lon']:.4f}"]) == (query["lat"], query["lon"])
    frame.evaluate("() => { window.map_div.setView([49.9, 36.3], 10); }")
    page.wait_for_function("() => location.search.includes('zoom=10')", timeout=30_000)
    query = parse_qs(urlsplit(page.url).query)
    assert (["49.9000"], ["36.3000"], ["10"], ["2024-05-20"]) == (query["lat"], query["lon"], query["zoom"],
                                                                 query["date"])
    assert 1 == len(page.locator("iframe[src*='streamlit_folium']").all())
    shared = browser.new_page()
    view = map_frame_of(shared, page.url).evaluate("() => window.controlmap.view()")
    assert (10, 49.9, 36.3) == (view["zoom"], round(view["lat"], 3), round(view["lon"], 3))  # to the pixel
    shared.close()


def test_clicking_a_settlement_opens_its_history(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2025-11-25" + AT_KUPIANSK)
    point = frame.evaluate("(k) => window.controlmap.pixelOf(k)", KUPIANSK)
    box = page.locator("iframe").first.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_url(re.compile(rf"/Town_history\?settlement={KUPIANSK}"), timeout=30_000)
    expect(page.get_by_text("Kupiansk").first).to_be_visible(timeout=30_000)


def test_the_date_shown_is_one_date_everywhere(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2024-05-20")
    assert "2024-05-20" == frame.evaluate("() => window.controlmap.isoDate(window.controlmap.getDay())")
    assert "2024-05-20" == frame.locator(".cm-date-text").text_content()
    expect(frame.locator("#cm-date")).to_have_text(f"{from_day(to_day('2024-05-20')):%d %B %Y}")


def test_the_30_day_buttons_stop_playback_and_move_the_date_by_30_days(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-03-01")
    frame.locator(".cm-play").click()
    frame.wait_for_function("() => window.controlmap.getDay() > 40", timeout=60_000)
    frame.get_by_role("button", name="◀ 30 days").click()
    expect(frame.locator(".cm-play")).to_have_attribute("aria-label", "Play", timeout=30_000)
    stopped = frame.evaluate("() => window.controlmap.getDay()")
    frame.get_by_role("button", name="30 days ▶").click()
    frame.get_by_role("button", name="30 days ▶").click()
    frame.wait_for_function("(d) => window.controlmap.getDay() === d", arg=stopped + 60)
    shown = frame.evaluate("() => window.controlmap.isoDate(window.controlmap.getDay())")
    expect(frame.locator("#cm-date")).to_have_text(f"{date.fromisoformat(shown):%-d %B %Y}")
    page.wait_for_function("(d) => location.search.includes('date=' + d)", arg=shown, timeout=30_000)


def test_the_map_page_also_runs_as_a_plain_streamlit_script(page, streamlit_app, engine):
    frame = open_dashboard(page, streamlit_app(ROOT / "dashboard.py"), "?date=2022-09-06")
    assert engine_statuses(engine, "2022-09-06") == frame.evaluate("() => window.controlmap.statuses()")
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Town history")).to_be_visible()
    assert [] == page.recorder.console_errors


# ---------------------------------------------------------------- hostile URLs

@pytest.mark.parametrize("query", [
    "?lat=nan&lon=37.6&zoom=10",                # was a traceback showing the server's paths
    "?zoom=999999999999999999999999999999",
    # was a blank map: "Invalid LatLng object: (NaN, NaN)"
    "?lat=49.7100&lon=37.6158&zoom=999999999999999999999999999999",
    "?lat=1e400&lon=-inf&zoom=-7",
])
def test_hostile_map_views_in_the_url_still_draw_every_settlement(page, dashboard, engine, query):
    frame = open_dashboard(page, dashboard, query)
    assert len(engine.gazetteer) == frame.evaluate("() => window.controlmap.stats().features")
    view = frame.evaluate("() => window.controlmap.view()")
    assert 5 <= view["zoom"] <= 18
    assert 48 < view["lat"] < 51 and 34 < view["lon"] < 39, "within the oblast"
    assert [] == page.recorder.console_errors
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_an_error_in_a_page_shows_no_traceback_in_the_browser(page, streamlit_app):
    from tests.browser.conftest import APPS_DIR

    page.goto(streamlit_app(APPS_DIR / "raises.py"))
    expect(page.get_by_role("heading", name="A page that fails")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stException").or_(page.get_by_test_id("stAlert")).first).to_be_visible()
    text = page.locator("body").inner_text()
    assert "internal detail" not in text and "RuntimeError" not in text and str(ROOT) not in text


# ---------------------------------------------------------------- territory, front line, layout

def test_the_map_starts_with_territory_and_its_front_line(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-07-01")
    assert "cells" == frame.evaluate("() => window.controlmap.getMode()")
    line = frame.evaluate("() => window.controlmap.frontLine()")
    assert line["shown"] and line["lines"] > 20 and 100 < line["km"] < 1000, line
    frame.evaluate("(day) => window.controlmap.setDay(day)", map_day(frame, "2022-10-15"))
    later = frame.evaluate("() => window.controlmap.frontLine()")
    assert 0 < later["km"] < line["km"], "after the September 2022 counter-offensive the front is shorter"
    frame.locator(".leaflet-control-layers").hover()
    toggle = frame.get_by_role("checkbox", name="Front line")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    assert not frame.evaluate("() => window.controlmap.frontLine().shown")
    assert [] == page.recorder.console_errors


def test_without_russian_held_territory_there_is_no_front_line(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-07-01&claimants=none")
    line = frame.evaluate("() => window.controlmap.frontLine()")
    assert (0, 0) == (line["lines"], line["bandLines"]) and line["borders"] > 1000


def test_points_are_drawn_over_the_cells_when_zoomed_in(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2025-11-25" + AT_KUPIANSK)
    assert "cells" == frame.evaluate("() => window.controlmap.getMode()")
    point = frame.evaluate("(k) => window.controlmap.pixelOf(k)", KUPIANSK)
    box = page.locator("iframe").first.bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    expect(frame.locator(".cm-tooltip")).to_contain_text("Kupiansk", timeout=10_000)


def outline_box(frame, bounds) -> dict:
    """The oblast outline's box in the page, from its bounds ([[south, west], [north, east]])."""
    corners = frame.evaluate("""(b) => [window.map_div.latLngToContainerPoint(b[0]),
                                        window.map_div.latLngToContainerPoint(b[1])]""", bounds)
    origin = frame.locator(".leaflet-container").bounding_box()
    return {"x": origin["x"] + corners[0]["x"], "y": origin["y"] + corners[1]["y"],
            "width": corners[1]["x"] - corners[0]["x"], "height": corners[0]["y"] - corners[1]["y"]}


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_the_legend_never_covers_the_oblast_at_the_default_view(page, dashboard, engine):

    bounds = maps.dataset_layer(engine).bounds
    for width, height in ((1500, 1000), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        frame = open_dashboard(page, dashboard)
        legend = frame.locator(".cm-legend").bounding_box()
        oblast = outline_box(frame, bounds)
        assert oblast["width"] > 300, oblast
        assert not overlap(legend, oblast), (width, height, legend, oblast)
        frame.locator(".cm-legend-title").click()  # folds and unfolds
        expect(frame.locator(".cm-legend-row").first).to_be_visible()


def test_the_map_is_as_tall_as_the_window_allows(page, dashboard):
    page.set_viewport_size({"width": 1500, "height": 1000})
    frame = open_dashboard(page, dashboard)
    iframe = page.locator("iframe[src*='streamlit_folium']")
    tall = iframe.bounding_box()
    assert 1000 - 16 - 1 <= tall["y"] + tall["height"] <= 1000 - 16 + 1
    assert tall["height"] > 700
    page.set_viewport_size({"width": 1500, "height": 800})
    page.wait_for_function("(h) => document.querySelector(\"iframe[src*='streamlit_folium']\")"
                           ".getBoundingClientRect().height < h - 100", arg=tall["height"])
    short = iframe.bounding_box()
    assert abs((tall["height"] - short["height"]) - 200) <= 2
    frame.wait_for_function("(h) => Math.abs(window.map_div.getSize().y - h) <= 2", arg=short["height"])


def test_a_change_of_claimants_is_shown_on_the_same_map_and_a_second_front_line_can_be_drawn(page, dashboard, engine):
    day = "2025-12-20"
    frame = open_dashboard(page, dashboard, f"?date={day}")
    frame.evaluate("() => { window.builtOnce = true; }")  # gone if the map's frame were rebuilt
    for name in ("Ukrainian officials", "independent observers"):
        frame.get_by_role("checkbox", name=name).uncheck()
    frame.wait_for_function("() => window.controlmap.selection() === 'ru'")
    assert frame.evaluate("() => window.builtOnce") is True
    assert engine_statuses(engine, day, ("ru",)) == frame.evaluate("() => window.controlmap.statuses()")

    frame.get_by_label("Second front line").select_option(label="independent observers")
    frame.wait_for_function("() => (window.controlmap.compareLine() || {}).selection === 'independent'")
    lines = frame.evaluate("() => [window.controlmap.frontLine().km, window.controlmap.compareLine().km]")
    assert lines[0] > 0 and lines[1] > 0 and abs(lines[0] - lines[1]) > 1
    assert frame.evaluate("() => window.builtOnce") is True
    assert [] == page.recorder.console_errors


def test_the_map_draws_raion_lines_over_the_hromada_lines_and_lists_them(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-07-01")
    frame.locator(".leaflet-control-layers").hover()
    names = [" ".join(t.split()) for t in frame.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert ["Front line", "Hromada boundaries", "Raion boundaries", "Oblast outline"] == names[:4]
    expect(frame.get_by_role("checkbox", name="Raion boundaries")).to_be_checked()


def test_every_settlements_name_is_shown_from_zoom_12_and_only_the_towns_before(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2025-12-20")
    towns = frame.locator(".cm-label").count()
    assert towns > 0 and frame.locator(".cm-label-village").count() == 0
    frame.evaluate("() => window.controlmap.setView({lat: 49.7133, lon: 37.6142, zoom: 12})")
    expect(frame.locator(".cm-label-village").first).to_be_attached()
    assert frame.locator(".cm-label-village", has_text="Kupiansk-Vuzlovyi").count() == 1
    frame.evaluate("() => window.controlmap.setView({lat: 49.7133, lon: 37.6142, zoom: 9})")
    expect(frame.locator(".cm-label-village")).to_have_count(0)
    assert frame.locator(".cm-label").count() == towns
