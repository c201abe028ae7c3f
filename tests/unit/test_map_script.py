"""The map script's parts are all inlined, in their order, as one script that requests nothing but the settlement
boundaries it is given."""

import re

from controlmap.timeline import cache
from controlmap.web import maps
from controlmap.web.script import (
    ASSETS_DIR,
    TIMELINE_PARTS,
    install_timeline_script,
    installed_script_url,
    timeline_script,
    timeline_script_name,
)
from controlmap.web.wire import SHAPE_SCALE, layer_data


def test_every_part_is_inlined_once_and_the_entry_point_last():
    on_disk = sorted(p.name for p in (ASSETS_DIR / "timeline").glob("*.js"))
    assert sorted(TIMELINE_PARTS) == on_disk
    assert len(set(TIMELINE_PARTS)) == len(TIMELINE_PARTS)
    assert TIMELINE_PARTS[-1] == "layer.js"
    script = timeline_script()
    assert script.index("root.controlmapTimeline = controlmapTimeline") > script.index("parts.api = {")


def leaflet_private_members() -> set[str]:
    """The private members of Leaflet's the adapter uses: every `._name` it reads or calls that our own code does
    not define (our members start with `_cm`, or are methods or fields the parts declare themselves)."""
    ours = set()
    for name in (n for n in TIMELINE_PARTS if n != "leaflet_adapter.js"):  # the adapter overrides Leaflet's own
        text = (ASSETS_DIR / "timeline" / name).read_text(encoding="utf-8")
        ours |= set(re.findall(r"^\s+(_\w+): function", text, re.MULTILINE))
        ours |= set(re.findall(r"this\.(_\w+) =", text))
    adapter = (ASSETS_DIR / "timeline" / "leaflet_adapter.js").read_text(encoding="utf-8")
    return {m for m in re.findall(r"\.(_[A-Za-z]\w*)\b", adapter) if not m.startswith("_cm") and m not in ours}


def test_private_leaflet_members_stay_in_the_adapter():
    """Leaflet's private members (L.Canvas#_draw and the like) are used in leaflet_adapter.js only: every one the
    adapter uses, found in its text (the guard listed 11 of them by hand)."""
    private = leaflet_private_members()
    assert {"_redraw", "_ctx", "_draw", "_updatePath", "_pxBounds", "_containsPoint", "_initPath", "_removePath",
            "_onClick", "_handleMouseOut", "_mouseHoverThrottled"} <= private
    for name in TIMELINE_PARTS:
        if name == "leaflet_adapter.js":
            continue
        text = (ASSETS_DIR / "timeline" / name).read_text(encoding="utf-8")
        assert [] == sorted(m for m in private if re.search(rf"\.{m}\b", text)), name


def test_the_script_requests_nothing_but_the_settlement_boundaries_it_is_given():
    """One request at most: own_shapes.js fetches the URL the map is given (``ownShapesUrl``, a file in the app's
    own static folder, see controlmap.web.own_shapes) once the map is zoomed in close."""
    for name in TIMELINE_PARTS:
        text = (ASSETS_DIR / "timeline" / name).read_text(encoding="utf-8")
        assert text.count("fetch(") == (1 if name == "own_shapes.js" else 0), name
        for needle in ("XMLHttpRequest", "import(", "http://", "https://", "<script"):
            assert needle not in text, name
    own_shapes = (ASSETS_DIR / "timeline" / "own_shapes.js").read_text(encoding="utf-8")
    assert "const url = tl.config.ownShapesUrl;" in own_shapes


def test_the_installed_script_is_loaded_from_static_else_inlined(tmp_path):
    """install-assets puts the script in static/ under a name of its content; a map built where it is installed
    links it (as Leaflet), one built where it is not carries it inline."""
    from tests.support.synthetic import box_outline, synthetic_timeline

    def rendered(static_dir):
        m = maps.build_map(synthetic_timeline(5, 1, 0), initial_day=0, outline=box_outline(), static_dir=static_dir)
        return m.get_root().render()

    url = f"/app/static/vendor/controlmap/{timeline_script_name()}"
    assert None is installed_script_url(tmp_path)
    inline = rendered(tmp_path)
    assert "root.controlmapTimeline = controlmapTimeline" in inline and url not in inline
    (tmp_path / "vendor" / "controlmap").mkdir(parents=True)
    (tmp_path / "vendor" / "controlmap" / "timeline-000000000000.js").write_text("old", encoding="utf-8")
    target = install_timeline_script(tmp_path)
    assert target.read_text(encoding="utf-8") == timeline_script()
    assert [target.name] == [p.name for p in target.parent.glob("*.js")], "older versions are removed"
    assert url == installed_script_url(tmp_path)
    linked = rendered(tmp_path)
    assert f'<script src="{url}"></script>' in linked
    assert "root.controlmapTimeline = controlmapTimeline" not in linked
    assert linked.index("leaflet.js") < linked.index(url) < linked.index("controlmapTimeline(")
    assert "root.controlmapTimeline" in rendered(None)


def test_the_packed_layer_s_cells_name_their_settlement_by_row_and_neighbours_share_an_arc():
    """The front line is drawn along the arcs two cells share: every pair of cells that meet along a line (shapely's
    judgement, not the topology's) shares one, and no other pair does."""
    import base64
    import json
    import zlib

    import shapely
    from shapely.geometry import shape

    from tests.support.synthetic import box_outline, codes, synthetic_timeline, voronoi_cells

    timeline = synthetic_timeline(30, 1, 0)
    cells = voronoi_cells(timeline)
    shapes = json.loads(zlib.decompress(base64.b64decode(layer_data(timeline, outline=box_outline(),
                                                                     cells=cells).packed)))["shapes"]
    rows = {k: i for i, k in enumerate(codes(timeline))}
    geometry = {rows[f["properties"]["katottg"]]: shape(f["geometry"]) for f in cells["features"]}
    meeting = {(a, b) for a in geometry for b in geometry if a < b
               and shapely.intersection(geometry[a], geometry[b]).length > 1e-6}
    arcs_of_row: dict[int, set[int]] = {}
    for feature in shapes["layers"]["cells"]["features"]:
        refs = {r if r >= 0 else ~r for polygon in feature["c"] for ring in polygon for r in ring}
        arcs_of_row[feature["p"]["row"]] = refs
    assert sorted(geometry) == sorted(arcs_of_row)
    sharing = {(a, b) for a in arcs_of_row for b in arcs_of_row if a < b and arcs_of_row[a] & arcs_of_row[b]}
    assert len(meeting) > 30 and meeting == sharing
    assert SHAPE_SCALE == shapes["scale"]
    assert "cells" not in json.loads(zlib.decompress(base64.b64decode(
        layer_data(timeline, outline=box_outline()).packed)))["shapes"]["layers"]


def test_the_shipped_layer_carries_the_seven_raions_as_lines_with_their_names():
    import base64
    import json
    import zlib

    data = json.loads(zlib.decompress(base64.b64decode(maps.dataset_layer(cache.load_dataset()).packed)))
    raions = data["shapes"]["layers"]["raions"]
    assert (raions["lines"], len(raions["features"])) == (True, 7)
    assert sorted(f["p"]["name_en"] for f in raions["features"]) == [
        "Berestynskyi", "Bohodukhivskyi", "Chuhuivskyi", "Iziumskyi", "Kharkivskyi", "Kupianskyi", "Lozivskyi"]
