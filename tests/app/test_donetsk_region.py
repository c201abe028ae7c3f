"""The second shipped region, Donetsk oblast (data/regions/donetska/, built by `python -m controlmap region build`):
every page works on it, none mentions the embedded default region, each says the history is derived from the maps
alone, and the map opens on the 2014 line. Run in a fresh process: the package reads the folder when first imported."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "data" / "regions" / "donetska"
PAGES = ["dashboard.py", "pages/1_Town_history.py", "pages/2_Compare_dates.py", "pages/3_Events.py",
         "pages/4_Time_series.py", "pages/5_Upload.py"]
SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
out = {}
for page in sys.argv[1:]:
    name, _, day = page.partition("@")
    at = AppTest.from_file(name, default_timeout=300)
    if day:
        at.query_params["date"] = day
    at.run()
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text"):
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [b.label for b in at.button]
    texts += [t.label for t in at.text_input] + [t.placeholder or "" for t in at.text_input]
    for widget in ("selectbox", "multiselect", "radio"):
        elements = getattr(at, widget)
        texts += [str(o) for e in elements for o in (e.options or [])] + [e.label for e in elements]
    titles = [t.value for t in at.title]
    settings = {}
    if name == "dashboard.py" and not at.exception:  # the map page's words are its panel's, drawn in the browser
        from tests.support.map_page import built
        settings = built(at)[3]
        titles = [settings["title"]]
        texts += [settings["title"], settings["baselineText"], *settings["notes"]]
    out[page] = {"exceptions": [e.value for e in at.exception], "texts": texts, "titles": titles,
                 "settings": settings}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("home")
    env = {"CONTROLMAP_DATA": str(FOLDER), "CONTROLMAP_CACHE_DIR": str(home / "cache"), "PATH": "/usr/bin:/bin",
           "HOME": str(home)}
    run = subprocess.run([sys.executable, "-c", SCRIPT, *PAGES, "dashboard.py@2022-03-01"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=1200)
    assert 0 == run.returncode, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_every_page_runs_on_the_region(shown):
    assert {page: shown[page]["exceptions"] for page in PAGES} == {page: [] for page in PAGES}
    assert shown["dashboard.py"]["titles"] == ["Donetsk oblast: who controlled which settlement, day by day"]


def test_no_page_names_the_embedded_default_region(shown):
    """The region's own villages may bear the name (Kharkivske, a village of Donetsk oblast): the oblast's name, its
    city's and the other region's towns offered as examples do not appear."""
    named = re.compile(r"\bKharkiv\b|\bХарків(ськ)?\b|Kharkivska obl|Kupiansk|Kupyansk|Купянск|Vovchansk")
    for page in PAGES:
        assert [t for t in shown[page]["texts"] if named.search(t)] == [], page


def test_the_pages_say_the_history_comes_from_the_maps_alone(shown):
    note = "derived from dated maps alone"
    for page in ("dashboard.py", "pages/1_Town_history.py", "pages/2_Compare_dates.py", "pages/4_Time_series.py"):
        assert any(note in t for t in shown[page]["texts"]), page


def test_the_compare_page_offers_the_regions_episodes(shown):
    texts = shown["pages/2_Compare_dates.py"]["texts"]
    assert "Avdiivka (Feb 2024)" in texts and "Sept 2022 counteroffensive (Balakliia–Izium–Kupiansk)" not in texts


def test_before_the_first_map_the_panel_is_told_only_the_baseline_speaks(shown):
    """No researched statements here: before the first archived map nothing speaks but the baseline (the panel's
    words for it, in a browser: tests/browser/test_dashboard_panel.py)."""
    settings = shown["dashboard.py@2022-03-01"]["settings"]
    assert ("2022-04-03", True) == (settings["firstMap"], settings["mapsOnly"])
    assert ("Ukrainian-held; Russian-held for the 447 settlements held by Russia since 2014; not known for 8 drawn "
            "at a hromada centre the 2014 line crosses") == settings["baselineText"]


def test_the_search_boxes_offer_the_regions_own_towns(shown):
    town = shown["pages/1_Town_history.py"]["texts"]
    assert "Settlement: any spelling (Pokrovsk, Pokrovs'k, Покровск…) or a KATOTTG code" in town
    assert "e.g. Pokrovsk, Bakhmut, Vuhledar" in town
    assert "e.g. Bakhmut, occupied, grey" in shown["pages/3_Events.py"]["texts"]


def test_the_maps_notes_name_the_sources_that_place_the_regions_points(shown):
    """Donetsk's own points come from OpenStreetMap, Wikidata and GeoNames (build_report.txt: 188, 1,094 and 2)."""
    captions = [t for t in shown["dashboard.py"]["settings"]["notes"] if t.startswith("Points: ")]
    assert [c.split(". ")[0] for c in captions] == [
        "Points: settlements at their own point (OpenStreetMap, else Wikidata, else GeoNames)"]
