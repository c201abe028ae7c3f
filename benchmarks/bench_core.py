"""Core benchmarks: name resolution, validation, timeline precompute and date lookups.

Run: .venv/bin/python benchmarks/bench_core.py [--quick]
Each scenario runs in its own process so that its peak RSS is its own. Prints one table.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 21)
TARGETS = {
    "resolve 100,000 mixed-form names": "≤ 2 s",
    "validate 100,000 rows": "≤ 2 s",
    "precompute timeline": "≤ 10 s",
    "lookup one date (median)": "≤ 5 ms",
    "peak RSS": "≤ 400 MB",
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _variants(name: str, rng) -> str:
    """A spelling a source might use: other transliterations, case, apostrophes."""
    forms = [name, name.upper(), name.lower(), name.replace("ia", "ya").replace("iu", "yu"),
             name.replace("ia", "ja").replace("ii", "iy"), name.replace("ia", "'ya"), name.replace("kh", "h")]
    return forms[rng.integers(len(forms))]


def mixed_names(settlements: pd.DataFrame, n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    forms = []
    for row in settlements.itertuples():
        forms += [row.name_en, row.name_uk, *[a for a in row.aliases.split("|") if a][:3],
                  *[f for f in row.former_names.split("|") if f]]
    picked = rng.choice(np.array(forms, dtype=object), n)
    return [_variants(str(name), rng) for name in picked]


def bench_resolve() -> dict:
    from controlmap.geo.gazetteer import Gazetteer
    from controlmap.geo.resolve import Resolver

    gazetteer = Gazetteer.load()
    started = time.perf_counter()
    resolver = Resolver(gazetteer.settlements)
    build = time.perf_counter() - started
    names = mixed_names(gazetteer.settlements, 100_000)
    started = time.perf_counter()
    outcomes = [resolver.resolve(name).status for name in names]
    elapsed = time.perf_counter() - started
    counts = pd.Series(outcomes).value_counts().to_dict()
    return {"rows": [
        ["gazetteer", "build resolver index (1,751 settlements)", f"{build:.3f} s", ""],
        ["gazetteer", "resolve 100,000 mixed-form names", f"{elapsed:.2f} s",
         TARGETS["resolve 100,000 mixed-form names"]],
        ["gazetteer", f"  outcome ({len(set(names)):,} distinct forms)",
         ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())), ""],
        ["gazetteer", "peak RSS", f"{peak_rss_mb():.0f} MB", ""],
    ]}


def bench_shipped() -> dict:
    from controlmap.timeline.dataset import Dataset
    from controlmap.timeline.engine import Timeline

    started = time.perf_counter()
    dataset = Dataset.load(today=TODAY)
    load = time.perf_counter() - started
    started = time.perf_counter()
    timeline = Timeline(dataset.gazetteer, dataset.statements)
    precompute = time.perf_counter() - started
    lookup = _median_lookup(timeline)
    return {"rows": [
        ["shipped", f"load + validate data/events.csv ({len(dataset.events):,} events)", f"{load:.2f} s", ""],
        ["shipped", "precompute timeline", f"{precompute * 1000:.1f} ms", TARGETS["precompute timeline"]],
        ["shipped", "lookup one date (median)", f"{lookup:.3f} ms", TARGETS["lookup one date (median)"]],
        ["shipped", "peak RSS", f"{peak_rss_mb():.0f} MB", TARGETS["peak RSS"]],
    ]}


def _median_lookup(timeline, samples: int = 200) -> float:
    first, last = timeline.span
    days = np.random.default_rng(2).integers(first, last + 1, samples)
    times = []
    for day in days:
        started = time.perf_counter()
        timeline.state_at(int(day))
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def synthetic_gazetteer(n: int):
    from controlmap.geo.gazetteer import Gazetteer

    codes = [f"UA63{i:015d}" for i in range(n)]
    frame = pd.DataFrame({"katottg": codes, "category": "C", "name_uk": [f"Село {i}" for i in range(n)],
                          "name_en": [f"Selo {i}" for i in range(n)], "coord_quality": "none",
                          "lat": np.nan, "lon": np.nan, "is_hromada_centre": False})
    areas = dict(zip(codes, np.random.default_rng(3).uniform(1, 30, n), strict=True))
    return Gazetteer.from_frame(frame, areas)


def synthetic_events(gazetteer, n_events: int, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = np.datetime64("2022-02-24")
    days = rng.integers(0, 1700, n_events)
    def pick(values, size=None) -> pd.Categorical:
        values = list(values)
        return pd.Categorical.from_codes(rng.integers(0, len(values), n_events), categories=values)

    return pd.DataFrame({
        "date": (first + days).astype("datetime64[s]"),
        "katottg": pick(gazetteer.settlements.katottg),
        "status": pick(["ua", "ru", "contested"]),
        "claimed_by": pick(["ua", "ru", "independent"]),
        "source": pick(["Source A", "Source B", "Source C", "Source D"]),
        "url": pick([""]), "quote": pick([""]), "note": pick([""]), "settlement": pick([""]), "hint": pick([""]),
        "line": np.arange(2, n_events + 2),
    })


def bench_synthetic(n_settlements: int, n_events: int) -> dict:
    from controlmap.timeline.engine import StatementTable, Timeline

    gazetteer = synthetic_gazetteer(n_settlements)
    events = synthetic_events(gazetteer, n_events)
    started = time.perf_counter()
    statements = StatementTable.from_events(events, gazetteer)
    timeline = Timeline(gazetteer, statements)
    precompute = time.perf_counter() - started
    lookup = _median_lookup(timeline)
    started = time.perf_counter()
    timeline.daily_series()
    series = time.perf_counter() - started
    label = f"{n_settlements:,} × {n_events:,}"
    return {"rows": [
        [label, "precompute timeline (statements + runs)", f"{precompute:.2f} s", TARGETS["precompute timeline"]],
        [label, f"  runs: {len(timeline.runs.day):,}", "", ""],
        [label, "lookup one date (median)", f"{lookup:.2f} ms", TARGETS["lookup one date (median)"]],
        [label, "daily series over the span", f"{series:.2f} s", ""],
        [label, "peak RSS", f"{peak_rss_mb():.0f} MB", TARGETS["peak RSS"]],
    ]}


def bench_validate(n_rows: int) -> dict:
    from controlmap.events.validation import Validator
    from controlmap.geo.gazetteer import Gazetteer

    gazetteer = Gazetteer.load()
    validator = Validator(gazetteer)
    rng = np.random.default_rng(5)
    unique = np.array([n for n in gazetteer.settlements.name_en if validator.resolver.resolve(n).status == "match"])
    dates = np.datetime64("2022-02-24") + rng.integers(0, 1500, n_rows)
    frame = pd.DataFrame({
        "date": dates.astype(str), "settlement": rng.choice(unique, n_rows),
        "status": rng.choice(["ua", "ru", "contested"], n_rows),
        "claimed_by": rng.choice(["ua", "ru", "independent"], n_rows),
        "source": [f"Source {i}" for i in range(n_rows)],
        "url": "https://example.org/report", "quote": "", "note": "",
    })
    data = frame.to_csv(index=False).encode()
    started = time.perf_counter()
    result = validator.validate(data, TODAY)
    elapsed = time.perf_counter() - started
    cached = _cached_reload(data)
    return {"rows": [
        ["validate", f"validate {n_rows:,} rows ({len(data) / 1e6:.1f} MB, {len(result.errors)} errors)",
         f"{elapsed:.2f} s", TARGETS["validate 100,000 rows"]],
        ["validate", f"the same {n_rows:,} rows again, from the dataset cache (an app restart)", f"{cached:.2f} s",
         ""],
        ["validate", "peak RSS", f"{peak_rss_mb():.0f} MB", TARGETS["peak RSS"]],
    ]}


def _cached_reload(data: bytes) -> float:
    """Seconds to load an events file whose validated dataset the disk cache already holds."""
    from controlmap.timeline.cache import load_dataset

    with tempfile.TemporaryDirectory() as scratch:
        events = Path(scratch) / "events.csv"
        events.write_bytes(data)
        load_dataset(events, today=TODAY, cache_dir=Path(scratch) / "cache")
        started = time.perf_counter()
        load_dataset(events, today=TODAY, cache_dir=Path(scratch) / "cache")
        return time.perf_counter() - started


SCENARIOS = {
    "resolve": lambda quick: bench_resolve(),
    "shipped": lambda quick: bench_shipped(),
    "validate": lambda quick: bench_validate(10_000 if quick else 100_000),
    "synthetic": lambda quick: bench_synthetic(3_000 if quick else 30_000, 100_000 if quick else 1_000_000),
}


def run_isolated(name: str, quick: bool) -> list[list[str]]:
    command = [sys.executable, __file__, "--scenario", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return [[name, "FAILED", done.stderr.strip().splitlines()[-1] if done.stderr else "", ""]]
    return json.loads(done.stdout)["rows"]


def print_table(rows: list[list[str]]) -> None:
    header = ["data", "measure", "result", "target"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller synthetic sizes (a smoke run)")
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(SCENARIOS[args.scenario](args.quick)))
        return
    rows = []
    for name in SCENARIOS:
        rows += run_isolated(name, args.quick)
    print_table(rows)


if __name__ == "__main__":
    main()
