"""The map page through AppTest: its text figures are what the engine says for the date and claimants."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from controlmap.dataset import Dataset

ROOT = Path(__file__).resolve().parents[2]
SHOWN_ORDER = ("ua", "ru", "contested", "unknown")


@pytest.fixture(scope="module")
def engine():
    return Dataset.load()


def run_dashboard(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def figures(at: AppTest) -> list[tuple[int, float]]:
    table = at.dataframe[0].value  # the figures table comes first
    return list(zip(table["settlements"], table["area km² (approx.)"], strict=True))


def expected(engine, day, claimants=("ua", "ru", "independent")) -> list[tuple[int, float]]:
    timeline = engine.timeline(claimants)
    state = timeline.state_at(day)
    counts, areas = timeline.count_by_status(state), timeline.area_by_status(state)
    return [(counts[s], areas[s]) for s in SHOWN_ORDER]


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
    assert ["ru"] == at.multiselect(key="claimants").value
    assert expected(engine, "2025-12-13", ("ru",)) == figures(at)
    at.multiselect(key="claimants").set_value(["ua", "independent"]).run()
    assert expected(engine, "2025-12-13", ("ua", "independent")) == figures(at)
    assert "ua,independent" == at.query_params["claimants"]


def test_without_a_date_the_page_shows_the_last_day_with_a_statement(engine):
    at = run_dashboard()
    last = engine.timeline().span[1]
    assert expected(engine, last) == figures(at)


def test_an_unreadable_date_in_the_url_falls_back_to_the_last_day(engine):
    at = run_dashboard(date="not-a-date")
    assert not at.exception
    assert expected(engine, engine.timeline().span[1]) == figures(at)
