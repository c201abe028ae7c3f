"""The panel beside the map (controlmap.web.panel): its settings, and how it goes into the dashboard's map frame as
streamlit-folium sends the map (the page script's rules: tests/js/panel.test.js; in a browser: the browser tests)."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from streamlit_folium import _get_header, _get_html, _get_map_string

from controlmap.timeline.dataset import Dataset
from controlmap.web import panel
from controlmap.web.maps import build_map
from controlmap.web.offline import install_assets
from controlmap.web.script import PANEL_PARTS, SCRIPT_FOLDER
from tests.support.synthetic import box_outline, synthetic_timeline

EVENTS = (Path(__file__).resolve().parents[1] / "fixtures" / "three_statements.csv").read_bytes()
HOSTILE_TITLE = "</script><script>alert(1)</script> & {{ 7*7 }}"


@pytest.fixture
def dataset(tiny_gazetteer) -> Dataset:
    return Dataset.from_parts(tiny_gazetteer, EVENTS, today=date(2026, 11, 21))


def settings(dataset, **given):
    return panel.panel_settings(dataset, **({"title": "Tiny", "events_sha256": "ab" * 32, "data_file": "e.csv"}
                                            | given))


def test_the_dashboards_settings_say_where_the_panel_is_and_what_the_sha256_leaves_out(dataset):
    got = settings(dataset, host="dashboard", claimants=("independent", "ua"), uploaded=True, stale_hint="Run x.")
    assert ("dashboard", ["ua", "independent"], True, "Run x.", None, "e.csv") == (
        got["host"], got["claimants"], got["uploaded"], got["staleHint"], got["statementsPath"], got["dataFile"])
    assert 6 == len(got["areas"]) == len(dataset.gazetteer.settlements)
    assert 3 == got["events"]
    assert got["notes"][0].startswith("Points: settlements at their own point (")


def test_an_unknown_host_is_refused(dataset):
    with pytest.raises(ValueError, match="host must be one of"):
        settings(dataset, host="elsewhere")


def sent_map(title: str = "Tiny", static_dir=None) -> tuple[str, str, str]:
    """The map with its panel as streamlit-folium sends it to its frame: the head, the markup and the script."""
    m = build_map(synthetic_timeline(3, 1, 0), initial_day=0, outline=box_outline(), static_dir=static_dir)
    panel.PanelLayer({"title": title, "host": "dashboard"}, static_dir=static_dir).add_to(m)
    m.get_root().render()
    m.render()
    return _get_header(m), _get_html(m), _get_map_string(m)


def test_in_the_frame_the_panels_scripts_run_after_the_maps_and_its_settings_and_markup_are_in_the_page():
    header, html, script = sent_map()
    assert {"title": "Tiny", "host": "dashboard"} == json.loads(
        re.search(r'<script type="application/json" id="cm-site">(.*?)</script>', header).group(1))
    assert '<aside id="cm-panel"' in html and '<h1 id="cm-title">Tiny</h1>' in html
    starts = [script.index(panel.asset(name)) for name in PANEL_PARTS]
    assert script.index("controlmapTimeline(") < starts[0] < starts[1] < starts[2], "the map, then the panel's parts"
    assert "<style>" + panel.asset("site.css") + "</style>" in header


def test_a_hostile_title_is_text_in_the_frame():
    header, html, _ = sent_map(HOSTILE_TITLE)
    assert "</script><script>alert(1)" not in header + html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in html


def test_installed_the_panels_script_is_loaded_from_static_not_sent_with_the_map(tmp_path):
    install_assets(tmp_path)
    (installed,) = (tmp_path / SCRIPT_FOLDER).glob("panel-*.js")
    _, _, script = sent_map(static_dir=tmp_path)
    assert panel.asset("site.js") not in script
    layer = panel.PanelLayer({"title": "Tiny"}, static_dir=tmp_path)
    assert [("controlmap_panel", f"/app/static/{SCRIPT_FOLDER}/{installed.name}")] == layer.default_js
    assert installed.read_text("utf-8") == "\n".join(panel.asset(name) for name in PANEL_PARTS)

