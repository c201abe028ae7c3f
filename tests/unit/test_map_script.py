"""The map script's parts are all inlined, in their order, as one script that requests nothing."""

from controlmap.mapview import ASSETS_DIR, TIMELINE_PARTS, timeline_script


def test_every_part_is_inlined_once_and_the_entry_point_last():
    on_disk = sorted(p.name for p in (ASSETS_DIR / "timeline").glob("*.js"))
    assert sorted(TIMELINE_PARTS) == on_disk
    assert len(set(TIMELINE_PARTS)) == len(TIMELINE_PARTS)
    assert TIMELINE_PARTS[-1] == "layer.js"
    script = timeline_script()
    assert script.index("root.controlmapTimeline = controlmapTimeline") > script.index("parts.api = {")


def test_private_leaflet_members_stay_in_the_adapter():
    """Leaflet's private members (L.Canvas#_draw and the like) are used in leaflet_adapter.js only."""
    private = ("._redraw", "._ctx", "._container", "._drawFirst", "._fireEvent", "._hoveredLayer", "._map",
               "._pxBounds", "._updatePath", "._containsPoint", "._bounds")
    for name in TIMELINE_PARTS:
        if name == "leaflet_adapter.js":
            continue
        text = (ASSETS_DIR / "timeline" / name).read_text(encoding="utf-8")
        assert not [member for member in private if member in text], name


def test_the_script_requests_nothing():
    script = timeline_script()
    for needle in ("fetch(", "XMLHttpRequest", "import(", "http://", "https://", "<script"):
        assert needle not in script
