"""The map's wire form built straight from a timeline (controlmap.web.wire), on the tiny gazetteer: every column
written out by hand from the events below and the schema in the module's doc."""

from datetime import date
from pathlib import Path

import pytest

from controlmap.geo.gazetteer import Gazetteer
from controlmap.model import STATUSES
from controlmap.timeline.dataset import Dataset
from controlmap.web import wire

UA, RU, CONTESTED = (STATUSES.index(s) for s in ("ua", "ru", "contested"))
# Alpha Russian-held on 1 March 2022 (Russia says), Ukrainian-held on 5 March (an observer); Beta contested on 10 April.
EVENTS = (Path(__file__).resolve().parents[1] / "fixtures" / "three_statements.csv").read_bytes()


@pytest.fixture
def timeline(tiny_gazetteer):
    # Day 0 is 2022-02-24: Alpha ru on day 5, ua on day 9 (disputed: Russia's claim is 4 days old); Beta contested
    # on day 45 (10 April).
    return Dataset.from_parts(tiny_gazetteer, EVENTS, today=date(2026, 11, 21)).timeline()


def test_the_settlements_travel_once_with_their_common_prefix_sent_once(timeline):
    sent = wire.timeline_wire(timeline)
    assert sent["id_prefix"] == "UA639000"
    assert sent["katottg"] == ["10010044441", "10020044442", "10030044443", "20010044444", "20020044445",
                               "20030044446"]
    assert sent["name_en"] == ["Alpha", "Beta", "Delta", "Gamma", "Delta", "Khamma"]
    assert sent["lat"] == [49.5, 49.6, 49.5, 49.7, 49.7, 49.7]
    assert sent["quality"] == [0, 0, 1, 0, 1, 1]  # exact, or at the hromada centre
    assert sent["labels"] == [0, 3]  # the towns (category M)
    assert sent["statuses"] == list(STATUSES)


def test_the_towns_claim_room_for_their_names_cities_first_then_towns(tiny_gazetteer):
    """Rows 0 and 3 are the tiny gazetteer's towns (category M); rows 1 and 4 are made towns here too."""
    frame = tiny_gazetteer.settlements.assign(category=["M", "M", "C", "M", "M", "C"],
                                              osm_place=["village", "town", "city", "", "city", "town"])
    gazetteer = Gazetteer.from_frame(frame, dict(tiny_gazetteer.cell_area_km2))
    timeline = Dataset.from_parts(gazetteer, EVENTS, today=date(2026, 11, 21)).timeline()
    assert wire.timeline_wire(timeline)["labels"] == [4, 1, 0, 3]  # the city, the town, then the rest in row order


def test_the_runs_say_from_which_day_each_settlement_shows_what_and_since_when(timeline):
    sent = wire.timeline_wire(timeline)
    assert sent["day0"] == "2022-02-24"
    assert sent["run_count"] == [3, 2, 1, 1, 1, 1]
    assert sent["day"] == [0, 5, 9, 0, 45, 0, 0, 0, 0]
    assert sent["state"] == [UA * 2, RU * 2, UA * 2 + 1, UA * 2, CONTESTED * 2, UA * 2, UA * 2, UA * 2, UA * 2]
    assert sent["since_gap"] == [0] * 9
    assert sent["change_days"] == [0, 5, 9, 45]  # the baseline begins on day 0
    # The statements responsible, each source string once.
    assert [None if e < 0 else sent["sources"][sent["event_source"][e]] for e in sent["event"]] == [
        None, "Ministry", "Observer", None, "Staff", None, None, None, None]
    assert [None if e < 0 else sent["event_day"][e] for e in sent["event"]] == [
        None, 5, 9, None, 45, None, None, None, None]


def test_a_window_keeps_the_run_in_force_on_its_first_day_and_the_runs_inside(timeline):
    sent = wire.selection_wire(timeline, 7, 40)  # 3 March – 5 April 2022
    assert (sent["day0"], sent["n_days"]) == ("2022-03-03", 34)
    assert sent["run_count"] == [2, 1, 1, 1, 1, 1]  # Beta's contested run (day 45) lies after the window
    assert sent["day"] == [0, 2, 0, 0, 0, 0, 0]
    assert sent["state"] == [RU * 2, UA * 2 + 1, UA * 2, UA * 2, UA * 2, UA * 2, UA * 2]
    assert sent["since_gap"] == [2, 0, 7, 7, 7, 7, 7]  # Russian-held since 1 March, two days before day 0
    assert sent["change_days"] == [2]
    assert sent["sources"] == ["Ministry", "Observer"]  # only the statements the window's runs name
    assert [sent["event_day"][e] for e in sent["event"][:2]] == [-2, 2]


def test_without_a_window_the_selection_is_the_whole_timeline(timeline):
    whole = wire.timeline_wire(timeline)
    assert wire.selection_wire(timeline, None, None) == {k: whole[k] for k in wire.selection_wire(timeline)}
