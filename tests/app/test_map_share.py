"""The map page's link, citation and settlement list through AppTest."""

import hashlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SHA256 = hashlib.sha256((ROOT / "data" / "events.csv").read_bytes()).hexdigest()


def run_dashboard(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def cite(at: AppTest) -> str:
    prefix = "**Cite this map:** "
    text = next(c.value for c in at.caption if c.value.startswith(prefix))[len(prefix):]
    return text.replace("\\", "")  # as written, before Markdown's escapes


def test_the_citation_gives_the_date_claimants_data_version_and_a_link_that_reopens_them():
    at = run_dashboard(date="2025-12-20", claimants="ru", lat="49.7100", lon="37.6158", zoom="11")
    assert not at.exception
    assert ("Kharkiv oblast: who controlled which settlement, day by day. Map of 20 December 2025 (2025-12-20). "
            f"Statements by: Russian officials. Data: data/events.csv, sha256 {SHA256}. "
            "?date=2025-12-20&claimants=ru&lat=49.7100&lon=37.6158&zoom=11") == cite(at)


def test_the_citation_follows_the_date_and_the_claimants():
    at = run_dashboard(date="2022-09-06")
    assert cite(at).startswith("Kharkiv oblast: who controlled which settlement, day by day. Map of 06 September "
                               "2022 (2022-09-06). Statements by: Ukrainian officials, Russian officials, independent "
                               "observers. Data: ")
    at.button(key="forward_30").click().run()
    assert "Map of 06 October 2022 (2022-10-06)" in cite(at) and cite(at).endswith(" ?date=2022-10-06")
    at.checkbox(key="claimant_ua").uncheck().run()
    at.checkbox(key="claimant_ru").uncheck().run()
    assert "Statements by: independent observers." in cite(at)
    assert cite(at).endswith(" ?date=2022-10-06&claimants=independent")


def test_a_settlement_chosen_in_the_list_opens_its_history():
    at = run_dashboard(date="2025-12-20")
    names = at.selectbox(key="open_town").options
    assert "Kupiansk" in names and len(names) == len(set(names)) > 1000
    at.selectbox(key="open_town").set_value("Kupiansk").run()
    assert not at.exception
    assert ["Town history"] == [t.value for t in at.title]
    assert "UA63080090010026457" == at.query_params["settlement"]  # Kupiansk, resolved by the history page


def test_a_namesake_chosen_in_the_list_is_asked_about_on_the_history_page():
    at = run_dashboard()
    at.selectbox(key="open_town").set_value("Bairak").run()
    assert ["Town history"] == [t.value for t in at.title]
    assert "Which one?" in [s.label for s in at.selectbox]
