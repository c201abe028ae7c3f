"""URL values are checked and clamped: whatever a URL holds, a page gets a value it can show."""

import json
from datetime import date
from pathlib import Path

import pytest

from controlmap.model import CLAIMANTS
from controlmap.web import urlvalues

OBLAST = [[48.5, 34.8], [50.5, 38.3]]


@pytest.mark.parametrize(("lat", "lon", "zoom", "expected"), [
    ("49.71", "37.6158", "12", ((49.71, 37.6158), 12)),
    ("nan", "37.6", "10", (None, 10)),                        # crashed the map page with a traceback
    (None, None, "999999999999999999999999999999", (None, 18)),  # left the map blank (NaN, NaN)
    ("inf", "-inf", "-5", (None, 5)),
    ("1e400", "37", "nan", (None, None)),
    ("90", "-200", "10.6", ((85.0, -180.0), 10.5)),
    ("abc", "37", "zoom", (None, None)),
    (None, None, None, (None, None)),
])
def test_map_view_needs_finite_numbers_and_clamps_them(lat, lon, zoom, expected):
    assert expected == urlvalues.map_view(lat, lon, zoom)


def test_map_view_clamps_the_centre_into_the_maps_bounds():
    assert ((50.5, 34.8), 8) == urlvalues.map_view("89", "-170", "8", OBLAST)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2022-09-12", date(2022, 9, 12)),
    ("not-a-date", date(2025, 1, 1)),
    ("", date(2025, 1, 1)),
    (None, date(2025, 1, 1)),
    ("0001-01-01", date(2022, 1, 1)),
    ("9999-12-31", date(2026, 1, 1)),
    ("2022-02-30", date(2025, 1, 1)),
    ("2" * 10_000, date(2025, 1, 1)),
])
def test_dates_are_iso_and_clamped(raw, expected):
    assert expected == urlvalues.iso_date(raw, date(2025, 1, 1), low=date(2022, 1, 1), high=date(2026, 1, 1))


def test_selections_keep_known_values_once_and_none_means_empty():
    assert ["ru", "ua"] == urlvalues.selection("ru,xx,ua,ru,,", CLAIMANTS)
    assert [] == urlvalues.selection("none", CLAIMANTS, list(CLAIMANTS))
    assert list(CLAIMANTS) == urlvalues.selection(None, CLAIMANTS, list(CLAIMANTS))
    assert [] == urlvalues.selection("<script>", CLAIMANTS, list(CLAIMANTS))


def test_a_selection_is_written_absent_for_all_and_none_for_nothing():
    assert urlvalues.selection_param(CLAIMANTS, CLAIMANTS) is None
    assert "none" == urlvalues.selection_param([], CLAIMANTS)
    assert "ua,independent" == urlvalues.selection_param(["independent", "ua"], CLAIMANTS)


def test_text_loses_control_and_bidi_characters_and_is_cut():
    assert "Kupiansk" == urlvalues.text("Kup\u202eian\u200bsk\x00")
    assert urlvalues.MAX_TEXT_CHARS == len(urlvalues.text("x" * 100_000))
    assert "fallback" == urlvalues.text(None, "fallback")


def test_choices_and_repeated_values():
    assert "en" == urlvalues.choice("xx", ("en", "uk"), "en")
    assert "uk" == urlvalues.choice("uk", ("en", "uk"), "en")
    assert ["ISW, daily", "TASS"] == urlvalues.repeated(["ISW, daily", "", "TASS", "x"], ["ISW, daily", "TASS"])


# ---------------------------------------------------------------- the cases the published site is tested on too

CASES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "url_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES["map_view"], ids=lambda c: f"{c['lat']},{c['lon']},{c['zoom']}")
def test_map_views_as_the_site_reads_them(case):
    bounds = CASES["bounds"] if case.get("bounded") else None
    center = None if case["center"] is None else tuple(case["center"])
    assert (center, case["zoomed"]) == urlvalues.map_view(case["lat"], case["lon"], case["zoom"], bounds)


@pytest.mark.parametrize(("raw", "expected"), CASES["iso_date"]["cases"])
def test_dates_as_the_site_reads_them(raw, expected):
    low, high = (date.fromisoformat(CASES["iso_date"][k]) for k in ("low", "high"))
    unused = date(1999, 1, 1)
    got = urlvalues.iso_date(raw, unused, low=low, high=high)
    assert (None if expected is None else date.fromisoformat(expected)) == (None if got == unused else got)


def test_the_sites_limits_are_these():
    assert CASES["limits"] == urlvalues.limits()
