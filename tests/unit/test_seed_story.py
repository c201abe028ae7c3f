"""The shipped data tells the seed articles' story, through the engine."""

import pytest

from controlmap.model import STATUSES
from controlmap.timeline.dataset import Dataset

KUPIANSK = "UA63080090010026457"
IZIUM = "UA63040090010029555"
BALAKLIIA = "UA63040010010039074"
PROLISNE = "UA63140150010051841"  # Chkalovske until 2024 ("Chkalovsk" in seed 004)
BAIRAK_BALAKLIIA = "UA63040010030034693"
NOVA_HUSARIVKA = "UA63040010210040302"
VOVCHANSK = "UA63140010010035757"
SHEVCHENKOVE = "UA63080150010082504"  # the town, centre of Shevchenkivska hromada


@pytest.fixture(scope="module")
def shipped():
    return Dataset.load()


def displayed(dataset, katottg, day, claimants=("ua", "ru", "independent")):
    timeline = dataset.timeline(claimants)
    state = timeline.state_at(day)
    i = dataset.gazetteer.position[katottg]
    return STATUSES[state.status[i]], bool(state.disputed[i])


def test_the_shipped_file_has_no_errors_and_enough_events(shipped):
    assert [] == [str(p) for p in shipped.validation.errors]
    assert len(shipped.events) >= 250
    assert shipped.events.katottg.nunique() >= 60
    assert (shipped.events.source.str.strip() != "").all()


@pytest.mark.parametrize(("katottg", "day", "expected"), [
    (KUPIANSK, "2022-08-01", ("ru", False)),
    (KUPIANSK, "2022-09-12", ("ua", False)),
    (IZIUM, "2022-04-02", ("ru", False)),
    (IZIUM, "2022-09-12", ("ua", False)),
    (BALAKLIIA, "2022-09-12", ("ua", False)),
    (PROLISNE, "2022-09-12", ("ua", False)),
    (BAIRAK_BALAKLIIA, "2022-09-12", ("ua", False)),
    (NOVA_HUSARIVKA, "2022-09-12", ("ua", False)),
    (VOVCHANSK, "2022-03-01", ("ru", False)),
    (VOVCHANSK, "2022-09-13", ("ua", False)),
    (VOVCHANSK, "2024-05-20", ("contested", False)),
])
def test_control_at_the_dates_the_seeds_describe(shipped, katottg, day, expected):
    assert expected == displayed(shipped, katottg, day)


@pytest.mark.parametrize("day", ["2025-11-25", "2026-01-17"])
def test_kupiansk_is_disputed_while_russia_claims_it_and_ukraine_reports_fighting(shipped, day):
    timeline = shipped.timeline()
    i = shipped.gazetteer.position[KUPIANSK]
    claims = timeline.snapshot_claims(day)[i]
    assert "ru" == claims["ru"]["status"]
    assert "contested" == claims["ua"]["status"]
    assert "contested" == claims["independent"]["status"]
    assert displayed(shipped, KUPIANSK, day)[1] is True


def test_russian_officials_alone_show_kupiansk_russian_held_in_december_2025(shipped):
    assert ("ru", False) == displayed(shipped, KUPIANSK, "2025-12-13", ("ru",))
    assert ("contested", False) == displayed(shipped, KUPIANSK, "2025-12-13", ("ua",))


def test_the_september_2022_counteroffensive_shows_as_changes(shipped):
    changed = shipped.timeline().changes("2022-09-06", "2022-09-12")
    back_to_ukraine = set(changed.katottg[changed.to_status == "ua"])
    assert {KUPIANSK, IZIUM, BALAKLIIA, NOVA_HUSARIVKA, SHEVCHENKOVE} <= back_to_ukraine


def test_zaluzhnyis_post_of_11_september_2022_is_kept_as_ukrainian_claims(shipped):
    timeline = shipped.timeline()
    for katottg in (BAIRAK_BALAKLIIA, NOVA_HUSARIVKA):
        claim = timeline.snapshot_claims("2022-09-12")[shipped.gazetteer.position[katottg]]["ua"]
        assert ("ua", "2022-09-11") == (claim["status"], claim["date"])


def test_the_seed_names_resolve_to_the_right_settlements(shipped):
    resolver = shipped.resolver
    assert PROLISNE == resolver.resolve("Chkalovsk").katottg
    assert NOVA_HUSARIVKA in [s.katottg for s in resolver.resolve("Nova Gusarica").suggestions]
    assert BAIRAK_BALAKLIIA == resolver.resolve("Bajrak", "Balakliiska hromada").katottg
    assert KUPIANSK == resolver.resolve("Kupyansk").katottg


# The rows a source audit flagged, as mended (data/README.md, "4. Mends after the source audit").

def test_konashenkovs_regrouping_statement_of_10_september_2022_is_coded_one_way(shipped):
    events = shipped.events
    regrouping = events[(events.date.astype(str).str[:10] == "2022-09-10") & (events.claimed_by == "ru")
                        & events.katottg.isin([IZIUM, BALAKLIIA])
                        & events.quote.str.contains("Konashenkov|Russian Ministry of Defense announced|regroup")]
    assert len(regrouping) >= 5
    assert {"ua"} == set(regrouping.status)
    for katottg in (IZIUM, BALAKLIIA):
        assert ("ua", False) == displayed(shipped, katottg, "2022-09-12", ("ru",))


def test_putins_remark_on_kupiansk_is_dated_the_day_the_state_began_and_reported_the_day_he_made_it(shipped):
    """Said on 21 Nov 2025: "On 4 November the city of Kupiansk was practically wholly ... in the hands of the
    Russian armed forces". The Ministry of Defence's own claim of 5 Nov (contested) is about a later day."""
    events = shipped.events
    putin = events[(events.katottg == KUPIANSK) & events.source.str.contains("Putin")]
    assert [("2025-11-04", "2025-11-21", "ru", "ru")] == [(str(r.date)[:10], r.reported, r.status, r.claimed_by)
                                                          for r in putin.itertuples()]
    claims = shipped.timeline().snapshot_claims("2025-11-04")[shipped.gazetteer.position[KUPIANSK]]
    assert ("ru", "2025-11-04") == (claims["ru"]["status"], claims["ru"]["date"])
    claims = shipped.timeline().snapshot_claims("2025-11-10")[shipped.gazetteer.position[KUPIANSK]]
    assert ("contested", "2025-11-05") == (claims["ru"]["status"], claims["ru"]["date"])


def test_the_six_attacks_report_is_kept_once_on_the_day_seed_002_gives(shipped):
    events = shipped.events
    six = events[events.quote.str.contains("six attacks")]
    assert [("2026-01-16", "ua")] == [(str(r.date)[:10], r.claimed_by) for r in six.itertuples()]


# Before the archives (24 Feb – 2 Apr 2022): researched occupation starts (data/README.md, section 5).

KUNIE = "UA63040110010083720"
BILYI_KOLODIAZ = "UA63140010020090502"
KUTUZIVKA = "UA63120050170079679"
SAVYNTSI = "UA63040150010069203"


@pytest.mark.parametrize(("katottg", "day", "expected"), [
    (KUNIE, "2022-02-25", "ua"), (KUNIE, "2022-03-15", "ru"), (KUNIE, "2022-09-12", "ua"),
    (BILYI_KOLODIAZ, "2022-03-01", "ru"), (BILYI_KOLODIAZ, "2022-09-13", "ua"),
    (KUTUZIVKA, "2022-03-15", "ru"), (KUTUZIVKA, "2022-05-01", "ua"),
    (SAVYNTSI, "2022-03-15", "ru"), (SAVYNTSI, "2022-09-12", "ua"),
])
def test_occupation_starts_before_the_first_archived_snapshot(shipped, katottg, day, expected):
    assert expected == displayed(shipped, katottg, day)[0]


def test_no_occupation_row_from_before_the_archives_outlives_the_liberation(shipped):
    """A `ru` statement of Feb–Mar 2022 is right only with a later liberation row: every such settlement shows
    Ukrainian-held again at the end of 2022."""
    events = shipped.events
    early = events[(events.status == "ru") & (events.date.astype(str).str[:10] < "2022-04-03")
                   & ~events.source.str.startswith("DeepStateMap (archived")]
    assert early.katottg.nunique() >= 40
    still = [k for k in sorted(set(early.katottg)) if displayed(shipped, k, "2022-12-31")[0] != "ua"]
    assert [] == still
