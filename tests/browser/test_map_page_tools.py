"""The map page's reading tools in headless Chromium, on the shipped data: a phone's screen, the keyboard, sharing and
citing, the PNG export, settlements' own boundaries close up and the front line per claimant."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT
from tests.browser.test_dashboard_browser import open_dashboard

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def dashboard(streamlit_app) -> str:
    return streamlit_app(ROOT / "streamlit_app.py")


def inside(box: dict, outer: dict) -> bool:
    return (box["x"] >= outer["x"] and box["y"] >= outer["y"] and box["x"] + box["width"] <= outer["x"] + outer["width"]
            and box["y"] + box["height"] <= outer["y"] + outer["height"])


def test_on_a_phone_the_map_date_control_and_play_are_visible_without_scrolling(browser, dashboard):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        frame = open_dashboard(page, dashboard, "?date=2025-12-20")
        iframe = page.locator("iframe[src*='streamlit_folium']")
        expect(frame.locator(".cm-date-text")).to_have_text("2025-12-20")
        map_box = iframe.bounding_box()
        screen = {"x": 0, "y": 0, **PHONE}
        assert inside(map_box, screen), map_box
        assert map_box["height"] > 400, "the map takes most of the screen"
        # Nothing scrolls sideways: the page, or Streamlit's scrolling main area.
        widths = page.evaluate("""() => [document.documentElement, document.querySelector("[data-testid='stMain']")]
            .map((e) => [e.scrollWidth, e.clientWidth])""")
        assert all(scroll <= client for scroll, client in widths), widths
        # The date control and play, whole, inside the map (which is on the screen).
        for selector in (".cm-date", ".cm-date-text", ".cm-play", ".cm-slider", ".cm-prev", ".cm-next"):
            box = frame.locator(selector).bounding_box()
            assert inside(box, map_box), (selector, box, map_box)
        title = page.get_by_role("heading", level=1).bounding_box()
        assert inside(title, {"x": 0, "y": 0, "width": PHONE["width"], "height": map_box["y"]}), title
        # The figures come below the map.
        heading = page.get_by_role("heading", name="20 December 2025")
        expect(heading).to_be_attached()
        assert heading.bounding_box()["y"] >= map_box["y"] + map_box["height"]
        frame.locator(".cm-play").tap()
        expect(frame.locator(".cm-play")).to_have_attribute("aria-label", "Pause")
    finally:
        context.close()
