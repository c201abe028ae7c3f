"""An uploaded control-area layer (GeoJSON, KML/KMZ, GeoPackage) → events, then checked like an uploaded CSV.

One uploaded layer is **one snapshot**. Its day comes from its file name when the preset recognises the name
(DeepState's archives: `1656698640.geojson`, `deepstatemap_data_20250804.geojson`); otherwise the uploader gives
the day the map shows, and picks which of the preset's series (layouts) the layer follows (the first by default).

`check_layer` goes through these steps; each problem has a code (events.PROBLEM_CODES), on line 0:

1. Limits before reading (`too_large` on the size alone; the unpacked size of a KMZ; the number of features).
2. Opening it as the format its name says, through the fenced reader every layer read uses
   (`controlmap.areas.reader`): a file that is not that format (a GDAL virtual layer named .geojson, say) or that
   GDAL cannot read is `not_a_layer`; coordinates that are not finite or lie off the globe are `bad_coordinates`.
3. Classifying its features with the preset: none classified as `ru`, `contested` or `ua` is
   `no_recognised_feature`; a recognised polygon that crosses itself is `invalid_geometry`; classified features
   that all lie outside the region's box are `layer_outside_oblast` (every settlement would be read as lying outside
   them); polygons that match no rule are a warning (`unrecognised_features`), as in the import's report.
4. A layer without a day (`missing_layer_date`) stops here.
5. The conversion is `importer.import_areas` on that one snapshot, the code path of
   `python -m controlmap import-areas`: every settlement with a point of its own gets one row, its state in the
   layer. The rows' `source` is the preset's publisher with "(uploaded layer)" (never an archive's source, so
   re-deriving the archived rows never touches them), `url` is empty (an upload has no public address) and
   `note` says how the row was derived and from which uploaded file (its name and sha256).
6. The rows, as an events CSV, go through `upload.check_file` like any uploaded CSV; `combine`, the preview,
   Try and Save then take them as they take a CSV's.

Nothing here writes outside a temporary folder (the import reads its snapshot from a file).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any

import pandas as pd
import shapely

from controlmap import limits
from controlmap.areas import classify, importer, reader, snapshots
from controlmap.areas.preset import CLASSES, PRESETS_DIR, Preset, Series
from controlmap.digest import sha256
from controlmap.events.problems import Problem
from controlmap.events.reading import INVISIBLE_RE
from controlmap.events.uploads import CheckedFile, check_file
from controlmap.events.validation import Validator
from controlmap.region import current as current_region

# The layer formats the Upload page takes (the command line also reads zipped Shapefiles).
LAYER_SUFFIXES = (".geojson", ".json", ".kml", ".kmz", ".gpkg")
DEFAULT_PRESET = "deepstate"
UPLOADED_SOURCE = "{publisher} (uploaded layer)"
# How a note names the snapshot of a layer whose day the uploader gave (the file name's time is never invented).
GIVEN_DAY_SNAPSHOT = "the map dated {time:%Y-%m-%d} by the uploader"
MAX_NAME_CHARS = 120  # of the uploaded file's name, as a note quotes it


def is_layer(name: str) -> bool:
    """Whether an uploaded file's name says it is a control-area layer (else it is read as an event CSV)."""
    return name.lower().endswith(LAYER_SUFFIXES)


def preset_names() -> list[str]:
    """The shipped presets (controlmap/areas/presets/*.json), the default first."""
    names = sorted(p.stem for p in PRESETS_DIR.glob("*.json"))
    return sorted(names, key=lambda n: n != DEFAULT_PRESET)


def series_label(preset_name: str, series_id: str) -> str:
    """A series in words for a picker: its `label` in the preset file, else its id and source."""
    try:
        document = json.loads((PRESETS_DIR / f"{preset_name}.json").read_text("utf-8"))
        labels = {s["id"]: s.get("label", "") for s in document["series"]}
    except (OSError, ValueError, KeyError, TypeError):
        labels = {}
    return labels.get(series_id) or series_id


def dated_by_name(name: str, preset: Preset) -> tuple[Series, datetime] | None:
    """(series, time) when the preset recognises the file name as one of its snapshots, else None."""
    return preset.match(PurePath(name).name)


def too_large(name: str, size: int) -> CheckedLayer | None:
    """The layer refused on its size alone (nothing read), or None when the size is within the layer limit."""
    if size > limits.MAX_LAYER_BYTES:
        return CheckedLayer(name, None, None, [_file_too_large(size)])
    return None


def _file_too_large(size: int) -> Problem:
    return Problem(0, "", f"{size:,} bytes",
                   f"the layer is too large: {limits.megabytes(size)} (the limit is {limits.MAX_LAYER_MB} MB per "
                   "layer)", f"keep only the features near {current_region().name_en}, or simplify the polygons",
                   code="file_too_large")


# ---------------------------------------------------------------- what was found


@dataclass
class LayerSummary:
    """What the layer held and how it was read (shown with the file on the Upload page)."""

    preset: str
    series: str
    day: str = ""  # ISO; "" when the layer has none
    dated_by: str = ""  # "its file name" | "the uploader" | ""
    snapshot: str = ""  # how the notes name the snapshot
    read: bool = False  # whether the layer could be read
    features: int = 0
    not_areas: int = 0  # points and lines
    classified: Counter = field(default_factory=Counter)  # status → polygons
    ignored: int = 0  # polygons a rule says to ignore (e.g. outside Ukraine)
    unrecognised: Counter = field(default_factory=Counter)  # (name, fill) → polygons matching no rule
    tested: int = 0  # settlements with a point of their own
    without_point: int = 0
    states: Counter = field(default_factory=Counter)  # status → settlements

    def lines(self) -> list[str]:
        """The summary in sentences (only the first until the layer was read)."""
        out = [f"Read as one snapshot of the preset '{self.preset}' ({self.series})"
               + (f", dated {self.day} by {self.dated_by}" if self.day else ", with no date yet") + "."]
        classified = ", ".join(f"{status} {self.classified[status]:,}" for status in CLASSES)
        if not self.read:
            return out
        out.append(f"{self.features:,} features: polygons classified {classified}; {self.ignored:,} ignored by the "
                   f"preset's rules; {sum(self.unrecognised.values()):,} matching no rule; {self.not_areas:,} "
                   "points or lines (not areas).")
        if self.tested:
            states = ", ".join(f"{status} {self.states[status]:,}" for status in CLASSES)
            out.append(f"{self.tested:,} settlements with a point of their own tested against it ({states}); "
                       f"{self.without_point:,} without one get no row.")
        return out


@dataclass
class CheckedLayer(CheckedFile):
    """An uploaded layer: `data` and `result` are those of the events CSV derived from it (None when it could not
    be converted: `limit_problems` say why); `layer_digest` is the sha256 of the uploaded bytes."""

    layer_digest: str = ""
    summary: LayerSummary | None = None
    layer_warnings: list[Problem] = field(default_factory=list)  # shown with the CSV's own problems

    @property
    def problems(self) -> list[Problem]:
        if self.limit_problems:
            return self.limit_problems + self.layer_warnings
        return (self.result.problems if self.result else []) + self.layer_warnings


# ---------------------------------------------------------------- the check


def check_layer(name: str, data: bytes, validator: Validator, preset: Preset | str = DEFAULT_PRESET,
                day: date | None = None, series_id: str | None = None, today: date | None = None) -> CheckedLayer:
    """One uploaded layer: limits, reading, classification, conversion into events, then the CSV checks.

    `day` is used only when the preset does not recognise the file name (a recognised name dates the layer);
    `series_id` likewise chooses the series of such a layer (default: the preset's first)."""
    if isinstance(preset, str):
        preset = Preset.load(preset)
    digest = sha256(data) or ""
    refused = too_large(name, len(data))
    if refused is not None:
        refused.layer_digest = digest
        return refused
    by_name = dated_by_name(name, preset)
    time: datetime | None
    if by_name is not None:
        (series, time), dated_by = by_name, "its file name"
    else:
        series = next((s for s in preset.series if s.id == series_id), preset.series[0])
        time = None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)
        dated_by = "the uploader"
    summary = LayerSummary(preset.name, series_label(preset.name, series.id))
    if time is not None:
        summary.day, summary.dated_by = time.date().isoformat(), dated_by

    def refuse(*problems: Problem, warnings: list[Problem] | None = None) -> CheckedLayer:
        return CheckedLayer(name, None, None, list(problems), layer_digest=digest, summary=summary,
                            layer_warnings=warnings or [])

    try:
        features = reader.feature_count(data, name)
        if features > limits.MAX_LAYER_FEATURES:
            return refuse(_too_many_features(features))
        frame = reader.read_layer(data, name)
    except reader.LayerFileError as error:
        return refuse(_file_problem(name, error))
    classified = _classify(frame, series, preset, summary)
    problems = _layer_problems(classified, summary, preset)
    warnings = [] if problems else _unrecognised_warning(summary)
    if time is None:
        problems.append(_missing_date(preset))
    if problems or time is None:
        return refuse(*problems, warnings=warnings)
    with tempfile.TemporaryDirectory(prefix="controlmap-layer-") as folder:
        # The import reads its snapshots from files; this one is written under a name of our own.
        path = Path(folder) / f"layer{PurePath(name).suffix.lower()}"
        path.write_bytes(data)
        snapshot = snapshots.Snapshot(path, _uploaded_series(series, preset, name, digest, dated_by), time)
        summary.snapshot = snapshot.describe()
        result = importer.import_areas([snapshot], validator.gazetteer.settlements, preset,
                                        rule=importer.FlickerRule(first_days=0))
    summary.tested = result.report.placed
    summary.without_point = sum(result.report.without_point.values())
    summary.states.update(result.events.status)
    events_csv = result.csv().encode("utf-8")
    checked = check_file(name, events_csv, validator, today=today)
    return CheckedLayer(**{f.name: getattr(checked, f.name) for f in dataclasses.fields(CheckedFile)},
                        layer_digest=digest, summary=summary, layer_warnings=warnings)


def _too_many_features(features: int) -> Problem:
    return Problem(0, "", f"{features:,} features",
                   f"the layer has too many features: {features:,} (the limit is {limits.MAX_LAYER_FEATURES:,} per "
                   "layer)", f"keep only the control areas near {current_region().name_en}", code="too_many_features")


def _file_problem(name: str, error: reader.LayerFileError) -> Problem:
    """Why the file cannot be read, naming the uploaded file (never a path of the server's)."""
    suggestion = error.suggestion or ("upload a GeoJSON, KML/KMZ or GeoPackage file of control areas, or an event "
                                      "CSV named .csv")
    return Problem(0, "", _clean(PurePath(name).name), error.message, suggestion, code=error.code)


def _classify(frame: pd.DataFrame, series: Series, preset: Preset,
              summary: LayerSummary) -> classify.ClassifiedLayer:
    """The layer's polygons by status (classify.classify_layer), with the counts the summary gives."""
    classified = classify.classify_layer(frame, series, preset)
    summary.read, summary.features = True, len(frame)
    summary.not_areas = sum(not classify.polygon_count([g]) for g in frame.geometry)
    summary.classified.update({s: len(classified.geometries[s]) for s in CLASSES})
    summary.unrecognised = classified.unrecognised
    polygons = classify.polygon_count(frame.geometry)
    summary.ignored = polygons - sum(summary.classified.values()) - sum(summary.unrecognised.values())
    return classified


def _layer_problems(classified: classify.ClassifiedLayer, summary: LayerSummary,
                    preset: Preset) -> list[Problem]:
    polygons: list[Any] = [p for status in CLASSES for p in classified.geometries[status]]
    if not polygons:
        found = (f"{summary.features:,} features: {summary.not_areas:,} points or lines, {summary.ignored:,} "
                 f"polygons the preset ignores, {sum(summary.unrecognised.values()):,} polygons matching no rule")
        examples = "; ".join(f"{count} × name {n!r}, fill {f or '-'}"
                             for (n, f), count in summary.unrecognised.most_common(3))
        return [Problem(0, preset.fill_property, _clean(examples)[:300],
                        f"the layer has no area the preset '{preset.name}' recognises as ru, contested or ua "
                        f"({found}{': ' + examples if examples else ''})",
                        f"the preset reads the properties '{preset.name_property}' and '{preset.fill_property}' of "
                        "polygons (controlmap/areas/presets/README.md); another preset, or another choice of what the "
                        "layer holds, may read it", code="no_recognised_feature")]
    if classified.repaired:
        return [_invalid_polygons(classified.repaired)]
    region = current_region()
    box = shapely.box(*region.bounds)
    if not any(shapely.intersects(p, box) for p in polygons):
        west, south, east, north = shapely.total_bounds(polygons)
        return [Problem(0, "", f"lon {west:.2f}…{east:.2f}, lat {south:.2f}…{north:.2f}",
                        f"all {len(polygons):,} areas the preset recognises lie outside {region.name_en} (lon "
                        f"{west:.2f}…{east:.2f}, lat {south:.2f}…{north:.2f}; {region.name_en} is "
                        f"{region.describe_bounds()}): every settlement would be read as lying outside them",
                        f"upload a map that covers {region.name_en}, in longitude and latitude (WGS 84) or with its "
                        "coordinate system declared", code="layer_outside_oblast")]
    return []


def _invalid_polygons(repaired: list[tuple[Any, str]]) -> Problem:
    """Polygons that cross themselves have no one meaning (a repair may keep a part the drawer did not mean, or
    drop one they did), so the upload says where and stops."""
    reasons = "; ".join(_clean(reason) for _, reason in repaired[:3])
    return Problem(0, "", reasons[:300],
                   f"{len(repaired):,} recognised polygon(s) of the layer are invalid ({reasons}): a polygon whose "
                   "outline crosses itself has no one inside, so which settlements it covers is not known",
                   "fix the polygons where they cross themselves (e.g. QGIS: Vector › Geometry Tools › Check "
                   "Validity, then Fix Geometries) and upload the layer again", code="invalid_geometry")


def _unrecognised_warning(summary: LayerSummary) -> list[Problem]:
    count = sum(summary.unrecognised.values())
    if not count:
        return []
    examples = "; ".join(f"{n} × name {name!r}, fill {fill or '-'}"
                         for (name, fill), n in summary.unrecognised.most_common(3))
    return [Problem(0, "", _clean(examples)[:300],
                    f"{count:,} polygons of the layer match no rule of the preset and are ignored ({examples})",
                    "if they are control areas, the preset needs a rule for them", severity="warning",
                    code="unrecognised_features")]


def _missing_date(preset: Preset) -> Problem:
    return Problem(0, "date", "",
                   f"the layer has no date: its file name is none the preset '{preset.name}' dates (such as "
                   "1656698640.geojson), and no day was given",
                   "give the day the map shows (the date box of this file)", code="missing_layer_date")


def _clean(text: str) -> str:
    """Text from the upload made fit for a note: no invisible characters, one line, not too long."""
    return " ".join(INVISIBLE_RE.sub("", text).split())[:MAX_NAME_CHARS]


def _uploaded_series(series: Series, preset: Preset, name: str, digest: str,
                     dated_by: str) -> Series:
    """The series as its rows describe an uploaded snapshot: its own source, no URL, the uploaded file named."""
    shown = _clean(PurePath(name).name).replace("{", "{{").replace("}", "}}")
    snapshot = series.snapshot if dated_by == "its file name" else GIVEN_DAY_SNAPSHOT
    return dataclasses.replace(series, source=UPLOADED_SOURCE.format(publisher=preset.publisher), url="",
                               path=f"uploaded file {shown}, sha256 {digest}", snapshot=snapshot)
