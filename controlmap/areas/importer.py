"""The import of a map series: every placed settlement's state in every snapshot → events (its first state and every
counted change), each row naming the snapshot it was read from.

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

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from controlmap import csvtext
from controlmap.areas import reader
from controlmap.areas.classify import NOT_OCCUPIED, classify_layer, point_states
from controlmap.areas.preset import Preset
from controlmap.areas.snapshots import Snapshot, SnapshotError, read_layer
from controlmap.model import DERIVED_NOTE_PREFIX, OWN_POINT_QUALITIES, STATUS_CODE, STATUSES

OUTPUT_COLUMNS = ("date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote", "note")


# A margin (degrees) around the settlements' points: features are read only where they can matter.
BOUNDS_MARGIN_DEG = 0.02


def placed_settlements(settlements: pd.DataFrame) -> tuple[pd.DataFrame, Counter]:
    """(settlements with a real point, in gazetteer order; coord_quality → count of those without one)."""
    real = settlements.coord_quality.isin(OWN_POINT_QUALITIES) & settlements.lat.notna() & settlements.lon.notna()
    skipped = Counter(settlements.coord_quality[~real].replace("", "none"))
    return settlements[real].reset_index(drop=True), skipped


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
        except reader.LayerFileError as error:
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
