"""Map series as continuous observations: where a publisher's maps keep restating a settlement's state, they outrank
a later one-off statement, without a row per day.

A series of dated maps writes a row only where a settlement's state changes, yet every snapshot it publishes states
every covered settlement's state again. "The latest statement wins" would let one official claim override a map that
showed the opposite every day since. So, for every statement that competes with a series on a settlement (any
statement that is not one of its rows), the series *restates* what its claimant holds:

- on its last covered day before the competing statement (the map's last word, with which it may be in dispute),
- on its first covered day on or after the competing statement (after it, for a statement of the series' own
  claimant: a researched assessment outranks the map of its own day), and
- on its first covered day more than `window` days after it, so that a dispute with an official claim ends when the
  claim is older than the window, as it would with a map restated daily;

each only up to the newest snapshot the series read (for a settlement whose newest snapshots show a change not yet
confirmed, only up to that change): a statement after that meets the map's last word and is not outranked (while
the two are within the window of each other, the settlement is disputed). The engine's results are those of a map
written out as one row per covered day (tests/unit/test_observations.py compares the two).

What is restated is the series' latest row; but a series that cannot tell the grey zone from held ground (an
occupied-only archive) sees only "occupied" or "not occupied" at the settlement's point, so where a later statement
of its own claimant agrees with that (`ua` where the map shows no occupation, `ru` where it does, `contested` with
either: a town partly occupied, or grey ground outside the occupied area), that statement is restated instead: such
a map never turns an independent `contested` into `ua` or `ru`. Officials' claims the map does not confirm are
outranked from the map's next snapshot and stay visible as disputes.

A restatement is a statement of the series' claimant dated its day, pointing at the statement it restates (whose
date, source and file the Town history shows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from controlmap.events.sources import Coverage
from controlmap.model import CLAIMANTS, STATUS_CODE

RU = STATUS_CODE["ru"]
CONTESTED = STATUS_CODE["contested"]

# Ranks of statements of one day (higher wins): see controlmap.timeline.engine.
RESTATEMENT, SERIES_ROW, STATEMENT = 0, 1, 2
AREA, SETTLEMENT = 0, 1


@dataclass(frozen=True)
class Sorted:
    """Real statements in engine order (settlement, day, scope, kind, reported, line): what restatements are
    computed from."""

    settlement: np.ndarray
    day: np.ndarray
    claimant: np.ndarray
    status: np.ndarray
    scope: np.ndarray
    kind: np.ndarray
    reported: np.ndarray
    line: np.ndarray
    source: np.ndarray  # object array of text


@dataclass(frozen=True)
class Restatements:
    """Restatements to add: settlement, day, claimant, status, and the (sorted) real statement each restates."""

    settlement: np.ndarray
    day: np.ndarray
    claimant: np.ndarray
    status: np.ndarray
    origin: np.ndarray

    @classmethod
    def none(cls) -> Restatements:
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, empty, empty, empty)

    def __len__(self) -> int:
        return len(self.day)


def series_rows(claimant: np.ndarray, source: np.ndarray, coverages: Sequence[Coverage]) -> np.ndarray:
    """Which statements are rows of a covered map series (its claimant and one of its series' sources)."""
    out = np.zeros(len(claimant), bool)
    for coverage in coverages:
        if coverage.claimed_by in CLAIMANTS and coverage.sources:
            out |= (claimant == CLAIMANTS.index(coverage.claimed_by)) & np.isin(source, list(coverage.sources))
    return out


def restatements(table: Sorted, coverages: Sequence[Coverage], katottg: np.ndarray, window: int) -> Restatements:
    """The restatements every coverage makes (see the module doc); `katottg` gives each gazetteer row's code."""
    parts = []
    for coverage in coverages:
        if len(coverage.days) and coverage.claimed_by in CLAIMANTS:
            parts.append(_of_coverage(table, coverage, katottg, window))
    if not parts:
        return Restatements.none()
    return Restatements(*(np.concatenate([getattr(p, f) for p in parts]).astype(np.int64)
                          for f in ("settlement", "day", "claimant", "status", "origin")))


def _of_coverage(table: Sorted, coverage: Coverage, katottg: np.ndarray, window: int) -> Restatements:
    claimant = CLAIMANTS.index(coverage.claimed_by)
    own = (table.claimant == claimant) & np.isin(table.source, list(coverage.sources))
    with_rows = np.unique(table.settlement[own])
    with_others = np.unique(table.settlement[~own])
    out: list[tuple[int, int, int, int, int]] = []
    bounds = np.searchsorted(table.settlement, np.arange(len(katottg) + 1))
    days, grey = coverage.days, coverage.grey
    for s in np.intersect1d(with_rows, with_others):
        first, last = int(bounds[s]), int(bounds[s + 1])
        limit = int(days[-1])
        pending = coverage.pending_since.get(str(katottg[s]))
        if pending is not None:
            limit = min(limit, pending - 1)
        out += _of_settlement(table, first, last, own, claimant, days, grey, limit, window, int(s))
    if not out:
        return Restatements.none()
    columns = np.array(out, dtype=np.int64).T
    return Restatements(*columns)


def _of_settlement(table: Sorted, first: int, last: int, own: np.ndarray, claimant: int, days: np.ndarray,
                   grey: np.ndarray, limit: int, window: int, settlement: int) -> list[tuple[int, int, int, int, int]]:
    indices = range(first, last)
    rows = [i for i in indices if own[i]]
    row_days = np.array([table.day[i] for i in rows])
    # The claimant's own statements (the series' rows and any other statement of its claimant), in engine order.
    claimant_own = [i for i in indices if table.claimant[i] == claimant]
    claimant_days = np.array([table.day[i] for i in claimant_own])
    candidates = set()
    for i in indices:
        if own[i]:
            continue
        c = int(table.day[i])
        # The map's last word before the statement (so that a dispute with it shows), its first after it, and its
        # first once the statement is older than the window.
        before = int(np.searchsorted(days, min(c, limit), side="right")) - 1
        if before >= 0:
            candidates.add(int(days[before]))
        after = np.searchsorted(days, c, side="right" if table.claimant[i] == claimant else "left")
        if after < len(days):
            candidates.add(int(days[after]))
        if table.claimant[i] != claimant:
            expiry = np.searchsorted(days, c + window + 1, side="left")
            if expiry < len(days):
                candidates.add(int(days[expiry]))
    made: list[tuple[int, int, int, int, int]] = []
    for day in sorted(d for d in candidates if d <= limit):
        position = int(np.searchsorted(row_days, day, side="left"))
        if position == 0 or (position < len(row_days) and row_days[position] == day):
            continue  # the series has not spoken on this settlement yet, or its own row speaks that day
        row = rows[position - 1]
        latest = claimant_own[int(np.searchsorted(claimant_days, day, side="right")) - 1]
        said, origin = int(table.status[row]), row
        if not own[latest] and not grey[np.searchsorted(days, day)]:
            # A map without grey zone sees only "occupied" or not, at the settlement's point: a later assessment of
            # the same claimant that agrees with that is what is restated (contested agrees with either: a town
            # partly occupied, or grey ground outside the occupied area).
            stated = int(table.status[latest])
            if stated != said and (stated == CONTESTED or (stated == RU) == (said == RU)):
                said, origin = stated, latest
        made.append((settlement, day, claimant, said, origin))
    return made
