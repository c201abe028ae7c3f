"""Settlements' own boundaries for the map: a compact copy in static/, named by its source, never in the map's data."""

import base64
import json
import zlib

from controlmap.web import maps, own_shapes
from tests.support.synthetic import box_outline, synthetic_timeline

SHAPES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"katottg": "UA1", "name_en": "One", "osm": "relation/1"},
     "geometry": {"type": "Polygon", "coordinates": [[[37.0, 49.0], [37.01, 49.0], [37.01, 49.01], [37.0, 49.0]]]}},
    {"type": "Feature", "properties": {"katottg": "UA2"},
     "geometry": {"type": "MultiPolygon", "coordinates": [[[[36.0, 50.0], [36.002, 50.0], [36.0, 50.002],
                                                             [36.0, 50.0]]]]}},
]}


def write(tmp_path, value=SHAPES):
    source = tmp_path / "settlement_shapes.geojson"
    source.write_text(json.dumps(value), encoding="utf-8")
    return source


def unpacked(text: str) -> dict:
    return json.loads(zlib.decompress(base64.b64decode(text)).decode("utf-8"))


def test_the_copy_holds_each_boundary_as_lines_with_its_settlement_only(tmp_path):
    data = unpacked(own_shapes.packed_shapes(write(tmp_path)))
    assert (own_shapes.SCALE, True) == (data["scale"], data["lines"])
    assert [{"katottg": "UA1"}, {"katottg": "UA2"}] == [f["p"] for f in data["features"]]
    first = data["features"][0]["c"][0]
    assert [37 * 5000, 49 * 5000] == first[:2]  # the first point, in steps of 1/5000°
    assert 0 == sum(first[0::2]) - 37 * 5000 == sum(first[1::2]) - 49 * 5000, "the ring is closed"


def test_install_names_the_copy_by_its_source_and_the_map_is_given_its_url(tmp_path):
    source = write(tmp_path)
    static = tmp_path / "static"
    assert own_shapes.installed_url(static, source) is None
    installed = own_shapes.install(static, source)
    assert installed.read_text(encoding="ascii") == own_shapes.packed_shapes(source)
    url = own_shapes.installed_url(static, source)
    assert f"/app/static/vendor/controlmap/{installed.name}" == url
    changed = write(tmp_path, {"type": "FeatureCollection", "features": SHAPES["features"][:1]})
    assert own_shapes.installed_url(static, changed) is None, "an old copy is not offered for new shapes"
    again = own_shapes.install(static, changed)
    assert again.name != installed.name and not installed.exists(), "the old copy is removed"
    assert own_shapes.installed_url(None, source) is None
    assert own_shapes.installed_url(static, tmp_path / "missing.geojson") is None


def test_the_map_is_given_the_url_of_the_installed_copy_not_the_boundaries(tmp_path):
    source = write(tmp_path)
    static = tmp_path / "static"
    own_shapes.install(static)  # the shipped boundaries
    timeline = synthetic_timeline(20, 2)
    html = maps.build_map(timeline, initial_day=0, outline=box_outline(), static_dir=static).get_root().render()
    url = own_shapes.installed_url(static)
    assert url is not None and json.dumps(url)[1:-1] in html
    assert own_shapes.packed_shapes()[:200] not in html
    bare = maps.build_map(timeline, initial_day=0, outline=box_outline(), static_dir=tmp_path / "empty")
    bare = bare.get_root().render()
    assert '"ownShapesUrl":null' in bare
    assert source.exists()
