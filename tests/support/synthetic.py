"""Deterministic synthetic timelines in the map's wire form (``controlmap.web.wire``'s doc), for
``controlmap.web.maps.build_map``.

Used by the demo app, the browser tests and the benchmark; nothing here depends on real data.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from controlmap.model import STATUSES
from controlmap.web.wire import legend

DAY0 = date(2022, 2, 24)
N_DAYS = 1732
INITIAL_DAY = N_DAYS - 1
ID_PREFIX = "UA63"
SOURCES = [
    "General Staff of the Armed Forces of Ukraine",
    "Russian Ministry of Defence",
    "ISW",
    "DeepState",
    "Kharkiv Oblast Military Administration",
    "Reuters",
]
BOX = {"lat": (49.0, 50.5), "lon": (35.0, 38.5)}
APPROXIMATE_SHARE = 0.12
DISPUTED_SHARE = 0.15
N_LABELS = 25


def _run_days(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``n`` rows of ``k`` strictly increasing days, the first one 0."""
    if k == 1:
        return np.zeros((n, 1), dtype=np.int64)
    later = np.sort(rng.integers(1, N_DAYS - k, size=(n, k - 1)), axis=1) + np.arange(k - 1)
    return np.hstack([np.zeros((n, 1), dtype=np.int64), later])


def _positions(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat = rng.uniform(*BOX["lat"], n)
    lon = rng.uniform(*BOX["lon"], n)
    quality = (rng.random(n) < APPROXIMATE_SHARE).astype(np.int64)
    approximate = np.flatnonzero(quality == 1)
    n_hromadas = max(1, n // 30)
    centre_lat = rng.uniform(BOX["lat"][0] + 0.1, BOX["lat"][1] - 0.1, n_hromadas)
    centre_lon = rng.uniform(BOX["lon"][0] + 0.1, BOX["lon"][1] - 0.1, n_hromadas)
    hromada = rng.integers(0, n_hromadas, approximate.size)
    lat[approximate], lon[approximate] = centre_lat[hromada], centre_lon[hromada]
    return lat.round(5), lon.round(5), quality


def synthetic_timeline(n_settlements: int, n_runs_per_settlement: int, seed: int = 0) -> dict:
    """The wire form of ``n_settlements`` settlements, each with exactly ``n_runs_per_settlement`` runs.

    Every timeline starts with the Ukrainian-held baseline on day 0; later runs change the status,
    the disputed flag or only the source (then ``since`` keeps the earlier start).
    """
    n, k = n_settlements, max(1, n_runs_per_settlement)
    rng = np.random.default_rng(seed)
    lat, lon, quality = _positions(rng, n)
    labels = np.zeros(n, dtype=bool)
    labels[rng.choice(n, size=min(N_LABELS, n), replace=False)] = True

    days = _run_days(rng, n, k)
    status = rng.integers(1, 4, size=(n, k))
    status[:, 0] = STATUSES.index("ua")
    disputed = rng.random((n, k)) < DISPUTED_SHARE
    disputed[:, 0] = False
    since = days.copy()
    for j in range(1, k):
        same = status[:, j] == status[:, j - 1]
        since[same, j] = since[same, j - 1]

    event = np.full((n, k), -1, dtype=np.int64)
    n_events = n * (k - 1)
    event[:, 1:] = np.arange(n_events).reshape(n, k - 1)
    event_days = np.maximum(days[:, 1:].ravel() - rng.integers(0, 3, n_events), 0)

    return {
        "statuses": list(STATUSES),
        "legend": legend(),
        "id_prefix": ID_PREFIX,
        "katottg": [f"{i:015d}" for i in range(n)],
        "name_en": [f"Synthville {i}" for i in range(n)],
        "name_uk": [f"Синтвіль {i}" for i in range(n)],
        "lat": lat.round(4).tolist(),
        "lon": lon.round(4).tolist(),
        "quality": quality.tolist(),
        "labels": np.flatnonzero(labels).tolist(),
        "day0": DAY0.isoformat(),
        "n_days": N_DAYS,
        "change_days": np.unique(days).tolist(),
        "run_count": [k] * n,
        "day": days.ravel().tolist(),
        "state": (status * 2 + disputed).ravel().tolist(),
        "since_gap": (days - since).ravel().tolist(),
        "event": event.ravel().tolist(),
        "event_day": event_days.tolist(),
        "event_source": rng.integers(0, len(SOURCES), n_events).tolist(),
        "sources": list(SOURCES),
    }


def codes(timeline: dict) -> list[str]:
    """The settlements' katottg codes of a wire form."""
    return [timeline["id_prefix"] + k for k in timeline["katottg"]]


def state_on(timeline: dict, day: int) -> list[tuple[str, bool]]:
    """Each settlement's displayed (status, disputed) on ``day``, read from the wire form as its doc defines it: the
    reference the browser must match."""
    statuses, states = timeline["statuses"], []
    r = 0
    for count in timeline["run_count"]:
        current = None
        for run in range(r, r + count):
            if timeline["day"][run] <= day:
                current = timeline["state"][run]
        r += count
        states.append(("unknown", False) if current is None else (statuses[current // 2], bool(current % 2)))
    return states


def status_counts(timeline: dict, day: int) -> dict[str, int]:
    counts = dict.fromkeys(timeline["statuses"], 0)
    for status, _ in state_on(timeline, day):
        counts[status] += 1
    return counts


def box_outline() -> dict:
    """A hand-made oblast-like outline around the synthetic box (GeoJSON FeatureCollection)."""
    lons = [34.9, 35.4, 36.6, 37.9, 38.6, 38.55, 37.6, 36.2, 35.1, 34.9]
    lats = [49.3, 48.9, 48.85, 48.95, 49.4, 50.2, 50.6, 50.6, 50.3, 49.3]
    ring = [list(point) for point in zip(lons, lats, strict=True)]
    feature = {
        "type": "Feature",
        "properties": {"name": "Synthetic oblast"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return {"type": "FeatureCollection", "features": [feature]}


def grid_boundaries(n_cols: int = 4, n_rows: int = 3) -> dict:
    """Rectangular 'hromada' polygons over the box, flagged approximate."""
    (lat0, lat1), (lon0, lon1) = BOX["lat"], BOX["lon"]
    features = []
    for row in range(n_rows):
        for col in range(n_cols):
            x0, x1 = lon0 + (lon1 - lon0) * col / n_cols, lon0 + (lon1 - lon0) * (col + 1) / n_cols
            y0, y1 = lat0 + (lat1 - lat0) * row / n_rows, lat0 + (lat1 - lat0) * (row + 1) / n_rows
            ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
            properties = {"name": f"Hromada {row * n_cols + col + 1}", "approximate": True}
            geometry = {"type": "Polygon", "coordinates": [ring]}
            features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def voronoi_cells(timeline: dict, exact_only: bool = True) -> dict:
    """Voronoi polygons (property ``katottg``) around the exactly placed settlements, clipped to the box."""
    import shapely

    settlements = {**timeline, "katottg": codes(timeline)}
    keep = [i for i, q in enumerate(settlements["quality"]) if q == 0 or not exact_only]
    points = shapely.multipoints([(settlements["lon"][i], settlements["lat"][i]) for i in keep])
    box = shapely.box(BOX["lon"][0], BOX["lat"][0], BOX["lon"][1], BOX["lat"][1])
    cells = shapely.voronoi_polygons(points, extend_to=box)
    by_point = shapely.STRtree(cells.geoms)
    features = []
    for i in keep:
        point = shapely.Point(settlements["lon"][i], settlements["lat"][i])
        hits = by_point.query(point, predicate="intersects")
        if len(hits) == 0:
            continue
        cell = shapely.intersection(cells.geoms[int(hits[0])], box)
        properties = {"katottg": settlements["katottg"][i]}
        features.append({"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(cell)})
    return {"type": "FeatureCollection", "features": features}
