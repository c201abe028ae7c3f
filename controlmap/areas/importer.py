"""The import of a map series: every placed settlement's state in every snapshot → events (its first state and every
counted change), each row naming the snapshot it was read from.

A *preset* (controlmap/presets/<name>.json, or any JSON file of the same shape) says how to read one
publisher's archives: which file names are snapshots and when each was published, and how each feature is
classified into `ru`, `contested`, `ua` or `ignore` (by its name and fill colour; first matching rule wins).

For every snapshot, every settlement with a real point (`coord_quality` in OWN_POINT_QUALITIES) is tested
against the classified features: inside a feature → that feature's class (`precedence` decides where classes
overlap); inside none → the preset's `outside` status. Each settlement's sequence of states is then cleaned of
edge flicker (FlickerRule) and turned into events: its first state and every change, one row each, dated the
UTC day of the snapshot that first showed it, written when a snapshot confirms it (Tracker).

Settlements without a real point (placed at their hromada's centre, or not at all) get no rows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from controlmap import csvtext
from controlmap.areas import reader
from controlmap.areas.classify import NOT_OCCUPIED, NOT_SEEN, classify_layer, point_states
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
    the last snapshot read so far). A change that does not count is read as "the previous counted state
    goes on": a polygon edge crossing a village back and forth makes no rows, a grey stage of a few hours
    between occupied and liberated is skipped, and a change in the last snapshots waits for confirmation.

    A settlement's first state (before anything is counted for it) counts once it held `first_days` days: the
    first weeks of a series were drawn coarsely, and a first state the map itself corrects within days is no
    evidence against the statements before the series began. 0: the first snapshot's state counts at once (one
    uploaded layer). With `min_days` ≥ 1 no settlement gets two rows on one day."""

    min_snapshots: int = 2
    min_days: float = 1.0
    first_days: float = 7.0

    def describe(self) -> str:
        first = ("the first snapshot's state always counts" if not self.first_days else
                 f"a settlement's first state counts once it held {self.first_days:g} days")
        return (f"a change counts once the new state held for at least {self.min_snapshots} consecutive "
                f"snapshots and {self.min_days:g} day(s); {first}")


NONE = -1  # no state yet
# A jump is judged by its share of the settlements only from this many settlements on (a tiny region may change
# whole).
MIN_JUMP = 10


@dataclass
class Tracker:
    """Every placed settlement's state through a series of snapshots, one snapshot at a time: what was counted,
    and the run of equal states it is in now (its first snapshot, how many snapshots, since when). An import is
    one tracker fed every snapshot; an update continues the tracker its last run saved (controlmap.areas.state),
    so that updating day by day gives exactly the rows one import gives."""

    rule: FlickerRule
    counted: np.ndarray  # int8 status code counted last, NONE before the first
    run_status: np.ndarray  # int8 status code of the current run, NONE before the first snapshot
    run_start: np.ndarray  # float64 hours (since the epoch) of the run's first snapshot
    run_count: np.ndarray  # int32 snapshots in the run
    run_snapshot: list[Snapshot | None]  # the run's first snapshot (what a row for it names)

    @classmethod
    def empty(cls, n: int, rule: FlickerRule) -> Tracker:
        return cls(rule, np.full(n, NONE, np.int8), np.full(n, NONE, np.int8), np.zeros(n), np.zeros(n, np.int32),
                   [None] * n)

    @property
    def pending(self) -> np.ndarray:
        """Settlements whose current run is not (yet) what was counted."""
        return (self.run_status != NONE) & (self.run_status != self.counted)

    def add(self, snapshot: Snapshot, states: np.ndarray) -> list[tuple[int, int, Snapshot]]:
        """Feeds one snapshot's states (status codes, NOT_OCCUPIED resolved; NOT_SEEN where the snapshot does not
        show the settlement, which leaves its run as it is); returns the rows it confirms, as (settlement, status
        code, the snapshot whose day and file the row names), in settlement order."""
        hours = snapshot.time.timestamp() / 3600
        shown = states != NOT_SEEN
        seen = self.run_status != NONE
        changed = seen & shown & (states != self.run_status)
        out: list[tuple[int, int, Snapshot]] = []
        # A run that ends here is judged by how long it lasted: to this snapshot, the first showing another state.
        closing = changed & self._stable(self.run_count, hours - self.run_start) & (self.run_status != self.counted)
        for i in np.flatnonzero(closing):
            out.append((int(i), int(self.run_status[i]), self.run_snapshot[i]))  # type: ignore[arg-type]
        self.counted = np.where(closing, self.run_status, self.counted)
        starting = (changed | ~seen) & shown
        for i in np.flatnonzero(starting):
            self.run_snapshot[i] = snapshot
        self.run_status = np.where(starting, states, self.run_status).astype(np.int8)
        self.run_start = np.where(starting, hours, self.run_start)
        self.run_count = np.where(starting, 1, self.run_count + shown).astype(np.int32)
        # A run that goes on counts once it held long enough (judged when a snapshot shows it).
        going = shown & self._stable(self.run_count, hours - self.run_start) & (self.run_status != self.counted)
        for i in np.flatnonzero(going):
            out.append((int(i), int(self.run_status[i]), self.run_snapshot[i]))  # type: ignore[arg-type]
        self.counted = np.where(going, self.run_status, self.counted)
        return sorted(out, key=lambda row: row[0])

    def _stable(self, count: np.ndarray, held_hours: np.ndarray) -> np.ndarray:
        # First states are judged by `first_days` (0: at once); later changes by the snapshots and days held.
        first = self.counted == NONE
        later = (count >= self.rule.min_snapshots) & (held_hours >= self.rule.min_days * 24 - 1e-9)
        return np.where(first, held_hours >= self.rule.first_days * 24 - 1e-9, later)


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
    counted_changes: int = 0
    settlements_changed: set = field(default_factory=set)
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
    events: pd.DataFrame  # OUTPUT_COLUMNS, in the order the snapshots confirmed them
    report: ImportReport
    states: np.ndarray  # (snapshots, placed settlements) status codes read
    snapshots: list[Snapshot]
    placed: pd.DataFrame
    tracker: Tracker  # where every settlement stands after the last snapshot (what an update continues)

    def csv(self) -> str:
        return events_csv(self.events)


def import_areas(snapshots: Sequence[Snapshot], settlements: pd.DataFrame, preset: Preset,
                 commits: dict[str, str] | None = None, rule: FlickerRule = FlickerRule(),
                 progress: Progress | None = None, tracker: Tracker | None = None,
                 max_change_share: float | None = None) -> ImportResult:
    """Every placed settlement's state in every snapshot → events: each state the flicker rule counts, one row,
    written in the order the snapshots confirm them (then settlement order), so that an import continued later
    (`tracker`, the state an earlier import ended in) appends exactly the rows one import over all the snapshots
    gives. Raises SnapshotError for a snapshot that cannot be read, holds no recognised area or changes more than
    `max_change_share` (default: the preset's) of the settlements at once."""
    placed, without_point = placed_settlements(settlements)
    report = ImportReport(snapshots=len(snapshots), settlements=len(settlements), placed=len(placed),
                          without_point=without_point, flicker_rule=rule.describe())
    report.per_series.update(s.series.id for s in snapshots)
    if snapshots:
        report.first, report.last = snapshots[0].describe(), snapshots[-1].describe()
    tracker = tracker if tracker is not None else Tracker.empty(len(placed), rule)
    limit = preset.max_change_share if max_change_share is None else max_change_share
    pending_before = int(tracker.pending.sum())
    states = np.zeros((len(snapshots), len(placed)), dtype=np.int8)
    rows, grey = [], np.zeros(len(placed), dtype=bool)
    for i, (snapshot, raw) in enumerate(zip(snapshots, read_states(snapshots, placed, preset, report, progress),
                                            strict=True)):
        resolved, kept_grey = continue_grey(raw, tracker.run_status, preset)
        grey |= kept_grey
        changed = (tracker.run_status != NONE) & (resolved != NOT_SEEN) & (resolved != tracker.run_status)
        report.raw_changes += int(changed.sum())
        if changed.sum() > max(limit * len(placed), MIN_JUMP):
            raise SnapshotError(snapshot, reader.LayerFileError(
                f"{int(changed.sum()):,} of the {len(placed):,} placed settlements change state in this one snapshot "
                f"(more than {limit:.0%}): an implausible jump", "if the map really changed so much, run again with "
                "a higher --max-change-share", code="implausible_jump"))
        before = tracker.counted.copy()
        for settlement, code, first in tracker.add(snapshot, resolved):
            rows.append(_row(placed.iloc[settlement], first, STATUSES[code], preset, commits or {}))
            if before[settlement] != NONE:
                report.counted_changes += 1
                report.settlements_changed.add(str(placed.katottg.iloc[settlement]))
            before[settlement] = code
        states[i] = resolved
    report.rows = len(rows)
    report.settlements_with_change = len(report.settlements_changed)
    report.pending = int(tracker.pending.sum())
    report.flicker_removed = max(0, report.raw_changes - report.counted_changes - report.pending + pending_before)
    report.grey_continued = int(grey.sum())
    return ImportResult(pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS)), report, states, list(snapshots), placed,
                        tracker)


def read_states(snapshots: Sequence[Snapshot], placed: pd.DataFrame, preset: Preset,
                report: ImportReport | None = None, progress: Progress | None = None) -> Iterator[np.ndarray]:
    """Each snapshot's raw status codes (NOT_OCCUPIED where an archive without grey zone shows no occupation), one
    snapshot at a time."""
    points = shapely.points(placed.lon.to_numpy(float), placed.lat.to_numpy(float))
    tree = shapely.STRtree(points)
    bounds = _bounds(points)
    for i, snapshot in enumerate(snapshots):
        try:
            layer = classify_layer(read_layer(snapshot.file, bounds), snapshot.series, preset)
        except reader.LayerFileError as error:
            raise SnapshotError(snapshot, error) from None
        if not any(layer.geometries.values()):
            raise SnapshotError(snapshot, _nothing_recognised(snapshot, preset))
        if report is not None:
            report.unrecognised.update(layer.unrecognised)
            if layer.repaired:
                report.repaired_snapshots += 1
                report.repaired_polygons += len(layer.repaired)
                envelopes = shapely.envelope(np.asarray([polygon for polygon, _ in layer.repaired], dtype=object))
                report.repaired_settlements += len(np.unique(tree.query(envelopes, predicate="intersects")[1]))
        yield point_states(points, tree, layer, preset, snapshot.series.grey_zone,
                           not snapshot.series.coarse(snapshot.time))
        if progress is not None:
            progress(i + 1, len(snapshots))


def _nothing_recognised(snapshot: Snapshot, preset: Preset) -> reader.LayerFileError:
    """Why a snapshot gives no area near the settlements: none of its areas is recognised (the publisher may have
    changed its format), or all that are lie away from the settlements (read again, whole, to tell)."""
    whole = classify_layer(read_layer(snapshot.file), snapshot.series, preset)
    if any(whole.geometries.values()):
        return reader.LayerFileError(
            "every area of the snapshot the preset recognises lies away from the settlements: it is not a map of "
            "this region, or not in longitude and latitude", "check the file and its coordinate system",
            code="layer_outside_oblast")
    return reader.LayerFileError(
        f"no area of the snapshot is one the preset '{preset.name}' recognises as ru, contested or ua "
        f"({sum(whole.unrecognised.values()):,} polygons match no rule): the publisher may have changed its format",
        "check the preset's rules against the file (controlmap/areas/presets/README.md)",
        code="no_recognised_feature")


def continue_grey(states: np.ndarray, previous: np.ndarray, preset: Preset) -> tuple[np.ndarray, np.ndarray]:
    """(states with NOT_OCCUPIED resolved, where it was kept contested): `contested` where the settlement's state in
    the snapshot before (`previous`) was `contested`, else the preset's `outside` status."""
    contested, outside = STATUS_CODE["contested"], STATUS_CODE[preset.outside]
    unknown = states == NOT_OCCUPIED
    grey = unknown & (previous == contested)
    return np.where(grey, contested, np.where(unknown, outside, states)).astype(np.int8), grey


def _bounds(points: np.ndarray) -> tuple[float, float, float, float] | None:
    if not len(points):
        return None
    west, south, east, north = shapely.total_bounds(points)
    m = BOUNDS_MARGIN_DEG
    return west - m, south - m, east + m, north + m


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
    """An events file made of ``current``'s rows whose source is none of ``sources`` (the rows an earlier derivation
    wrote), then the ``derived`` rows. ``current``'s rows keep their bytes; derived rows are written in its columns
    (the derived file's columns must be among them) and line ends. Both must be UTF-8 events CSVs.

    Derived rows come last, in the order their snapshots confirmed them, so that an update (which appends the rows
    of newer snapshots) continues the file exactly as a derivation over all the snapshots writes it. Line order decides
    nothing between statements (controlmap.timeline.engine ranks them)."""
    current_header, current_rows = _header_and_rows(current)
    derived_header, derived_rows = _header_and_rows(derived)
    columns = next(csv.reader([current_header]))
    derived_columns = next(csv.reader([derived_header]))
    missing = [c for c in derived_columns if c not in columns]
    if missing:
        raise ValueError(f"the events file has no column {', '.join(missing)} of the derived rows")
    ending = current_header[len(current_header.rstrip("\r\n")):]
    column = columns.index("source")
    replaced = set(sources)
    kept = [row for row in current_rows if next(csv.reader([row]))[column] not in replaced]
    derived_records = [dict(zip(derived_columns, next(csv.reader([row])), strict=True)) for row in derived_rows]
    derived_text = csvtext.write_rows([[record.get(c, "") for c in columns] for record in derived_records],
                                      terminator=ending or "\n")
    return "".join([current_header, *kept, derived_text]).encode("utf-8")


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
