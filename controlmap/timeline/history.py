"""One settlement's record over time, and the event table searched and filtered: pure functions the pages call.

- `settlement_statements`: a settlement's statements, oldest first, one row each, claimants kept apart.
- `control_bands`: the periods of displayed control (and of each claimant's claims) as bands for a chart.
- `dispute_periods`: the periods in which the claimants' recent statements disagree (`disputed`).
- `latest_change`: the last day on which any displayed status changed, and the change day before it.
- `search_events` / `filter_events`: the event table narrowed by any name form, dates, claimants, statuses…
- `series_long`: `Timeline.daily_series()` reshaped for a chart.

Nothing here knows about Streamlit; strings returned may come from uploaded files and are never markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from controlmap.geo.resolve import Resolution, Resolver
from controlmap.model import CLAIMANTS, DERIVED_NOTE_PREFIX, STATUSES
from controlmap.timeline.engine import NO_DAY, DateLike, Timeline, When, from_day, to_day

DISPLAYED = "displayed"
DISPUTED = "disputed"
STATEMENT_COLUMNS = ["date", "reported", "scope", "claimed_by", "status", "source", "url", "quote", "note",
                     "settlement", "line"]
EVENT_EXPORT_COLUMNS = ["date", "katottg", "name_en", "name_uk", "settlement", "status", "claimed_by", "source",
                        "url", "quote", "note"]
BAND_COLUMNS = ["row", "start", "end", "status", "disputed", "source", "claimed_by", "date"]
SEARCH_TEXT_COLUMNS = ("source", "quote", "note", "settlement")

# The engine's rules (controlmap.timeline.engine), as the Town history explains them; data/README.md says the same
# with an example each.
RULES_TEXT = """\
- **A row states a state from a day on.** `date` is the day the state began; `reported`, where given, the day the
  statement was made (a resident said on 30 Apr 2022 that Kutuzivka had been occupied since 24 Feb: date 24 Feb,
  reported 30 Apr).
- **Each claimant speaks for itself.** Per claimant (Ukrainian officials, Russian officials, independent observers)
  its latest statement counts; the status shown is the latest of the included claimants'. Of one day's statements,
  one about the settlement itself outranks one about its hromada or raion (*about*), an independent assessment
  outranks officials' claims, and Ukrainian and Russian officials contradicting each other make it *contested*.
- **A map series speaks on every snapshot.** DeepStateMap's dated maps state every settlement's state on each day
  they cover, not only on the days a row was derived: an official claim the maps do not confirm is outranked from
  the next snapshot on and shows as a dispute. A map that draws only the occupied area (from August 2025) cannot tell
  grey ground from held ground: it never turns an independent assessment of *contested* into Ukrainian-held.
- **Disputed:** the included claimants' statements of the last 30 days disagree.
- **Before any statement:** the baseline: on 24 Feb 2022 Ukrainian-held, or Russian-held where the region names
  the settlement as held since 2014.
"""


# ---------------------------------------------------------------- one settlement

def settlement_info(settlements: pd.DataFrame, katottg: str) -> dict | None:
    """The gazetteer row of one settlement as a dict (None when the code is unknown)."""
    rows = settlements[settlements.katottg == katottg]
    if rows.empty:
        return None
    info = rows.iloc[0].to_dict()
    for coordinate in ("lat", "lon"):
        info[coordinate] = None if pd.isna(info.get(coordinate)) else float(info[coordinate])
    info["former_names"] = [n for n in str(info.get("former_names") or "").split("|") if n]
    return info


def settlement_statements(events: pd.DataFrame, katottg: str, claimants: Sequence[str] = CLAIMANTS) -> pd.DataFrame:
    """The settlement's statements by the given claimants, oldest first (file order within a day); `reported` and
    `scope` as given ("" when not)."""
    frame = events[(events.katottg == katottg) & events.claimed_by.isin(claimants)]
    sort = ["date", "line"] if "line" in frame else ["date"]
    frame = frame.sort_values(sort, kind="stable").reset_index(drop=True)
    out = pd.DataFrame({c: frame[c] if c in frame else pd.Series("", index=frame.index, dtype=object)
                        for c in STATEMENT_COLUMNS})
    out["date"] = pd.to_datetime(out["date"]).dt.date
    for column in ("reported", "scope", "source", "url", "quote", "note", "settlement"):
        out[column] = out[column].fillna("").astype(str)
    return out


def statement_about(scope: str, info: dict) -> str:
    """What a statement is about, in words: "the settlement", or the area its `scope` names (e.g.
    "Velykoburlutska hromada")."""
    if scope == "hromada":
        return f"{info.get('hromada_en') or 'its'} hromada"
    if scope == "raion":
        return f"{info.get('raion_en') or 'its'} raion"
    if scope == "area":
        return f"the area around {info.get('name_en') or 'the settlement'}"
    return "the settlement"


def statements_per_claimant(statements: pd.DataFrame, claimants: Sequence[str] = CLAIMANTS) -> dict[str, pd.DataFrame]:
    """`settlement_statements` split by claimant, in the order of `claimants` (every claimant present)."""
    return {c: statements[statements.claimed_by == c].reset_index(drop=True) for c in claimants}


def _merge(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Consecutive rows equal in `keys` become one, keeping the first row's other fields."""
    merged: list[dict] = []
    for row in rows:
        if merged and all(merged[-1][k] == row[k] for k in keys) and merged[-1]["end"] == row["start"]:
            merged[-1]["end"] = row["end"]
        else:
            merged.append(dict(row))
    return merged




def _end_day(timeline: Timeline, end: When | None) -> int:
    """Exclusive end of the last band: the day after `end` (default: the last day of the timeline's span)."""
    return (timeline.span[1] if end is None else to_day(end)) + 1


def displayed_bands(timeline: Timeline, katottg: str, end: When | None = None) -> list[dict]:
    """The settlement's displayed status as periods [start, end): split where the status or `disputed` changes."""
    i = timeline.gazetteer.position.get(katottg)
    if i is None:
        return []
    runs = timeline.runs
    first, last = int(runs.start[i]), int(runs.start[i + 1])
    stop = _end_day(timeline, end)
    rows = []
    for k in range(first, last):
        start = int(runs.day[k])
        finish = int(runs.day[k + 1]) if k + 1 < last else max(stop, start + 1)
        record = timeline.statement_record(int(runs.statement[k]))
        rows.append({"row": DISPLAYED, "start": start, "end": finish, "status": STATUSES[int(runs.status[k])],
                     "disputed": bool(runs.disputed[k]),
                     "source": record["source"] if record else timeline.baseline_source(i),
                     "claimed_by": record["claimed_by"] if record else "",
                     "date": record["date"] if record else ""})
    return _merge(rows, ("status", "disputed"))


def claimant_bands(timeline: Timeline, katottg: str, end: When | None = None) -> list[dict]:
    """Per included claimant: the status it claimed, from each statement until its next one."""
    i = timeline.gazetteer.position.get(katottg)
    if i is None:
        return []
    st = timeline.statements
    stop = _end_day(timeline, end)
    rows = []
    for code, claimant in enumerate(CLAIMANTS):
        if claimant not in timeline.claimants:
            continue
        idx = np.flatnonzero((st.settlement == i) & (st.claimant == code))
        if not len(idx):
            continue
        days = st.day[idx]
        # several statements of one claimant on one day: the one later in the file wins
        last_of_day = np.append(days[1:] != days[:-1], True)
        idx, days = idx[last_of_day], days[last_of_day]
        claimed = []
        for j, (k, day) in enumerate(zip(idx, days, strict=True)):
            finish = int(days[j + 1]) if j + 1 < len(days) else max(stop, int(day) + 1)
            record = timeline.statement_record(int(k))
            assert record is not None  # k is a statement of this settlement
            claimed.append({"row": claimant, "start": int(day), "end": finish, "status": record["status"],
                            "disputed": False, "source": record["source"], "claimed_by": claimant,
                            "date": record["date"]})
        rows += _merge(claimed, ("status",))
    return rows


def control_bands(timeline: Timeline, katottg: str, end: When | None = None) -> pd.DataFrame:
    """Bands for a chart: a row per included claimant and the `displayed` row; start/end as dates (end exclusive)."""
    rows = claimant_bands(timeline, katottg, end) + displayed_bands(timeline, katottg, end)
    frame = pd.DataFrame(rows, columns=BAND_COLUMNS)
    frame["start"] = [from_day(d) for d in frame.start]
    frame["end"] = [from_day(d) for d in frame.end]
    frame["disputed"] = frame.disputed.astype(bool)
    return frame


def dispute_periods(timeline: Timeline, katottg: str, end: When | None = None) -> pd.DataFrame:
    """Periods [start, end) in which the settlement is `disputed` under the timeline's claimants."""
    rows = [dict(b, row=DISPUTED) for b in displayed_bands(timeline, katottg, end) if b["disputed"]]
    rows = _merge([dict(r, status="") for r in rows], ("row",))
    frame = pd.DataFrame(rows, columns=BAND_COLUMNS)[["row", "start", "end", "source"]]
    frame["start"] = [from_day(d) for d in frame.start]
    frame["end"] = [from_day(d) for d in frame.end]
    return frame


def status_at(timeline: Timeline, katottg: str, when: When) -> dict | None:
    """Displayed status, disputed flag, since and the responsible statement of one settlement at a date."""
    i = timeline.gazetteer.position.get(katottg)
    if i is None:
        return None
    state = timeline.state_at(when)
    since = int(state.since[i])
    record = timeline.statement_record(int(state.statement[i]))
    return {"status": STATUSES[int(state.status[i])], "disputed": bool(state.disputed[i]),
            "since": None if since == NO_DAY else from_day(since), "statement": record,
            "source": record["source"] if record else timeline.baseline_source(i)}


def cell_feature(cells: dict, katottg: str) -> dict | None:
    """The settlement's Voronoi cell from a cells FeatureCollection (only exactly placed settlements have one)."""
    for feature in cells.get("features", []):
        if (feature.get("properties") or {}).get("katottg") == katottg:
            return feature
    return None


# ---------------------------------------------------------------- comparing dates

def status_change_days(timeline: Timeline) -> np.ndarray:
    """Days on which some settlement's displayed status changes (its first run counts as a change)."""
    runs = timeline.runs
    if not len(runs.day):
        return np.array([], dtype=np.int64)
    starts = np.ones(len(runs.day), bool)
    starts[1:] = (runs.settlement[1:] != runs.settlement[:-1]) | (runs.status[1:] != runs.status[:-1])
    return np.unique(runs.day[starts])


def latest_change(timeline: Timeline) -> tuple[date, date]:
    """(the status-change day before the last one, the last status-change day): the ends of the latest change.

    With a single change day (only the baseline) or none, the whole span."""
    days = status_change_days(timeline)
    if len(days) >= 2:
        return from_day(int(days[-2])), from_day(int(days[-1]))
    first, last = timeline.span
    return from_day(first), from_day(last)


def changes_with_places(timeline: Timeline, first: When, second: When) -> pd.DataFrame:
    """`Timeline.changes` plus each settlement's point, coordinate quality, hromada and raion."""
    changed = timeline.changes(first, second)
    places = timeline.gazetteer.settlements[["katottg", "lat", "lon", "coord_quality", "hromada_en", "raion_en"]]
    return changed.merge(places, on="katottg", how="left")


def count_table(timeline: Timeline, first: When, second: When) -> pd.DataFrame:
    """Settlements per status at two dates and the difference."""
    a = timeline.count_by_status(timeline.state_at(first))
    b = timeline.count_by_status(timeline.state_at(second))
    return pd.DataFrame({"status": list(STATUSES), "from_settlements": [a[s] for s in STATUSES],
                         "to_settlements": [b[s] for s in STATUSES],
                         "difference": [b[s] - a[s] for s in STATUSES]})


# ---------------------------------------------------------------- the event table

@dataclass(frozen=True)
class EventSearch:
    """What a free-text query matched: settlements (by any name form) and/or text in sources and quotes."""

    query: str
    mask: pd.Series
    resolution: Resolution | None = None
    katottgs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def by_name(self) -> int:
        return len(self.katottgs)


def search_events(events: pd.DataFrame, resolver: Resolver, query: str) -> EventSearch:
    """Rows about the settlement(s) the query names (any spelling, code; namesakes all count) or whose
    source, quote, note or settlement text contains the query (case-insensitive). Empty query: every row."""
    query = (query or "").strip()
    if not query:
        return EventSearch("", pd.Series(True, index=events.index))
    resolution = resolver.resolve(query)
    codes = tuple(m["katottg"] for m in resolution.matches)
    mask = events.katottg.isin(codes)
    needle = query.casefold()
    for column in SEARCH_TEXT_COLUMNS:
        if column in events:
            mask |= events[column].fillna("").astype(str).str.casefold().str.contains(needle, regex=False)
    return EventSearch(query, mask, resolution, codes)


def filter_events(events: pd.DataFrame, *, start: DateLike | None = None, end: DateLike | None = None,
                  claimants: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                  katottgs: Iterable[str] | None = None, sources: Iterable[str] | None = None,
                  mask: pd.Series | None = None) -> pd.DataFrame:
    """The rows passing every given filter (None: no filter; an empty list keeps nothing), in file order."""
    keep = pd.Series(True, index=events.index) if mask is None else mask.reindex(events.index, fill_value=False)
    dates = pd.to_datetime(events.date)
    if start is not None:
        keep &= dates >= pd.Timestamp(start)
    if end is not None:
        keep &= dates < pd.Timestamp(end) + timedelta(days=1)
    for column, wanted in (("claimed_by", claimants), ("status", statuses), ("katottg", katottgs),
                           ("source", sources)):
        if wanted is not None:
            keep &= events[column].isin(list(wanted))
    return events[keep]


def events_with_names(events: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """The event rows with the gazetteer's English and Ukrainian names, hromada and raion."""
    names = settlements[["katottg", "name_en", "name_uk", "hromada_en", "raion_en"]]
    out = events.merge(names, on="katottg", how="left", sort=False)
    out.index = events.index
    return out


def events_export(events: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """The columns of an event download: dates as YYYY-MM-DD, both names, the statement and its source."""
    out = events_with_names(events, settlements)
    out["date"] = pd.to_datetime(out.date).dt.strftime("%Y-%m-%d")
    for column in EVENT_EXPORT_COLUMNS:
        if column not in out:
            out[column] = ""
    return out[EVENT_EXPORT_COLUMNS].fillna("").reset_index(drop=True)


# ---------------------------------------------------------------- time series

def series_steps(daily: pd.DataFrame) -> pd.DataFrame:
    """`Timeline.daily_series()` reduced to the days on which a figure changes (and the first and last day):
    each row holds from its `date` up to, not including, its `end`. Drawn as steps it is the daily series."""
    if daily.empty:
        return daily.assign(end=daily.date, last=daily.date)
    values = daily.drop(columns="date").to_numpy()
    keep = np.ones(len(daily), bool)
    keep[1:] = (values[1:] != values[:-1]).any(axis=1)
    steps = daily[keep].reset_index(drop=True)
    ends = [*steps.date.iloc[1:], daily.date.iloc[-1] + pd.Timedelta(days=1)]
    steps["end"] = pd.to_datetime(ends)
    steps["last"] = steps.end - pd.Timedelta(days=1)
    return steps


def series_long(daily: pd.DataFrame) -> pd.DataFrame:
    """`Timeline.daily_series()` (or `series_steps`) as rows of (date, status, settlements, km2) for a chart;
    a last row per status at the final day closes the steps."""
    if "end" in daily and len(daily):
        final_day = daily.end.iloc[-1] - pd.Timedelta(days=1)
        if final_day > daily.date.iloc[-1]:
            daily = pd.concat([daily, daily.iloc[[-1]].assign(date=final_day)], ignore_index=True)
    parts = []
    for status in STATUSES:
        parts.append(pd.DataFrame({"date": daily.date, "status": status,
                                   "settlements": daily[f"{status}_settlements"], "km2": daily[f"{status}_km2"]}))
    return pd.concat(parts, ignore_index=True)


def figures_at(timeline: Timeline, when: When) -> pd.DataFrame:
    """Settlements and km² per status at one date."""
    state = timeline.state_at(when)
    counts, areas = timeline.count_by_status(state), timeline.area_by_status(state)
    return pd.DataFrame({"status": list(STATUSES), "settlements": [counts[s] for s in STATUSES],
                         "km2": [areas[s] for s in STATUSES]})


def first_derived_date(events: pd.DataFrame) -> date | None:
    """The date of the first row derived from a dated control-area map (None when there is none): before it,
    only researched statements speak for a settlement."""
    if events.empty or "note" not in events:
        return None
    derived = events.date[events.note.astype(str).str.startswith(DERIVED_NOTE_PREFIX)]
    return None if derived.empty else pd.Timestamp(derived.min()).date()
