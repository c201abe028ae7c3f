"""The settlement map as folium builds it, without a browser: offline assets, the packed configuration, safe
rendering (what only a browser shows: tests/browser/test_map_demo.py)."""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest

from controlmap.web.maps import build_map, map_of_layer
from controlmap.web.offline import LEAFLET_SOURCE, install_leaflet, leaflet_files
from controlmap.web.wire import layer_data
from tests.support.synthetic import INITIAL_DAY, box_outline, grid_boundaries, synthetic_timeline

JINJA_NAME = "{{ 7*7 }} & 'quoted'"



def folium_script(m) -> str:
    from streamlit_folium import _get_map_string

    m.get_root().render()
    m.render()
    return _get_map_string(m)


def unpacked_config(script: str) -> dict:
    """The timeline layer's configuration, as the browser unpacks it from the map's script and adds its
    starting view and day to it."""
    call = re.search(r'controlmapTimeline\(\w+, "([A-Za-z0-9+/=]+)", (\{.*\})\);', script)
    return json.loads(zlib.decompress(base64.b64decode(call.group(1))).decode("utf-8")) | json.loads(call.group(2))


def test_install_leaflet_copies_once(tmp_path):
    target = install_leaflet(tmp_path)
    copied = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert copied == {*leaflet_files(), ".gitignore"}
    assert (target / "leaflet.js").read_bytes() == (LEAFLET_SOURCE / "leaflet.js").read_bytes()
    before = {p: p.stat().st_mtime_ns for p in target.rglob("*")}
    install_leaflet(tmp_path)
    assert {p: p.stat().st_mtime_ns for p in target.rglob("*")} == before


def test_map_loads_only_local_assets():
    m = build_map(synthetic_timeline(50, 2, 0), initial_day=0, outline=box_outline(), boundaries=grid_boundaries())
    html = m.get_root().render()
    assert m.default_js == [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
    assert m.default_css == [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", html)
    assert "https://" not in folium_script(m)
    assert unpacked_config(folium_script(m))["tiles"] is None


def test_osm_tiles_are_only_offered():
    m = build_map(synthetic_timeline(5, 1, 0), initial_day=0, outline=box_outline(), osm_tiles=True)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" == unpacked_config(folium_script(m))["tiles"]["url"]


def runs_of(wire: dict) -> list[list[tuple[int, int, bool, int]]]:
    """The runs a wire form holds, per settlement, as (day, status, disputed, since): read here from the schema
    written in controlmap/web/wire.py, not with the code that writes it."""
    out, k = [], 0
    for count in wire["run_count"]:
        out.append([(wire["day"][j], wire["state"][j] // 2, bool(wire["state"][j] % 2),
                     wire["day"][j] - wire["since_gap"][j]) for j in range(k, k + count)])
        k += count
    return out


def test_the_packed_configuration_holds_the_whole_timeline():
    timeline = synthetic_timeline(40, 3, 0)
    config = unpacked_config(folium_script(build_map(timeline, initial_day=INITIAL_DAY, outline=box_outline(),
                                                     boundaries=grid_boundaries())))
    assert config["timeline"] == timeline
    assert (INITIAL_DAY, "points", "/Town_history") == (config["initialDay"], config["mode"], config["townPageUrl"])


def test_kept_layer_data_makes_maps_for_any_start():
    """The packed part does not depend on the view or the day, so it can be kept and reused."""
    timeline = synthetic_timeline(40, 3, 0)
    data = layer_data(timeline, outline=box_outline(), boundaries=grid_boundaries())
    config = unpacked_config(folium_script(map_of_layer(data, initial_day=5, center=(49.9, 36.3), zoom=10)))
    assert (5, None, runs_of(timeline)) == (config["initialDay"], config["fitBounds"], runs_of(config["timeline"]))
    assert folium_script(map_of_layer(data, initial_day=INITIAL_DAY)) == folium_script(
        build_map(timeline, initial_day=INITIAL_DAY, outline=box_outline(), boundaries=grid_boundaries()))


def test_map_script_is_deterministic_and_compact():
    timeline = synthetic_timeline(1751, 3, 0)
    first = folium_script(build_map(timeline, initial_day=0, outline=box_outline(), boundaries=grid_boundaries()))
    second = folium_script(build_map(timeline, initial_day=0, outline=box_outline(), boundaries=grid_boundaries()))
    assert first == second
    # streamlit-folium sends the script inside JSON: that is what travels to the browser.
    assert len(json.dumps(first)) < 300_000


def test_untrusted_names_are_neither_templates_nor_markup():
    timeline = synthetic_timeline(3, 1, 0)
    timeline["name_en"][0] = JINJA_NAME
    timeline["name_uk"][0] = "</script><script>alert(1)</script>{% if 1 %}x{% endif %}"
    m = build_map(timeline, initial_day=0, outline=box_outline())
    script = folium_script(build_map(timeline, initial_day=0, outline=box_outline()))
    for text in (m.get_root().render(), script):
        assert "49 &" not in text
        assert "</script><script>alert" not in text
        assert "{% if 1 %}" not in text
    names = unpacked_config(script)["timeline"]
    assert (JINJA_NAME, "</script><script>alert(1)</script>{% if 1 %}x{% endif %}") == (names["name_en"][0],
                                                                                        names["name_uk"][0])


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        build_map(synthetic_timeline(3, 1, 0), initial_day=0, outline=box_outline(), mode="hexagons")
