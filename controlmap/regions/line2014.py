"""The 2014 line of a region's baseline: which settlements lay in the areas Russia held before 24 Feb 2022.

Read from one dated map: DeepStateMap's first archived snapshot (3 Apr 2022, the history archive at its pinned
commit), whose layers 'ОРДЛО' (the areas of Donetsk and Luhansk oblasts held since 2014) and 'Крим' (Crimea) are
drawn apart from the ground occupied since 24 Feb 2022. A settlement with a point of its own is held where its point
lies inside them; one drawn at its hromada centre is held where its whole hromada lies inside (at least 99 % of its
area), Ukrainian-held where its hromada lies outside (at most 1 %), and not known where the line crosses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
from shapely import Geometry

from controlmap.areas.archives import ARCHIVES
from controlmap.areas.classify import polygon_parts
from controlmap.areas.snapshots import read_layer
from controlmap.geo.cells import to_equal_area
from controlmap.model import OWN_POINT_QUALITIES

# The first snapshot of the history archive: its path at the pinned commit and its sha256.
FIRST_SNAPSHOT = "geojsons/1648989208.geojson"
FIRST_SNAPSHOT_SHA256 = "a0c00b5e607b55847f14a5dc4f1ba8d342101a700f2da2e081c1f4917cb38df3"
FIRST_SNAPSHOT_TIME = "2022-04-03 12:33 UTC"
# The layers of that snapshot drawn as held since 2014 (their names in the file: 'ОРДЛО', 'Крим'; later
# snapshots name them 'ОРДЛО /// CADR and CALR' and 'Окупований Крим /// Occupied Crimea').
HELD_SINCE_2014 = re.compile(r"ОРДЛО|CADR|Крим|Crimea")
WHOLE_SHARE, NONE_SHARE = 0.99, 0.01


@dataclass(frozen=True)
class Line2014:
    russian_held: list[str]  # KATOTTG codes
    unknown: list[str]  # drawn at a hromada centre in a hromada the line crosses
    area_km2: float  # of the held areas inside the region's outline

    def region_entry(self) -> dict:
        """The ``baseline`` section of region.json."""
        archive = ARCHIVES[0]
        url = f"https://github.com/{archive.repository}/blob/{archive.commit}/{FIRST_SNAPSHOT}"
        entry: dict = {"russian_held": {
            "settlements": self.russian_held,
            "source": "Baseline: held by Russia since 2014 (inside the 'ОРДЛО' or 'Крим' layer of DeepStateMap's "
                      f"first archived snapshot, published {FIRST_SNAPSHOT_TIME}, {FIRST_SNAPSHOT})",
            "url": url}}
        if self.unknown:
            entry["unknown"] = {
                "settlements": self.unknown,
                "source": "Baseline: not known (no point of its own, and the 2014 line of DeepStateMap's first "
                          "archived snapshot crosses its hromada)"}
        return entry


def held_areas(snapshot: Path) -> Geometry:
    """The union of the snapshot's layers held since 2014 (WGS 84)."""
    frame = read_layer(snapshot)
    names = ["" if n is None else str(n) for n in frame.get("name", pd.Series([""] * len(frame)))]
    polygons = [p for name, geometry in zip(names, frame.geometry, strict=True) if HELD_SINCE_2014.search(name)
                for p in polygon_parts(shapely.make_valid(geometry) if geometry is not None else None)]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def line_2014(held: Geometry, settlements: pd.DataFrame, hromadas: dict, outline: Geometry) -> Line2014:
    """Each settlement's side of the 2014 line (``hromadas``: the region's hromadas.geojson)."""
    shapely.prepare(held)
    own = settlements.coord_quality.isin(OWN_POINT_QUALITIES)
    inside = shapely.contains_xy(held, settlements.lon.fillna(0).to_numpy(), settlements.lat.fillna(0).to_numpy())
    held_ea = to_equal_area(held)
    share = {}
    for feature in hromadas["features"]:
        polygon = to_equal_area(shapely.geometry.shape(feature["geometry"]))
        share[feature["properties"]["code"]] = shapely.intersection(polygon, held_ea).area / polygon.area
    russian, unknown = [], []
    for row, is_own, is_inside in zip(settlements.itertuples(), own, inside, strict=True):
        if is_own:
            if is_inside:
                russian.append(row.katottg)
            continue
        part = share.get(row.hromada_code, 0.0)
        if part >= WHOLE_SHARE:
            russian.append(row.katottg)
        elif part > NONE_SHARE:
            unknown.append(row.katottg)
    area = shapely.intersection(to_equal_area(outline), held_ea).area / 1e6
    return Line2014(sorted(russian), sorted(unknown), round(float(area), 1))
