"""The settlements of a region (its geo/settlements.csv) and their approximate cells."""

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from controlmap import paths
from controlmap.model import OWN_POINT_QUALITIES, STATUS_CODE
from controlmap.region import Baseline, read_baseline

TEXT_COLUMNS = ["katottg", "category", "name_uk", "name_en", "former_names", "aliases", "raion_code",
                "raion_en", "hromada_code", "hromada_en", "coord_source", "coord_quality", "osm_place"]


@dataclass(frozen=True)
class Gazetteer:
    """Settlements in katottg order (row i is settlement i everywhere in the engine) and cell areas."""

    settlements: pd.DataFrame
    cell_area_km2: pd.Series  # indexed by katottg; only settlements with an exact point have a cell
    baseline: Baseline = field(default_factory=Baseline)  # the region's state of each settlement on 24 Feb 2022

    @classmethod
    def load(cls, geo_dir: Path = paths.GEO_DIR) -> "Gazetteer":
        """The region's settlements (``geo_dir``), with the baseline of the data folder that holds it."""
        settlements = read_settlements(geo_dir / paths.GAZETTEER_FILES["settlements"])
        cells = json.loads((geo_dir / paths.GAZETTEER_FILES["cells"]).read_text("utf-8"))
        areas = pd.Series({f["properties"]["katottg"]: f["properties"]["area_km2"] for f in cells["features"]},
                          dtype=float)
        return cls(settlements, areas, read_baseline(geo_dir.parent))

    @classmethod
    def from_frame(cls, settlements: pd.DataFrame, cell_area_km2: dict[str, float] | None = None,
                   baseline: Baseline | None = None) -> "Gazetteer":
        frame = settlements.copy()
        for column in TEXT_COLUMNS:
            if column not in frame:
                frame[column] = ""
        frame = frame.sort_values("katottg").reset_index(drop=True)
        return cls(frame, pd.Series(cell_area_km2 or {}, dtype=float), baseline or Baseline())

    @cached_property
    def baseline_codes(self) -> npt.NDArray[np.int8]:
        """Each settlement's baseline status code, in row order."""
        return np.array([STATUS_CODE[self.baseline.status_of(c)] for c in self.settlements.katottg], np.int8)

    @cached_property
    def baseline_sources(self) -> npt.NDArray[np.object_]:
        """Each settlement's baseline source text, in row order."""
        return np.array([self.baseline.source_of(c) for c in self.settlements.katottg], dtype=object)

    @cached_property
    def position(self) -> dict[str, int]:
        """katottg → row."""
        return {code: i for i, code in enumerate(self.settlements.katottg)}

    @cached_property
    def areas(self) -> npt.NDArray[np.float64]:
        """Cell area of each settlement in row order (0 where it has no cell)."""
        return self.cell_area_km2.reindex(self.settlements.katottg).fillna(0.0).to_numpy()

    def __len__(self) -> int:
        return len(self.settlements)


def read_settlements(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                        na_values={"lat": [""], "lon": [""]})
    frame["is_hromada_centre"] = frame.is_hromada_centre.astype(str).str.lower() == "true"
    if "osm_place" not in frame:  # a folder built before the column was added
        frame["osm_place"] = ""
    return frame


def has_own_point(quality: str) -> bool:
    return quality in OWN_POINT_QUALITIES


def position_text(quality: str, source: str) -> str:
    """How a settlement's position was found, in words (``coord_quality``, ``coord_source``)."""
    if source.startswith("osm:"):
        how = "its KATOTTG code" if quality == "exact" else "its name, the only one in its hromada"
        return f"OpenStreetMap {source[4:]}, joined by {how}"
    if source.startswith("geonames:"):
        return f"GeoNames point {source[9:]} (OpenStreetMap's files have none)"
    if source.startswith("wikidata:"):
        return "Wikidata: the coordinates of the item with its KATOTTG code (OpenStreetMap's files have none)"
    if quality == "hromada_centre":
        return "approximate: no point of its own is known; drawn at its hromada centre"
    return "no position"


# Where a settlement's own point comes from, by ``coord_source`` prefix, in the build's order of precedence.
POINT_SOURCES = (("osm:", "OpenStreetMap"), ("wikidata:", "Wikidata"), ("geonames:", "GeoNames"))


def point_sources(settlements: pd.DataFrame) -> list[str]:
    """The sources that place at least one settlement at a point of its own, in the build's order of precedence."""
    own = settlements.coord_source[settlements.coord_quality.isin(OWN_POINT_QUALITIES)]
    return [name for prefix, name in POINT_SOURCES if own.str.startswith(prefix).any()]


def placement_summary(settlements: pd.DataFrame) -> str:
    """How many settlements are placed how, e.g. for a caption under a map or a table of areas."""
    quality, source = settlements.coord_quality, settlements.coord_source
    own = quality.isin(OWN_POINT_QUALITIES)
    osm = int((own & source.str.startswith("osm:")).sum())
    wikidata = int((own & source.str.startswith("wikidata:")).sum())
    others = f"{wikidata:,} Wikidata, " if wikidata else ""
    text = (f"{int(own.sum()):,} of {len(settlements):,} settlements at their own point ({osm:,} OpenStreetMap, "
            f"{others}{int(own.sum()) - osm - wikidata:,} GeoNames)")
    approximate = int((quality == "hromada_centre").sum())
    if approximate:
        text += f"; {approximate:,} drawn approximately at their hromada centre, with no cell and no area"
    return text
