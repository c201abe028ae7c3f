"""The map page's panel in headless Chromium, on the shipped data: drawn in the map's frame by the published site's page
script, it tells the figures, the changes and the statements responsible, keeps the URL, opens towns' histories, and
costs the server nothing when the date changes. Expected values come from the engine or from data/, never from the
page script."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from controlmap.model import STATUS_ORDER
from tests.browser.conftest import ROOT
from tests.browser.test_dashboard_browser import map_frame, open_dashboard

pytestmark = pytest.mark.browser

KUPIANSK = "UA63080090010026457"
DONETSK = ROOT / "data" / "regions" / "donetska"


def figures(frame) -> list[tuple[int, float]]:
    """The panel's figures table as (settlements, km²) per status, in the table's order."""
    rows = frame.locator("#cm-figures tbody tr")
    return [tuple(float(t.replace(",", "")) if k else int(t.replace(",", ""))
                  for k, t in enumerate(rows.nth(i).locator("td").all_inner_texts()[1:])) for i in range(rows.count())]


def expected_figures(engine, day: str, claimants=("ua", "ru", "independent")) -> list[tuple[int, float]]:
    timeline = engine.timeline(claimants)
    state = timeline.state_at(day)
    counts, areas = timeline.count_by_status(state), timeline.area_by_status(state)
    return [(counts[s], round(areas[s], 1)) for s in STATUS_ORDER]


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_the_figures_are_the_engines_for_the_date_and_the_changes_are_told_with_their_statements(page, dashboard,
                                                                                                 engine):
    frame = open_dashboard(page, dashboard, "?date=2022-09-06")
    expect(frame.locator("#cm-date")).to_have_text("6 September 2022")
    assert expected_figures(engine, "2022-09-06") == figures(frame)
    # At first, the changes since the day before (the first visit compared the day with itself).
    expect(frame.locator("#cm-changes-title")).to_have_text("Changed since 5 September 2022")
    before = len(engine.timeline().changes("2022-09-05", "2022-09-06"))
    assert max(before, 1) == frame.locator("#cm-changes li").count()

    frame.get_by_role("button", name="30 days ▶").click()
    expect(frame.locator("#cm-date")).to_have_text("6 October 2022")
    assert expected_figures(engine, "2022-10-06") == figures(frame)
    expect(frame.locator("#cm-changes-title")).to_have_text("Changed since 6 September 2022")
    changed = engine.timeline().changes("2022-09-06", "2022-10-06")
    assert 497 == len(changed)
    items = frame.locator("#cm-changes li").all_inner_texts()
    assert 41 == len(items) and "… and 457 more" == items[-1]  # the first 40, then how many more
    listed = {i: text for i, text in enumerate(items[:-1])}
    assert all(re.fullmatch(r".+: [\w-]+ → [\w-]+, .+ \((\d{4}-\d\d-\d\d|date unknown)\)", text)
               for text in listed.values()), listed
    names = set(changed.name_en)
    assert all(text.split(": ")[0] in names for text in listed.values())
    page.wait_for_function("() => location.search.includes('date=2022-10-06')")


def test_unchecking_every_claimant_shows_the_baseline_and_is_kept_in_the_url_as_none(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=2025-12-13")
    for name in ("Ukrainian officials", "Russian officials", "independent observers"):
        frame.get_by_role("checkbox", name=name).uncheck()
    expect(frame.locator("#cm-no-claimants")).to_be_visible()
    page.wait_for_function("() => location.search.includes('claimants=none')")
    assert expected_figures(engine, "2025-12-13", ()) == figures(frame)
    again = open_dashboard(page, dashboard, "?date=2025-12-13&claimants=none")
    for name in ("Ukrainian officials", "Russian officials", "independent observers"):
        expect(again.get_by_role("checkbox", name=name)).not_to_be_checked()
    assert expected_figures(engine, "2025-12-13", ()) == figures(again)


def test_ukrainian_names_are_shown_kept_in_the_url_and_taken_to_the_towns_history(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=2022-09-06")
    frame.get_by_label("Names:").select_option("uk")
    page.wait_for_function("() => location.search.includes('names=uk')")
    changed = engine.timeline().changes("2022-09-05", "2022-09-06")
    first = frame.locator("#cm-changes li").first
    expect(first).to_contain_text(" → ")
    name = first.locator("button").inner_text()
    assert name in set(changed.name_uk), (name, list(changed.name_uk)[:5])
    page.reload()
    again = map_frame(page)
    expect(again.get_by_label("Names:")).to_have_value("uk")
    again.locator("#cm-changes li button").first.click()
    page.wait_for_url(re.compile(r"/Town_history\?"), timeout=30_000)
    expect(page.get_by_role("heading", name="Town history")).to_be_visible()
    assert ["uk"] == query_of(page).get("names")


def test_the_town_search_opens_a_towns_history_and_asks_about_namesakes_there(page, dashboard):
    frame = open_dashboard(page, dashboard)
    frame.get_by_label("Open a town:").fill("Kupiansk")
    frame.get_by_label("Open a town:").press("Enter")
    page.wait_for_url(re.compile(rf"/Town_history\?.*settlement={KUPIANSK}"), timeout=30_000)
    expect(page.get_by_role("heading", name="Town history")).to_be_visible()
    frame = open_dashboard(page, dashboard)
    frame.get_by_label("Open a town:").fill("Bairak")
    frame.get_by_label("Open a town:").press("Enter")
    page.wait_for_url(re.compile(r"/Town_history\?"), timeout=30_000)
    expect(page.get_by_text("Which one?")).to_be_visible(timeout=30_000)


def test_a_day_before_the_first_archived_map_says_only_statements_speak(page, dashboard):
    frame = open_dashboard(page, dashboard, "?date=2022-03-15")
    expect(frame.locator("#cm-before-maps")).to_have_text(
        "Before 3 April 2022, the first archived control map, only researched statements speak: a settlement nobody "
        "wrote about shows the 24 Feb 2022 baseline (Ukrainian-held).")
    frame.get_by_role("button", name="30 days ▶").click()
    expect(frame.locator("#cm-before-maps")).to_be_hidden()


def test_a_map_older_than_a_week_gets_a_notice_saying_how_to_update(page, dashboard):
    page.clock.set_fixed_time("2026-08-28T12:00:00Z")  # 7 days after the newest map read (21 Aug 2026)
    frame = open_dashboard(page, dashboard)
    expect(frame.locator("#cm-as-of")).to_have_text(
        "Map data as of 21 Aug 2026 (DeepStateMap): the newest map snapshot read.")
    expect(frame.locator("#cm-stale")).to_be_hidden()
    page.clock.set_fixed_time("2026-08-30T12:00:00Z")
    frame = open_dashboard(page, dashboard)
    expect(frame.locator("#cm-stale")).to_have_text(
        "The newest map read is 9 days old (21 August 2026): changes since then are not shown. To update the data, run "
        "python -m controlmap update (docs/deploy.md).")


def test_a_hostile_link_opens_a_working_map_and_only_values_it_reads_are_written_back(page, dashboard, engine):
    frame = open_dashboard(page, dashboard, "?date=%3Cscript%3E&claimants=xx,ru&lat=nan&lon=1e400&zoom=-7"
                                            "&names=../../etc&compare=%00")
    expect(frame.locator("#cm-date")).to_have_text("21 August 2026")
    page.wait_for_function("() => location.search.includes('lat=')")
    query = query_of(page)
    view = frame.evaluate("() => window.controlmap.view()")
    assert {"date": ["2026-08-21"], "claimants": ["ru"], "lat": [f"{view['lat']:.4f}"], "lon": [f"{view['lon']:.4f}"],
            "zoom": [str(view["zoom"]).removesuffix(".0")]} == query
    assert len(engine.gazetteer) == frame.evaluate("() => window.controlmap.stats().features")
    assert [] == page.recorder.console_errors


def test_moving_the_date_and_the_claimants_costs_the_server_nothing(page, dashboard):
    """The panel is drawn in the browser: no message goes to Streamlit (a rerun) while the reader scrubs, plays, steps
    a month or changes the claimants."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    frame = open_dashboard(page, dashboard, "?date=2022-03-01")
    page.wait_for_timeout(1000)  # the page's own start-up messages
    sent.clear()
    frame.evaluate("""() => {
        const slider = document.querySelector('.cm-slider');
        slider.value = '200';
        slider.dispatchEvent(new Event('input'));
        slider.dispatchEvent(new Event('change'));
    }""")
    frame.get_by_role("button", name="30 days ▶").click()
    frame.get_by_role("checkbox", name="Russian officials").uncheck()
    frame.get_by_label("Second front line").select_option(label="Russian officials")
    first_day = date.fromisoformat(frame.evaluate("() => window.controlmap.isoDate(0)"))
    assert date(2022, 2, 24) == first_day
    expect(frame.locator("#cm-date")).to_have_text(f"{first_day + timedelta(days=230):%-d %B %Y}")
    page.wait_for_timeout(500)
    assert [] == sent


def test_before_the_first_map_a_maps_only_region_says_only_the_baseline_speaks(page, streamlit_app):
    """Donetsk oblast has no researched statements: before the first archived map nothing speaks but the baseline, and
    the figures count the settlements its region.json names as held by Russia since 2014."""
    import json

    donetsk = streamlit_app(ROOT / "streamlit_app.py", {"CONTROLMAP_DATA": str(DONETSK)})
    page.goto(f"{donetsk}/?date=2022-03-01")
    frame = map_frame(page)
    expect(frame.locator("#cm-before-maps")).to_have_text(
        "Before 3 April 2022, the first archived control map, the map shows the 24 Feb 2022 baseline (Ukrainian-held; "
        "Russian-held for the 447 settlements held by Russia since 2014; not known for 8 drawn at a hromada centre "
        "the 2014 line crosses).")
    held = set(json.loads((DONETSK / "region.json").read_text("utf-8"))["baseline"]["russian_held"]["settlements"])
    cells = json.loads((DONETSK / "geo" / "cells.geojson").read_text("utf-8"))["features"]
    km2 = sum(f["properties"]["area_km2"] for f in cells if f["properties"]["katottg"] in held)
    row = frame.locator("#cm-figures tbody tr[data-status='ru'] td").all_inner_texts()
    assert [f"{len(held):,}", f"{km2:,.1f}"] == row[1:]


def test_an_embedded_dashboard_keeps_streamlits_embed_value_in_its_url(page, dashboard):
    frame = open_dashboard(page, dashboard, "?embed=true&date=2022-09-12")
    expect(frame.locator("#cm-date")).to_have_text("12 September 2022")
    page.wait_for_function("() => location.search.includes('lat=')")
    assert (["true"], ["2022-09-12"]) == (query_of(page).get("embed"), query_of(page)["date"])
