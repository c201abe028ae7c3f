"""Snapshots and comparisons as CSV, JSON and GeoJSON: one code path for the CLI and the pages."""

import io
import json

import pandas as pd

from controlmap import csvtext
from controlmap.model import STATUSES
from controlmap.timeline.engine import Timeline, When, from_day, to_day

SNAPSHOT_COLUMNS = ["katottg", "name_en", "name_uk", "status", "since", "disputed"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Spreadsheet formula injection: a text cell starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_safe_csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n")  # "\r\n" quotes every line break inside a field
    return csvtext.rewritten(buffer.getvalue())


def snapshot_records(timeline: Timeline, when: When) -> list[dict]:
    frame = timeline.snapshot(when)[SNAPSHOT_COLUMNS]
    claims = timeline.snapshot_claims(when)
    records = frame.to_dict(orient="records")
    for record, claim in zip(records, claims, strict=True):
        record["disputed"] = bool(record["disputed"])
        record["since"] = record["since"] or None
        record["claims"] = {c: (None if v is None else {k: v[k] for k in ("status", "date", "source", "url")})
                            for c, v in claim.items()}
    return records


def snapshot_csv(timeline: Timeline, when: When) -> str:
    frame = timeline.snapshot(when)[SNAPSHOT_COLUMNS]
    frame["disputed"] = frame.disputed.map({True: "true", False: "false"})
    return to_safe_csv(frame)


def snapshot_json(timeline: Timeline, when: When, as_of: dict | None = None) -> str:
    """Every settlement at a date as JSON; `as_of` (controlmap.timeline.freshness.Freshness.record): the newest map
    snapshot the data have read, so that a reader knows how fresh they are."""
    day = to_day(when)
    document = {"date": from_day(day).isoformat(), "claimants": list(timeline.claimants), "as_of": as_of,
                "settlements": snapshot_records(timeline, day)}
    return json.dumps(document, ensure_ascii=False, indent=1)


def snapshot_geojson(timeline: Timeline, when: When, as_of: dict | None = None) -> str:
    settlements = timeline.gazetteer.settlements
    features = []
    for record, row in zip(snapshot_records(timeline, when), settlements.itertuples(), strict=True):
        has_point = not pd.isna(row.lat)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]} if has_point else None,
            "properties": {**record, "coord_quality": row.coord_quality},
        })
    document = {"type": "FeatureCollection", "date": from_day(to_day(when)).isoformat(), "as_of": as_of,
                "features": features}
    return json.dumps(document, ensure_ascii=False)


def changes_document(timeline: Timeline, first: When, second: When) -> dict:
    changed = timeline.changes(first, second)
    a, b = timeline.state_at(first), timeline.state_at(second)
    return {
        "from": from_day(a.day).isoformat(),
        "to": from_day(b.day).isoformat(),
        "changed": changed[["katottg", "name_en", "from_status", "to_status"]].to_dict(orient="records"),
        "area_km2": {"from": timeline.area_by_status(a), "to": timeline.area_by_status(b)},
    }


def changes_csv(timeline: Timeline, first: When, second: When) -> str:
    return to_safe_csv(timeline.changes(first, second))


def area_table(timeline: Timeline, first: When, second: When) -> pd.DataFrame:
    a = timeline.area_by_status(timeline.state_at(first))
    b = timeline.area_by_status(timeline.state_at(second))
    return pd.DataFrame({"status": list(STATUSES), "from_km2": [a[s] for s in STATUSES],
                         "to_km2": [b[s] for s in STATUSES],
                         "difference_km2": [round(b[s] - a[s], 1) for s in STATUSES]})
