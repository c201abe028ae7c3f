"""Hostile URLs on every page: whatever a link holds, the page runs, shows a value it can show (the default, or the
value clamped), writes back only values it reads, and changes nothing in data/.

The expected dates are read from data/ here (the first statement of events.csv, and the later of its last statement
and the newest map snapshot sources.json records), not asked of the engine.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.files import tree_digest
from tests.support.map_page import built, shown_day, starting_selection

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
with (DATA / "events.csv").open(encoding="utf-8", newline="") as _file:
    _DATES = sorted(row["date"] for row in csv.DictReader(_file))
_NEWEST_MAP = max(p["newest"]["time"][:10] for p in json.loads((DATA / "sources.json").read_text("utf-8"))[
    "presets"].values())
LAST = max(_DATES[-1], _NEWEST_MAP)
BASELINE = "2022-02-24"


@pytest.fixture(autouse=True)
def data_untouched():
    before = tree_digest(DATA)
    yield
    assert before == tree_digest(DATA), "data/ changed"


def run(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def long_date(iso: str) -> str:
    year, month, day = iso.split("-")
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    return f"{day} {months[int(month) - 1]} {year}"


# ---------------------------------------------------------------- the map page

@pytest.mark.parametrize(("query", "shown"), [
    ({"date": "2022-02-30"}, LAST),  # a day that does not exist: the default, never 2 March
    ({"date": "9999-12-31"}, LAST),  # clamped to the last day
    ({"date": "0001-01-01"}, BASELINE),  # clamped to the first
    ({"date": "0000-01-01"}, LAST),
    ({"date": "2022-9-12"}, LAST),  # not YYYY-MM-DD
    ({"date": "20220912"}, LAST),  # a form Python's parser takes, the page script would not
    ({"date": "2022-W36-6"}, LAST),
    ({"date": "<script>alert(1)</script>"}, LAST),
    ({"date": "2022-09-12\u202e"}, LAST),
    ({"date": "2" * 100_000}, LAST),
])
def test_a_hostile_date_on_the_map_page(query, shown):
    """The map starts on the day shown (the panel writes the URL in the browser: test_dashboard_panel.py)."""
    assert shown == shown_day(run("dashboard.py", **query))


@pytest.mark.parametrize(("query", "selection"), [
    ({"claimants": "<svg onload=alert(1)>"}, ""),  # nothing known is left: no claimant
    ({"claimants": "ru,ru,xx,,none"}, "ru"),
    ({"claimants": "%E2%80%AEur"}, ""),
    ({"names": "../../etc/passwd", "claimants": "ua,independent"}, "ua,independent"),
])
def test_hostile_claimants_on_the_map_page(query, selection):
    at = run("dashboard.py", date="2022-09-12", **query)
    assert (selection, "2022-09-12") == (starting_selection(at), shown_day(at))


@pytest.mark.parametrize("query", [
    {"lat": "1_0", "lon": "37", "zoom": "0x10"},
    {"lat": "٤٩", "lon": "37", "zoom": "١٢"},
])
def test_numbers_only_python_would_read_are_not_a_view(query):
    """Python's float() reads "1_0" and Arabic-Indic digits; the published site's page script does not: neither does
    the page, so a link means the same on both."""
    folium_map = built(run("dashboard.py", date="2022-09-12", **query))[0]
    assert (49.5, 36.5, 8) == (round(folium_map.location[0], 1), round(folium_map.location[1], 1),
                               folium_map.options["zoom"])


# ---------------------------------------------------------------- the other pages

def test_a_hostile_settlement_code_on_the_town_history():
    at = run("pages/1_Town_history.py", settlement="UA63080090010026457\u202e<script>")
    assert ["Town history"] == [t.value for t in at.title]
    assert [] == [h.value for h in at.header]  # no settlement is taken from it


@pytest.mark.parametrize("q", ["%00'OR 1=1 --", "\x00\x07Kup", "x" * 100_000])
def test_a_hostile_search_on_the_town_history(q):
    at = run("pages/1_Town_history.py", q=q)
    assert ["Town history"] == [t.value for t in at.title]
    assert len(at.text_input(key="town_query").value) <= 200


def test_reversed_and_impossible_dates_on_compare_dates():
    at = run("pages/2_Compare_dates.py", **{"from": "2022-02-30", "to": "1999-01-01"})
    assert at.date_input(key="compare_to").value.isoformat() == "2022-01-01"  # the earliest date an event may have
    assert at.date_input(key="compare_from").value.isoformat() != "2022-03-02"


def test_a_path_and_an_impossible_day_on_the_events_page():
    at = run("pages/3_Events.py", q="../../etc/passwd", **{"from": "2022-02-30", "to": "9999-01-01"})
    assert f"0 of {len(_DATES):,} events" == at.subheader[0].value
    # The events' own range: the map's later newest snapshot is no event.
    assert (BASELINE, _DATES[-1]) == (at.date_input(key="events_from").value.isoformat(),
                                      at.date_input(key="events_to").value.isoformat())


def test_unknown_filters_on_the_events_page():
    at = run("pages/3_Events.py", claimants="xx,<b>", status="burnt", settlement="UA00000000000000000")
    assert [] == at.multiselect(key="events_claimants").value
    assert [] == at.multiselect(key="events_settlements").value


def test_a_hostile_date_and_scale_on_the_time_series():
    at = run("pages/4_Time_series.py", date="2022-02-30", scale="<b>log</b>")
    assert f"On {LAST}" == at.subheader[0].value
    assert LAST == at.query_params["date"]
