"""The map page through AppTest: the map and panel it builds for the URL it is opened with (the day, the claimants, the
view), what the panel is told about the data (its version, freshness, sources), and what the page says itself. What
the panel then draws in the browser — figures, changes, links — is tested in tests/browser/test_dashboard_panel.py."""

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from controlmap.text import md_escape
from controlmap.timeline.dataset import Dataset
from tests.support.map_page import built, shown_day

ROOT = Path(__file__).resolve().parents[2]
ALL_SELECTIONS = {"", "ua", "ru", "independent", "ua,ru", "ua,independent", "ru,independent", "ua,ru,independent"}


@pytest.fixture(scope="module")
def engine():
    return Dataset.load()


def run_dashboard(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_the_map_starts_on_the_date_and_claimants_in_the_url_and_carries_every_other_choice():
    at = run_dashboard(date="2022-09-12", claimants="ru,independent")
    assert not at.exception, at.exception
    assert "2022-09-12" == shown_day(at)
    _, _, data, settings = built(at)
    assert "ru,independent" == data["selection"]
    assert ALL_SELECTIONS == {data["selection"], *data["selections"]}, "the panel switches claimants in the browser"
    assert ("dashboard", ["ua", "ru", "independent"]) == (settings["host"], settings["claimants"])


def test_without_a_date_or_with_one_it_cannot_read_the_map_starts_on_the_last_day():
    for query in ({}, {"date": "not-a-date"}, {"date": "9999-12-31"}, {"date": "2" * 5000}):
        at = run_dashboard(**query)
        assert not at.exception, at.exception
        assert "2026-08-21" == shown_day(at), query
    assert "2022-02-24" == shown_day(run_dashboard(date="0001-01-01"))


def test_after_the_warm_up_the_first_run_loads_no_data(monkeypatch):
    from app import data, startup

    data._shipped.clear()
    startup.warm_up()  # what streamlit_app.py runs when the server starts
    monkeypatch.setattr(data, "load_dataset", lambda *args, **kwargs: pytest.fail("the data was loaded again"))
    at = run_dashboard(date="2022-09-12")
    assert not at.exception
    assert "2022-09-12" == shown_day(at)


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
    assert (name, 1) == (built(at)[3]["dataFile"], built(at)[3]["events"])


def test_a_valid_events_file_gets_no_error_message():
    assert [] == run_dashboard(date="2022-09-12").error


def test_the_cited_data_version_follows_an_edit_of_the_same_size_with_its_mtime_put_back(monkeypatch, tmp_path):
    """The version was keyed on size and mtime: such an edit left the page citing the old sha256."""
    import hashlib
    import os

    from controlmap import paths

    copy = tmp_path / "events.csv"
    shutil.copy2(paths.EVENTS_CSV, copy)
    monkeypatch.setattr(paths, "EVENTS_CSV", copy)
    first = run_dashboard(date="2022-09-12")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == built(first)[3]["eventsSha256"]
    stat = os.stat(copy)
    edited = copy.read_bytes().replace(b"General Staff", b"General Stafg", 1)
    assert len(edited) == stat.st_size
    copy.write_bytes(edited)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = run_dashboard(date="2022-09-12")
    assert hashlib.sha256(edited).hexdigest() == built(again)[3]["eventsSha256"]
    assert not built(again)[3]["uploaded"]


# ---------------------------------------------------------------- what the panel is told


def newest_map_day() -> str:
    """The newest snapshot day sources.json records, read here (not asked of the app)."""
    record = json.loads((ROOT / "data" / "sources.json").read_text("utf-8"))
    return max(p["newest"]["time"][:10] for p in record["presets"].values())


def test_the_panel_is_told_as_of_which_map_the_data_are_and_how_to_update_them():
    settings = built(run_dashboard())[3]
    assert "2026-08-21" == newest_map_day()  # the archives' last file, of 22 Aug 2026, shows the map of 21 Aug
    assert ("2026-08-21", "as of 21 Aug 2026 (DeepStateMap)") == (settings["asOf"]["day"], settings["asOf"]["text"])
    assert "To update the data, run python -m controlmap update (docs/deploy.md)." == settings["staleHint"]


def test_the_panels_notes_name_the_sources_that_place_the_shipped_points():
    """The shipped gazetteer places its settlements by OpenStreetMap and GeoNames only (1,641 and 35; the other 75 at
    their hromada centre): the note names no other source."""
    notes = built(run_dashboard())[3]["notes"]
    assert "Points: settlements at their own point (OpenStreetMap, else GeoNames)" == notes[0].split(". ")[0]
    assert ("Areas: each settlement's cell, the part of its hromada nearer to it than to any other (1,676 of 1,751 "
            "settlements at their own point (1,641 OpenStreetMap, 35 GeoNames); 75 drawn approximately at their "
            "hromada centre, with no cell and no area).") == notes[1].split(" Before")[0]


def test_the_panel_is_told_the_first_archived_maps_day():
    assert "2022-04-03" == built(run_dashboard(date="2022-03-15"))[3]["firstMap"]


# ---------------------------------------------------------------- hostile URLs

def map_options(at: AppTest) -> tuple[list[float], int]:
    """The starting centre and zoom of the map this session built (what the browser is sent)."""
    folium_map = built(at)[0]
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
    assert "2022-09-12" == shown_day(at)
    (lat, lon), zoom = map_options(at)
    if expected is None:  # the map's own default view: the oblast
        assert (49.5, 36.5, 8) == (round(lat, 1), round(lon, 1), zoom)
    elif expected[0] == "north-east":  # clamped into the oblast's bounds and the map's zoom levels
        from controlmap.web.maps import dataset_layer

        north_east = dataset_layer(engine).bounds[1]
        assert (north_east, 18) == ([lat, lon], zoom)
    else:
        assert expected == ([lat, lon], zoom)


@pytest.mark.parametrize(("query", "selection"), [
    ({"names": "<script>"}, "ua,ru,independent"), ({"claimants": "ru,ru,xx,,none"}, "ru"),
    ({"claimants": "," * 1000}, ""), ({"claimants": "none"}, ""),
])
def test_other_hostile_values_fall_back(query, selection):
    at = run_dashboard(**query)
    assert not at.exception, at.exception
    assert (selection, "2026-08-21") == (built(at)[2]["selection"], shown_day(at))


def test_without_leaflet_installed_the_page_says_what_to_run(monkeypatch):
    from app import session_maps

    monkeypatch.setattr(session_maps, "_leaflet_ready", False)
    from controlmap.web import offline

    monkeypatch.setattr(offline, "missing_leaflet_files", lambda *args: ["leaflet.js"])
    at = run_dashboard(date="2022-09-12")
    assert not at.exception
    assert [session_maps.LEAFLET_MISSING] == [e.value for e in at.error]
    assert session_maps.MAPS not in at.session_state, "no map is built that could not be drawn"

