"""The map page through AppTest: its text figures are what the engine says for the date and claimants."""

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from controlmap.model import STATUS_ORDER
from controlmap.text import md_escape
from controlmap.timeline.dataset import Dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine():
    return Dataset.load()


def run_dashboard(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def figures(at: AppTest) -> list[tuple[int, float]]:
    """The figures table (Markdown) as (settlements, km²) per status, in the page's order."""
    text = next(m.value for m in at.markdown if m.value.startswith("| status |"))
    table = text.split("\n\n")[0]
    rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]]
    return [(int(count.replace(",", "")), float(area.replace(",", ""))) for _, count, area in rows]


def expected(engine, day, claimants=("ua", "ru", "independent")) -> list[tuple[int, float]]:
    timeline = engine.timeline(claimants)
    state = timeline.state_at(day)
    counts, areas = timeline.count_by_status(state), timeline.area_by_status(state)
    return [(counts[s], areas[s]) for s in STATUS_ORDER]


def test_the_page_renders_the_figures_of_the_date_in_the_url(engine):
    at = run_dashboard(date="2022-08-01")
    assert not at.exception
    assert expected(engine, "2022-08-01") == figures(at)
    assert "01 August 2022" == at.subheader[0].value


def test_a_later_date_gives_the_engines_later_figures(engine):
    at = run_dashboard(date="2022-09-12")
    assert expected(engine, "2022-09-12") == figures(at)
    assert expected(engine, "2022-09-12") != expected(engine, "2022-08-01")


def test_the_claimant_filter_changes_the_figures_as_the_engine_says(engine):
    at = run_dashboard(date="2025-12-13", claimants="ru")
    assert [False, True, False] == [at.checkbox(key=f"claimant_{c}").value for c in ("ua", "ru", "independent")]
    assert expected(engine, "2025-12-13", ("ru",)) == figures(at)
    at.checkbox(key="claimant_ua").check()
    at.checkbox(key="claimant_ru").uncheck()
    at.checkbox(key="claimant_independent").check().run()
    assert expected(engine, "2025-12-13", ("ua", "independent")) == figures(at)
    assert "ua,independent" == at.query_params["claimants"]


def test_without_a_date_the_page_shows_the_last_day_with_a_statement(engine):
    at = run_dashboard()
    last = engine.timeline().span[1]
    assert expected(engine, last) == figures(at)


def test_the_30_day_buttons_move_the_date_and_the_figures_follow(engine):
    at = run_dashboard(date="2022-08-01")
    at.button(key="forward_30").click().run()
    assert "31 August 2022" == at.subheader[0].value
    assert expected(engine, "2022-08-31") == figures(at)
    assert "2022-08-31" == at.query_params["date"]
    at.button(key="back_30").click().run()
    at.button(key="back_30").click().run()
    assert "02 July 2022" == at.subheader[0].value


def test_changed_settlements_are_listed_with_their_sources_as_plain_text(engine):
    at = run_dashboard(date="2022-09-06")
    at.button(key="forward_30").click().run()
    changed = engine.timeline().changes("2022-09-06", "2022-10-06")
    paragraphs = [p for m in at.markdown for p in m.value.split("\n\n")]
    assert "**Changed since 06 Sep 2022:** " + f"{len(changed)} settlement(s)" in paragraphs
    listing = next(p for p in paragraphs if p.startswith("- **")).splitlines()
    assert 497 == len(changed)
    assert 41 == len(listing)  # the first 40, then how many more
    assert "- … and 457 more (see the Compare dates page)" == listing[-1]
    assert all(re.fullmatch(r"- \*\*.+\*\*: [\w-]+ → [\w-]+, .+ \(\d{4}-\d\d-\d\d\)", line) for line in listing[:-1])


def test_an_unreadable_date_in_the_url_falls_back_to_the_last_day(engine):
    at = run_dashboard(date="not-a-date")
    assert not at.exception
    assert expected(engine, engine.timeline().span[1]) == figures(at)


def test_after_the_warm_up_the_first_run_loads_no_data(monkeypatch):
    from app import data, startup

    data._shipped.clear()
    startup.warm_up()  # what streamlit_app.py runs when the server starts
    monkeypatch.setattr(data, "load_dataset", lambda *args, **kwargs: pytest.fail("the data was loaded again"))
    at = run_dashboard(date="2022-09-12")
    assert not at.exception
    assert "12 September 2022" == at.subheader[0].value


def test_errors_in_the_events_file_are_announced_with_the_first_one(monkeypatch, tmp_path):
    from controlmap import paths

    broken = tmp_path / "events.csv"
    shutil.copy2(ROOT / "tests" / "fixtures" / "bad" / "ambiguous_date.csv", broken)
    monkeypatch.setattr(paths, "EVENTS_CSV", broken)
    at = run_dashboard(date="2022-09-12")
    assert not at.exception
    first = Dataset.load(broken).validation.errors[0]
    assert "line 3, column date: ambiguous date '03/04/2022'" in str(first)
    # The page names the file it read: here the test's copy, outside the project (shipped: data/events.csv).
    name = broken.as_posix()
    assert [f"**{md_escape(name)} has 1 error(s); the rows with errors are left out of every page.** The first: "
            f"{md_escape(str(first))}. See them all with `python -m controlmap validate {name}`."
            ] == [e.value for e in at.error]
    assert any(c.value.startswith(f"From {md_escape(name)} (1 events)") for c in at.caption)


def test_the_cited_data_version_follows_an_edit_of_the_same_size_with_its_mtime_put_back(monkeypatch, tmp_path):
    """The version was keyed on size and mtime: such an edit left the page citing the old sha256."""
    import hashlib
    import os

    from controlmap import paths

    copy = tmp_path / "events.csv"
    shutil.copy2(paths.EVENTS_CSV, copy)
    monkeypatch.setattr(paths, "EVENTS_CSV", copy)

    def cited(at: AppTest) -> str:
        return next(c.value for c in at.caption if c.value.startswith("**Cite this map:**"))

    first = run_dashboard(date="2022-09-12")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() in cited(first)
    stat = os.stat(copy)
    edited = copy.read_bytes().replace(b"General Staff", b"General Stafg", 1)
    assert len(edited) == stat.st_size
    copy.write_bytes(edited)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = run_dashboard(date="2022-09-12")
    assert hashlib.sha256(edited).hexdigest() in cited(again)


# ---------------------------------------------------------------- how fresh the data are


def newest_map_day() -> str:
    """The newest snapshot day sources.json records, read here (not asked of the app)."""
    import json

    record = json.loads((ROOT / "data" / "sources.json").read_text("utf-8"))
    return max(p["newest"]["time"][:10] for p in record["presets"].values())


def test_the_page_says_as_of_which_map_the_data_are_and_opens_on_that_day():
    at = run_dashboard()
    assert "2026-08-21" == newest_map_day()  # the archives' last file, of 22 Aug 2026, shows the map of 21 Aug
    assert md_escape("Map data as of 21 Aug 2026 (DeepStateMap)") + ": the newest map snapshot read; the slider runs " \
        "to it." in [c.value for c in at.caption]
    assert "21 August 2026" == at.subheader[0].value


def test_the_maps_caption_names_the_sources_that_place_the_shipped_points():
    """The shipped gazetteer places its settlements by OpenStreetMap and GeoNames only (1,641 and 35; the other 75 at
    their hromada centre): the caption names no other source."""
    captions = [c.value for c in run_dashboard().caption if c.value.startswith("Points: ")]
    expected = "Points: settlements at their own point (OpenStreetMap, else GeoNames)"
    assert [c.split(". ")[0] for c in captions] == [expected]


def test_a_map_older_than_a_week_gets_a_notice_saying_how_to_update(today_is):
    today_is(date(2026, 8, 30))
    late = run_dashboard()
    assert 1 == len(late.warning)
    assert md_escape("The newest map read is 9 days old (DeepStateMap's snapshot of 21 Aug 2026): changes since then "
                     "are not shown. To update the data, run python -m controlmap update (docs/deploy.md).") == \
        late.warning[0].value

    today_is(date(2026, 8, 28))
    assert [] == run_dashboard().warning


def test_a_valid_events_file_gets_no_error_message():
    assert [] == run_dashboard(date="2022-09-12").error


# ---------------------------------------------------------------- hostile URLs

def map_options(at: AppTest) -> tuple[list[float], int]:
    """The starting centre and zoom of the map this session built (what the browser is sent)."""
    from app import session_maps

    ((folium_map, _selection),) = at.session_state[session_maps.MAPS].values()
    return folium_map.location, folium_map.options["zoom"]


@pytest.mark.parametrize(("query", "expected"), [
    # Crashed the page with a traceback showing the server's paths.
    ({"lat": "nan", "lon": "37.6", "zoom": "10"}, None),
    # Left the map blank: "Invalid LatLng object: (NaN, NaN)" in the browser.
    ({"zoom": "999999999999999999999999999999"}, None),
    ({"lat": "1e400", "lon": "-inf", "zoom": "-99"}, None),
    # With a centre, the zoom was sent as is: a blank map, "Invalid LatLng object: (NaN, NaN)".
    ({"lat": "49.71", "lon": "37.6158", "zoom": "999999999999999999999999999999"}, ([49.71, 37.6158], 18)),
    ({"lat": "89", "lon": "179", "zoom": "999"}, ("north-east", 18)),
])
def test_hostile_map_views_in_the_url_give_a_map_that_can_be_drawn(engine, query, expected):
    at = run_dashboard(date="2022-09-12", **query)
    assert not at.exception, at.exception
    assert "12 September 2022" == at.subheader[0].value
    (lat, lon), zoom = map_options(at)
    if expected is None:  # the map's own default view: the oblast
        assert (49.5, 36.5, 8) == (round(lat, 1), round(lon, 1), zoom)
    elif expected[0] == "north-east":  # clamped into the oblast's bounds and the map's zoom levels
        from controlmap.web.maps import dataset_layer

        north_east = dataset_layer(engine).bounds[1]
        assert (north_east, 18) == ([lat, lon], zoom)
    else:
        assert expected == ([lat, lon], zoom)


@pytest.mark.parametrize("query", [
    {"date": "0001-01-01"}, {"date": "9999-12-31"}, {"date": "2" * 5000}, {"names": "<script>"},
    {"claimants": "ru,ru,xx,,none"}, {"claimants": "," * 1000},
])
def test_other_hostile_values_fall_back_or_clamp(query):
    at = run_dashboard(**query)
    assert not at.exception, at.exception
    assert at.subheader, "the day's figures are shown"


def test_unchecking_every_claimant_is_kept_in_the_url_as_none(engine):
    at = run_dashboard(date="2025-12-13")
    for claimant in ("ua", "ru", "independent"):
        at.checkbox(key=f"claimant_{claimant}").uncheck()
    at.run()
    assert "none" == at.query_params["claimants"]
    reloaded = run_dashboard(date="2025-12-13", claimants="none")
    assert [False, False, False] == [reloaded.checkbox(key=f"claimant_{c}").value for c in ("ua", "ru", "independent")]
    assert expected(engine, "2025-12-13", ()) == figures(reloaded)


def test_checking_every_claimant_again_drops_the_parameter():
    at = run_dashboard(date="2025-12-13", claimants="ru")
    at.checkbox(key="claimant_ua").check()
    at.checkbox(key="claimant_independent").check().run()
    assert "claimants" not in at.query_params


def test_without_leaflet_installed_the_page_says_what_to_run(monkeypatch):
    from app import session_maps

    monkeypatch.setattr(session_maps, "_leaflet_ready", False)
    from controlmap.web import offline

    monkeypatch.setattr(offline, "missing_leaflet_files", lambda *args: ["leaflet.js"])
    at = run_dashboard(date="2022-09-12")
    assert not at.exception
    assert [session_maps.LEAFLET_MISSING] == [e.value for e in at.error]
    assert "12 September 2022" == at.subheader[0].value, "the figures are still shown"


def test_a_day_before_the_first_archived_map_says_only_statements_speak():
    before = run_dashboard(date="2022-03-15")
    text = "\n\n".join(m.value for m in before.markdown)
    assert ("**Before 03 April 2022**, the first archived control map, only researched statements speak: a "
            "settlement nobody wrote about shows the 24 Feb 2022 baseline (Ukrainian-held).") in text
    after = run_dashboard(date="2022-04-03")
    assert "the first archived control map" not in "\n\n".join(m.value for m in after.markdown)


def test_at_first_the_changes_are_told_since_the_day_before():
    """The first visit said "Changed since 21 Aug 2026: 0 settlement(s)", the day compared with itself."""
    paragraphs = [p for m in run_dashboard().markdown for p in m.value.split("\n\n")]
    assert any(p.startswith("**Changed since 20 Aug 2026:**") for p in paragraphs)
    paragraphs = [p for m in run_dashboard(date="2022-09-12").markdown for p in m.value.split("\n\n")]
    assert any(p.startswith("**Changed since 11 Sep 2022:** ") for p in paragraphs)
