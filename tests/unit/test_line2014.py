"""The 2014 line of a region's baseline, on hand-made squares: the tiny gazetteer's two hromadas, Alphivska
(lon 36.4–36.8, lat 49.4–49.65) and Hammivska (lon 36.8–37.0, lat 49.65–49.8), and a held area made of all of
Hammivska and a 0.1° × 0.1° square around Alpha (10 % of Alphivska)."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import box, mapping

from controlmap.geo.gazetteer import read_settlements
from controlmap.regions import line2014

ALPHA, BETA, DELTA_A = "UA63900010010044441", "UA63900010020044442", "UA63900010030044443"
GAMMA, DELTA_H, KHAMMA = "UA63900020010044444", "UA63900020020044445", "UA63900020030044446"
ALPHIVSKA, HAMMIVSKA = box(36.4, 49.4, 36.8, 49.65), box(36.8, 49.65, 37.0, 49.8)
HROMADAS = {"features": [
    {"properties": {"code": "UA63900010000022222"}, "geometry": mapping(ALPHIVSKA)},
    {"properties": {"code": "UA63900020000033333"}, "geometry": mapping(HAMMIVSKA)}]}


def test_points_inside_are_held_and_a_hromada_the_line_crosses_leaves_its_unplaced_settlements_unknown(tiny_dir):
    held = shapely.union(HAMMIVSKA, box(36.45, 49.45, 36.55, 49.55))
    line = line2014.line_2014(held, read_settlements(tiny_dir / "settlements.csv"), HROMADAS,
                              shapely.union(ALPHIVSKA, HAMMIVSKA))
    # Alpha's and Gamma's points lie inside; Delta and Khamma of Hammivska are drawn at its centre, and all of
    # Hammivska is held; Delta of Alphivska is drawn at Alpha, but only 10 % of Alphivska is held; Beta is outside.
    assert line.russian_held == [ALPHA, GAMMA, DELTA_H, KHAMMA]
    assert line.unknown == [DELTA_A]
    entry = line.region_entry()
    assert entry["unknown"]["settlements"] == [DELTA_A]
    assert entry["russian_held"]["url"].endswith("/geojsons/1648989208.geojson")


def test_a_hromada_barely_touched_by_the_line_keeps_its_unplaced_settlements_ukrainian_held(tiny_dir):
    """0.01° × 0.01° of Alphivska (0.1 %): under the 1 % a hromada must be crossed by to leave its unplaced
    settlements unknown."""
    held = box(36.79, 49.40, 36.80, 49.41)
    line = line2014.line_2014(held, read_settlements(tiny_dir / "settlements.csv"), HROMADAS,
                              shapely.union(ALPHIVSKA, HAMMIVSKA))
    assert (line.russian_held, line.unknown) == ([], [])


def test_only_the_layers_drawn_as_held_since_2014_count(tmp_path):
    features = [
        {"type": "Feature", "properties": {"name": "ОРДЛО", "fill": "#000000"},
         "geometry": mapping(box(37.0, 47.0, 38.0, 48.0))},
        {"type": "Feature", "properties": {"name": "Окуповано /// Occupied", "fill": "#a52714"},
         "geometry": mapping(box(36.0, 47.0, 37.0, 48.0))},
        {"type": "Feature", "properties": {"name": "Окупований Крим /// Occupied Crimea", "fill": "#880e4f"},
         "geometry": mapping(box(33.0, 44.5, 34.0, 45.5))},
        {"type": "Feature", "properties": {"name": "Київ /// Kyiv"}, "geometry": {"type": "Point",
                                                                               "coordinates": [30.5, 50.4]}},
    ]
    path = tmp_path / "1648989208.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    held = line2014.held_areas(path)
    assert held.equals(shapely.union(box(37.0, 47.0, 38.0, 48.0), box(33.0, 44.5, 34.0, 45.5)))
