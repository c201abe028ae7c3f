"""Map series as continuous observations, the ranks of one day's statements (scope, reported), on the tiny gazetteer
(tests/unit/conftest.py): a map series covering January–March 2025 (sources.json's record of it) against
officials' claims and researched assessments.

The expected values are read off the rules of data/README.md by hand; the last test compares the engine's
restatements with a map written out as one row per covered day (another way to the same answer).
"""

from __future__ import annotations

import random
import textwrap
from datetime import date, timedelta

import numpy as np
import pytest

from controlmap.events import sources
from controlmap.events.validation import Validator
from controlmap.model import CLAIMANTS, STATUSES
from controlmap.timeline.engine import StatementTable, Timeline

TODAY = date(2026, 11, 21)
HEADER = "date,reported,settlement,scope,status,claimed_by,source,url\n"
MAP = "Map (archived layer)"
ALPHA = "UA63900010010044441"
FIRST, LAST = date(2025, 1, 1), date(2025, 3, 31)


@pytest.fixture
def tiny(tiny_gazetteer):
    return tiny_gazetteer


def record(grey: bool = True, days: list | None = None, pending: dict | None = None) -> dict:
    """A sources.json whose one series covers every day of January–March 2025 (or `days`)."""
    return {"format": 1, "presets": {"map": {
        "publisher": "Map", "claimed_by": "independent",
        "series": {"daily": {"source": MAP, "grey_zone": grey,
                             "days": days or [[FIRST.isoformat(), (LAST - FIRST).days + 1]]}},
        "newest": {"time": f"{LAST.isoformat()}T20:00:00Z"}, "settlements": pending or {}}}}


def build(tiny, lines: str, document: dict | None = None, claimants=CLAIMANTS) -> Timeline:
    events = (HEADER + textwrap.dedent(lines).strip() + "\n").encode()
    result = Validator(tiny).validate(events, today=TODAY)
    assert [] == [str(p) for p in result.errors]
    table = StatementTable.from_events(result.events, tiny, sources.coverages(document), 30)
    return Timeline(tiny, table, claimants)


def shown(timeline: Timeline, day: str, row: int = 0) -> tuple[str, bool, str]:
    """(status, disputed, source of the responsible statement) of a settlement (Alpha by default) on a day."""
    state = timeline.state_at(day)
    record_ = timeline.statement_record(int(state.statement[row]))
    return STATUSES[state.status[row]], bool(state.disputed[row]), record_["source"] if record_ else "baseline"


MAP_UA = f"2025-01-01,,Alpha,,ua,independent,{MAP},"
RU_CLAIM = "2025-01-10,,Alpha,,ru,ru,Ministry of Defence,"


def test_without_a_record_the_latest_statement_wins(tiny):
    timeline = build(tiny, f"{MAP_UA}\n{RU_CLAIM}")
    assert ("ru", True, "Ministry of Defence") == shown(timeline, "2025-01-10")
    assert ("ru", True, "Ministry of Defence") == shown(timeline, "2025-03-01")


def test_a_map_that_keeps_showing_the_opposite_outranks_an_official_claim_from_its_day(tiny):
    timeline = build(tiny, f"{MAP_UA}\n{RU_CLAIM}", record())
    assert ("ua", False, MAP) == shown(timeline, "2025-01-09")
    assert ("ua", True, MAP) == shown(timeline, "2025-01-10")  # the claim stays visible as a dispute
    assert ("ua", True, MAP) == shown(timeline, "2025-02-09")  # 30 days after the claim
    assert ("ua", False, MAP) == shown(timeline, "2025-02-10")  # older than the window: no longer disputed


def test_views_of_officials_alone_still_show_their_claims(tiny):
    assert ("ru", False, "Ministry of Defence") == shown(build(tiny, f"{MAP_UA}\n{RU_CLAIM}", record(),
                                                               claimants=("ru",)), "2025-01-20")
    assert ("ua", False, MAP) == shown(build(tiny, f"{MAP_UA}\n{RU_CLAIM}", record(),
                                             claimants=("independent",)), "2025-01-20")


def test_the_claimants_latest_statements_show_the_map_row_it_restated(tiny):
    timeline = build(tiny, f"{MAP_UA}\n{RU_CLAIM}", record())
    claims = timeline.snapshot_claims("2025-01-20")[0]
    assert ("ua", "2025-01-01", MAP) == (claims["independent"]["status"], claims["independent"]["date"],
                                         claims["independent"]["source"])
    assert "ru" == claims["ru"]["status"]


def test_after_the_newest_snapshot_a_claim_is_no_longer_outranked(tiny):
    timeline = build(tiny, f"{MAP_UA}\n2025-04-05,,Alpha,,ru,ru,Ministry of Defence,", record())
    # The map's last word (31 Mar) is within the window of the claim: disputed.
    assert ("ru", True, "Ministry of Defence") == shown(timeline, "2025-04-05")
    assert ("ua", False, MAP) == shown(timeline, "2025-04-04")


def test_the_timeline_runs_to_the_newest_day_the_map_covers(tiny):
    assert date(2025, 3, 31) == date(1970, 1, 1) + timedelta(days=build(tiny, MAP_UA, record()).span[1])
    assert date(2025, 1, 1) == date(1970, 1, 1) + timedelta(days=build(tiny, MAP_UA).span[1])


def test_on_days_without_a_snapshot_the_claim_shows_until_the_next(tiny):
    gappy = record(days=[["2025-01-01", 5], ["2025-01-15", 10]])
    timeline = build(tiny, f"{MAP_UA}\n{RU_CLAIM}", gappy)
    assert ("ru", True, "Ministry of Defence") == shown(timeline, "2025-01-14")
    assert ("ua", True, MAP) == shown(timeline, "2025-01-15")


def test_a_change_awaiting_confirmation_ends_the_restatements(tiny):
    waiting = record(pending={ALPHA: ["ua", "ru", "2025-02-01T20:00:00Z", 1, "daily/x.geojson"]})
    timeline = build(tiny, f"{MAP_UA}\n2025-02-03,,Alpha,,ru,ru,Ministry of Defence,", waiting)
    assert ("ru", True, "Ministry of Defence") == shown(timeline, "2025-02-10")


@pytest.mark.parametrize(("grey", "stated", "expected"), [
    # A map with a grey zone sees everything: its next snapshot outranks a researched assessment.
    (True, "contested", ("ua", False, MAP)),
    (True, "ru", ("ua", False, MAP)),
    # An occupied-only map sees "occupied" or not: it agrees with contested, and restates what agrees.
    (False, "contested", ("contested", False, "ISW")),
    (False, "ru", ("ua", False, MAP)),
])
def test_a_researched_assessment_against_the_map(tiny, grey, stated, expected):
    timeline = build(tiny, f"{MAP_UA}\n2025-01-15,,Alpha,,{stated},independent,ISW,", record(grey))
    assert (stated, False, "ISW") == shown(timeline, "2025-01-15")  # on its own day the assessment stands
    assert expected == shown(timeline, "2025-01-16")


def test_an_occupied_only_map_outranks_an_officials_contested_claim_not_an_assessments(tiny):
    timeline = build(tiny, f"""
        {MAP_UA}
        2025-01-12,,Alpha,,contested,independent,ISW,
        2025-01-20,,Alpha,,contested,ru,Ministry of Defence,
        2025-01-25,,Alpha,,ua,ua,General Staff,
    """, record(grey=False))
    assert ("contested", False, "ISW") == shown(timeline, "2025-01-20")
    assert ("contested", True, "ISW") == shown(timeline, "2025-01-25")  # the General Staff's ua disagrees


def test_an_occupied_only_map_that_shows_occupation_outranks_a_ukrainian_claim(tiny):
    timeline = build(tiny, f"""
        2025-01-01,,Alpha,,ru,independent,{MAP},
        2025-01-20,,Alpha,,ua,ua,General Staff,
    """, record(grey=False))
    assert ("ru", True, MAP) == shown(timeline, "2025-01-20")


def test_a_statement_about_the_hromada_ranks_below_one_about_the_settlement_on_its_day(tiny):
    lines = """
        2024-03-10,,Alpha,hromada,ru,ru,Governor,
        2024-03-10,,Alpha,,ua,ua,Mayor,
    """
    assert ("ua", True, "Mayor") == shown(build(tiny, lines), "2024-03-10")
    assert ("contested", True, "Mayor") == shown(build(tiny, lines.replace("hromada", "")), "2024-03-10")


def test_a_later_statement_about_the_hromada_still_speaks(tiny):
    timeline = build(tiny, """
        2024-03-01,,Alpha,,ua,ua,Mayor,
        2024-03-10,,Alpha,hromada,ru,ru,Governor,
    """)
    assert ("ru", True, "Governor") == shown(timeline, "2024-03-10")


def test_of_one_claimants_statements_of_a_day_the_later_reported_wins_whatever_the_line(tiny):
    timeline = build(tiny, """
        2024-03-01,2024-03-20,Alpha,,ru,independent,Later report,
        2024-03-01,2024-03-02,Alpha,,contested,independent,Early report,
    """)
    assert ("ru", False, "Later report") == shown(timeline, "2024-03-05")


def test_a_researched_statement_outranks_a_map_row_of_its_day(tiny):
    timeline = build(tiny, f"""
        2025-01-01,,Alpha,,contested,independent,Reporter,
        {MAP_UA}
    """, record())
    assert ("contested", False, "Reporter") == shown(timeline, "2025-01-01")


# ---------------------------------------------------------------- against a map written out day by day


def daily_rows(tiny, lines: list[str], grey: bool, days: list[date], window: int) -> list[str]:
    """The map as one row per covered day (what the restatements stand for), computed by walking the days."""
    result = Validator(tiny).validate((HEADER + "\n".join(lines) + "\n").encode(), today=TODAY)
    events = result.events.assign(day=result.events.date.dt.date, researched=result.events.source != MAP)
    out = []
    for settlement, rows in events.groupby("katottg"):
        rows = rows.sort_values(["date", "researched", "line"])  # of one day, a map row ranks below the others
        series = rows[rows.source == MAP]
        others = rows[rows.source != MAP]
        independent = rows[rows.claimed_by == "independent"]
        name = tiny.settlements.set_index("katottg").name_en[settlement]
        for day in days:
            if series.empty or series.day.min() >= day or (series.day == day).any():
                continue
            if ((others.claimed_by == "independent") & (others.day == day)).any():
                continue  # an assessment of that day outranks the map's
            said = series[series.day < day].iloc[-1].status
            latest = independent[independent.day <= day].iloc[-1]
            if not grey and latest.source != MAP and (
                    latest.status == "contested" or (latest.status == "ru") == (said == "ru")):
                said = latest.status
            out.append(f"{day},{day},{name},,{said},independent,Restated,")
    return out


def test_restatements_show_what_a_map_restated_every_day_would(tiny):
    chooser = random.Random(20261206)
    days = [FIRST + timedelta(days=k) for k in range(0, 90) if k % 7 != 3]  # with gaps
    runs = sources.day_runs(days)
    names = ["Alpha", "Beta", "Gamma"]
    for _ in range(40):
        grey = chooser.random() < 0.5
        lines = []
        for name in names:
            state_days = sorted(chooser.sample(days, 3))
            for day in state_days:
                lines.append(f"{day},,{name},,{chooser.choice(['ua', 'ru', 'contested'])},independent,{MAP},")
            for _ in range(chooser.randint(0, 4)):
                day = FIRST + timedelta(days=chooser.randint(-5, 100))
                claimant = chooser.choice(CLAIMANTS)
                source = {"ua": "General Staff", "ru": "Ministry of Defence", "independent": "ISW"}[claimant]
                lines.append(f"{day},,{name},,{chooser.choice(['ua', 'ru', 'contested'])},{claimant},{source},")
        lines = _one_per_source_and_day(lines)
        restated = build(tiny, "\n".join(lines), record(grey, runs))
        written = build(tiny, "\n".join(lines + daily_rows(tiny, lines, grey, days, 30)))
        for offset in range(-10, 110):
            day = FIRST + timedelta(days=offset)
            a, b = restated.state_at(day.isoformat()), written.state_at(day.isoformat())
            assert np.array_equal(a.status, b.status), (day, lines)
            assert np.array_equal(a.disputed, b.disputed), (day, lines)


def _one_per_source_and_day(lines: list[str]) -> list[str]:
    """One row per settlement, source and day (two statuses from one source on a day is an error of the file)."""
    seen, out = set(), []
    for line in lines:
        parts = line.split(",")
        key = (parts[0], parts[2], parts[6])
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out
