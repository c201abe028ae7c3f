"""Control at any date, with each claimant's statements kept apart.

Rules (data/README.md states them for users):
- Statements are ordered by `date`, the day the stated state began. On one day: a statement about the settlement
  itself ranks above one about the area it lies in (`scope`), a researched statement above a row of a map series,
  which ranks above a map's restatement (below), a later `reported` above an earlier one, and a later line above
  an earlier one.
- Per claimant (ua, ru, independent): its latest statement on or before the date.
- Displayed status: the latest statement among the included claimants. Of the claimants' statements of one day, one
  about the settlement outranks one about its area; then an independent assessment wins over officials' claims;
  Ukrainian and Russian officials contradicting each other that day (and no independent word) → `contested`.
- A map series (a publisher's dated maps, recorded in sources.json) speaks on every snapshot it covers, not only
  on the days its rows were written: where another statement contradicts the state of the series' latest row, the
  series restates that row on its next covered day (controlmap.timeline.observations).
- Baseline: on 2022-02-24 every settlement was Ukrainian-held, except those the region names as held by Russia
  since 2014 (the gazetteer's baseline, from region.json). The baseline is a rule, not rows: it applies to every
  settlement until its first included statement. Before it: `unknown`.
  With `baseline=False`, settlements with no statement are `unknown`.
- Disputed: among the included claimants' latest statements that are no more than `window` days older
  than the newest of them, at least two statuses differ.

Each settlement's timeline is computed once, vectorised, as runs (from day d on: status, disputed,
responsible statement); any date is then a binary search.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import TypeAlias

import numpy as np
import pandas as pd

from controlmap.events.sources import Coverage
from controlmap.geo.gazetteer import Gazetteer
from controlmap.model import BASELINE_DATE, CLAIMANTS, STATUS_CODE, STATUSES
from controlmap.timeline import observations

DEFAULT_WINDOW_DAYS = 30
UNKNOWN, UA, RU, CONTESTED = (STATUS_CODE[s] for s in STATUSES)
CLAIMANT_CODE = {c: i for i, c in enumerate(CLAIMANTS)}
INDEPENDENT = CLAIMANT_CODE["independent"]
NO_DAY = np.iinfo(np.int32).min // 2
EPOCH = np.datetime64("1970-01-01", "D")
# A date as the engine takes it: a date, an ISO string, a pandas Timestamp; lookups also take an engine day.
DateLike: TypeAlias = date | str | pd.Timestamp | np.datetime64
When: TypeAlias = DateLike | int | np.integer
Claimants: TypeAlias = Sequence[str]


def to_day(value: DateLike) -> int:
    """Days since 1970-01-01 (the engine's internal date)."""
    return int((np.datetime64(pd.Timestamp(value).date(), "D") - EPOCH).astype(int))  # type: ignore[attr-defined]


def from_day(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


@dataclass(frozen=True)
class StatementTable:
    """Valid events in engine form, in engine order (settlement, day, then the ranks of one day: scope, kind,
    reported, file line), plus the restatements of map series (controlmap.timeline.observations).

    The events frame itself is not copied: `rows` maps each statement to its row in `events` (a restatement to the
    row it restates), `origin` each statement to the real statement it is or restates.
    """

    settlement: np.ndarray  # gazetteer row
    day: np.ndarray
    claimant: np.ndarray
    status: np.ndarray
    rows: np.ndarray
    events: pd.DataFrame
    scope: np.ndarray  # 1: about the settlement, 0: about the area it lies in
    kind: np.ndarray  # 2: a statement, 1: a row of a map series, 0: a map's restatement of its row
    origin: np.ndarray
    last_covered_day: int | None = None  # the newest day a map series covers (the timeline runs to it at least)

    @classmethod
    def from_events(cls, events: pd.DataFrame, gazetteer: Gazetteer, coverages: Sequence[Coverage] = (),
                    window_days: int = DEFAULT_WINDOW_DAYS) -> "StatementTable":
        events = events.reset_index(drop=True)
        position = events.katottg.map(gazetteer.position).to_numpy(dtype=float, na_value=-1).astype(np.int64)
        known = np.flatnonzero(position >= 0)
        day = _days(events.date.to_numpy()[known])
        reported_text = events["reported"].to_numpy()[known] if "reported" in events else np.array([""] * len(known))
        reported = np.where(reported_text == "", day, _days(np.where(reported_text == "", "1970-01-01",
                                                                      reported_text)))
        scope_text = events["scope"].to_numpy()[known] if "scope" in events else np.array([""] * len(known))
        scope = np.where(scope_text == "", observations.SETTLEMENT, observations.AREA)
        claimant = events.claimed_by.map(CLAIMANT_CODE).to_numpy(np.int64)[known]
        source = events.source.to_numpy()[known].astype(object)
        kind = np.where(observations.series_rows(claimant, source, coverages), observations.SERIES_ROW,
                        observations.STATEMENT)
        line = events.line.to_numpy(np.int64)[known] if "line" in events else known
        settlement = position[known]
        order = np.lexsort((line, reported, kind, scope, day, settlement))
        real = observations.Sorted(settlement[order], day[order], claimant[order],
                                   events.status.map(STATUS_CODE).to_numpy(np.int64)[known][order], scope[order],
                                   kind[order], reported[order], line[order], source[order])
        made = observations.restatements(real, coverages, gazetteer.settlements.katottg.to_numpy(), window_days)
        n_real = len(order)
        settlement_all = np.concatenate([real.settlement, made.settlement])
        day_all = np.concatenate([real.day, made.day])
        scope_all = np.concatenate([real.scope, np.full(len(made), observations.SETTLEMENT)])
        kind_all = np.concatenate([real.kind, np.full(len(made), observations.RESTATEMENT)])
        reported_all = np.concatenate([real.reported, made.day])
        line_all = np.concatenate([real.line, real.line[made.origin]])
        final = np.lexsort((line_all, reported_all, kind_all, scope_all, day_all, settlement_all))
        origin_before = np.concatenate([np.arange(n_real), made.origin])[final]
        place = np.empty(len(final), np.int64)
        place[final] = np.arange(len(final))
        covered = [int(c.days[-1]) for c in coverages if len(c.days)]
        return cls(
            settlement=settlement_all[final].astype(np.int32),
            day=day_all[final].astype(np.int32),
            claimant=np.concatenate([real.claimant, made.claimant])[final].astype(np.int8),
            status=np.concatenate([real.status, made.status])[final].astype(np.int8),
            rows=known[order][origin_before],
            events=events,
            scope=scope_all[final].astype(np.int8),
            kind=kind_all[final].astype(np.int8),
            origin=place[origin_before],
            last_covered_day=max(covered) if covered else None,
        )

    def __len__(self) -> int:
        return len(self.day)

    def value(self, column: str, index: int) -> object:
        return self.events[column].iat[int(self.rows[index])]

    def frame_of(self, indices: Sequence[int] | np.ndarray) -> pd.DataFrame:
        return self.events.iloc[self.rows[np.asarray(indices, dtype=np.int64)]]

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The statements as a frame, in statement order (built only when asked for)."""
        return self.events.iloc[self.rows].reset_index(drop=True)

    @cached_property
    def source_text(self) -> np.ndarray:
        """Each statement's source as text, in statement order (computed once: lookups index it)."""
        return _object_array(str(v) for v in self.events["source"].to_numpy()[self.rows])

    @cached_property
    def url_text(self) -> np.ndarray:
        """Each statement's URL as text ("" for none), in statement order."""
        return _object_array(str(v) for v in self.events["url"].to_numpy()[self.rows])

    @cached_property
    def date_text(self) -> np.ndarray:
        """Each statement's date in ISO form, in statement order."""
        return _object_array(pd.Timestamp(v).date().isoformat() for v in self.events["date"].iloc[self.rows])


def _days(values: np.ndarray) -> np.ndarray:
    return (values.astype("datetime64[D]") - EPOCH).astype(np.int64)


def _object_array(values: Iterable[object]) -> np.ndarray:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


@dataclass(frozen=True)
class Runs:
    """Per settlement, from `day` on: displayed status, disputed flag, responsible statement (-1: baseline)."""

    start: np.ndarray  # CSR offsets, len n_settlements + 1
    settlement: np.ndarray
    day: np.ndarray
    status: np.ndarray
    disputed: np.ndarray
    since: np.ndarray
    statement: np.ndarray


@dataclass(frozen=True)
class State:
    """Every settlement at one date."""

    day: int
    status: np.ndarray
    disputed: np.ndarray
    since: np.ndarray  # day, or NO_DAY
    statement: np.ndarray  # index into the statement table, -1 baseline or none


# The columns of ``Timeline.changes``, in order.
CHANGE_COLUMNS = ("katottg", "name_en", "name_uk", "from_status", "to_status", "from_source", "to_source", "to_date",
                  "to_url")
STATUS_NAMES = np.array(STATUSES, dtype=object)


class Timeline:
    def __init__(self, gazetteer: Gazetteer, statements: StatementTable, claimants: Claimants = CLAIMANTS,
                 window_days: int = DEFAULT_WINDOW_DAYS, baseline: bool = True) -> None:
        self.gazetteer = gazetteer
        self.statements = statements
        self.claimants = tuple(c for c in CLAIMANTS if c in claimants)
        self.window_days = window_days
        self.baseline = baseline
        self.runs = self._build_runs()
        self._keys = self.runs.settlement.astype(np.int64) * (1 << 32) + (self.runs.day.astype(np.int64) - NO_DAY)

    # ------------------------------------------------------------ precompute

    def _build_runs(self) -> Runs:
        n = len(self.gazetteer)
        st = self.statements
        included = np.isin(st.claimant, [CLAIMANT_CODE[c] for c in self.claimants])
        idx = np.flatnonzero(included)
        settlement, day = st.settlement[idx], st.day[idx]
        latest = self._latest_per_claimant(idx, settlement)
        is_last_of_day = np.ones(len(idx), bool)
        is_last_of_day[:-1] = (settlement[1:] != settlement[:-1]) | (day[1:] != day[:-1])
        ends = np.flatnonzero(is_last_of_day)
        status, disputed, responsible = self._decide(latest[:, ends], day[ends])
        run_settlement, run_day = settlement[ends], day[ends]
        if self.baseline:
            run_settlement, run_day, status, disputed, responsible = self._with_baseline(
                n, run_settlement, run_day, status, disputed, responsible)
        order = np.lexsort((run_day, run_settlement))
        return self._compress(n, run_settlement[order], run_day[order], status[order], disputed[order],
                              responsible[order])

    def _with_baseline(self, n, settlement, day, status, disputed, responsible):
        """Adds the 2022-02-24 baseline run to every settlement with no statement on or before that day."""
        base_day = to_day(BASELINE_DATE)
        first_day = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_day, settlement, day)
        needs = np.flatnonzero(first_day > base_day)
        return (np.concatenate([settlement, needs]),
                np.concatenate([day, np.full(len(needs), base_day)]),
                np.concatenate([status, self.gazetteer.baseline_codes[needs].astype(status.dtype)]),
                np.concatenate([disputed, np.zeros(len(needs), bool)]),
                np.concatenate([responsible, np.full(len(needs), -1)]))

    def _latest_per_claimant(self, idx: np.ndarray, settlement: np.ndarray) -> np.ndarray:
        """For each included statement: index of each claimant's latest statement so far (-1 none)."""
        st = self.statements
        group_start = np.zeros(len(idx), np.int64)
        if len(idx):
            new_group = np.ones(len(idx), bool)
            new_group[1:] = settlement[1:] != settlement[:-1]
            group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(idx)), 0))
        latest = np.full((len(CLAIMANTS), len(idx)), -1, np.int32)
        positions = np.arange(len(idx), dtype=np.int32)
        for code in range(len(CLAIMANTS)):
            own = np.where(st.claimant[idx] == code, positions, -1)
            running = np.maximum.accumulate(own) if len(idx) else own
            valid = running >= group_start
            latest[code] = np.where(valid, idx[np.maximum(running, 0)], -1)
        return latest

    def _decide(self, latest: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        st = self.statements
        has = latest >= 0
        claim_day = np.where(has, st.day[np.maximum(latest, 0)], NO_DAY)
        claim_status = np.where(has, st.status[np.maximum(latest, 0)], UNKNOWN)
        claim_scope = np.where(has, st.scope[np.maximum(latest, 0)], -1)
        newest = claim_day.max(axis=0)
        on_newest = has & (claim_day == newest)
        # Of one day's statements, those about the settlement itself outrank those about its area.
        on_newest &= claim_scope == np.where(on_newest, claim_scope, -1).max(axis=0)
        ua, ru, ind = (on_newest[CLAIMANT_CODE[c]] for c in CLAIMANTS)
        status = np.where(ind, claim_status[INDEPENDENT], np.where(ua, claim_status[0], claim_status[1]))
        officials_disagree = ~ind & ua & ru & (claim_status[0] != claim_status[1])
        status = np.where(officials_disagree, CONTESTED, status)
        responsible = np.where(ind, latest[INDEPENDENT], np.where(ua, latest[0], latest[1]))
        responsible = np.where(responsible >= 0, st.origin[np.maximum(responsible, 0)], -1)
        recent = has & (claim_day >= newest - self.window_days)
        lowest = np.where(recent, claim_status, 99).min(axis=0)
        highest = np.where(recent, claim_status, -1).max(axis=0)
        disputed = recent.sum(axis=0) > 1
        disputed &= lowest != highest
        return status, disputed, responsible

    @staticmethod
    def _compress(n: int, settlement: np.ndarray, day: np.ndarray, status: np.ndarray, disputed: np.ndarray,
                  responsible: np.ndarray) -> Runs:
        changed = np.ones(len(day), bool)
        same_settlement = settlement[1:] == settlement[:-1]
        changed[1:] = ~same_settlement | (status[1:] != status[:-1]) | (disputed[1:] != disputed[:-1]) | (
            responsible[1:] != responsible[:-1])
        settlement, day, status, disputed, responsible = (
            a[changed] for a in (settlement, day, status, disputed, responsible))
        status_starts = np.ones(len(day), bool)
        status_starts[1:] = (settlement[1:] != settlement[:-1]) | (status[1:] != status[:-1])
        since = day[np.maximum.accumulate(np.where(status_starts, np.arange(len(day)), 0))] if len(day) else day
        start = np.searchsorted(settlement, np.arange(n + 1))
        return Runs(start, settlement, day, status, disputed, since, responsible)

    # ------------------------------------------------------------ lookups

    def state_at(self, when: When) -> State:
        day = when if isinstance(when, (int, np.integer)) else to_day(when)
        n = len(self.runs.start) - 1  # the gazetteer's settlements, without asking its frame
        keys = np.arange(n, dtype=np.int64) * (1 << 32) + (day - NO_DAY)
        run = np.searchsorted(self._keys, keys, side="right") - 1
        valid = (run >= 0) & (self.runs.settlement[np.maximum(run, 0)] == np.arange(n))
        safe = np.maximum(run, 0)
        return State(
            day=int(day),
            status=np.where(valid, self.runs.status[safe], UNKNOWN),
            disputed=np.where(valid, self.runs.disputed[safe], False),
            since=np.where(valid, self.runs.since[safe], NO_DAY),
            statement=np.where(valid, self.runs.statement[safe], -1),
        )

    def claims_at(self, when: When) -> np.ndarray:
        """(3, n) index of each claimant's latest statement on or before the date (-1 none)."""
        day = when if isinstance(when, (int, np.integer)) else to_day(when)
        st = self.statements
        n = len(self.gazetteer)
        out = np.full((len(CLAIMANTS), n), -1, np.int64)
        for code in range(len(CLAIMANTS)):
            idx = np.flatnonzero(st.claimant == code)
            keys = st.settlement[idx].astype(np.int64) * (1 << 32) + (st.day[idx].astype(np.int64) - NO_DAY)
            wanted = np.arange(n, dtype=np.int64) * (1 << 32) + (day - NO_DAY)
            pos = np.searchsorted(keys, wanted, side="right") - 1
            ok = (pos >= 0) & (st.settlement[idx][np.maximum(pos, 0)] == np.arange(n)) if len(idx) else pos >= 0
            out[code] = np.where(ok, idx[np.maximum(pos, 0)] if len(idx) else -1, -1)
        return out

    # ------------------------------------------------------------ figures

    def area_by_status(self, state: State) -> dict[str, float]:
        sums = np.bincount(state.status, weights=self.gazetteer.areas, minlength=len(STATUSES))
        return {name: round(float(sums[code]), 1) for code, name in enumerate(STATUSES)}

    def count_by_status(self, state: State) -> dict[str, int]:
        counts = np.bincount(state.status, minlength=len(STATUSES))
        return {name: int(counts[code]) for code, name in enumerate(STATUSES)}

    @cached_property
    def span(self) -> tuple[int, int]:
        """First and last day worth showing: the baseline (or first statement) to the last statement, or to the
        newest day a map series covers when that is later."""
        days = self.statements.day
        first = min([to_day(BASELINE_DATE)] + ([int(days.min())] if len(days) else []))
        last = max([first] + ([int(days.max())] if len(days) else []))
        if self.statements.last_covered_day is not None:
            last = max(last, self.statements.last_covered_day)
        return first, last

    @cached_property
    def change_days(self) -> np.ndarray:
        """Days on which any displayed status, disputed flag or responsible statement changes."""
        return np.unique(self.runs.day)

    def daily_series(self, first: int | None = None, last: int | None = None) -> pd.DataFrame:
        """Settlements and km² per status for every day of the span."""
        first = self.span[0] if first is None else first
        last = self.span[1] if last is None else last
        n_days = last - first + 1
        runs = self.runs
        run_end = np.append(runs.day[1:], 0)
        is_last = np.append(runs.settlement[1:] != runs.settlement[:-1], True)
        run_end = np.where(is_last, last + 1, run_end)
        begin = np.clip(runs.day, first, last + 1) - first
        end = np.clip(run_end, first, last + 1) - first
        counts = np.zeros((n_days + 1, len(STATUSES)))
        areas = np.zeros((n_days + 1, len(STATUSES)))
        weight = self.gazetteer.areas[runs.settlement]
        np.add.at(counts, (begin, runs.status), 1)
        np.add.at(counts, (end, runs.status), -1)
        np.add.at(areas, (begin, runs.status), weight)
        np.add.at(areas, (end, runs.status), -weight)
        counts, areas = counts.cumsum(axis=0)[:n_days], areas.cumsum(axis=0)[:n_days]
        never_started = len(self.gazetteer) - counts.sum(axis=1)
        counts[:, UNKNOWN] += never_started
        areas[:, UNKNOWN] += self.gazetteer.areas.sum() - areas.sum(axis=1)
        dates = pd.date_range(from_day(first), periods=n_days, freq="D")
        frame = pd.DataFrame({"date": dates})
        for code, name in enumerate(STATUSES):
            frame[f"{name}_settlements"] = np.rint(counts[:, code]).astype(int)
            frame[f"{name}_km2"] = np.round(areas[:, code], 1) + 0.0
        return frame

    # ------------------------------------------------------------ tables

    def statement_record(self, index: int) -> dict | None:
        if index < 0:
            return None
        row = self.statements.events.iloc[int(self.statements.rows[int(index)])]
        return {"status": row.status, "date": pd.Timestamp(row.date).date().isoformat(), "source": row.source,
                "url": row.url or None, "claimed_by": row.claimed_by, "quote": row.quote or None}

    def snapshot(self, when: When) -> pd.DataFrame:
        state = self.state_at(when)
        s = self.gazetteer.settlements
        frame = pd.DataFrame({
            "katottg": s.katottg, "name_en": s.name_en, "name_uk": s.name_uk,
            "status": [STATUSES[c] for c in state.status],
            "since": [from_day(d).isoformat() if d != NO_DAY else "" for d in state.since],
            "disputed": state.disputed.astype(bool),
        })
        frame["source"] = [self._source_text(i, k) if since != NO_DAY else ""
                           for k, (i, since) in enumerate(zip(state.statement, state.since, strict=True))]
        return frame

    def snapshot_claims(self, when: When) -> list[dict]:
        claims = self.claims_at(when)
        return [{c: self.statement_record(claims[code, i]) for code, c in enumerate(CLAIMANTS)}
                for i in range(len(self.gazetteer))]

    def _source_text(self, index: int, settlement: int) -> str:
        if index < 0:
            return self.baseline_source(settlement)
        return str(self.statements.source_text[index])

    def baseline_source(self, settlement: int) -> str:
        """The source of a settlement's baseline ("" with the baseline off)."""
        return str(self.gazetteer.baseline_sources[settlement]) if self.baseline else ""

    @staticmethod
    def _lookup(texts: np.ndarray, indices: np.ndarray, none: str | np.ndarray) -> np.ndarray:
        """``texts[i]`` for each statement index, ``none`` (one text, or one per index) for -1 (baseline or no
        statement)."""
        out = np.empty(len(indices), dtype=object)
        out[:] = none
        known = indices >= 0
        out[known] = texts[indices[known]]
        return out

    @cached_property
    def _names(self) -> dict[str, np.ndarray]:
        s = self.gazetteer.settlements
        return {column: s[column].to_numpy() for column in ("katottg", "name_en", "name_uk")}

    def _change_columns(self, first: When, second: When) -> dict[str, np.ndarray]:
        """The settlements that changed status between two dates as the columns of ``changes``, looked up by
        index in arrays computed once."""
        a, b = self.state_at(first), self.state_at(second)
        changed = np.flatnonzero(a.status != b.status)
        st = self.statements
        baseline = self.gazetteer.baseline_sources[changed] if self.baseline else ""
        return {
            **{column: values[changed] for column, values in self._names.items()},
            "from_status": STATUS_NAMES[a.status[changed]],
            "to_status": STATUS_NAMES[b.status[changed]],
            "from_source": self._lookup(st.source_text, a.statement[changed], baseline),
            "to_source": self._lookup(st.source_text, b.statement[changed], baseline),
            "to_date": self._lookup(st.date_text, b.statement[changed], BASELINE_DATE.isoformat()),
            "to_url": self._lookup(st.url_text, b.statement[changed], ""),
        }

    def changes(self, first: When, second: When) -> pd.DataFrame:
        """Settlements whose displayed status differs between two dates, with the statements responsible."""
        columns = self._change_columns(first, second)
        # The names as arrays, the rest as lists: the columns' types when nothing changed stay what they were.
        return pd.DataFrame({column: values if column in self._names else values.tolist()
                             for column, values in columns.items()})
