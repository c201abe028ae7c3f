"""Dated control-area maps → settlement events, each row naming the snapshot it was read from.

A *preset* (controlmap/presets/<name>.json, or any JSON file of the same shape) says how to read one
publisher's archives: which file names are snapshots and when each was published, and how each feature is
classified into `ru`, `contested`, `ua` or `ignore` (by its name and fill colour; first matching rule wins).

For every snapshot, every settlement with a real point (`coord_quality` in OWN_POINT_QUALITIES) is tested
against the classified features: inside a feature → that feature's class (`precedence` decides where classes
overlap); inside none → the preset's `outside` status. Each settlement's sequence of states is then cleaned of
edge flicker (FlickerRule) and turned into events: its first state and every change, one row each, dated the
UTC day of the snapshot that first showed it.

Settlements without a real point (placed at their hromada's centre, or not at all) get no rows.
"""

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from shapely import Geometry

from controlmap import csvtext, layer_reader, limits
from controlmap.model import DERIVED_NOTE_PREFIX, OWN_POINT_QUALITIES, STATUS_CODE, STATUSES

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
CLASSES = ("ru", "contested", "ua")
RULE_STATUSES = (*CLASSES, "ignore")
LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".kmz", ".zip")
OUTPUT_COLUMNS = ("date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote", "note")
EQUAL_AREA_CRS = "EPSG:3035"
# A margin (degrees) around the settlements' points: features are read only where they can matter.
BOUNDS_MARGIN_DEG = 0.02


class PresetError(ValueError):
    """A preset file that cannot be used (the message says why)."""


class SnapshotError(ValueError):
    """A snapshot file that cannot be read as the layer its name says (nothing is derived from the import)."""

    def __init__(self, snapshot: "Snapshot", error: layer_reader.LayerFileError) -> None:
        super().__init__(f"{snapshot.file.name}: {error.message}" + (f" ({error.suggestion})" if error.suggestion
                                                                     else ""))
        self.snapshot, self.error = snapshot, error


# ---------------------------------------------------------------- the preset


@dataclass(frozen=True)
class Rule:
    """Features whose fill is one of `fill` (any, if empty) and whose name matches `name` (any, if None)."""

    status: str
    fill: frozenset[str] = frozenset()
    name: re.Pattern | None = None

    def matches(self, name: str, fill: str) -> bool:
        return (not self.fill or fill in self.fill) and (self.name is None or bool(self.name.search(name)))


@dataclass(frozen=True)
class Series:
    """One archive layout: which file names it holds, their times, and how its features are classified."""

    id: str
    file_name: re.Pattern
    source: str
    path: str  # the file's path in its archive, from {file}
    url: str  # from {commit} and {path}; empty: no URL
    snapshot: str  # how a note names a snapshot, from {time}
    layers: dict[str, str]  # status → where the point lies, for the note
    rules: tuple[Rule, ...]
    # False for an archive that draws no grey zone: a point outside its features may be grey or Ukrainian-held
    # ground, so it continues a `contested` state and gives the preset's `outside` status only after another.
    grey_zone: bool = True

    def time_of(self, file_name: str) -> datetime | None:
        """The snapshot's UTC time from its file name, or None when the name is not this series'."""
        match = self.file_name.match(file_name)
        if match is None:
            return None
        parts = match.groupdict()
        try:
            if parts.get("unix"):
                return datetime.fromtimestamp(int(parts["unix"]), UTC)
            return datetime(int(parts["year"]), int(parts["month"]), int(parts["day"]), int(parts.get("hour") or 0),
                            int(parts.get("minute") or 0), tzinfo=UTC)
        except (KeyError, ValueError, OverflowError, OSError):
            return None

    def classify(self, name: str, fill: str) -> str | None:
        """The status of the first rule matching the feature, or None when no rule does."""
        for rule in self.rules:
            if rule.matches(name, fill):
                return rule.status
        return None


@dataclass(frozen=True)
class Preset:
    name: str
    publisher: str
    claimed_by: str
    outside: str  # the status of a settlement inside no classified feature
    precedence: tuple[str, ...]  # where classified features overlap, the first class listed wins
    name_property: str
    fill_property: str
    series: tuple[Series, ...]

    @classmethod
    def load(cls, name_or_path: str | Path) -> "Preset":
        """A shipped preset by name (`deepstate`) or a preset JSON file by path."""
        path = Path(name_or_path)
        if not path.suffix:
            path = PRESETS_DIR / f"{name_or_path}.json"
        try:
            document = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            shipped = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.json")))
            raise PresetError(f"no preset '{name_or_path}' (shipped presets: {shipped})") from None
        except (OSError, ValueError) as error:
            raise PresetError(f"cannot read preset {path}: {error}") from None
        return cls.from_dict(document)

    @classmethod
    def from_dict(cls, document: dict) -> "Preset":
        try:
            return cls(document["name"], document["publisher"], document["claimed_by"], document.get("outside", "ua"),
                       tuple(document.get("precedence", CLASSES)), document.get("name_property", "name"),
                       document.get("fill_property", "fill"), tuple(_series(s) for s in document["series"]))
        except (KeyError, TypeError, re.error) as error:
            raise PresetError(f"malformed preset: {error!r}") from None

    def match(self, file_name: str) -> tuple[Series, datetime] | None:
        for series in self.series:
            if (time := series.time_of(file_name)) is not None:
                return series, time
        return None


def _series(document: dict) -> Series:
    rules = []
    for rule in document["rules"]:
        if rule["status"] not in RULE_STATUSES:
            raise KeyError(f"rule status {rule['status']!r} is not one of {RULE_STATUSES}")
        pattern = re.compile(rule["name"], re.IGNORECASE) if rule.get("name") else None
        rules.append(Rule(rule["status"], frozenset(f.lower() for f in rule.get("fill", ())), pattern))
    layers = {"ru": "in an occupied feature", "contested": "in a contested feature",
              "ua": "outside the occupied and contested features", **document.get("layers", {})}
    return Series(document["id"], re.compile(document["file_name"]), document["source"],
                  document.get("path", "{file}"), document.get("url", ""),
                  document.get("snapshot", "the snapshot of {time:%Y-%m-%d %H:%M} UTC"), layers, tuple(rules),
                  bool(document.get("grey_zone", True)))


# ---------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    file: Path
    series: Series
    time: datetime

    @property
    def day(self) -> date:
        return self.time.date()

    @property
    def archive_path(self) -> str:
        return self.series.path.format(file=self.file.name)

    def url(self, commits: dict[str, str]) -> str:
        commit = commits.get(self.series.id, "")
        if not (commit and self.series.url):
            return ""
        return self.series.url.format(commit=commit, path=self.archive_path)

    def describe(self) -> str:
        return f"{self.series.snapshot.format(time=self.time)} ({self.archive_path})"


def layer_files(sources: Iterable[str | Path]) -> list[Path]:
    """The layer files among `sources` (files, or folders searched recursively), sorted, without repeats."""
    found: set[Path] = set()
    for source in map(Path, sources):
        if source.is_dir():
            found.update(p for p in source.rglob("*") if p.is_file() and p.name.lower().endswith(LAYER_SUFFIXES))
        elif source.exists():
            found.add(source)
        else:
            raise FileNotFoundError(f"no such file or folder: {source}")
    return sorted(found)


def find_snapshots(files: Iterable[Path], preset: Preset, since: date | None = None,
                   until: date | None = None) -> tuple[list[Snapshot], list[Path]]:
    """(snapshots in time order, file names matching no series). A series listed later in the preset is used
    only after the last snapshot of every series listed before it (so archives overlapping in time are not mixed)."""
    snapshots, unmatched = [], []
    for file in files:
        matched = preset.match(file.name)
        if matched is None:
            unmatched.append(file)
        else:
            snapshots.append(Snapshot(file, *matched))
    snapshots = _prefer_earlier_series(snapshots, preset)
    kept = [s for s in snapshots if (since is None or s.day >= since) and (until is None or s.day <= until)]
    return sorted(kept, key=lambda s: (s.time, s.file.name)), unmatched


def _prefer_earlier_series(snapshots: list[Snapshot], preset: Preset) -> list[Snapshot]:
    kept, covered_until = [], None
    for series in preset.series:
        own = [s for s in snapshots if s.series is series]
        later = [s for s in own if covered_until is None or s.time > covered_until]
        kept += later
        if own:
            last = max(s.time for s in own)
            covered_until = last if covered_until is None else max(covered_until, last)
    return kept


# ---------------------------------------------------------------- reading a layer


def read_layer(path: Path, bounds: tuple[float, float, float, float] | None = None) -> "pd.DataFrame":
    """A layer file's features (all layers of it) as a GeoDataFrame in WGS 84; with `bounds` (lon/lat box),
    only the features whose envelope meets the box. GeoJSON, GeoPackage, KML/KMZ and zipped Shapefiles, each
    opened only as the format its name says (controlmap.layer_reader); raises layer_reader.LayerFileError."""
    return layer_reader.read_layer(read_snapshot_bytes(path), path.name, bounds, limits.MAX_SNAPSHOT_BYTES)


def read_snapshot_bytes(path: Path) -> bytes:
    """A snapshot file's bytes, refused (LayerFileError) when it is larger than a snapshot may be."""
    try:
        size = path.stat().st_size
        if size > limits.MAX_SNAPSHOT_BYTES:
            raise layer_reader.LayerFileError(
                f"{path.name} is {limits.megabytes(size)}; a snapshot may have {limits.MAX_SNAPSHOT_MB} MB",
                "keep only the features near the region", code="file_too_large")
        return path.read_bytes()
    except OSError as error:
        raise layer_reader.LayerFileError(f"{path.name} cannot be read: {error.strerror}",
                                         code="unreadable_file") from None


@dataclass
class ClassifiedLayer:
    """One snapshot's classified areas (polygons only) and what was not recognised."""

    geometries: dict[str, list[Geometry]]  # status → shapely polygons
    unrecognised: Counter = field(default_factory=Counter)  # (name, fill) → features that matched no rule
    # Classified polygons that were invalid (a ring crossing itself…), as read, with GEOS's reason; `geometries`
    # holds them repaired (shapely.make_valid).
    repaired: list[tuple[Geometry, str]] = field(default_factory=list)


def classify_layer(frame: "pd.DataFrame", series: Series, preset: Preset) -> ClassifiedLayer:
    names = _text_column(frame, preset.name_property)
    fills = [f.lower() for f in _text_column(frame, preset.fill_property)]
    layer = ClassifiedLayer({status: [] for status in CLASSES})
    for name, fill, geometry in zip(names, fills, frame.geometry, strict=True):
        polygons = _polygons(geometry)
        if not polygons:
            continue
        status = series.classify(name, fill)
        if status is None:
            layer.unrecognised[(_short(name), fill)] += 1
        elif status != "ignore":
            for polygon in polygons:
                if polygon.is_valid:
                    layer.geometries[status].append(polygon)
                else:
                    layer.repaired.append((polygon, shapely.is_valid_reason(polygon)))
                    layer.geometries[status] += _polygons(shapely.make_valid(polygon))
    return layer


def _text_column(frame: "pd.DataFrame", column: str) -> list[str]:
    if column not in frame:
        # KML readers give a placemark's <name> as "Name": a property is also found in another case.
        found = [c for c in frame.columns if str(c).lower() == column.lower()]
        if not found:
            return [""] * len(frame)
        column = found[0]
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in frame[column]]


def _polygons(geometry: Geometry | None) -> list[Geometry]:
    """The polygonal parts of a geometry (collections are opened; points and lines are dropped)."""
    if geometry is None or geometry.is_empty:
        return []
    parts = shapely.get_parts(geometry)
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    for p in parts:
        if p.geom_type in ("MultiPolygon", "GeometryCollection"):
            polygons += _polygons(p)
    return polygons


def polygon_count(geometries: Iterable[Geometry | None]) -> int:
    """Polygons among the geometries (collections opened)."""
    return sum(len(_polygons(g)) for g in geometries)


def _short(name: str) -> str:
    return " ".join(name.split())[:80]


# ---------------------------------------------------------------- settlements and states


def placed_settlements(settlements: pd.DataFrame) -> tuple[pd.DataFrame, Counter]:
    """(settlements with a real point, in gazetteer order; coord_quality → count of those without one)."""
    real = settlements.coord_quality.isin(OWN_POINT_QUALITIES) & settlements.lat.notna() & settlements.lon.notna()
    skipped = Counter(settlements.coord_quality[~real].replace("", "none"))
    return settlements[real].reset_index(drop=True), skipped


# The state of a point outside every feature of an archive without a grey zone (resolved by `continue_grey`).
NOT_OCCUPIED = -1


def point_states(points: np.ndarray, tree: shapely.STRtree, layer: ClassifiedLayer, preset: Preset,
                 grey_zone: bool = True) -> np.ndarray:
    """The status code of every point in one snapshot (int8, model.STATUS_CODE; NOT_OCCUPIED for a point outside
    every feature of an archive without a grey zone)."""
    states = np.full(len(points), STATUS_CODE[preset.outside] if grey_zone else NOT_OCCUPIED, dtype=np.int8)
    for status in reversed(preset.precedence):  # the first of `precedence` is written last, so it wins
        geometries = layer.geometries.get(status, [])
        if geometries:
            _, inside = tree.query(np.asarray(geometries, dtype=object), predicate="intersects")
            states[np.unique(inside)] = STATUS_CODE[status]
    return states


# ---------------------------------------------------------------- flicker


@dataclass(frozen=True)
class FlickerRule:
    """A change counts only when the new state held for at least `min_snapshots` consecutive snapshots *and*
    at least `min_days` days (from the first snapshot showing it to the first showing something else, or to
    the last snapshot of the import). A change that does not count is read as "the previous counted state
    goes on": a polygon edge crossing a village back and forth makes no rows, a grey stage of a few hours
    between occupied and liberated is skipped, and a change in the last snapshots waits for confirmation.
    The first snapshot's state is not a change: it always counts. With `min_days` ≥ 1 no settlement gets two
    rows on one day."""

    min_snapshots: int = 2
    min_days: float = 1.0

    def describe(self) -> str:
        return (f"a change counts once the new state held for at least {self.min_snapshots} consecutive "
                f"snapshots and {self.min_days:g} day(s); the first snapshot's state always counts")


@dataclass(frozen=True)
class Changes:
    """One settlement's counted states and what the flicker rule did to its raw changes."""

    kept: list[tuple[int, int]]  # (snapshot index, status code): the first state, then every counted change
    raw: int  # changes between consecutive snapshots
    removed: int  # raw changes the rule removed as flicker
    pending: bool  # the last snapshots show a state not yet confirmed


def stable_changes(states: np.ndarray, hours: np.ndarray, rule: FlickerRule) -> Changes:
    """One settlement's states (one per snapshot, at `hours` since the epoch) → its counted changes."""
    n = len(states)
    if n == 0:
        return Changes([], 0, 0, False)
    starts = np.r_[0, np.flatnonzero(np.diff(states)) + 1]
    ends = np.r_[starts[1:], n]
    span_end = np.r_[hours[starts[1:]], hours[-1]]
    stable = ((ends - starts) >= rule.min_snapshots) & (span_end - hours[starts] >= rule.min_days * 24 - 1e-9)
    stable[0] = True
    kept: list[tuple[int, int]] = []
    for start in starts[stable]:
        if not kept or kept[-1][1] != states[start]:
            kept.append((int(start), int(states[start])))
    raw = len(starts) - 1
    pending = int(states[-1]) != kept[-1][1]
    return Changes(kept, raw, raw - (len(kept) - 1) - int(pending), pending)


# ---------------------------------------------------------------- the import


Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    snapshots: int = 0
    first: str = ""
    last: str = ""
    per_series: Counter = field(default_factory=Counter)
    unmatched_files: int = 0
    left_out: int = 0  # snapshots outside --since/--until, or covered by an earlier series
    settlements: int = 0
    placed: int = 0
    without_point: Counter = field(default_factory=Counter)
    rows: int = 0
    settlements_with_change: int = 0
    raw_changes: int = 0
    flicker_removed: int = 0
    pending: int = 0
    grey_continued: int = 0  # settlements kept `contested` through snapshots of an archive without grey zone
    repaired_polygons: int = 0  # invalid polygons (a ring crossing itself…) repaired with shapely.make_valid
    repaired_snapshots: int = 0
    repaired_settlements: int = 0  # settlements in the repaired polygons' bounding boxes, summed over snapshots
    unrecognised: Counter = field(default_factory=Counter)
    flicker_rule: str = ""

    def lines(self) -> list[str]:
        without = sum(self.without_point.values())
        qualities = ", ".join(f"{k} {v}" for k, v in sorted(self.without_point.items())) or "none"
        series = ", ".join(f"{k} {v}" for k, v in sorted(self.per_series.items()))
        out = [f"snapshots: {self.snapshots} ({series}), {self.first} … {self.last}",
               f"files whose name is no snapshot of the preset: {self.unmatched_files}; snapshots left out "
               f"(outside --since/--until, or covered by an earlier series): {self.left_out}",
               f"settlements: {self.settlements}; with a real point: {self.placed}; "
               f"without one (no rows): {without} ({qualities})",
               f"rows: {self.rows} (first states and changes); settlements that changed state: "
               f"{self.settlements_with_change}",
               f"flicker rule: {self.flicker_rule}",
               f"raw changes: {self.raw_changes}; removed as flicker: {self.flicker_removed}; "
               f"settlements whose last change awaits confirmation: {self.pending}"]
        if self.grey_continued:
            out.append(f"settlements kept contested outside the occupied area of an archive without grey zone: "
                       f"{self.grey_continued}")
        if self.repaired_polygons:
            out.append(f"invalid polygons (crossing themselves…) repaired: {self.repaired_polygons} in "
                       f"{self.repaired_snapshots} snapshot(s); the repair decides the state of up to "
                       f"{self.repaired_settlements} settlement test(s) in their bounding boxes")
        if self.unrecognised:
            out.append(f"features near the settlements matching no rule (ignored): {sum(self.unrecognised.values())}")
            out += [f"  {count} × name {name!r}, fill {fill or '-'}"
                    for (name, fill), count in self.unrecognised.most_common(10)]
        return out


@dataclass
class ImportResult:
    events: pd.DataFrame  # OUTPUT_COLUMNS
    report: ImportReport
    states: np.ndarray  # (snapshots, placed settlements) raw status codes
    snapshots: list[Snapshot]
    placed: pd.DataFrame

    def csv(self) -> str:
        return events_csv(self.events)


def import_areas(snapshots: Sequence[Snapshot], settlements: pd.DataFrame, preset: Preset,
                 commits: dict[str, str] | None = None, rule: FlickerRule = FlickerRule(),
                 progress: Progress | None = None) -> ImportResult:
    """Every placed settlement's state in every snapshot → events (first state and every counted change)."""
    placed, without_point = placed_settlements(settlements)
    report = ImportReport(snapshots=len(snapshots), settlements=len(settlements), placed=len(placed),
                          without_point=without_point, flicker_rule=rule.describe())
    report.per_series.update(s.series.id for s in snapshots)
    if snapshots:
        report.first, report.last = snapshots[0].describe(), snapshots[-1].describe()
    states = continue_grey(read_states(snapshots, placed, preset, report, progress), preset, report)
    events = _events(states, snapshots, placed, preset, commits or {}, rule, report)
    return ImportResult(events, report, states, list(snapshots), placed)


def read_states(snapshots: Sequence[Snapshot], placed: pd.DataFrame, preset: Preset,
                report: ImportReport | None = None, progress: Progress | None = None) -> np.ndarray:
    """(snapshots × settlements) status codes."""
    points = shapely.points(placed.lon.to_numpy(float), placed.lat.to_numpy(float))
    tree = shapely.STRtree(points)
    bounds = _bounds(points)
    states = np.zeros((len(snapshots), len(points)), dtype=np.int8)
    for i, snapshot in enumerate(snapshots):
        try:
            layer = classify_layer(read_layer(snapshot.file, bounds), snapshot.series, preset)
        except layer_reader.LayerFileError as error:
            raise SnapshotError(snapshot, error) from None
        states[i] = point_states(points, tree, layer, preset, snapshot.series.grey_zone)
        if report is not None:
            report.unrecognised.update(layer.unrecognised)
            if layer.repaired:
                report.repaired_snapshots += 1
                report.repaired_polygons += len(layer.repaired)
                envelopes = shapely.envelope(np.asarray([polygon for polygon, _ in layer.repaired], dtype=object))
                report.repaired_settlements += len(np.unique(tree.query(envelopes, predicate="intersects")[1]))
        if progress is not None:
            progress(i + 1, len(snapshots))
    return states


def continue_grey(states: np.ndarray, preset: Preset, report: ImportReport | None = None) -> np.ndarray:
    """NOT_OCCUPIED → `contested` where the settlement's state in the snapshot before was `contested`, else the
    preset's `outside` status (in place; returns `states`)."""
    contested, outside = STATUS_CODE["contested"], STATUS_CODE[preset.outside]
    kept = np.zeros(states.shape[1], dtype=bool)
    for i in range(len(states)):
        unknown = states[i] == NOT_OCCUPIED
        if unknown.any():
            grey = unknown & (states[i - 1] == contested) if i else np.zeros_like(unknown)
            states[i] = np.where(grey, contested, np.where(unknown, outside, states[i]))
            kept |= grey
    if report is not None:
        report.grey_continued = int(kept.sum())
    return states


def _bounds(points: np.ndarray) -> tuple[float, float, float, float] | None:
    if not len(points):
        return None
    west, south, east, north = shapely.total_bounds(points)
    m = BOUNDS_MARGIN_DEG
    return west - m, south - m, east + m, north + m


def _events(states: np.ndarray, snapshots: Sequence[Snapshot], placed: pd.DataFrame, preset: Preset,
            commits: dict[str, str], rule: FlickerRule, report: ImportReport) -> pd.DataFrame:
    hours = np.array([s.time.timestamp() / 3600 for s in snapshots], dtype=float)
    rows = []
    for column in range(states.shape[1]):
        changes = stable_changes(states[:, column], hours, rule)
        report.raw_changes += changes.raw
        report.flicker_removed += changes.removed
        report.pending += changes.pending
        report.settlements_with_change += len(changes.kept) > 1
        settlement = placed.iloc[column]
        rows += [_row(settlement, snapshots[index], STATUSES[code], preset, commits) for index, code in changes.kept]
    report.rows = len(rows)
    frame = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))
    return frame.sort_values(["date", "katottg"], kind="stable").reset_index(drop=True)


def _row(settlement: Any, snapshot: Snapshot, status: str, preset: Preset, commits: dict[str, str]) -> dict:
    where = snapshot.series.layers.get(status, status)
    return {"date": snapshot.day.isoformat(), "settlement": settlement.name_en,
            "hint": f"{settlement.hromada_en} hromada" if settlement.hromada_en else "",
            "katottg": settlement.katottg, "status": status, "claimed_by": preset.claimed_by,
            "source": snapshot.series.source, "url": snapshot.url(commits), "quote": "",
            "note": f"{DERIVED_NOTE_PREFIX}the point of the settlement lies {where} of {snapshot.describe()}"}


def events_csv(events: pd.DataFrame) -> str:
    return csvtext.write_rows([OUTPUT_COLUMNS, *events[list(OUTPUT_COLUMNS)].itertuples(index=False, name=None)])


# ---------------------------------------------------------------- areas


@dataclass(frozen=True)
class AreaFigures:
    """km² of a region inside one snapshot's classified features (EPSG:3035, equal-area)."""

    snapshot: Snapshot
    ru_km2: float
    contested_km2: float

    @property
    def total_km2(self) -> float:
        return round(self.ru_km2 + self.contested_km2, 1)


def snapshot_on(snapshots: Sequence[Snapshot], day: date) -> Snapshot | None:
    """The last snapshot published on or before the end of `day` (None before the first one)."""
    earlier = [s for s in snapshots if s.day <= day]
    return earlier[-1] if earlier else None


def area_inside(snapshot: Snapshot, preset: Preset, region: Geometry) -> AreaFigures:
    """The area of `region` (a shapely polygon in WGS 84) inside the snapshot's `ru` features, and inside its
    `contested` features but not its `ru` ones."""
    layer = classify_layer(read_layer(snapshot.file, tuple(region.bounds)), snapshot.series, preset)
    ru = _clip(layer.geometries["ru"], region)
    contested = shapely.difference(_clip(layer.geometries["contested"], region), ru)
    return AreaFigures(snapshot, _km2(ru), _km2(contested))


def _clip(polygons: list[Geometry], region: Geometry) -> Geometry:
    if not polygons:
        return shapely.Polygon()
    return shapely.intersection(shapely.union_all(np.asarray(polygons, dtype=object)), region)


def _km2(geometry: Geometry) -> float:
    import geopandas as gpd

    if geometry.is_empty:
        return 0.0
    return round(float(gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs(EQUAL_AREA_CRS).area.iloc[0]) / 1e6, 1)


def areas_on(days: Iterable[date], snapshots: Sequence[Snapshot], preset: Preset,
             region: Geometry) -> list[AreaFigures | None]:
    """For each day, the area of `region` inside the `ru` and `contested` features of that day's last snapshot
    (None for a day before the first snapshot). This is what a map of the archive showed that day."""
    return [None if (s := snapshot_on(snapshots, day)) is None else area_inside(s, preset, region) for day in days]


def read_region(path: Path) -> Geometry:
    """The union of a GeoJSON file's polygons (e.g. data/geo/oblast_outline.geojson)."""
    document = json.loads(Path(path).read_text("utf-8"))
    shapes = [shapely.geometry.shape(f["geometry"]) for f in document["features"]]
    return shapely.union_all(np.asarray(shapes, dtype=object))


# ---------------------------------------------------------------- shipping derived rows

def with_derived_rows(current: bytes, derived: bytes, sources: Iterable[str]) -> bytes:
    """An events file made of ``derived`` rows first, then ``current``'s rows whose source is none of ``sources``
    (the rows an earlier derivation wrote). ``current``'s rows keep their bytes; derived rows take its line ends.
    Both must be UTF-8 events CSVs with the same header.

    Derived rows come first so that, on a day where a researched statement and a derived row of the same claimant
    disagree, the researched statement (the later line) wins."""
    current_header, current_rows = _header_and_rows(current)
    derived_header, derived_rows = _header_and_rows(derived)
    if current_header.rstrip("\r\n") != derived_header.rstrip("\r\n"):
        raise ValueError(f"the headers differ: {current_header!r} and {derived_header!r}")
    ending = current_header[len(current_header.rstrip("\r\n")):]
    column = next(csv.reader([current_header])).index("source")
    replaced = set(sources)
    kept = [row for row in current_rows if next(csv.reader([row]))[column] not in replaced]
    derived_rows = [row.rstrip("\r\n") + ending for row in derived_rows]
    return "".join([current_header, *derived_rows, *kept]).encode("utf-8")


def _header_and_rows(data: bytes) -> tuple[str, list[str]]:
    """The header record and the row records of a CSV, each with its own line end (a quoted field may hold line
    breaks: a record ends where the quotes are balanced)."""
    records, record = [], ""
    for line in io.StringIO(data.decode("utf-8"), newline=""):
        record += line
        if record.count('"') % 2 == 0:
            records.append(record)
            record = ""
    if record:
        records.append(record)
    if not records:
        raise ValueError("an events file needs a header line")
    if not records[-1].endswith("\n"):
        records[-1] += "\r\n" if records[0].endswith("\r\n") else "\n"
    return records[0], records[1:]
