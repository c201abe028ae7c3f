"""The published static site (python -m controlmap publish), served by a plain static server with every
request that leaves the machine blocked: it draws what the engine says, keeps its state in the URL (the dashboard's
scheme: ?date=…&claimants=…&lat=…&lon=…&zoom=…), loads statements only when asked, and works inside an iframe of
another origin."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from controlmap.model import STATUS_ORDER
from controlmap.timeline.cache import load_dataset
from controlmap.web import publish
from tests.browser.conftest import ROOT, is_local, static_server

READY = "body[data-site-ready=true]"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    """The site of the shipped data, written by the CLI as a user would."""
    out = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "controlmap", "publish", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="module")
def site_url(site_dir) -> Iterator[str]:
    with static_server(site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def engine():
    return load_dataset()


@pytest.fixture
def offline_page(page):
    """A page whose requests that leave the machine are refused (and recorded)."""
    page.context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    return page


def statuses(page) -> list[str]:
    return page.evaluate("window.controlmap.statuses()")


def engine_statuses(engine, claimants, when) -> list[str]:
    return engine.timeline(claimants).snapshot(when).status.tolist()


def shown_date(page) -> str:
    return page.evaluate("window.controlmap.isoDate(window.controlmap.getDay())")


def figures(page) -> dict[str, list[str]]:
    rows = page.locator("#cm-figures tbody tr")
    return {rows.nth(k).get_attribute("data-status"): rows.nth(k).locator("td").all_inner_texts()[1:]
            for k in range(rows.count())}


def test_the_site_draws_the_engines_statuses_on_both_dates_after_scrubbing_and_playing(offline_page, site_url, engine):
    page = offline_page
    page.goto(f"{site_url}/?date=2022-07-01")
    page.wait_for_selector(READY)
    assert shown_date(page) == "2022-07-01"
    all_claimants = ("ua", "ru", "independent")
    assert statuses(page) == engine_statuses(engine, all_claimants, "2022-07-01")
    timeline = engine.timeline(all_claimants)
    shown = timeline.state_at("2022-07-01")
    counts, areas = timeline.count_by_status(shown), timeline.area_by_status(shown)
    assert figures(page) == {s: [f"{counts[s]:,}", f"{areas[s]:,.1f}"] for s in STATUS_ORDER}
    assert page.locator("#cm-date").first.inner_text() == "1 July 2022"

    # Scrub with the map's own slider, then play a moment and pause.
    slider = page.locator(".cm-slider")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("PageUp")
    assert shown_date(page) == "2022-12-01"
    page.click(".cm-play")
    page.wait_for_function("window.controlmap.stats().paints > 12")
    page.click(".cm-play")
    played_to = shown_date(page)
    assert played_to > "2022-12-01"
    assert page.inner_text("#cm-date") == date.fromisoformat(played_to).strftime("%-d %B %Y")

    page.evaluate("location.hash = '#date=2025-12-20'")  # a hash of the same values is read too
    page.wait_for_function("window.controlmap.isoDate(window.controlmap.getDay()) === '2025-12-20'")
    assert statuses(page) == engine_statuses(engine, all_claimants, "2025-12-20")
    assert page.recorder.console_errors == []
    assert page.recorder.external_requests == []


def test_the_claimant_choice_follows_the_engine_and_the_url(offline_page, site_url, engine):
    page = offline_page
    page.goto(f"{site_url}/?date=2025-12-20&claimants=ru")
    page.wait_for_selector(READY)
    assert page.evaluate("window.controlmap.selection()") == "ru"
    assert statuses(page) == engine_statuses(engine, ("ru",), "2025-12-20")
    assert [page.is_checked(f"#cm-claimant-{c}") for c in ("ua", "ru", "independent")] == [False, True, False]
    page.check("#cm-claimant-independent")
    assert page.evaluate("window.controlmap.selection()") == "ru,independent"
    assert statuses(page) == engine_statuses(engine, ("ru", "independent"), "2025-12-20")
    assert "claimants=ru,independent" in page.evaluate("location.search")


def restored(page) -> dict:
    return page.evaluate("""() => {
        const api = window.controlmap;
        return {date: api.isoDate(api.getDay()), selection: api.selection(),
                compare: api.compareLine() && api.compareLine().selection, view: api.view()};
    }""")


def test_a_link_restores_date_claimants_comparison_and_view(offline_page, site_url):
    page = offline_page
    link = f"{site_url}/?date=2025-12-20&claimants=ru&compare=independent&lat=49.7133&lon=37.6142&zoom=11"
    page.goto(link)
    page.wait_for_selector(READY)
    assert restored(page) == {"date": "2025-12-20", "selection": "ru", "compare": "independent",
                              "view": {"lat": 49.7133, "lon": 37.6142, "zoom": 11}}
    # The two selections' front lines differ around Kupiansk on that day.
    lines = page.evaluate("[window.controlmap.frontLine().km, window.controlmap.compareLine().km]")
    assert lines[0] > 0 and lines[1] > 0 and abs(lines[0] - lines[1]) > 1

    # What the reader does next is written back into the URL, and a reload restores it.
    page.uncheck("#cm-claimant-ru")
    page.check("#cm-claimant-ua")
    search_now = page.evaluate("location.search")
    assert search_now.startswith("?date=2025-12-20&claimants=ua&compare=independent&lat=49.7133&lon=37.6142&zoom=11")
    page.reload()
    page.wait_for_selector(READY)
    assert page.evaluate("window.controlmap.selection()") == "ua"
    assert page.evaluate("location.search") == search_now


def test_an_older_hash_link_with_a_view_still_opens(offline_page, site_url):
    page = offline_page
    page.goto(f"{site_url}/#date=2025-12-20&claimants=ru&compare=independent&view=49.7133,37.6142,11")
    page.wait_for_selector(READY)
    assert restored(page) == {"date": "2025-12-20", "selection": "ru", "compare": "independent",
                              "view": {"lat": 49.7133, "lon": 37.6142, "zoom": 11}}
    assert page.evaluate("location.hash") == ""  # rewritten in the current scheme


@pytest.mark.parametrize(("link", "date_shown", "zoom", "selection"), [
    ("#view=-1e308,1e308,-5", None, 5, None),  # stopped the map ("Invalid array length"), and was written back
    ("#view=49.7,37.6,1e308", None, 18, None),  # "Invalid LatLng"
    ("?lat=NaN&lon=Infinity&zoom=NaN", None, None, None),
    ("#date=2022-02-30", None, None, None),  # showed 2 March quietly
    ("?date=9999-12-31", "last", None, None),
    ("?date=0001-01-01", "first", None, None),
    # Unknown claimants are dropped, as on the dashboard: nothing known is left, so no claimant is chosen.
    ("?claimants=<script>alert(1)</script>&compare=../../x", None, None, ""),
])
def test_a_hostile_link_opens_a_working_map_and_is_never_written_back(offline_page, site_url, link, date_shown, zoom,
                                                                      selection):
    page = offline_page
    page.goto(f"{site_url}/")
    page.wait_for_selector(READY)
    default = restored(page)
    last_day = page.evaluate("window.controlmap.isoDate(window.controlmap.dayCount() - 1)")
    first_day = page.evaluate("window.controlmap.isoDate(0)")
    page.goto(f"{site_url}/{link}")
    page.reload()  # a hash alone does not reload the page
    page.wait_for_selector(READY)
    shown = restored(page)
    expected_date = {"last": last_day, "first": first_day, None: default["date"]}[date_shown]
    assert shown["date"] == expected_date
    assert shown["selection"] == (default["selection"] if selection is None else selection)
    view = shown["view"]
    assert all(isinstance(view[k], (int, float)) for k in ("lat", "lon", "zoom"))
    assert -85 <= view["lat"] <= 85 and -180 <= view["lon"] <= 180
    assert view["zoom"] == (default["view"]["zoom"] if zoom is None else zoom)
    search = page.evaluate("location.search")
    assert "e308" not in search and "NaN" not in search and "script" not in search and "2022-02-30" not in search
    assert page.evaluate("location.hash") == ""
    assert page.evaluate("window.controlmap.stats().paints") >= 1
    assert page.recorder.console_errors == []


def test_statements_load_only_when_a_settlement_is_clicked(offline_page, site_url):
    page = offline_page
    fetched, shapes = [], []
    page.on("request", lambda request: "/statements/" in request.url and fetched.append(request.url))
    page.on("response", lambda response: "settlement-shapes-" in response.url and shapes.append(response.status))
    page.goto(f"{site_url}/?date=2025-11-25&lat=49.7133&lon=37.6142&zoom=12")
    page.wait_for_selector(READY)
    assert fetched == []
    # Zoomed in close, the settlements' own boundaries come from the site's own copy.
    for _ in range(50):
        if shapes:
            break
        page.wait_for_timeout(100)
    assert shapes == [200]
    kupiansk = "UA63080090010026457"
    point = page.evaluate(f"window.controlmap.pixelOf('{kupiansk}')")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#cm-statement-list li[data-claimant]")
    assert fetched == [f"{site_url}/statements/{kupiansk}.json"]
    assert page.inner_text("#cm-statements-title") == "Kupiansk: statements"
    claimants = set(page.locator("#cm-statement-list li").evaluate_all("items => items.map(i => i.dataset.claimant)"))
    assert claimants == {"ua", "ru", "independent"}


def test_the_site_says_as_of_which_map_and_warns_when_the_readers_day_is_more_than_a_week_later(offline_page,
                                                                                                  site_url):
    page = offline_page
    page.clock.set_fixed_time("2026-08-28T12:00:00Z")  # 7 days after the newest map read (21 Aug 2026)
    page.goto(f"{site_url}/")
    page.wait_for_selector(READY)
    assert "Map data as of 21 Aug 2026 (DeepStateMap): the newest map snapshot read." == page.inner_text("#cm-as-of")
    assert page.locator("#cm-stale").is_hidden()
    page.clock.set_fixed_time("2026-12-06T12:00:00Z")
    page.reload()
    page.wait_for_selector(READY)
    assert page.locator("#cm-stale").is_visible()
    assert page.inner_text("#cm-stale").startswith("The newest map read is 107 days old (21 August 2026)")


def test_a_statement_about_the_hromada_says_so_on_the_site(offline_page, site_url):
    page = offline_page
    page.goto(f"{site_url}/?date=2022-03-15&lat=50.1004&lon=37.1647&zoom=12")
    page.wait_for_selector(READY)
    doroshenkove = "UA63080010370038828"
    point = page.evaluate(f"window.controlmap.pixelOf('{doroshenkove}')")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#cm-statement-list li[data-claimant]")
    about = page.locator("#cm-statement-list .cm-statement-about").all_inner_texts()
    assert "This statement is about Velykoburlutska hromada, not about the settlement alone." in about


def test_the_site_works_in_an_iframe_of_another_origin(browser, site_url, tmp_path, engine):
    (tmp_path / "host.html").write_text(
        f'<!doctype html><title>host</title><iframe id="embed" src="{site_url}/#date=2022-09-12" '
        'width="1000" height="700"></iframe>', encoding="utf-8")
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    try:
        with static_server(tmp_path) as host_url:
            assert host_url.split(":")[-1] != site_url.split(":")[-1]
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{host_url}/host.html")
            frame = page.frame_locator("#embed")
            frame.locator(READY).wait_for()
            inner = next(f for f in page.frames if f.url.startswith(site_url))
            assert inner.evaluate("window.controlmap.isoDate(window.controlmap.getDay())") == "2022-09-12"
            assert inner.evaluate("window.controlmap.statuses()") == engine_statuses(
                engine, ("ua", "ru", "independent"), "2022-09-12")
            assert errors == []
    finally:
        context.close()


def test_the_dashboards_download_is_the_clis_site_zipped(page, streamlit_app, site_dir):
    from playwright.sync_api import expect


    page.goto(f"{streamlit_app(ROOT / 'streamlit_app.py')}/Publish")
    button = page.get_by_role("button", name="Download the site (zip)")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=120_000) as download:
        button.click()
    written = {str(p.relative_to(site_dir)): p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
    assert Path(download.value.path()).read_bytes() == publish.site_zip(written)
    assert download.value.suggested_filename == "controlmap-site.zip"
