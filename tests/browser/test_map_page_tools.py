"""The map page's reading tools in headless Chromium, on the shipped data: a phone's screen, the keyboard, sharing and
citing, the PNG export, settlements' own boundaries close up and the front line per claimant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT
from tests.browser.test_dashboard_browser import engine_statuses, map_frame_of, open_dashboard

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


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
        screen = {"x": 0, "y": 0, **PHONE}
        assert inside(iframe.bounding_box(), screen), iframe.bounding_box()
        map_box = frame.locator("#map_div").bounding_box()
        assert inside(map_box, screen), map_box
        assert map_box["height"] > 400, "the map takes most of the screen"
        # Nothing scrolls sideways: the page, Streamlit's scrolling main area, or the map's frame.
        widths = page.evaluate("""() => [document.documentElement, document.querySelector("[data-testid='stMain']")]
            .map((e) => [e.scrollWidth, e.clientWidth])""")
        widths.append(frame.evaluate("() => [document.body.scrollWidth, document.body.clientWidth]"))
        assert all(scroll <= client for scroll, client in widths), widths
        # The date control and play, whole, inside the map (which is on the screen).
        for selector in (".cm-date", ".cm-date-text", ".cm-play", ".cm-slider", ".cm-prev", ".cm-next"):
            box = frame.locator(selector).bounding_box()
            assert inside(box, map_box), (selector, box, map_box)
        # The panel, its title first, comes below the map, in the map's frame.
        title = frame.get_by_role("heading", level=1)
        expect(title).to_have_text("Kharkiv oblast: who controlled which settlement, day by day")
        expect(frame.locator("#cm-date")).to_have_text("20 December 2025")
        assert title.bounding_box()["y"] >= map_box["y"] + map_box["height"]
        frame.locator(".cm-play").tap()
        expect(frame.locator(".cm-play")).to_have_attribute("aria-label", "Pause")
    finally:
        context.close()


# ---------------------------------------------------------------- the front line per claimant

KUPIANSK = "UA63080090010026457"
AROUND_KUPIANSK = {"lat": 49.71, "lon": 37.62, "zoom": 11}


def only_claimant(frame, label: str) -> None:
    """Leaves only ``label``'s statements checked in the map's panel (checks it first, then unchecks the others)."""

    def tick(name: str, on: bool) -> None:
        box = frame.get_by_role("checkbox", name=name)
        box.set_checked(on)
        expect(box).to_be_checked(checked=on)

    tick(label, True)
    for other in ("Ukrainian officials", "Russian officials", "independent observers"):
        if other != label:
            tick(other, False)


def map_of_selection(page, engine, claimants: tuple[str, ...], day: str):
    """The map frame once it shows ``claimants``' statuses on ``day``, at the view around Kupiansk."""
    expected = engine_statuses(engine, day, claimants)
    for _ in range(300):
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!window.controlmap && window.controlmap.statuses()") == expected:
                    frame.evaluate("(v) => window.controlmap.setView(v)", AROUND_KUPIANSK)
                    return frame
            except Exception:  # a frame being replaced
                continue
        page.wait_for_timeout(100)
    raise AssertionError(f"no map shows {claimants} on {day}")


def front_line_pixels(page, frame) -> set[tuple[int, int]]:
    """The map's pixels that the front line changes (a screenshot with it, one without), around Kupiansk."""
    import io

    from PIL import Image, ImageChops

    def shot():
        frame.evaluate("() => window.controlmap.setView(window.controlmap.view())")
        return Image.open(io.BytesIO(page.locator("iframe[src*='streamlit_folium']").screenshot())).convert("RGB")

    toggle = frame.get_by_role("checkbox", name="Front line")
    frame.locator(".leaflet-control-layers").hover()
    expect(toggle).to_be_checked()
    page.mouse.move(0, 0)
    with_line = shot()
    frame.locator(".leaflet-control-layers").hover()
    toggle.uncheck()
    page.mouse.move(0, 0)
    without = shot()
    frame.locator(".leaflet-control-layers").hover()
    toggle.check()
    page.mouse.move(0, 0)
    centre = frame.evaluate("(k) => window.controlmap.pixelOf(k)", KUPIANSK)
    box = (int(centre["x"]) - 150, int(centre["y"]) - 150, int(centre["x"]) + 150, int(centre["y"]) + 150)
    difference = ImageChops.difference(with_line.crop(box), without.crop(box)).convert("L")
    width = difference.width
    return {(k % width, k // width) for k, value in enumerate(difference.tobytes()) if value > 40}


def test_the_front_line_follows_the_claimants_chosen_around_kupiansk(page, dashboard, engine):
    day = "2025-12-20"
    frame = open_dashboard(page, dashboard, f"?date={day}")
    only_claimant(frame, "Russian officials")
    russian = map_of_selection(page, engine, ("ru",), day)
    russian_line = russian.evaluate("() => window.controlmap.frontLine()")
    russian_pixels = front_line_pixels(page, russian)
    only_claimant(frame, "independent observers")
    independent = map_of_selection(page, engine, ("independent",), day)
    independent_line = independent.evaluate("() => window.controlmap.frontLine()")
    independent_pixels = front_line_pixels(page, independent)
    assert russian_line["shown"] and independent_line["shown"]
    assert russian_line["km"] != independent_line["km"], (russian_line, independent_line)
    # Both draw a line within 150 px of Kupiansk at zoom 11 (about 25 km), and not the same one.
    assert len(russian_pixels) > 200 and len(independent_pixels) > 200
    apart = russian_pixels ^ independent_pixels
    assert len(apart) > 0.3 * len(russian_pixels | independent_pixels), (len(apart), len(russian_pixels),
                                                                         len(independent_pixels))


# ---------------------------------------------------------------- PNG export

def test_the_png_export_saves_the_map_view_at_its_size(page, dashboard):
    import io

    from PIL import Image

    frame = open_dashboard(page, dashboard, "?date=2025-12-20&claimants=ru,independent")
    # The image says what it shows: the date and whose statements.
    assert ["2025-12-20", "Statements by: Russian officials, independent observers"] == frame.evaluate(
        "() => window.controlmap.imageCaption()")
    with page.expect_download() as download:
        frame.get_by_role("button", name="Save this view as a PNG image").click()
    assert "controlmap-2025-12-20.png" == download.value.suggested_filename
    with open(download.value.path(), "rb") as file:
        data = file.read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    size = frame.evaluate("() => [window.map_div.getSize().x, window.map_div.getSize().y]")
    assert tuple(size) == image.size  # the page's pixel ratio is 1
    # Drawn, not blank: the statuses' colours, the legend's and the text's.
    assert len(image.getcolors(maxcolors=1 << 20)) > 50
    # The date's panel at the top left and the legend's at the top right are (nearly) white over the map.
    for corner in ((14, 14), (image.width - 14, 14)):
        assert min(image.getpixel(corner)) > 225, corner
    assert min(image.getpixel((image.width // 2, image.height // 2))) < 225
    assert [] == page.recorder.console_errors


# ---------------------------------------------------------------- settlements' own boundaries

def test_settlements_own_boundaries_are_fetched_only_once_zoomed_in(page, dashboard):
    fetched = []
    page.on("request", lambda request: "settlement-shapes-" in request.url and fetched.append(request.url))
    frame = open_dashboard(page, dashboard, "?date=2025-12-20")
    page.wait_for_timeout(500)
    shapes = frame.evaluate("() => window.controlmap.ownShapes()")
    assert (False, False, []) == (shapes["requested"], shapes["shown"], fetched), "not at the oblast's view"
    frame.evaluate("(v) => window.controlmap.setView(v)", AROUND_KUPIANSK)  # zoom 11
    frame.wait_for_function("() => window.controlmap.ownShapes().shown", timeout=30_000)
    shapes = frame.evaluate("() => window.controlmap.ownShapes()")
    assert shapes["features"] > 1500 and shapes["failed"] is None
    frame.evaluate("() => window.controlmap.setView({lat: 49.71, lon: 37.62, zoom: 9})")
    assert not frame.evaluate("() => window.controlmap.ownShapes().shown")
    frame.evaluate("(v) => window.controlmap.setView(v)", AROUND_KUPIANSK)
    assert frame.evaluate("() => window.controlmap.ownShapes().shown")
    assert 1 == len(fetched), "fetched once"
    # The layer list turns them off.
    frame.locator(".leaflet-control-layers").hover()
    frame.get_by_label("Settlement boundaries (zoom 11+)").uncheck()
    assert not frame.evaluate("() => window.controlmap.ownShapes().shown")
    assert [] == page.recorder.console_errors


# ---------------------------------------------------------------- keyboard

FOCUSED = """() => {
    let doc = document;
    let node = doc.activeElement;
    while (node && node.tagName === 'IFRAME') {
        try { doc = node.contentDocument; node = doc.activeElement; } catch (err) { break; }
    }
    if (!node) return '';
    return [node.tagName, node.id || '', node.className || '', node.getAttribute('aria-label') || ''].join('|');
}"""


def tab_to(page, wanted: str, limit: int = 80) -> int:
    """Presses Tab until the focused element's description (FOCUSED) contains ``wanted``; returns the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if wanted in page.evaluate(FOCUSED):
            return presses
    raise AssertionError(f"{wanted!r} not reached in {limit} presses of Tab")


def test_keyboard_alone_moves_the_date_and_opens_a_town(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-03-31")
    slider = frame.locator(".cm-slider")
    tab_to(page, "cm-slider")
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuetext", "2022-04-01")
    page.keyboard.press("PageUp")
    expect(slider).to_have_attribute("aria-valuetext", "2022-05-01")
    page.wait_for_function("() => location.search.includes('date=2022-05-01')", timeout=30_000)
    expect(frame.locator("#cm-date")).to_have_text("1 May 2022", timeout=30_000)
    # On from the map to the panel's town search, which takes any spelling the history page does.
    tab_to(page, "cm-search-input", limit=40)
    page.keyboard.type("Купянск")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/Town_history\?settlement={KUPIANSK}"), timeout=30_000)
    expect(page.get_by_role("heading", name="Town history")).to_be_visible()
    expect(page.get_by_text("Kupiansk").first).to_be_visible(timeout=30_000)


# ---------------------------------------------------------------- link and citation

def test_copy_link_and_cite_give_a_link_that_reopens_the_date_claimants_and_view(browser, dashboard):
    import hashlib

    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        query = "?date=2025-12-13&claimants=ru&lat=49.7100&lon=37.6158&zoom=11"
        panel = open_dashboard(page, dashboard, query)
        panel.get_by_role("button", name="Copy link").click()
        expect(panel.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
        link = page.evaluate("() => navigator.clipboard.readText()")
        assert f"{dashboard}/{query}" == link
        sha256 = hashlib.sha256((ROOT / "data" / "events.csv").read_bytes()).hexdigest()
        expected = ("Kharkiv oblast: who controlled which settlement, day by day. Map of 13 December 2025 "
                    f"(2025-12-13). Statements by: Russian officials. Data: data/events.csv, sha256 {sha256}. {link}")
        expect(panel.locator("#cm-citation")).to_have_text(f"Cite this map: {expected}")
        panel.get_by_role("button", name="Copy citation").click()
        expect(panel.get_by_role("status").filter(has_text="Citation copied")).to_be_visible()
        assert expected == page.evaluate("() => navigator.clipboard.readText()")
        # The link opens the same map: date, claimants and view.
        again = context.new_page()
        frame = map_frame_of(again, link)
        assert "2025-12-13" == frame.evaluate("() => window.controlmap.isoDate(window.controlmap.getDay())")
        view = frame.evaluate("() => window.controlmap.view()")
        assert (11, 49.71, 37.616) == (view["zoom"], round(view["lat"], 2), round(view["lon"], 3))
        expect(frame.get_by_role("checkbox", name="Russian officials")).to_be_checked()
        expect(frame.get_by_role("checkbox", name="Ukrainian officials")).not_to_be_checked()
    finally:
        context.close()


def test_without_a_clipboard_api_copy_link_shows_the_link_selected(browser, dashboard):
    """Served over plain HTTP to another machine, a page has no navigator.clipboard."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })")
    page = context.new_page()
    try:
        panel = open_dashboard(page, dashboard, "?date=2022-09-12&claimants=independent")
        panel.get_by_role("button", name="Copy link").click()
        shown = panel.get_by_role("textbox", name="Link to this map")
        expect(shown).to_be_visible()
        expect(shown).to_be_focused()
        link = page.evaluate("() => location.href")
        assert link.startswith(f"{dashboard}/?date=2022-09-12&claimants=independent&lat=")
        expect(shown).to_have_value(link)
        assert len(link) == shown.evaluate("(e) => e.selectionEnd - e.selectionStart"), "selected whole"
        expect(panel.get_by_role("status").filter(has_text="Copy the selected text")).to_be_visible()
    finally:
        context.close()
