"""Control at any date (controlmap.timeline) and its exports, on the tiny gazetteer.

Each test writes the few statements it needs as CSV lines (date, settlement, status, claimed_by,
source, url), validates them like any upload and builds the timeline. The tiny gazetteer
(tests/unit/conftest.py) has six settlements; Alpha, Beta and Gamma have cells of 1, 4 and 9 km².
"""

import json
import textwrap
from datetime import date

import numpy as np
import pandas as pd
import pytest

from controlmap.cli import main
from controlmap.events.validation import Validator, empty_events
from controlmap.model import BASELINE_SOURCE, CLAIMANTS
from controlmap.timeline import exports
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.engine import NO_DAY, StatementTable, Timeline, from_day, to_day

TODAY = date(2026, 11, 21)
HEADER = "date,settlement,status,claimed_by,source,url\n"
ALPHA, BETA, DELTA_ALPHIVSKA, GAMMA, DELTA_HAMMIVSKA, KHAMMA = (
    "UA63900010010044441", "UA63900010020044442", "UA63900010030044443",
    "UA63900020010044444", "UA63900020020044445", "UA63900020030044446")
LABELS = ("Alpha", "Beta", "Delta/A", "Gamma", "Delta/H", "Khamma")  # row order
BASELINE = ("ua", "2022-02-24", False, BASELINE_SOURCE)
UNKNOWN = ("unknown", "", False, "")


def events_bytes(lines: str) -> bytes:
    return (HEADER + textwrap.dedent(lines).strip() + "\n").encode()


def build(gazetteer, lines: str, claimants=CLAIMANTS, window_days: int = 30, baseline: bool = True) -> Timeline:
    result = Validator(gazetteer).validate(events_bytes(lines), today=TODAY)
    assert [] == [str(p) for p in result.errors]
    return Timeline(gazetteer, StatementTable.from_events(result.events, gazetteer), claimants, window_days,
                    baseline)


def at(timeline: Timeline, when: str) -> dict[str, tuple]:
    """Label → (status, since, disputed, source) of every settlement at a date."""
    frame = timeline.snapshot(date.fromisoformat(when))
    return {label: (row.status, row.since, bool(row.disputed), row.source)
            for label, row in zip(LABELS, frame.itertuples(), strict=True)}


def one(timeline: Timeline, when: str, label: str = "Alpha") -> tuple:
    return at(timeline, when)[label]


@pytest.fixture
def tiny(tiny_gazetteer):
    return tiny_gazetteer


# ---------------------------------------------------------------- per-claimant latest statement

CLAIMS = """
    2022-03-01,Alpha,ua,ua,General Staff,https://example.org/gs/1
    2022-03-05,Alpha,ru,ru,TASS,
    2022-03-07,Alpha,contested,independent,ISW,https://example.org/isw/7
    2022-03-10,Alpha,ru,ua,General Staff,
"""


def test_claims_at_gives_each_claimants_latest_statement_on_or_before_the_date(tiny):
    timeline = build(tiny, CLAIMS)
    assert {
        "ua": {"status": "ua", "date": "2022-03-01", "source": "General Staff", "url": "https://example.org/gs/1",
               "claimed_by": "ua", "quote": None},
        "ru": {"status": "ru", "date": "2022-03-05", "source": "TASS", "url": None, "claimed_by": "ru",
               "quote": None},
        "independent": {"status": "contested", "date": "2022-03-07", "source": "ISW",
                        "url": "https://example.org/isw/7", "claimed_by": "independent", "quote": None},
    } == timeline.snapshot_claims(date(2022, 3, 9))[0]


def test_claims_at_counts_statements_of_the_date_itself(tiny):
    timeline = build(tiny, CLAIMS)
    assert ("ru", "2022-03-10") == tuple(timeline.snapshot_claims(date(2022, 3, 10))[0]["ua"][k]
                                         for k in ("status", "date"))
    assert timeline.snapshot_claims(date(2022, 3, 4))[0]["ru"] is None


def test_claims_at_is_an_index_into_the_statement_table(tiny):
    timeline = build(tiny, CLAIMS)
    claims = timeline.claims_at(date(2022, 3, 6))
    assert (3, 6) == claims.shape
    assert [[0, -1, -1, -1, -1, -1], [1, -1, -1, -1, -1, -1], [-1, -1, -1, -1, -1, -1]] == claims.tolist()
    assert claims.tolist() == timeline.claims_at(to_day("2022-03-06")).tolist()  # a day number works too


def test_no_claims_before_the_first_statement_or_for_settlements_without_one(tiny):
    timeline = build(tiny, CLAIMS)
    assert [{"ua": None, "ru": None, "independent": None}] * 6 == timeline.snapshot_claims(date(2022, 2, 28))
    assert {"ua": None, "ru": None, "independent": None} == timeline.snapshot_claims(date(2022, 3, 9))[1]


# ---------------------------------------------------------------- displayed status

def test_displayed_status_is_the_newest_statement_whoever_made_it(tiny):
    timeline = build(tiny, """
        2022-03-01,Alpha,ru,ru,TASS,
        2022-03-05,Alpha,ua,ua,General Staff,
        2022-03-01,Beta,ua,ua,General Staff,
        2022-03-05,Beta,ru,ru,TASS,
    """)
    assert ("ru", "2022-03-01", False, "TASS") == one(timeline, "2022-03-04", "Alpha")
    assert ("ua", "2022-03-05", True, "General Staff") == one(timeline, "2022-03-05", "Alpha")
    assert ("ru", "2022-03-05", True, "TASS") == one(timeline, "2022-03-05", "Beta")


@pytest.mark.parametrize("lines", [
    "2022-03-10,Alpha,ua,independent,ISW,\n2022-03-10,Alpha,ru,ru,TASS,",
    "2022-03-10,Alpha,ru,ru,TASS,\n2022-03-10,Alpha,ua,independent,ISW,",
])
def test_same_day_an_independent_assessment_beats_officials(tiny, lines):
    assert ("ua", "2022-02-24", True, "ISW") == one(build(tiny, lines), "2022-03-10")


def test_same_day_an_independent_assessment_beats_disagreeing_officials(tiny):
    timeline = build(tiny, """
        2022-03-10,Alpha,ua,ua,General Staff,
        2022-03-10,Alpha,ru,independent,ISW,
        2022-03-10,Alpha,contested,ru,TASS,
    """)
    assert ("ru", "2022-03-10", True, "ISW") == one(timeline, "2022-03-10")


def test_same_day_ukrainian_and_russian_officials_disagreeing_is_contested(tiny):
    timeline = build(tiny, """
        2022-03-10,Alpha,ua,ua,General Staff,
        2022-03-10,Alpha,ru,ru,TASS,
    """)
    assert ("contested", "2022-03-10", True, "General Staff") == one(timeline, "2022-03-10")


def test_same_day_officials_agreeing_is_that_status(tiny):
    timeline = build(tiny, """
        2022-03-10,Alpha,ru,ua,General Staff,
        2022-03-10,Alpha,ru,ru,TASS,
    """)
    assert ("ru", "2022-03-10", False, "General Staff") == one(timeline, "2022-03-10")


def test_same_claimant_twice_on_a_day_the_later_line_wins(tiny):
    timeline = build(tiny, """
        2022-03-10,Alpha,ru,ua,Morning report,
        2022-03-10,Beta,ru,independent,ISW,
        2022-03-10,Alpha,ua,ua,Evening report,
        2022-03-10,Beta,ua,independent,DeepState,
    """)
    assert ("ua", "2022-02-24", False, "Evening report") == one(timeline, "2022-03-10", "Alpha")
    assert ("ua", "2022-02-24", False, "DeepState") == one(timeline, "2022-03-10", "Beta")


def test_a_claimed_contested_status_is_displayed(tiny):
    timeline = build(tiny, "2022-05-01,Gamma,contested,ua,General Staff,")
    assert ("contested", "2022-05-01", False, "General Staff") == one(timeline, "2022-05-01", "Gamma")


def test_a_settlement_can_be_named_by_its_katottg(tiny):
    timeline = build(tiny, f"2022-05-01,{DELTA_HAMMIVSKA},ru,ru,TASS,")
    assert {**{label: BASELINE for label in LABELS}, "Delta/H": ("ru", "2022-05-01", False, "TASS")} == \
        at(timeline, "2022-05-01")


# ---------------------------------------------------------------- baseline

def test_every_settlement_is_ua_from_the_baseline_and_unknown_before(tiny):
    timeline = build(tiny, "2022-05-01,Gamma,ru,ru,TASS,")
    assert {label: ("unknown", "", False, "") for label in LABELS} == at(timeline, "2022-02-23")
    assert {label: BASELINE for label in LABELS} == at(timeline, "2022-02-24")
    assert {label: BASELINE for label in LABELS} == at(timeline, "2022-04-30")


def test_the_baseline_holds_until_the_first_statement(tiny):
    timeline = build(tiny, "2022-05-01,Gamma,ru,ru,TASS,")
    assert ("ru", "2022-05-01", False, "TASS") == one(timeline, "2022-05-01", "Gamma")
    assert BASELINE == one(timeline, "2030-01-01", "Beta")


def test_without_baseline_settlements_are_unknown_until_a_statement(tiny):
    timeline = build(tiny, "2022-05-01,Gamma,ru,ru,TASS,", baseline=False)
    assert {label: UNKNOWN for label in LABELS} == at(timeline, "2022-04-30")
    assert {**{label: UNKNOWN for label in LABELS}, "Gamma": ("ru", "2022-05-01", False, "TASS")} == \
        at(timeline, "2022-05-01")


def test_a_statement_before_the_baseline_date_replaces_the_baseline(tiny):
    timeline = build(tiny, "2022-02-20,Alpha,ru,ru,TASS,")
    assert UNKNOWN[:3] == one(timeline, "2022-02-19")[:3]
    assert ("ru", "2022-02-20", False, "TASS") == one(timeline, "2022-02-20")
    assert ("ru", "2022-02-20", False, "TASS") == one(timeline, "2022-03-01")


def test_a_statement_on_the_baseline_date_replaces_the_baseline(tiny):
    timeline = build(tiny, "2022-02-24,Alpha,ru,ru,TASS,")
    assert ("ru", "2022-02-24", False, "TASS") == one(timeline, "2022-02-24")


def test_before_the_baseline_no_source_is_shown(tiny):
    timeline = build(tiny, "2022-05-01,Gamma,ru,ru,TASS,")
    assert {label: UNKNOWN for label in LABELS} == at(timeline, "2022-02-23")


# ---------------------------------------------------------------- disputed

def test_disputed_within_the_window_edges(tiny):
    timeline = build(tiny, """
        2022-03-01,Alpha,ru,ru,TASS,
        2022-03-31,Alpha,ua,ua,General Staff,
        2022-03-01,Beta,ru,ru,TASS,
        2022-04-01,Beta,ua,ua,General Staff,
    """)
    assert ("ua", "2022-03-31", True, "General Staff") == one(timeline, "2022-04-02", "Alpha")  # 30 days: disputed
    assert ("ua", "2022-04-01", False, "General Staff") == one(timeline, "2022-04-02", "Beta")  # 31 days: not


def test_the_window_is_a_parameter(tiny):
    lines = "2022-03-01,Alpha,ru,ru,TASS,\n2022-03-10,Alpha,ua,ua,General Staff,"
    assert one(build(tiny, lines, window_days=9), "2022-03-10")[2] is True
    assert one(build(tiny, lines, window_days=8), "2022-03-10")[2] is False


def test_agreeing_claimants_are_not_disputed(tiny):
    timeline = build(tiny, """
        2022-03-01,Alpha,ru,ru,TASS,
        2022-03-05,Alpha,ru,independent,ISW,
        2022-03-09,Alpha,ru,ua,General Staff,
    """)
    assert ("ru", "2022-03-01", False, "General Staff") == one(timeline, "2022-03-09")


def test_the_window_is_counted_from_the_newest_statement_not_from_the_date_asked(tiny):
    timeline = build(tiny, "2022-03-01,Alpha,ru,ru,TASS,\n2022-03-10,Alpha,ua,ua,General Staff,")
    assert ("ua", "2022-03-10", True, "General Staff") == one(timeline, "2023-03-10")


def test_disputed_ends_when_a_newer_statement_leaves_the_other_claim_outside_the_window(tiny):
    timeline = build(tiny, """
        2022-03-01,Alpha,ru,ru,TASS,
        2022-03-10,Alpha,ua,ua,General Staff,
        2022-04-15,Alpha,ua,ua,General Staff,
    """)
    assert ("ua", "2022-03-10", True, "General Staff") == one(timeline, "2022-04-14")
    assert ("ua", "2022-03-10", False, "General Staff") == one(timeline, "2022-04-15")


def test_a_claimant_filter_changes_status_and_disputed(tiny):
    lines = "2022-03-01,Alpha,ua,independent,ISW,\n2022-03-05,Alpha,ru,ru,TASS,"
    assert ("ru", "2022-03-05", True, "TASS") == one(build(tiny, lines), "2022-03-06")
    assert ("ua", "2022-02-24", False, "ISW") == one(build(tiny, lines, claimants=("ua", "independent")),
                                                     "2022-03-06")
    only_russia = build(tiny, lines, claimants=("ru",))
    assert BASELINE == one(only_russia, "2022-03-04")  # the baseline holds until the first *included* statement
    assert ("ru", "2022-03-05", False, "TASS") == one(only_russia, "2022-03-06")


def test_claimants_are_kept_in_canonical_order(tiny):
    assert ("ua", "ru") == build(tiny, "2022-03-01,Alpha,ru,ru,TASS,", claimants=("ru", "ua")).claimants


# ---------------------------------------------------------------- since

def test_since_is_the_day_the_displayed_status_began(tiny):
    timeline = build(tiny, """
        2022-03-01,Alpha,ru,ru,TASS,
        2022-03-05,Alpha,ru,independent,ISW,
        2022-03-09,Alpha,ru,ua,General Staff,
        2022-06-01,Alpha,ua,ua,General Staff,
    """)
    assert ("ru", "2022-03-01", False, "General Staff") == one(timeline, "2022-03-09")  # not reset by repeats
    assert ("ua", "2022-06-01", False, "General Staff") == one(timeline, "2022-06-01")


def test_since_counts_the_baseline_when_a_statement_repeats_its_status(tiny):
    timeline = build(tiny, "2022-03-10,Alpha,ua,ua,General Staff,")
    assert ("ua", "2022-02-24", False, "General Staff") == one(timeline, "2022-03-10")


def test_state_at_arrays(tiny):
    timeline = build(tiny, "2022-03-01,Alpha,ru,ru,TASS,\n2022-03-10,Beta,contested,independent,ISW,")
    state = timeline.state_at(date(2022, 3, 10))
    assert to_day("2022-03-10") == state.day
    assert [2, 3, 1, 1, 1, 1] == state.status.tolist()  # codes of model.STATUSES
    assert [False] * 6 == state.disputed.tolist()
    assert [to_day("2022-03-01"), to_day("2022-03-10")] + [to_day("2022-02-24")] * 4 == state.since.tolist()
    assert [0, 1, -1, -1, -1, -1] == state.statement.tolist()
    before = timeline.state_at(to_day("2022-01-01"))
    assert ([0] * 6, [NO_DAY] * 6, [-1] * 6) == (before.status.tolist(), before.since.tolist(),
                                                  before.statement.tolist())


def test_day_numbers():
    assert 0 == to_day("1970-01-01")
    assert 19047 == to_day(date(2022, 2, 24)) == to_day(pd.Timestamp("2022-02-24 13:00"))
    assert date(2022, 2, 24) == from_day(19047)


# ---------------------------------------------------------------- figures

FRONT = """
    2022-03-01,Alpha,ru,ru,TASS,
    2022-03-10,Beta,contested,independent,ISW,https://example.org/isw/10
    2022-04-01,Gamma,ru,independent,ISW,
    2022-09-10,Gamma,ua,ua,General Staff,https://example.org/gs/910
"""


def test_count_and_area_by_status(tiny):
    timeline = build(tiny, FRONT)
    state = timeline.state_at(date(2022, 4, 1))
    assert {"unknown": 0, "ua": 3, "ru": 2, "contested": 1} == timeline.count_by_status(state)
    assert {"unknown": 0.0, "ua": 0.0, "ru": 10.0, "contested": 4.0} == timeline.area_by_status(state)


def test_count_and_area_before_the_baseline(tiny):
    timeline = build(tiny, FRONT)
    state = timeline.state_at(date(2022, 2, 1))
    assert {"unknown": 6, "ua": 0, "ru": 0, "contested": 0} == timeline.count_by_status(state)
    assert {"unknown": 14.0, "ua": 0.0, "ru": 0.0, "contested": 0.0} == timeline.area_by_status(state)


def test_changes_between_two_dates(tiny):
    timeline = build(tiny, FRONT)
    assert [
        {"katottg": BETA, "name_en": "Beta", "name_uk": "Бета", "from_status": "ua", "to_status": "contested",
         "from_source": BASELINE_SOURCE, "to_source": "ISW", "to_date": "2022-03-10",
         "to_url": "https://example.org/isw/10"},
        {"katottg": GAMMA, "name_en": "Gamma", "name_uk": "Гамма", "from_status": "ua", "to_status": "ru",
         "from_source": BASELINE_SOURCE, "to_source": "ISW", "to_date": "2022-04-01", "to_url": ""},
    ] == timeline.changes(date(2022, 3, 5), date(2022, 4, 1)).to_dict(orient="records")


def test_changes_back_and_forth_and_none(tiny):
    timeline = build(tiny, FRONT)
    assert [{"katottg": GAMMA, "from_status": "ru", "to_status": "ua", "from_source": "ISW",
             "to_source": "General Staff", "to_date": "2022-09-10", "to_url": "https://example.org/gs/910"}] == \
        timeline.changes(date(2022, 5, 1), date(2022, 9, 10))[
            ["katottg", "from_status", "to_status", "from_source", "to_source", "to_date", "to_url"]
        ].to_dict(orient="records")
    assert 0 == len(timeline.changes(date(2022, 3, 1), date(2022, 3, 9)))
    assert ["katottg", "name_en", "name_uk", "from_status", "to_status", "from_source", "to_source", "to_date",
            "to_url"] == list(timeline.changes(date(2022, 3, 1), date(2022, 3, 9)).columns)


def test_the_changes_without_the_baseline_name_no_source_before_the_first_statement(tiny):
    timeline = build(tiny, FRONT, baseline=False)
    (alpha,) = timeline.changes("2022-02-01", "2022-03-01").to_dict(orient="records")
    assert ("unknown", "ru", "", "TASS", "2022-03-01", "") == (
        alpha["from_status"], alpha["to_status"], alpha["from_source"], alpha["to_source"], alpha["to_date"],
        alpha["to_url"])


def test_statement_texts_are_each_statements_source_url_and_date_in_statement_order(tiny):
    timeline = build(tiny, FRONT + "2022-03-01,Alpha,ua,ua,General Staff,https://example.org/gs/301\n")
    statements = timeline.statements
    assert ["TASS", "General Staff", "ISW", "ISW", "General Staff"] == list(statements.source_text)
    assert ["", "https://example.org/gs/301", "https://example.org/isw/10", "", "https://example.org/gs/910"] == list(
        statements.url_text)
    assert ["2022-03-01", "2022-03-01", "2022-03-10", "2022-04-01", "2022-09-10"] == list(statements.date_text)
    assert [str(statements.value("source", i)) for i in range(len(statements))] == list(statements.source_text)


def test_daily_series_on_chosen_days(tiny):
    series = build(tiny, FRONT).daily_series().set_index("date")
    assert ["unknown_settlements", "unknown_km2", "ua_settlements", "ua_km2", "ru_settlements", "ru_km2",
            "contested_settlements", "contested_km2"] == list(series.columns)
    assert (pd.Timestamp("2022-02-24"), pd.Timestamp("2022-09-10")) == (series.index[0], series.index[-1])
    assert 199 == len(series)

    def day(when):
        row = series.loc[pd.Timestamp(when)]
        return {k: (int(v) if k.endswith("settlements") else float(v)) for k, v in row.items()}

    assert {"unknown_settlements": 0, "unknown_km2": 0.0, "ua_settlements": 6, "ua_km2": 14.0,
            "ru_settlements": 0, "ru_km2": 0.0, "contested_settlements": 0, "contested_km2": 0.0} == day("2022-02-24")
    assert {"unknown_settlements": 0, "unknown_km2": 0.0, "ua_settlements": 5, "ua_km2": 13.0,
            "ru_settlements": 1, "ru_km2": 1.0, "contested_settlements": 0, "contested_km2": 0.0} == day("2022-03-09")
    assert {"unknown_settlements": 0, "unknown_km2": 0.0, "ua_settlements": 3, "ua_km2": 0.0,
            "ru_settlements": 2, "ru_km2": 10.0, "contested_settlements": 1, "contested_km2": 4.0} == day("2022-04-01")
    assert {"unknown_settlements": 0, "unknown_km2": 0.0, "ua_settlements": 4, "ua_km2": 9.0,
            "ru_settlements": 1, "ru_km2": 1.0, "contested_settlements": 1, "contested_km2": 4.0} == day("2022-09-10")


@pytest.mark.parametrize(("first", "last"), [(None, None), ("2022-02-20", "2022-03-02"), ("2022-03-05", "2022-12-31")])
def test_daily_series_agrees_with_state_at_every_day(tiny, first, last):
    timeline = build(tiny, FRONT)
    series = timeline.daily_series(first and to_day(first), last and to_day(last))
    assert first is None or (pd.Timestamp(first), pd.Timestamp(last)) == (series.date.iloc[0], series.date.iloc[-1])
    for row in series.itertuples():
        state = timeline.state_at(row.date)
        counts, areas = timeline.count_by_status(state), timeline.area_by_status(state)
        assert counts == {s: getattr(row, f"{s}_settlements") for s in counts}, row.date
        assert areas == {s: getattr(row, f"{s}_km2") for s in areas}, row.date


def test_daily_series_sums_to_every_settlement_and_all_the_area_each_day(tiny):
    series = build(tiny, FRONT).daily_series(first=to_day("2022-02-01"), last=to_day("2022-12-31"))
    settlements = series[[c for c in series if c.endswith("_settlements")]].sum(axis=1)
    km2 = series[[c for c in series if c.endswith("_km2")]].sum(axis=1)
    assert {6} == set(settlements)
    assert np.allclose(km2, 14.0)
    assert (6, 14.0) == (int(series.unknown_settlements.iloc[0]), float(series.unknown_km2.iloc[0]))


def test_daily_series_without_statements_and_baseline_is_all_unknown(tiny):
    timeline = Timeline(tiny, StatementTable.from_events(empty_events(), tiny), baseline=False)
    series = timeline.daily_series()
    assert 1 == len(series)
    assert {"date": pd.Timestamp("2022-02-24"), "unknown_settlements": 6, "unknown_km2": 14.0,
            "ua_settlements": 0, "ua_km2": 0.0, "ru_settlements": 0, "ru_km2": 0.0, "contested_settlements": 0,
            "contested_km2": 0.0} == series.iloc[0].to_dict()


def test_change_days(tiny):
    assert [to_day(d) for d in ("2022-02-24", "2022-03-01", "2022-03-10", "2022-04-01", "2022-09-10")] == \
        build(tiny, FRONT).change_days.tolist()


# ---------------------------------------------------------------- exports

def test_snapshot_records(tiny):
    timeline = build(tiny, FRONT)
    no_claims = {"ua": None, "ru": None, "independent": None}
    assert [
        {"katottg": ALPHA, "name_en": "Alpha", "name_uk": "Альфа", "status": "ru", "since": "2022-03-01",
         "disputed": False,
         "claims": {"ua": None, "ru": {"status": "ru", "date": "2022-03-01", "source": "TASS", "url": None},
                    "independent": None}},
        {"katottg": BETA, "name_en": "Beta", "name_uk": "Бета", "status": "contested", "since": "2022-03-10",
         "disputed": False,
         "claims": {"ua": None, "ru": None, "independent": {"status": "contested", "date": "2022-03-10",
                                                            "source": "ISW", "url": "https://example.org/isw/10"}}},
        {"katottg": DELTA_ALPHIVSKA, "name_en": "Delta", "name_uk": "Дельта", "status": "ua", "since": "2022-02-24",
         "disputed": False, "claims": no_claims},
        {"katottg": GAMMA, "name_en": "Gamma", "name_uk": "Гамма", "status": "ua", "since": "2022-09-10",
         "disputed": False,
         "claims": {"ua": {"status": "ua", "date": "2022-09-10", "source": "General Staff",
                           "url": "https://example.org/gs/910"}, "ru": None,
                    "independent": {"status": "ru", "date": "2022-04-01", "source": "ISW", "url": None}}},
        {"katottg": DELTA_HAMMIVSKA, "name_en": "Delta", "name_uk": "Дельта", "status": "ua", "since": "2022-02-24",
         "disputed": False, "claims": no_claims},
        {"katottg": KHAMMA, "name_en": "Khamma", "name_uk": "Хамма", "status": "ua", "since": "2022-02-24",
         "disputed": False, "claims": no_claims},
    ] == exports.snapshot_records(timeline, date(2022, 9, 10))


def test_snapshot_records_before_the_baseline_have_no_since(tiny):
    records = exports.snapshot_records(build(tiny, FRONT), date(2022, 1, 1))
    assert [("unknown", None, False)] * 6 == [(r["status"], r["since"], r["disputed"]) for r in records]


def test_snapshot_csv(tiny):
    assert ("katottg,name_en,name_uk,status,since,disputed\n"
            f"{ALPHA},Alpha,Альфа,ru,2022-03-01,false\n"
            f"{BETA},Beta,Бета,contested,2022-03-10,false\n"
            f"{DELTA_ALPHIVSKA},Delta,Дельта,ua,2022-02-24,false\n"
            f"{GAMMA},Gamma,Гамма,ru,2022-04-01,false\n"
            f"{DELTA_HAMMIVSKA},Delta,Дельта,ua,2022-02-24,false\n"
            f"{KHAMMA},Khamma,Хамма,ua,2022-02-24,false\n") == exports.snapshot_csv(build(tiny, FRONT), "2022-04-01")


def test_snapshot_json(tiny):
    timeline = build(tiny, FRONT, claimants=("independent", "ru"))
    document = json.loads(exports.snapshot_json(timeline, "2022-04-01"))
    assert ["date", "claimants", "as_of", "settlements"] == list(document)
    assert document["as_of"] is None  # no map series was read
    assert ("2022-04-01", ["ru", "independent"]) == (document["date"], document["claimants"])
    assert exports.snapshot_records(timeline, date(2022, 4, 1)) == document["settlements"]


def test_snapshot_geojson(tiny):
    document = json.loads(exports.snapshot_geojson(build(tiny, FRONT), "2022-04-01"))
    assert ("FeatureCollection", "2022-04-01", 6) == (document["type"], document["date"], len(document["features"]))
    gamma = document["features"][3]
    assert {"type": "Point", "coordinates": [36.9, 49.7]} == gamma["geometry"]
    assert {"katottg": GAMMA, "name_en": "Gamma", "name_uk": "Гамма", "status": "ru", "since": "2022-04-01",
            "disputed": False, "coord_quality": "exact",
            "claims": {"ua": None, "ru": None,
                       "independent": {"status": "ru", "date": "2022-04-01", "source": "ISW", "url": None}}} == \
        gamma["properties"]


def test_changes_document(tiny):
    assert {
        "from": "2022-03-05",
        "to": "2022-04-01",
        "changed": [
            {"katottg": BETA, "name_en": "Beta", "from_status": "ua", "to_status": "contested"},
            {"katottg": GAMMA, "name_en": "Gamma", "from_status": "ua", "to_status": "ru"},
        ],
        "area_km2": {"from": {"unknown": 0.0, "ua": 13.0, "ru": 1.0, "contested": 0.0},
                     "to": {"unknown": 0.0, "ua": 0.0, "ru": 10.0, "contested": 4.0}},
    } == exports.changes_document(build(tiny, FRONT), date(2022, 3, 5), date(2022, 4, 1))


def test_area_table(tiny):
    assert [
        {"status": "unknown", "from_km2": 0.0, "to_km2": 0.0, "difference_km2": 0.0},
        {"status": "ua", "from_km2": 13.0, "to_km2": 0.0, "difference_km2": -13.0},
        {"status": "ru", "from_km2": 1.0, "to_km2": 10.0, "difference_km2": 9.0},
        {"status": "contested", "from_km2": 0.0, "to_km2": 4.0, "difference_km2": 4.0},
    ] == exports.area_table(build(tiny, FRONT), date(2022, 3, 5), date(2022, 4, 1)).to_dict(orient="records")


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+380 44 000", "'+380 44 000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("General Staff", "General Staff"),
    ("a=b", "a=b"),
    ("", ""),
    (5, 5),
    (None, None),
])
def test_neutralise_formula(value, expected):
    assert expected == exports.neutralise_formula(value)


def test_csv_exports_neutralise_formulas_in_sources(tiny):
    # The validator refuses such a source (formula_like); a frame given to the engine directly is still safe.
    events = Validator(tiny).validate(events_bytes("2022-03-01,Alpha,ru,ru,GS,"), today=TODAY).events
    timeline = Timeline(tiny, StatementTable.from_events(events.assign(source="=1+2"), tiny))
    assert ("katottg,name_en,name_uk,from_status,to_status,from_source,to_source,to_date,to_url\n"
            f"{ALPHA},Alpha,Альфа,ua,ru,{BASELINE_SOURCE},'=1+2,2022-03-01,\n") == \
        exports.changes_csv(timeline, date(2022, 2, 24), date(2022, 3, 1))


# ---------------------------------------------------------------- dataset

def test_dataset_caches_one_timeline_per_claimant_set(tiny):
    dataset = Dataset.from_parts(tiny, events_bytes(FRONT), today=TODAY)
    assert [] == dataset.validation.errors
    assert dataset.timeline() is dataset.timeline()
    assert dataset.timeline(("ru", "ua")) is dataset.timeline(("ua", "ru"))
    assert dataset.timeline(("ru", "ua")) is not dataset.timeline(("ru", "ua"), baseline=False)
    assert 4 == len(dataset.statements)


def test_dataset_with_events_adds_new_events_only(tiny):
    dataset = Dataset.from_parts(tiny, events_bytes(FRONT), today=TODAY)
    upload = Validator(tiny).validate(events_bytes("""
        2022-03-01,Alpha,ru,ru,TASS,
        2022-10-01,Alpha,ua,ua,General Staff,
    """), today=TODAY).events
    combined = dataset.with_events(upload)
    assert (4, 5) == (len(dataset.events), len(combined.events))
    assert ("ua", "2022-10-01", False, "General Staff") == one(combined.timeline(), "2022-10-01")
    assert ("ru", "2022-03-01", False, "TASS") == one(dataset.timeline(), "2022-10-01")


# ---------------------------------------------------------------- CLI, on the shipped gazetteer

KUPIANSK = "UA63080090010026457"
CLI_EVENTS = ("date,settlement,status,claimed_by,source,url\n"
              "2022-02-27,Kupiansk,ru,independent,ISW,https://example.org/isw/0227\n"
              "2022-09-10,Kupiansk,ua,ua,General Staff,\n")


@pytest.fixture
def events_file(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CLI_EVENTS, encoding="utf-8")
    return path


def cli_json(capsys, argv) -> dict:
    assert 0 == main(argv)
    captured = capsys.readouterr()
    assert "" == captured.err
    return json.loads(captured.out)


def test_cli_snapshot_json(events_file, capsys, real_gazetteer):
    before = cli_json(capsys, ["snapshot", "--date", "2022-08-01", "--format", "json", "--events", str(events_file)])
    assert ("2022-08-01", ["ua", "ru", "independent"], 1751) == (before["date"], before["claimants"],
                                                                 len(before["settlements"]))
    kupiansk = before["settlements"][real_gazetteer.position[KUPIANSK]]
    assert {"katottg": KUPIANSK, "name_en": "Kupiansk", "name_uk": "Куп’янськ", "status": "ru",
            "since": "2022-02-27", "disputed": False,
            "claims": {"ua": None, "ru": None, "independent": {"status": "ru", "date": "2022-02-27", "source": "ISW",
                                                               "url": "https://example.org/isw/0227"}}} == kupiansk
    others = [(s["status"], s["since"]) for s in before["settlements"] if s["katottg"] != KUPIANSK]
    assert {("ua", "2022-02-24")} == set(others)

    after = cli_json(capsys, ["snapshot", "--date", "2022-09-12", "--format", "json", "--events", str(events_file)])
    kupiansk = after["settlements"][real_gazetteer.position[KUPIANSK]]
    assert ("ua", "2022-09-10", False) == (kupiansk["status"], kupiansk["since"], kupiansk["disputed"])


def test_cli_snapshot_csv(events_file, capsys):
    assert 0 == main(["snapshot", "--date", "2022-08-01", "--format", "csv", "--events", str(events_file)])
    lines = capsys.readouterr().out.splitlines()
    assert "katottg,name_en,name_uk,status,since,disputed" == lines[0]
    assert 1752 == len(lines)
    assert [f"{KUPIANSK},Kupiansk,Куп’янськ,ru,2022-02-27,false"] == [line for line in lines
                                                                     if line.startswith(KUPIANSK)]


def test_cli_snapshot_csv_is_the_default_format(events_file, capsys):
    assert 0 == main(["snapshot", "--date", "2022-09-12", "--events", str(events_file)])
    lines = capsys.readouterr().out.splitlines()
    assert [f"{KUPIANSK},Kupiansk,Куп’янськ,ua,2022-09-10,false"] == [line for line in lines
                                                                    if line.startswith(KUPIANSK)]


def test_cli_snapshot_geojson(events_file, capsys):
    document = cli_json(capsys, ["snapshot", "--date", "2022-09-12", "--format", "geojson",
                                 "--events", str(events_file)])
    (feature,) = [f for f in document["features"] if f["properties"]["katottg"] == KUPIANSK]
    assert {"type": "Point", "coordinates": [37.6142, 49.7133]} == feature["geometry"]
    assert ("ua", "exact") == (feature["properties"]["status"], feature["properties"]["coord_quality"])
    assert 1751 == len(document["features"])


def test_cli_snapshot_with_a_claimant_filter(events_file, capsys):
    document = cli_json(capsys, ["snapshot", "--date", "2022-08-01", "--format", "json", "--claimants", "ua,ru",
                                 "--events", str(events_file)])
    assert ["ua", "ru"] == document["claimants"]
    (kupiansk,) = [s for s in document["settlements"] if s["katottg"] == KUPIANSK]
    assert ("ua", "2022-02-24") == (kupiansk["status"], kupiansk["since"])


def test_cli_changes_json(events_file, capsys, real_gazetteer):
    document = cli_json(capsys, ["changes", "--from", "2022-08-01", "--to", "2022-09-12", "--events",
                                 str(events_file)])
    assert ("2022-08-01", "2022-09-12") == (document["from"], document["to"])
    assert [{"katottg": KUPIANSK, "name_en": "Kupiansk", "from_status": "ru", "to_status": "ua"}] == \
        document["changed"]
    kupiansk_km2 = float(real_gazetteer.cell_area_km2[KUPIANSK])
    rest_km2 = float(real_gazetteer.areas.sum()) - kupiansk_km2
    assert ["from", "to"] == list(document["area_km2"])
    assert ["unknown", "ua", "ru", "contested"] == list(document["area_km2"]["from"]) == \
        list(document["area_km2"]["to"])
    assert {"unknown": 0.0, "ru": round(kupiansk_km2, 1), "contested": 0.0} == \
        {k: v for k, v in document["area_km2"]["from"].items() if k != "ua"}
    assert {"unknown": 0.0, "ru": 0.0, "contested": 0.0} == \
        {k: v for k, v in document["area_km2"]["to"].items() if k != "ua"}
    assert pytest.approx(rest_km2, abs=0.1) == document["area_km2"]["from"]["ua"]
    assert pytest.approx(rest_km2 + kupiansk_km2, abs=0.1) == document["area_km2"]["to"]["ua"]


def test_cli_changes_csv(events_file, capsys):
    assert 0 == main(["changes", "--from", "2022-08-01", "--to", "2022-09-12", "--format", "csv",
                      "--events", str(events_file)])
    assert ("katottg,name_en,name_uk,from_status,to_status,from_source,to_source,to_date,to_url\n"
            f"{KUPIANSK},Kupiansk,Куп’янськ,ru,ua,ISW,General Staff,2022-09-10,\n") == capsys.readouterr().out


def test_cli_leaves_out_rows_with_errors_and_says_so(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text(CLI_EVENTS + "2022-09-11,Nowhereville,ua,ua,General Staff,\n", encoding="utf-8")
    assert 0 == main(["changes", "--from", "2022-08-01", "--to", "2022-09-12", "--events", str(path)])
    captured = capsys.readouterr()
    assert 1 == len(json.loads(captured.out)["changed"])
    assert captured.err.startswith("line 4, column settlement: unknown settlement 'Nowhereville'")
    assert captured.err.endswith(f"{path}: 1 rows with errors are left out\n")


@pytest.mark.parametrize("argv", [
    ["snapshot"],
    ["snapshot", "--date", "2022-13-01"],
    ["snapshot", "--date", "2022-09-12", "--format", "xlsx"],
    ["snapshot", "--date", "2022-09-12", "--claimants", "ua,nato"],
    ["snapshot", "--date", "2022-09-12", "--claimants", ","],
    ["changes", "--from", "2022-08-01"],
    ["changes", "--from", "2022-08-01", "--to", "2022-09-12", "--format", "geojson"],
])
def test_cli_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert 2 == stopped.value.code
    assert "error: " in capsys.readouterr().err


# ---------------------------------------------------------------- runs (the precomputed form)

def test_runs_hold_one_row_per_change_per_settlement(tiny):
    runs = build(tiny, FRONT).runs
    baseline, mar1, mar10, apr1, sep10 = (to_day(d) for d in
                                          ("2022-02-24", "2022-03-01", "2022-03-10", "2022-04-01", "2022-09-10"))
    assert [0, 2, 4, 5, 8, 9, 10] == runs.start.tolist()
    assert [0, 0, 1, 1, 2, 3, 3, 3, 4, 5] == runs.settlement.tolist()
    assert [baseline, mar1, baseline, mar10, baseline, baseline, apr1, sep10, baseline, baseline] == runs.day.tolist()
    assert [1, 2, 1, 3, 1, 1, 2, 1, 1, 1] == runs.status.tolist()
    assert [False] * 10 == runs.disputed.tolist()
    assert [baseline, mar1, baseline, mar10, baseline, baseline, apr1, sep10, baseline, baseline] == runs.since.tolist()
    assert [-1, 0, -1, 1, -1, -1, 2, 3, -1, -1] == runs.statement.tolist()

