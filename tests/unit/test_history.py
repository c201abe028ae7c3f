"""controlmap.timeline.history on the tiny gazetteer: a settlement's statements, bands and disputes, the latest change,
and the event table searched and filtered.

Alpha's story (claimants kept apart; window 30 days):

    2022-02-24  baseline                        → displayed ua
    2022-03-01  independent: ru  (Monitor A)    → ru
    2022-09-10  ua: ua (General Staff), independent: ua (Reuters)  → ua
    2022-09-20  ru: ru (Russian MoD)            → ru, disputed (the 09-10 statements are 10 days older)
    2022-11-01  independent: ua (Reuters)       → ua, no longer disputed (the ru claim is 42 days older)
    2022-12-05  ua: ua (General Staff)          → still ua: a new responsible statement, no status change
"""

import io
import json
from datetime import date

import pandas as pd
import pytest

from controlmap import text
from controlmap.model import BASELINE_SOURCE, STATUSES
from controlmap.timeline import engine, exports, history
from controlmap.timeline.dataset import Dataset

ALPHA, BETA, DELTA_A, GAMMA, DELTA_H = (
    "UA63900010010044441", "UA63900010020044442", "UA63900010030044443", "UA63900020010044444",
    "UA63900020020044445")  # fmt: skip

EVENTS = """date,settlement,hint,katottg,status,claimed_by,source,url,quote,note
2022-03-01,Alpha,,,ru,independent,Monitor A,https://example.org/a,Alpha fell,
2022-09-10,Alpha,,,ua,ua,General Staff,https://example.org/gs1,Alpha is free,
2022-09-10,Alfa,,,ua,independent,Reuters,,,
2022-09-20,Alpha,,,ru,ru,Russian MoD,https://example.org/mod,Alpha taken back,
2022-11-01,Alpha,,,ua,independent,Reuters,https://example.org/r2,Ukrainian flag over Alpha,
2022-12-05,Alpha,,,ua,ua,General Staff,,,
2022-06-01,Бетівка,,,contested,independent,Local news,,fighting near Beta,
2022-06-02,Delta,Hammivska,,ru,ru,Russian MoD,,,
2022-06-03,,,UA63900010030044443,ua,ua,General Staff,,,
"""
END = date(2022, 12, 31)


@pytest.fixture(scope="module")
def dataset(tiny_gazetteer) -> Dataset:
    result = Dataset.from_parts(tiny_gazetteer, EVENTS.encode(), today=date(2026, 1, 1))
    assert result.validation.ok, [str(p) for p in result.validation.problems]
    return result


def rows(frame: pd.DataFrame, columns) -> list[tuple]:
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


# ---------------------------------------------------------------- one settlement

def test_statements_are_the_settlements_own_oldest_first_in_file_order_within_a_day(dataset):
    statements = history.settlement_statements(dataset.events, ALPHA)
    assert [
        (date(2022, 3, 1), "independent", "ru", "Monitor A"),
        (date(2022, 9, 10), "ua", "ua", "General Staff"),
        (date(2022, 9, 10), "independent", "ua", "Reuters"),
        (date(2022, 9, 20), "ru", "ru", "Russian MoD"),
        (date(2022, 11, 1), "independent", "ua", "Reuters"),
        (date(2022, 12, 5), "ua", "ua", "General Staff"),
    ] == rows(statements, ["date", "claimed_by", "status", "source"])
    assert statements.url[2] == "", "a missing url is an empty string, never NaN"


def test_statements_keep_only_the_chosen_claimants_and_split_per_claimant(dataset):
    statements = history.settlement_statements(dataset.events, ALPHA, ("ua", "ru"))
    assert {"ua", "ru"} == set(statements.claimed_by)
    split = history.statements_per_claimant(history.settlement_statements(dataset.events, ALPHA))
    assert list(split) == ["ua", "ru", "independent"]
    assert [len(split[c]) for c in split] == [2, 1, 3]
    assert list(history.statements_per_claimant(statements, ("independent",))["independent"].source) == []


def test_settlement_info_lists_former_names_and_knows_no_unknown_code(dataset):
    info = history.settlement_info(dataset.gazetteer.settlements, BETA)
    described = (info["name_en"], info["name_uk"], info["former_names"], info["coord_quality"])
    assert described == ("Beta", "Бета", ["Бетівка", "Betivka"], "exact")
    assert (info["lat"], info["lon"]) == (49.6, 36.7)
    assert history.settlement_info(dataset.gazetteer.settlements, "UA00000000000000000") is None


def test_displayed_bands_follow_the_engine_and_split_where_the_dispute_starts_and_ends(dataset):
    bands = history.control_bands(dataset.timeline(), ALPHA, END)
    displayed = bands[bands.row == history.DISPLAYED]
    assert [
        (date(2022, 2, 24), date(2022, 3, 1), "ua", False, BASELINE_SOURCE),
        (date(2022, 3, 1), date(2022, 9, 10), "ru", False, "Monitor A"),
        (date(2022, 9, 10), date(2022, 9, 20), "ua", False, "Reuters"),
        (date(2022, 9, 20), date(2022, 11, 1), "ru", True, "Russian MoD"),
        (date(2022, 11, 1), date(2023, 1, 1), "ua", False, "Reuters"),
    ] == rows(displayed, ["start", "end", "status", "disputed", "source"])


def test_claimant_bands_show_what_each_claimant_last_said(dataset):
    bands = history.control_bands(dataset.timeline(), ALPHA, END)
    assert [
        ("ua", date(2022, 9, 10), date(2023, 1, 1), "ua"),
        ("ru", date(2022, 9, 20), date(2023, 1, 1), "ru"),
        ("independent", date(2022, 3, 1), date(2022, 9, 10), "ru"),
        ("independent", date(2022, 9, 10), date(2023, 1, 1), "ua"),
    ] == rows(bands[bands.row != history.DISPLAYED], ["row", "start", "end", "status"])


def test_bands_of_one_claimant_merge_the_baseline_with_an_agreeing_statement(dataset):
    bands = history.control_bands(dataset.timeline(("ua",)), ALPHA, END)
    assert [
        ("ua", date(2022, 9, 10), date(2023, 1, 1), "ua"),
        ("displayed", date(2022, 2, 24), date(2023, 1, 1), "ua"),
    ] == rows(bands, ["row", "start", "end", "status"])


def test_without_an_end_the_bands_stop_after_the_last_day_of_the_span(dataset):
    timeline = dataset.timeline()
    assert date(2022, 12, 5) == engine.from_day(timeline.span[1])
    assert date(2022, 12, 6) == history.control_bands(timeline, ALPHA).end.max()


def test_a_settlement_without_statements_has_only_the_baseline_band(dataset):
    bands = history.control_bands(dataset.timeline(), GAMMA, END)
    assert [("displayed", date(2022, 2, 24), date(2023, 1, 1), "ua")] == rows(
        bands, ["row", "start", "end", "status"])
    assert history.control_bands(dataset.timeline(), "UA00000000000000000").empty


def test_dispute_periods(dataset):
    assert [(date(2022, 9, 20), date(2022, 11, 1))] == rows(
        history.dispute_periods(dataset.timeline(), ALPHA, END), ["start", "end"])
    assert history.dispute_periods(dataset.timeline(("independent",)), ALPHA, END).empty


def test_status_at_a_date(dataset):
    now = history.status_at(dataset.timeline(), ALPHA, date(2022, 10, 1))
    assert ("ru", True, date(2022, 9, 20), "Russian MoD") == (
        now["status"], now["disputed"], now["since"], now["source"])
    assert history.status_at(dataset.timeline(), GAMMA, END)["source"] == BASELINE_SOURCE


def test_cell_feature(tiny_dir):
    cells = json.loads((tiny_dir / "cells.geojson").read_text("utf-8"))
    assert history.cell_feature(cells, ALPHA)["properties"]["katottg"] == ALPHA
    assert history.cell_feature(cells, DELTA_A) is None, "an approximately placed settlement has no cell"


# ---------------------------------------------------------------- comparing dates

def test_latest_change_is_the_last_status_change_not_the_last_new_statement(dataset):
    timeline = dataset.timeline()
    assert date(2022, 12, 5) == engine.from_day(int(timeline.change_days[-1]))
    assert (date(2022, 9, 20), date(2022, 11, 1)) == history.latest_change(timeline)
    assert len(timeline.changes(*history.latest_change(timeline))) == 1


def test_latest_change_without_statements_is_the_span(tiny_gazetteer):
    empty = Dataset.from_parts(tiny_gazetteer, b"date,settlement,status,claimed_by,source\n", date(2026, 1, 1))
    assert (date(2022, 2, 24), date(2022, 2, 24)) == history.latest_change(empty.timeline())


def test_changes_with_places_are_the_engines_changes_with_points(dataset):
    timeline = dataset.timeline()
    changed = history.changes_with_places(timeline, date(2022, 2, 28), date(2022, 6, 5))
    expected = timeline.changes(date(2022, 2, 28), date(2022, 6, 5))
    assert list(expected.katottg) == list(changed.katottg)
    # Delta (Alphivska)'s ua statement agrees with the baseline: no change
    assert sorted(changed.katottg) == [ALPHA, BETA, DELTA_H]
    assert list(changed.sort_values("katottg").coord_quality) == ["exact", "exact", "hromada_centre"]
    assert not changed.lat.isna().any()


def test_count_table(dataset):
    timeline = dataset.timeline()
    table = history.count_table(timeline, date(2022, 2, 28), date(2022, 3, 2))
    assert list(STATUSES) == list(table.status)
    assert rows(
        table, ["from_settlements", "to_settlements", "difference"]) == [(0, 0, 0), (6, 5, -1), (0, 1, 1), (0, 0, 0)]


# ---------------------------------------------------------------- event table

@pytest.mark.parametrize(("query", "expected"), [
    ("Alpha", {ALPHA}),
    ("alfa", {ALPHA}),  # alias
    ("Бетівка", {BETA}),  # former name
    ("UA63900020010044444", {GAMMA}),  # a code, no events
    ("Delta", {DELTA_A, DELTA_H}),  # namesakes: both
])
def test_search_resolves_any_name_form(dataset, query, expected):
    found = history.search_events(dataset.events, dataset.resolver, query)
    assert expected == set(found.katottgs)
    assert set(dataset.events[dataset.events.katottg.isin(expected)].index) <= set(found.mask[found.mask].index)


def test_search_also_matches_sources_and_quotes_case_insensitively(dataset):
    found = history.search_events(dataset.events, dataset.resolver, "reuters")
    assert found.resolution.status == "not_found"
    assert int(found.mask.sum()) == 2
    quoted = history.search_events(dataset.events, dataset.resolver, "FLAG over")
    assert list(dataset.events[quoted.mask].quote) == ["Ukrainian flag over Alpha"]


def test_an_empty_search_keeps_every_row(dataset):
    found = history.search_events(dataset.events, dataset.resolver, "  ")
    assert found.mask.all() and found.resolution is None


def test_filters_combine_and_dates_include_both_ends(dataset):
    events = dataset.events
    assert len(history.filter_events(events)) == 9
    assert len(history.filter_events(events, start=date(2022, 6, 1), end=date(2022, 6, 3))) == 3
    assert len(history.filter_events(events, claimants=["independent"])) == 4
    assert len(history.filter_events(events, claimants=["independent"], statuses=["ua", "contested"])) == 3
    assert len(history.filter_events(events, sources=["Reuters"])) == 2
    assert len(history.filter_events(events, katottgs=[ALPHA])) == 6
    assert len(history.filter_events(events, claimants=[])) == 0
    found = history.search_events(events, dataset.resolver, "Delta")
    assert list(history.filter_events(events, mask=found.mask, claimants=["ua"]).source) == ["General Staff"]


def test_the_export_has_both_names_iso_dates_and_neutralised_formulas(dataset):
    alpha = history.filter_events(dataset.events, katottgs=[ALPHA])
    export = history.events_export(alpha, dataset.gazetteer.settlements)
    assert list(export.columns) == history.EVENT_EXPORT_COLUMNS
    assert tuple(export.loc[0, ["date", "name_en", "name_uk"]]) == ("2022-03-01", "Alpha", "Альфа")
    export.loc[1, "quote"] = '=HYPERLINK("x")'  # the validator refuses such text; the export neutralises it too
    text = exports.to_safe_csv(export)
    assert "'=HYPERLINK" in text
    assert len(pd.read_csv(io.StringIO(text))) == 6, "one row per event, header apart"


@pytest.mark.parametrize(("value", "expected"), [
    ("https://example.org/a", "https://example.org/a"),
    ("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG"),
    ("javascript:alert(1)", None),
    ("data:text/html,<b>", None),
    ("", None),
    (None, None),
])
def test_safe_url(value, expected):
    assert expected == text.safe_url(value)


# ---------------------------------------------------------------- time series

def test_series_long_holds_the_daily_series_per_status(dataset):
    daily = dataset.timeline().daily_series()
    long = history.series_long(daily)
    assert 4 * len(daily) == len(long)
    ru = long[long.status == "ru"]
    assert list(daily.ru_settlements) == list(ru.settlements)
    assert list(daily.ru_km2) == list(ru.km2)


def test_figures_at_a_date_are_the_engines(dataset):
    timeline = dataset.timeline()
    figures = history.figures_at(timeline, date(2022, 10, 1))
    state = timeline.state_at(date(2022, 10, 1))
    assert timeline.count_by_status(state) == dict(zip(figures.status, figures.settlements, strict=True))
    assert timeline.area_by_status(state) == dict(zip(figures.status, figures.km2, strict=True))
    assert figures.set_index("status").km2["ru"] == 1.0, "Alpha's 1 km² cell is Russian-held on 2022-10-01"


def test_series_steps_keep_only_change_days_and_expand_back_to_the_daily_series(dataset):
    daily = dataset.timeline().daily_series()
    steps = history.series_steps(daily)
    assert len(steps) < len(daily)
    assert daily.date.iloc[0] == steps.date.iloc[0]
    assert daily.date.iloc[-1] == steps["last"].iloc[-1]
    expanded = steps.loc[steps.index.repeat((steps.end - steps.date).dt.days)].reset_index(drop=True)
    assert daily.drop(columns="date").equals(expanded[daily.columns].drop(columns="date"))
    long = history.series_long(steps)
    assert daily.date.iloc[-1] == long.date.max(), "the steps are closed at the last day"


@pytest.mark.parametrize(("label", "url", "expected"), [
    ("ISW", "https://understandingwar.org/a(b)", "[ISW](https://understandingwar.org/a%28b%29)"),
    ("a [b](c)", "javascript:alert(1)", "a \\[b\\]\\(c\\)"),
    ("<b>x</b>", "", "\\<b\\>x\\</b\\>"),
])
def test_md_link_escapes_the_label_and_drops_unsafe_addresses(label, url, expected):
    assert expected == text.md_link(label, url)


def test_first_derived_date():
    events = pd.DataFrame({"date": pd.to_datetime(["2022-02-24", "2022-04-03", "2022-05-01"]),
                           "note": ["seed 000", "derived: the point of the settlement lies in ...", "derived: x"]})
    assert date(2022, 4, 3) == history.first_derived_date(events)
    assert history.first_derived_date(events.iloc[:1]) is None
    assert history.first_derived_date(events.iloc[:0]) is None
