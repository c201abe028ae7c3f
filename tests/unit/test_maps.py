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
from tests.support.synthetic import box_outline, grid_boundaries, synthetic_payload

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
    m = build_map(synthetic_payload(50, 2, 0), outline=box_outline(), boundaries=grid_boundaries())
    html = m.get_root().render()
    assert m.default_js == [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
    assert m.default_css == [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", html)
    assert "https://" not in folium_script(m)
    assert unpacked_config(folium_script(m))["tiles"] is None


def test_osm_tiles_are_only_offered():
    m = build_map(synthetic_payload(5, 1, 0), outline=box_outline(), osm_tiles=True)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" == unpacked_config(folium_script(m))["tiles"]["url"]


def runs_of(wire: dict) -> list[list[tuple[int, int, bool, int]]]:
    """The runs a wire payload holds, per settlement, as (day, status, disputed, since): read here from the schema
    written in controlmap/web/wire.py, not with the code that writes it."""
    out, k = [], 0
    for count in wire["run_count"]:
        out.append([(wire["day"][j], wire["state"][j] // 2, bool(wire["state"][j] % 2),
                     wire["day"][j] - wire["since_gap"][j]) for j in range(k, k + count)])
        k += count
    return out


def payload_runs(payload: dict) -> list[list[tuple[int, int, bool, int]]]:
    runs = payload["runs"]
    return [[(runs["day"][j], runs["status"][j], bool(runs["disputed"][j]), runs["since"][j])
             for j in range(runs["start"][i], runs["start"][i + 1])] for i in range(len(runs["start"]) - 1)]


def test_the_packed_configuration_holds_the_whole_timeline():
    payload = synthetic_payload(40, 3, 0)
    config = unpacked_config(folium_script(build_map(payload, outline=box_outline(), boundaries=grid_boundaries())))
    wire = config["payload"]
    assert [str(k) for k in payload["settlements"]["katottg"]] == [wire["id_prefix"] + k for k in wire["katottg"]]
    assert list(payload["settlements"]["name_en"]) == wire["name_en"]
    assert payload_runs(payload) == runs_of(wire)
    assert [payload["events"]["source"][e] if e >= 0 else None for e in payload["runs"]["event"]] == [
        wire["sources"][wire["event_source"][e]] if e >= 0 else None for e in wire["event"]]
    assert payload["initial_day"] == config["initialDay"]
    assert "points" == config["mode"]
    assert "/Town_history" == config["townPageUrl"]


def test_kept_layer_data_makes_maps_for_any_start():
    """The packed part does not depend on the view or the day, so it can be kept and reused."""
    payload = synthetic_payload(40, 3, 0)
    data = layer_data(payload, outline=box_outline(), boundaries=grid_boundaries())
    config = unpacked_config(folium_script(map_of_layer(data, initial_day=5, center=(49.9, 36.3), zoom=10)))
    assert (5, None, payload_runs(payload)) == (config["initialDay"], config["fitBounds"], runs_of(config["payload"]))
    assert folium_script(map_of_layer(data, initial_day=payload["initial_day"])) == folium_script(
        build_map(payload, outline=box_outline(), boundaries=grid_boundaries()))


def test_map_script_is_deterministic_and_compact():
    payload = synthetic_payload(1751, 3, 0)
    first = folium_script(build_map(payload, outline=box_outline(), boundaries=grid_boundaries()))
    second = folium_script(build_map(payload, outline=box_outline(), boundaries=grid_boundaries()))
    assert first == second
    # streamlit-folium sends the script inside JSON: that is what travels to the browser.
    assert len(json.dumps(first)) < 300_000


def test_untrusted_names_are_neither_templates_nor_markup():
    payload = synthetic_payload(3, 1, 0)
    payload["settlements"]["name_en"][0] = JINJA_NAME
    payload["settlements"]["name_uk"][0] = "</script><script>alert(1)</script>{% if 1 %}x{% endif %}"
    m = build_map(payload, outline=box_outline())
    script = folium_script(build_map(payload, outline=box_outline()))
    for text in (m.get_root().render(), script):
        assert "49 &" not in text
        assert "</script><script>alert" not in text
        assert "{% if 1 %}" not in text
    names = unpacked_config(script)["payload"]
    assert (JINJA_NAME, "</script><script>alert(1)</script>{% if 1 %}x{% endif %}") == (names["name_en"][0],
                                                                                        names["name_uk"][0])


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        build_map(synthetic_payload(3, 1, 0), outline=box_outline(), mode="hexagons")
