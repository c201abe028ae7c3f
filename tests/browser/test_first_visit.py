"""What a first visit found, in a real browser at 1500×1000 or 390×844 (the dashboard as ./scripts/run.sh serves it,
and the published site): each test failed before its fix."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, static_server
from tests.browser.test_dashboard_browser import map_frame

pytestmark = pytest.mark.browser
PAGES = ["Town_history?settlement=UA63080090010026457", "Compare_dates", "Events", "Time_series", "Upload"]
TIMEOUT_MS = 60_000


@pytest.fixture
def wide(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def settled(page, url: str) -> None:
    page.goto(url)
    page.locator("[data-testid=stApp]").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("areas: each settlement's cell within its hromada").last.wait_for(timeout=TIMEOUT_MS)


@pytest.mark.parametrize("path", PAGES)
def test_opening_a_page_by_its_address_asks_for_nothing_that_is_not_there(wide, dashboard, path):
    """Every page but the map asked /<Page>/_stcore/health and host-config first: two 404s in its console."""
    failed = []
    wide.on("response", lambda response: response.status >= 400 and failed.append((response.status, response.url)))
    wide.goto(f"{dashboard}/{path}")
    wide.locator("[data-testid=stApp]").wait_for(timeout=TIMEOUT_MS)
    wide.wait_for_timeout(1500)
    assert [] == failed


def test_moving_between_pages_keeps_their_own_addresses(wide, dashboard):
    """A guard for the fix above (the pages' base address told to the browser), not an item of the first visit."""
    settled(wide, f"{dashboard}/Events")
    wide.get_by_role("link", name="Compare dates").click()
    wide.wait_for_url(f"{dashboard}/Compare_dates**", timeout=TIMEOUT_MS)


def test_the_town_history_shows_its_facts_and_claimants_whole(wide, dashboard):
    settled(wide, f"{dashboard}/Town_history?settlement=UA63080090010026457")
    position = wide.locator("[class*=st-key-town_facts] td").filter(has_text="OpenStreetMap node/")
    assert position.evaluate("cell => cell.scrollWidth <= cell.clientWidth + 1")
    assert "KATOTTG" in position.inner_text()  # it was cut at "joined by its KATOT"
    for label in ("Ukrainian officials", "Russian officials", "independent observers"):
        box = wide.locator("[data-testid=stSidebar] [data-testid=stCheckbox]").filter(has_text=label)
        box.wait_for(state="visible", timeout=TIMEOUT_MS)
        assert label == box.inner_text().strip()
    attribution = wide.frame_locator("iframe[title*='streamlit_folium']").first.locator(".leaflet-control-attribution")
    attribution.wait_for(timeout=TIMEOUT_MS)
    assert attribution.bounding_box()["height"] <= 18  # one line (it wrapped onto two)


def test_the_compare_map_stands_under_the_table_not_beside_it(wide, dashboard):
    settled(wide, f"{dashboard}/Compare_dates?from=2026-06-23&to=2026-07-01")
    table_box = wide.locator("[class*=st-key-compare_table]")
    map_box = wide.locator("[class*=st-key-compare_map_box] iframe")
    map_box.wait_for(timeout=TIMEOUT_MS)
    table, frame = table_box.bounding_box(), map_box.bounding_box()
    assert frame["y"] >= table["y"] + table["height"]
    assert frame["width"] > 0.9 * table["width"]


def test_the_events_filters_show_every_tag_whole(wide, dashboard):
    settled(wide, f"{dashboard}/Events")
    wide.locator("[data-tag]").nth(5).wait_for(timeout=TIMEOUT_MS)
    boxes = wide.locator("[data-testid=stMultiSelectTagsContainer]:has([data-tag])")
    assert 2 == boxes.count()  # claimants and statuses, every one chosen
    assert 6 == wide.locator("[data-tag] span[title]").count()
    # A tag box that scrolls hides tags behind its edge (they were cut: "independent", "contested").
    assert [] == boxes.evaluate_all("boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1)"
                                    ".map(b => b.innerText)")


def test_on_a_phone_a_town_at_the_maps_edge_keeps_its_whole_name_and_the_scale_shows(phone, dashboard):
    phone.goto(dashboard)
    frame = map_frame(phone)
    width = frame.evaluate("() => document.querySelector('.leaflet-container').getBoundingClientRect().right")
    labels = frame.locator(".cm-label").filter(has_text="Kupiansk").first
    box = labels.locator("span").bounding_box()
    assert box["x"] + box["width"] <= width + 1  # it showed "Kupian"
    scale = frame.locator(".leaflet-control-scale").bounding_box()
    attribution = frame.locator(".leaflet-control-attribution").bounding_box()
    assert scale["y"] + scale["height"] <= attribution["y"] + 1  # it lay behind the attribution


# ---------------------------------------------------------------- the published site


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "controlmap", "publish", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    with static_server(Path(out)) as url:
        yield url


def test_the_site_asks_for_no_icon_it_does_not_have(wide, site_url):
    """A page that names no icon makes a browser ask for /favicon.ico, which the site lacks (a 404 in its console;
    headless Chromium does not ask, so the test reads what the page declares)."""
    failed = []
    wide.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    wide.goto(f"{site_url}/")
    wide.wait_for_selector("body[data-site-ready=true]")
    wide.wait_for_timeout(500)
    assert [] == failed
    assert ["data:,"] == wide.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.getAttribute('href'))")


def test_a_day_set_through_the_maps_api_updates_the_change_list_and_the_url(wide, site_url):
    """setDay from the map's API updated the figures only."""
    wide.goto(f"{site_url}/?date=2022-09-06")
    wide.wait_for_selector("body[data-site-ready=true]")
    day = wide.evaluate("() => window.controlmap.isoDate(1600)")
    wide.evaluate("() => window.controlmap.setDay(1600)")
    wide.wait_for_function("() => location.search.includes('date=') && !location.search.includes('2022-09-06')")
    assert f"date={day}" in wide.evaluate("() => location.search")
    assert wide.inner_text("#cm-changes-title") == "Changed since 6 September 2022"


def test_a_link_copied_on_the_dashboard_opens_the_same_view_on_the_site_and_back(browser, dashboard, site_url):
    """One URL scheme: date, claimants, second front line and view mean the same on both."""
    from urllib.parse import urlsplit

    context = browser.new_context(viewport={"width": 1500, "height": 1000},
                                  permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"{dashboard}/?date=2025-12-13&claimants=ru&lat=49.7100&lon=37.6158&zoom=11")
        panel = map_frame(page)
        panel.get_by_role("button", name="Copy link").click()
        expect(panel.get_by_role("status").filter(has_text="Link copied")).to_be_visible()  # written: now read
        link = page.evaluate("() => navigator.clipboard.readText()")
        query = urlsplit(link).query
        site = context.new_page()
        site.goto(f"{site_url}/?{query}")
        site.wait_for_selector("body[data-site-ready=true]")
        state = site.evaluate("() => { const api = window.controlmap; return [api.isoDate(api.getDay()),"
                              " api.selection(), api.view()] }")
        assert ["2025-12-13", "ru"] == state[:2]
        assert (11, 49.71, 37.616) == (state[2]["zoom"], round(state[2]["lat"], 2), round(state[2]["lon"], 3))
        # And back: the site's own URL after a change, opened on the dashboard.
        site.check("#cm-claimant-independent")
        site.wait_for_function("() => location.search.includes('claimants=ru,independent')")
        back = context.new_page()
        back.goto(f"{dashboard}/{site.evaluate('location.search')}")
        frame = map_frame(back)
        assert "2025-12-13" == frame.evaluate("() => window.controlmap.isoDate(window.controlmap.getDay())")
        assert "ru,independent" == frame.evaluate("() => window.controlmap.selection()")
        view = frame.evaluate("() => window.controlmap.view()")
        assert (11, 49.71, 37.616) == (view["zoom"], round(view["lat"], 2), round(view["lon"], 3))
    finally:
        context.close()
