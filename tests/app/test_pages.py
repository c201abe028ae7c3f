"""The analyst pages through AppTest: every figure shown is the engine's for the same URL and selections.

Expectations are computed from whatever data/events.csv holds (it grows), never hard-coded.
"""

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app import data as app_data
from app import pages_support
from app import widgets as app_widgets
from controlmap.model import CLAIMANTS, EARLIEST_DATE, STATUSES
from controlmap.timeline import exports, history
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.engine import from_day

ROOT = Path(__file__).resolve().parents[2]
# Every page of the app, found by glob: a new page gets the smoke test below without being listed.
ALL_PAGES = sorted([ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py")])
# The analyst pages, by the short names the tests below use.
PAGES = {
    "town": ROOT / "pages" / "1_Town_history.py",
    "compare": ROOT / "pages" / "2_Compare_dates.py",
    "events": ROOT / "pages" / "3_Events.py",
    "series": ROOT / "pages" / "4_Time_series.py",
}
KUPIANSK = "UA63080090010026457"
COUNTEROFFENSIVE = ("2022-09-06", "2022-09-12")
OFFENSIVE_2024 = ("2024-05-09", "2024-06-15")


@pytest.fixture(scope="module")
def engine() -> Dataset:
    return Dataset.load()


def run(page: str, session: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(PAGES[page]), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    return at.run()


def param(at: AppTest, name: str):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def table(at: AppTest, key: str) -> pd.DataFrame | None:
    """The table in the container keyed `key` (None when the page does not show it)."""
    try:
        return at.get_by_key(key).dataframe[0].value
    except KeyError:
        return None


def raw_rows(katottg: str) -> list[dict[str, str]]:
    """The settlement's rows of data/events.csv read with the csv module, oldest first (file order within a day):
    what the Town history must show, found without the package."""
    import csv

    with (ROOT / "data" / "events.csv").open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["katottg"] == katottg]
    return sorted(rows, key=lambda row: row["date"])  # a stable sort keeps the file's order within a day


def facts_of(at: AppTest) -> dict[str, str]:
    """The Town history's facts (a Markdown table in the container keyed town_facts), unescaped."""
    text = at.get_by_key("town_facts").markdown[0].value
    rows = [line.strip("| ").split(" | ") for line in text.splitlines()[2:]]
    unescape = lambda value: re.sub(r"\\(.)", r"\1", value)  # noqa: E731
    return {unescape(field): unescape(value) for field, value in rows}


def markdown_texts(at: AppTest) -> list[str]:
    """Every Markdown body on the page (where raw data would be dangerous)."""
    kinds = ("markdown", "caption", "header", "subheader", "title", "info", "warning", "error", "success")
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


# ---------------------------------------------------------------- every page

@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda p: p.name)
def test_every_page_of_the_app_runs_without_exception(path):
    at = AppTest.from_file(str(path), default_timeout=60).run()
    assert not at.exception, at.exception
    if path.name == "dashboard.py":  # the map page's title is its panel's, in the map's frame
        from app import session_maps

        (built,) = at.session_state[session_maps.MAPS].values()
        panels = [c for c in built._children.values() if type(c).__name__ == "PanelLayer"]
        assert "Kharkiv oblast: who controlled which settlement, day by day" == panels[0].settings["title"]
    else:
        assert at.title, "every page has a title"
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_renders_without_exception_and_names_its_sources(page):
    at = run(page)
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "data/events.csv" in captions
    assert ("areas: each settlement's cell within its hromada (1,676 of 1,751 settlements at their own point "
            "(1,641 OpenStreetMap, 35 GeoNames); 75 drawn approximately at their hromada centre, with no cell and "
            "no area)") in captions
    assert at.sidebar.radio(key=app_widgets.NAMES) is not None, "every page has the names switch"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_takes_ukrainian_names_and_an_empty_claimant_choice(engine, page):
    at = run(page, names="uk", claimants="none", settlement=KUPIANSK, q="Куп'янськ")
    assert not at.exception, at.exception
    assert "uk" == at.sidebar.radio(key=app_widgets.NAMES).value
    if page == "town":
        name_uk = history.settlement_info(engine.gazetteer.settlements, KUPIANSK)["name_uk"]
        assert pages_support.md_escape(name_uk) == at.header[0].value


def test_compare_warns_when_the_newest_map_is_old_as_the_map_page_does(today_is):
    """The dates go up to today: a day after the newest map read shows no change that happened since."""
    today_is(date(2026, 8, 30))
    at = run("compare")
    assert [pages_support.md_escape("The newest map read is 9 days old (DeepStateMap's snapshot of 21 Aug 2026): "
                                    "changes since then are not shown. To update the data, run python -m controlmap "
                                    "update (docs/deploy.md).")] == [w.value for w in at.warning]
    assert pages_support.md_escape("Map data as of 21 Aug 2026 (DeepStateMap)") + ": the newest map snapshot read." \
        == at.caption[0].value


@pytest.mark.parametrize("page", ["town", "compare", "series"])
def test_the_claimant_filter_is_read_from_and_written_to_the_url(page):
    at = run(page, claimants="ru,independent", settlement=KUPIANSK)
    assert [False, True, True] == [at.checkbox(key=f"{page}_claimants_{c}").value for c in CLAIMANTS]
    assert "claimants: ru, independent" in " ".join(c.value for c in at.caption)
    at.checkbox(key=f"{page}_claimants_ua").check()
    at.checkbox(key=f"{page}_claimants_ru").uncheck()
    at.checkbox(key=f"{page}_claimants_independent").uncheck().run()
    assert param(at, "claimants") == "ua"
    assert ["Ukrainian officials", "Russian officials", "independent observers"] == [
        at.checkbox(key=f"{page}_claimants_{c}").label for c in CLAIMANTS]


# ---------------------------------------------------------------- compare two dates

def compare_table(at: AppTest) -> pd.DataFrame:
    shown = table(at, "compare_table")
    return pd.DataFrame({"katottg": []}) if shown is None else shown


@pytest.mark.parametrize("dates", [COUNTEROFFENSIVE, OFFENSIVE_2024])
def test_compare_lists_exactly_the_engines_changes_for_the_dates_in_the_url(engine, dates):
    first, second = dates
    at = run("compare", **{"from": first, "to": second})
    assert not at.exception
    assert [date.fromisoformat(first), date.fromisoformat(second)] == [
        at.date_input(key="compare_from").value, at.date_input(key="compare_to").value]
    expected = engine.timeline().changes(first, second)
    table = compare_table(at)
    assert list(expected.katottg) == list(table.katottg)
    if len(expected):
        assert list(expected.to_status) == list(table.to_status)
        assert list(expected.to_source) == list(table["statement responsible (source)"])
        assert list(expected.to_date) == list(table["statement date"])
    assert f"{len(expected)} settlement" in at.subheader[0].value
    assert (first, second) == (param(at, "from"), param(at, "to"))


def test_compare_areas_and_counts_are_the_engines_at_both_dates(engine):
    first, second = COUNTEROFFENSIVE
    at = run("compare", **{"from": first, "to": second})
    areas = table(at, "compare_areas")
    timeline = engine.timeline()
    expected = exports.area_table(timeline, first, second)
    assert list(expected.from_km2) == list(areas.from_km2)
    assert list(expected.to_km2) == list(areas.to_km2)
    assert list(expected.difference_km2) == list(areas.difference_km2)
    counts = history.count_table(timeline, first, second)
    assert list(counts.to_settlements) == list(areas.to_settlements)


def test_compare_dates_changed_in_the_inputs_change_the_table_and_the_url(engine):
    at = run("compare", **{"from": "2022-01-01", "to": "2022-01-02"})
    assert compare_table(at).empty
    at.date_input(key="compare_from").set_value(date(2024, 5, 9))
    at.date_input(key="compare_to").set_value(date(2024, 6, 15)).run()
    assert list(engine.timeline().changes(*OFFENSIVE_2024).katottg) == list(compare_table(at).katottg)
    assert (param(at, "from"), param(at, "to")) == OFFENSIVE_2024


def test_compare_example_button_sets_both_dates(engine):
    at = run("compare")
    at.button(key="compare_example_0").click().run()
    assert (param(at, "from"), param(at, "to")) == COUNTEROFFENSIVE
    assert list(engine.timeline().changes(*COUNTEROFFENSIVE).katottg) == list(compare_table(at).katottg)


def test_compare_defaults_to_the_latest_change(engine):
    at = run("compare")
    first, second = history.latest_change(engine.timeline())
    assert [first, second] == [at.date_input(key="compare_from").value, at.date_input(key="compare_to").value]
    assert list(engine.timeline().changes(first, second).katottg) == list(compare_table(at).katottg)


def test_compare_follows_the_claimant_filter(engine):
    first, second = COUNTEROFFENSIVE
    at = run("compare", claimants="ru", **{"from": first, "to": second})
    assert list(engine.timeline(("ru",)).changes(first, second).katottg) == list(compare_table(at).katottg)


def test_compare_clamps_unreadable_and_out_of_range_dates():
    at = run("compare", **{"from": "yesterday", "to": "1999-01-01"})
    assert not at.exception
    assert at.date_input(key="compare_to").value == EARLIEST_DATE


# ---------------------------------------------------------------- town history

def codes_offered(picker) -> list[str]:
    """The KATOTTG codes of a settlement picker (each option ends with "· <code>")."""
    return [option.rsplit(" · ", 1)[-1] for option in picker.options]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_town_page_from_a_map_link_shows_both_names_and_its_statement_counts(engine):
    at = run("town", settlement=KUPIANSK)
    assert not at.exception
    info = history.settlement_info(engine.gazetteer.settlements, KUPIANSK)
    assert pages_support.md_escape(info["name_en"]) == at.header[0].value
    facts = facts_of(at)
    assert {info["name_en"], info["name_uk"], f"{info['hromada_en']} hromada", KUPIANSK} <= set(facts.values())
    assert facts["Position"].startswith("OpenStreetMap node/") and "KATOTTG" in facts["Position"]
    rows = raw_rows(KUPIANSK)
    shown = metrics(at)
    assert str(len(rows)) == shown["Statements"]
    for claimant in CLAIMANTS:
        assert str(sum(r["claimed_by"] == claimant for r in rows)) == shown[claimant]
    for claimant in CLAIMANTS:
        shown = table(at, f"town_statements_{claimant}")
        expected = [r for r in rows if r["claimed_by"] == claimant]  # oldest first, file order within a day
        assert len(expected) == (0 if shown is None else len(shown))
        if expected:
            assert [r["source"] for r in expected] == list(shown.source)


def test_town_statements_follow_the_claimant_filter(engine):
    at = run("town", settlement=KUPIANSK, claimants="ua")
    ua = [r for r in raw_rows(KUPIANSK) if r["claimed_by"] == "ua"]
    assert {"Statements": str(len(ua)), "ua": str(len(ua))} == metrics(at)


def test_town_disputes_are_the_engines(engine):
    at = run("town", settlement=KUPIANSK)
    periods = history.dispute_periods(engine.timeline(), KUPIANSK, from_day(engine.timeline().span[1]))
    shown = table(at, "town_disputes")
    assert [d.isoformat() for d in periods.start] == ([] if shown is None else list(shown["from"]))


def test_the_periods_of_control_run_to_the_datas_latest_day_not_the_machines():
    """They ran to the machine's today (Oct 2026 when the data end in August)."""
    at = run("town", settlement=KUPIANSK)
    assert "A band without a later statement runs to 21 Aug 2026, the data's latest day." in " ".join(
        c.value for c in at.caption)


def test_typing_any_name_form_finds_the_settlement_and_puts_it_in_the_url(engine):
    at = run("town")
    at.text_input(key="town_query").input("Купянск").run()
    assert param(at, "settlement") == KUPIANSK
    assert param(at, "q") == "Купянск"
    assert pages_support.md_escape("Kupiansk") == at.header[0].value


def test_namesakes_are_offered_with_hromada_and_raion(engine):
    resolution = engine.resolver.resolve("Shevchenkove")
    assert resolution.status == "ambiguous"
    at = run("town", q="Shevchenkove")
    picker = at.selectbox(key="town_pick")
    assert [m["katottg"] for m in resolution.matches] == codes_offered(picker)
    assert picker.value is None and not at.header
    chosen = resolution.matches[1]
    picker.set_value(chosen["katottg"]).run()
    assert chosen["katottg"] == param(at, "settlement")
    assert chosen["hromada_en"] in " ".join(at.selectbox(key="town_pick").options)
    assert f"{chosen['hromada_en']} hromada" == facts_of(at)["Hromada"]


def test_an_unknown_name_offers_suggestions_and_an_unknown_code_says_so(engine):
    at = run("town", q="Kupjanskk")
    suggestions = engine.resolver.resolve("Kupjanskk").suggestions
    if suggestions:
        assert [s.katottg for s in suggestions] == codes_offered(at.selectbox(key="town_pick"))
    at = run("town", settlement="UA00000000000000000")
    assert not at.exception
    assert "Unknown KATOTTG code" in at.error[0].value


@pytest.mark.parametrize("name", ["Kupiansk", "Купянск", "Kup'yansk"])
def test_the_settlement_in_the_url_may_be_a_name_in_any_form(name):
    at = run("town", settlement=name)
    assert not at.exception and not at.error
    assert "Kupiansk" == at.header[0].value
    assert (KUPIANSK, name) == (param(at, "settlement"), param(at, "q"))


def test_a_namesake_in_the_url_offers_the_namesakes(engine):
    at = run("town", settlement="Bairak")
    assert not at.exception and not at.header
    expected = [m["katottg"] for m in engine.resolver.resolve("Bairak").matches]
    assert 5 == len(expected)
    assert expected == codes_offered(at.selectbox(key="town_pick"))
    assert "5 settlements have this name: choose one (hromada and raion tell them apart)." == at.info[0].value


def test_an_approximately_placed_settlement_is_said_to_be_approximate(engine):
    settlements = engine.gazetteer.settlements
    code = settlements[settlements.coord_quality != "exact"].katottg.iloc[0]
    at = run("town", settlement=code)
    assert any("Approximate position" in i.value for i in at.info)


# ---------------------------------------------------------------- events

def events_table(at: AppTest) -> pd.DataFrame:
    return table(at, "events_table")


def test_events_shows_the_whole_table_by_default_oldest_first(engine):
    at = run("events")
    assert len(engine.events) == len(events_table(at))
    shown = [str(d)[:10] for d in events_table(at).date]
    assert shown == sorted(shown) and "2022-02-24" == shown[0]  # it showed 2022-04-03 first, in the file's order
    assert f"{len(engine.events):,} of {len(engine.events):,} events" == at.subheader[0].value
    assert not {"from", "to", "claimants", "status"} & set(at.query_params), "no filter, nothing pinned"


@pytest.mark.parametrize("claimant", CLAIMANTS)
def test_filtering_by_claimant_keeps_the_engines_rows(engine, claimant):
    at = run("events")
    at.multiselect(key="events_claimants").set_value([claimant]).run()
    expected = history.filter_events(engine.events, claimants=[claimant])
    assert len(expected) == len(events_table(at))
    assert claimant == param(at, "claimants")
    assert sorted(expected.line) == sorted(events_table(at).line)


def test_events_filters_come_from_the_url_and_combine(engine):
    at = run("events", claimants="ua,independent", status="ua", **{"from": "2022-09-01", "to": "2022-09-30"})
    expected = history.filter_events(engine.events, start=date(2022, 9, 1), end=date(2022, 9, 30),
                                     claimants=["ua", "independent"], statuses=["ua"])
    assert sorted(expected.line) == sorted(events_table(at).line)
    assert param(at, "status") == "ua" and param(at, "from") == "2022-09-01"


def test_events_search_by_any_name_form_and_by_source_text(engine):
    for query in ("Kupyansk", "Куп'янськ", "Institute for the Study"):
        at = run("events", q=query)
        found = history.search_events(engine.events, engine.resolver, query)
        assert int(found.mask.sum()) == len(events_table(at)), query
    kupiansk = run("events", q="Kupyansk")
    assert set(engine.events[engine.events.katottg == KUPIANSK].line) <= set(events_table(kupiansk).line)


def test_events_settlement_and_source_filters(engine):
    source = engine.events.source.value_counts().index[0]
    at = run("events", settlement=KUPIANSK)
    assert {KUPIANSK} >= set(events_table(at).katottg)
    at.multiselect(key="events_sources").set_value([source]).run()
    expected = history.filter_events(engine.events, katottgs=[KUPIANSK], sources=[source])
    assert sorted(expected.line) == sorted(events_table(at).line)
    assert [source] == at.query_params["source"] or source == at.query_params["source"]


def test_clear_filters_restores_every_row(engine):
    at = run("events", claimants="ru", q="Kupiansk")
    at.button(key="events_reset").click().run()
    assert len(engine.events) == len(events_table(at))
    assert at.text_input(key="events_query").value == ""


# ---------------------------------------------------------------- time series

@pytest.mark.parametrize(("day", "claimants"), [("2022-09-12", "ua,ru,independent"), ("2024-06-15", "ru")])
def test_time_series_figures_are_the_engines_at_the_chosen_date(engine, day, claimants):
    at = run("series", date=day, claimants=claimants)
    assert date.fromisoformat(day) == at.date_input(key="series_date").value
    shown = series_figures(at)
    timeline = engine.timeline(tuple(claimants.split(",")))
    state = timeline.state_at(day)
    counts, areas = timeline.count_by_status(state), timeline.area_by_status(state)
    assert [(f"{counts[s]:,}", f"{areas[s]:,.1f}") for s in STATUSES] == [(c, a) for _, c, a in shown]


def series_figures(at: AppTest) -> list[tuple[str, str, str]]:
    """The Time series' figures table (Markdown) as (status label, settlements, km²), as the page writes them."""
    text = at.get_by_key("series_figures").markdown[0].value
    return [tuple(line.strip("| ").split(" | ")) for line in text.splitlines()[2:]]


def test_time_series_figures_are_written_as_the_metrics_are():
    """The table showed 1661 and 29480.5 under metrics that said 1,661."""
    rows = series_figures(run("series", date="2024-06-15"))
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", settlements) for _, settlements, _ in rows)
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d", km2) for _, _, km2 in rows)
    assert any("," in settlements for _, settlements, _ in rows)


def test_time_series_defaults_to_the_last_day_and_moves_with_the_input(engine):
    at = run("series")
    last = from_day(engine.timeline().span[1])
    assert last == at.date_input(key="series_date").value
    at.date_input(key="series_date").set_value(date(2022, 5, 1)).run()
    assert param(at, "date") == "2022-05-01"
    state = engine.timeline().state_at("2022-05-01")
    counts = engine.timeline().count_by_status(state)
    assert [f"{counts[s]:,}" for s in STATUSES] == [c for _, c, _ in series_figures(at)]


def test_time_series_scale_is_kept_in_the_url():
    at = run("series", scale="log")
    assert at.radio(key="series_scale").value == "log"
    at.radio(key="series_scale").set_value("linear").run()
    assert "scale" not in at.query_params


# ---------------------------------------------------------------- untrusted text

HOSTILE = "**bold** [click](javascript:alert(1)) <img src=x onerror=alert(1)> :red[red] $x$"


MARKUP = ("**bold**", "[click]", "](", "<img", ":red[", "$x$")


def live_markup(text: str) -> list[str]:
    """Markup fragments left active in Markdown text once backslash-escaped characters are set aside."""
    bare = re.sub(r"\\.", "", text)
    return [fragment for fragment in MARKUP if fragment in bare]


def test_md_escape_leaves_no_markup():
    escaped = pages_support.md_escape(HOSTILE)
    assert live_markup(escaped) == []
    assert re.sub(r"\\(.)", r"\1", escaped) == HOSTILE


def test_a_hostile_search_query_is_shown_as_text():
    at = run("events", q=HOSTILE)
    assert not at.exception
    assert any(pages_support.md_escape(HOSTILE) in text for text in markdown_texts(at)), "the query is echoed"
    for text in markdown_texts(at):
        assert live_markup(text) == [], text


def test_uploaded_text_and_links_are_never_markup(engine):
    """An upload (validated elsewhere) whose texts are hostile: shown in tables only, unsafe URLs dropped."""
    hostile = engine.events[engine.events.katottg == KUPIANSK].tail(1).copy()
    hostile["date"] = pd.Timestamp(from_day(engine.timeline().span[1]))
    hostile["source"] = "=HYPERLINK(\"http://evil\") " + HOSTILE
    hostile["quote"] = HOSTILE
    hostile["url"] = "javascript:alert(1)"
    # An independent assessment of the last day: it outranks the map of its day, so it is the responsible statement.
    hostile["claimed_by"] = "independent"
    session = {app_data.UPLOAD_EVENTS: hostile, app_data.UPLOAD_DIGEST: "test-hostile-upload"}
    at = run("town", session=session, settlement=KUPIANSK)
    assert not at.exception
    for text in markdown_texts(at):
        assert live_markup(text) == [], text
    independent = table(at, "town_statements_independent")
    assert HOSTILE in set(independent.quote)
    assert independent[independent.quote == HOSTILE].url.isna().all(), "a javascript: link is never offered"
    assert any(HOSTILE in t.value for t in at.text), "the responsible statement is plain text"
    events = run("events", session=session, q="onerror")
    assert list(events_table(events).quote) == [HOSTILE]
    assert events_table(events).url.isna().all()


# ---------------------------------------------------------------- what a statement is about, and how fresh


DOROSHENKOVE = "UA63080010370038828"


def test_a_statement_about_the_hromada_says_so_on_the_town_history():
    at = run("town", settlement=DOROSHENKOVE)
    assert not at.exception
    assert any(i.value.startswith("1 statement(s) below are about Velykoburlutska hromada, an area larger than "
                                  "Doroshenkove") for i in at.info)
    independent = table(at, "town_statements_independent")
    hromada = independent[independent.source == "Slobidskyi krai"]
    assert [("2022-03-10", "2022-09-11", "Velykoburlutska hromada")] == [
        (str(r.date)[:10], r.reported, r.about) for r in hromada.itertuples()]
    assert {"the settlement"} == set(independent[independent.source != "Slobidskyi krai"].about)


def test_a_statement_made_later_than_the_state_it_describes_shows_both_days():
    kutuzivka = table(run("town", settlement="Kutuzivka"), "town_statements_ua")
    assert [("2022-02-24", "2022-04-30")] == [(str(r.date)[:10], r.reported) for r in kutuzivka.itertuples()
                                              if r.source.startswith("Kharkiv Regional Military Administration")]


def test_the_town_history_says_as_of_which_map_and_how_the_status_is_decided():
    at = run("town", settlement=KUPIANSK)
    captions = [c.value for c in at.caption]
    assert "Map data as of 21 Aug 2026 \\(DeepStateMap\\): the newest map snapshot read." in captions
    assert any("A map series speaks on every snapshot" in m.value for m in at.markdown)
