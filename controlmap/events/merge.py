"""What an upload changes in the event file: new rows, duplicates, conflicts between a claimant's statements and
contradictions of one source. Pure: no I/O. Linear in the rows however many share a key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from controlmap.events.problems import Problem
from controlmap.events.validation import ValidationResult, empty_events

IDENTITY_COLUMNS = ("date", "katottg", "status", "claimed_by", "source")
CONFLICT_COLUMNS = ("katottg", "date", "claimed_by")
CONTRADICTION_COLUMNS = ("katottg", "date", "source")  # the validator's own conflict rule


@dataclass
class MergePlan:
    """What an upload changes. Frames hold normalised events plus, where it applies, the data file's line.

    new: rows written (merge: not yet in the file; replace: not in the old file).
    duplicates: merge — rows skipped, already in the file on IDENTITY_COLUMNS (`existing_line`);
        replace — rows that were already in the file (written again, not new).
    conflicts: rows whose claimant already gives another status for that settlement and day
        (`existing_line`, `existing_status`, `existing_source`, `same_source`); still added, since
        claims are kept apart, but listed for the user.
    removed: replace only — rows of the old file that the upload does not contain.
    problems: contradictions that block the save (the same source giving two statuses for one
        settlement and day, which the validator would reject in the merged file).
    """

    new: pd.DataFrame
    duplicates: pd.DataFrame
    conflicts: pd.DataFrame
    removed: pd.DataFrame = field(default_factory=lambda: empty_events())
    problems: list[Problem] = field(default_factory=list)
    replace: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        summary = {"mode": "replace" if self.replace else "merge", "added": len(self.new),
                   "duplicates_skipped": 0 if self.replace else len(self.duplicates),
                   "conflicts": int(self.conflicts.line.nunique()) if len(self.conflicts) else 0}
        if self.replace:
            summary |= {"unchanged": len(self.duplicates), "removed": len(self.removed)}
        return summary

    def lines(self, limit: int = 20) -> list[str]:
        """A readable account: counts, then up to `limit` rows per section."""
        s = self.summary()
        if self.replace:
            out = [f"replace: {s['added']} new, {s['unchanged']} unchanged, {s['removed']} removed"]
        else:
            out = [f"merge: {s['added']} new, {counted(s['duplicates_skipped'], 'duplicate')} skipped, "
                   f"{counted(s['conflicts'], 'conflict')}"]
        out += _section("new", self.new, limit, lambda r: f"line {r.line}: {_describe(r)}")
        if self.replace:
            out += _section("removed", self.removed, limit, lambda r: f"data file line {r.line}: {_describe(r)}")
        else:
            out += _section("duplicates skipped", self.duplicates, limit,
                            lambda r: f"line {r.line}: {_describe(r)} (already on line {r.existing_line} "
                                      f"of the data file)")
        out += _section("conflicts (added, flagged)", self.conflicts, limit,
                        lambda r: f"line {r.line}: {iso(r.date)} {r.settlement or r.katottg}: {r.claimed_by} "
                                  f"claims '{r.status}' ({r.source}), line {r.existing_line} of the data file "
                                  f"says '{r.existing_status}' ({r.existing_source})")
        return out


def counted(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _section(title: str, frame: pd.DataFrame, limit: int, render: Callable[[Any], str]) -> list[str]:
    if not len(frame):
        return []
    out = [f"{title}:"] + [f"  {render(row)}" for row in frame.head(limit).itertuples()]
    if len(frame) > limit:
        out.append(f"  … and {len(frame) - limit} more")
    return out


def _describe(row: Any) -> str:
    return (f"{iso(row.date)} {row.settlement or row.katottg} ({row.katottg}) {row.status}, "
            f"claimed by {row.claimed_by} — {row.source}")


def iso(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)[:10]


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable identity values: ISO dates, upper-case katottg, stripped text."""
    dates = frame["date"]
    if pd.api.types.is_datetime64_any_dtype(dates):
        iso = dates.dt.strftime("%Y-%m-%d")
    else:
        parsed = pd.to_datetime(dates.astype(str).str.strip(), errors="coerce", format="ISO8601")
        iso = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), dates.astype(str).str.strip())
    keys = pd.DataFrame({"date": iso.fillna("")}, index=frame.index)
    for column in ("katottg", "status", "claimed_by", "source"):
        keys[column] = frame[column].fillna("").astype(str).str.strip()
    keys["katottg"] = keys.katottg.str.upper()
    return keys


def _events_of(data: ValidationResult | pd.DataFrame) -> pd.DataFrame:
    frame = data.events if isinstance(data, ValidationResult) else data
    frame = frame.reset_index(drop=True)
    if "line" not in frame:
        frame = frame.assign(line=range(2, len(frame) + 2))
    return frame


def plan_merge(existing: ValidationResult | pd.DataFrame, upload: ValidationResult, *,
               replace: bool = False) -> MergePlan:
    """What `upload` would change in a file holding `existing` (normalised events). Pure: no I/O.

    Rows are compared on normalised values (resolved katottg, ISO dates, normalised status and claimant),
    so "Kupyansk" in an upload equals the file's "Kupiansk" row.
    """
    old, up = _events_of(existing), _events_of(upload)
    old_keys, up_keys = _keys(old), _keys(up)
    identity = list(IDENTITY_COLUMNS)
    first_old = old_keys.assign(existing_line=old.line.to_numpy()).drop_duplicates(subset=identity)
    matched = up_keys.merge(first_old, on=identity, how="left")
    is_duplicate = matched.existing_line.notna().to_numpy()

    if replace:
        present = set(map(tuple, up_keys[identity].to_numpy()))
        gone = [tuple(k) not in present for k in old_keys[identity].to_numpy()]
        duplicates = up[is_duplicate].assign(existing_line=matched.existing_line[is_duplicate].astype(int).to_numpy())
        return MergePlan(new=up[~is_duplicate].reset_index(drop=True), duplicates=duplicates.reset_index(drop=True),
                         conflicts=_no_conflicts(), removed=old[gone].reset_index(drop=True), replace=True)

    fresh = up[~is_duplicate]
    duplicates = up[is_duplicate].assign(existing_line=matched.existing_line[is_duplicate].astype(int).to_numpy())
    conflicts = _conflicts(fresh, up_keys[~is_duplicate], old, old_keys)
    problems = _contradictions(fresh, up_keys[~is_duplicate], old, old_keys)
    return MergePlan(new=fresh.reset_index(drop=True), duplicates=duplicates.reset_index(drop=True),
                     conflicts=conflicts, problems=problems)


CONFLICT_FIELDS = ["line", "date", "settlement", "katottg", "claimed_by", "status", "source", "existing_line",
                   "existing_status", "existing_source", "same_source"]


def _no_conflicts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CONFLICT_FIELDS})


def _pairs(fresh_keys: pd.DataFrame, old_keys: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """Each new row (`_new`) next to the first existing row (`_old`) of each other status sharing `on`.

    At most one existing row per status: the work stays linear in the rows however many rows share a key (5,000
    new rows on one settlement, day and claimant against 10,000 existing ones are 5,000 pairs, not 50 million)."""
    left = fresh_keys.assign(_new=range(len(fresh_keys)))
    right = old_keys.assign(_old=range(len(old_keys))).drop_duplicates(subset=[*on, "status"])
    pairs = left.merge(right, on=list(on), suffixes=("", "_old"))
    return pairs[pairs.status != pairs.status_old].sort_values(["_new", "_old"])


def _conflicts(fresh: pd.DataFrame, fresh_keys: pd.DataFrame, old: pd.DataFrame,
               old_keys: pd.DataFrame) -> pd.DataFrame:
    """New rows whose claimant already gives another status for that settlement and day: one existing row per
    other status, the one from the same source when there is one (that pair is also a contradiction)."""
    pairs = _pairs(fresh_keys, old_keys, CONFLICT_COLUMNS)
    if pairs.empty:
        return _no_conflicts()
    same = _pairs(fresh_keys, old_keys, CONTRADICTION_COLUMNS)
    same = same[same.claimed_by == same.claimed_by_old][["_new", "status_old", "_old"]]
    pairs = pairs.merge(same, on=["_new", "status_old"], how="left", suffixes=("", "_same"))
    pairs["_old"] = pairs._old_same.fillna(pairs._old).astype(int)
    pairs = pairs.sort_values(["_new", "_old"])
    new_rows = fresh.iloc[pairs._new.to_numpy()].reset_index(drop=True)
    old_rows = old.iloc[pairs._old.to_numpy()].reset_index(drop=True)
    frame = new_rows[["line", "date", "settlement", "katottg", "claimed_by", "status", "source"]].copy()
    frame["existing_line"] = old_rows.line.astype(int).to_numpy()
    frame["existing_status"] = old_rows.status.to_numpy()
    frame["existing_source"] = old_rows.source.to_numpy()
    frame["same_source"] = pairs._old_same.notna().to_numpy()
    return frame[CONFLICT_FIELDS].reset_index(drop=True)


def _contradictions(fresh: pd.DataFrame, fresh_keys: pd.DataFrame, old: pd.DataFrame,
                    old_keys: pd.DataFrame) -> list[Problem]:
    pairs = _pairs(fresh_keys, old_keys, CONTRADICTION_COLUMNS)
    problems = []
    for new_i, old_i in zip(pairs._new, pairs._old, strict=True):
        row, other = fresh.iloc[new_i], old.iloc[old_i]
        problems.append(Problem(
            int(row.line), "status", row.status,
            f"{row.source} already gives '{other.status}' for {row.settlement or row.katottg} on {iso(row.date)} "
            f"(line {int(other.line)} of the data file); this line says '{row.status}'",
            "keep one of them: drop this line, or correct the data file and upload it whole with replace",
            code="contradicts_data_file"))
    return problems
