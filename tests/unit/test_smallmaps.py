"""The analyst pages' small maps (controlmap.web.smallmaps), on hand-made rows and shapes."""

import pandas as pd

from controlmap.web import smallmaps

SHAPES = {name: {"type": "FeatureCollection", "features": []} for name in ("hromadas", "raions", "outline", "cells")}


def rows(*points: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame({"lat": [p[0] for p in points], "lon": [p[1] for p in points], "coord_quality": "exact",
                         "name_en": [f"S{i}" for i in range(len(points))], "from_status": "ua", "to_status": "ru"})


def test_one_changed_settlement_is_shown_in_its_neighbourhood():
    """It was shown at zoom 8, a fifth of the oblast around it (for a village at the border, mostly the border)."""
    m = smallmaps.changes_map(rows((49.7133, 37.6142)), "to_status", "name_en", shapes=SHAPES)
    assert ([49.7133, 37.6142], 11) == (m.location, m.options["zoom"])


def test_several_are_fitted_but_never_closer_than_one_alone():
    m = smallmaps.changes_map(rows((49.70, 37.60), (49.72, 37.62)), "to_status", "name_en", shapes=SHAPES)
    fitted = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    assert 1 == len(fitted)
    assert 11 == fitted[0].options["maxZoom"]


def test_the_attribution_stays_on_one_line_and_the_scale_above_it_on_a_narrow_map():
    html = smallmaps.changes_map(rows((49.7, 37.6)), "to_status", "name_en", shapes=SHAPES).get_root().render()
    assert ".leaflet-control-attribution{font-size:10px;line-height:1.5;white-space:nowrap}" in html
    assert ".leaflet-bottom.leaflet-left .leaflet-control-scale{margin-bottom:20px}" in html
