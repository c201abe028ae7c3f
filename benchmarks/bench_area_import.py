"""Control-area import benchmark: the whole import of both DeepState archives (time, peak RSS, rows, flicker),
then, for dates spread over 2022–2026, the km² of Kharkiv oblast inside the archive's occupied + grey layers.

Needs the archives' snapshot folders (scripts/derive_area_events.py extracts them at the pinned commits):

    .venv/bin/python benchmarks/bench_area_import.py \\
        --history /tmp/controlmap-areas/history/geojsons --occupied /tmp/controlmap-areas/occupied-daily/data \\
        [--events data/events.csv /tmp/derived_events.csv] [--skip-import]

With --events, the table also gives the km² the dashboard shows Russian-held or contested on each date from
those event files (read together, as the app reads its data), and the difference from the archive.
The import runs in its own process (`python -m controlmap import-areas`), so its peak RSS is its own.
"""

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"wall time": 600.0, "peak RSS MB": 2048.0}
DATES = ["2022-04-15", "2022-05-15", "2022-06-01", "2022-07-01", "2022-08-01", "2022-09-06", "2022-09-09",
         "2022-09-12", "2022-09-20", "2022-10-01", "2022-11-15", "2023-01-15", "2023-06-01", "2023-12-01",
         "2024-03-01", "2024-05-20", "2024-06-15", "2024-09-01", "2025-01-15", "2025-05-01", "2025-08-01",
         "2025-10-01", "2025-11-25", "2026-01-17", "2026-04-01", "2026-08-01"]


def run_import(sources: list[str], settlements: Path | None) -> dict:
    """Runs the CLI import in a child process; wall time, the child's peak RSS and the report's figures."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "derived.csv"
        argv = [sys.executable, "-m", "controlmap", "import-areas", *sources, "--preset", "deepstate",
                "--out", str(out)] + (["--settlements", str(settlements)] if settlements else [])
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = done.stderr
    figures = {"wall time": wall, "peak RSS MB": rss_mb}
    for label, pattern in (("snapshots", r"^snapshots: (\d+)"), ("rows", r"^rows: (\d+)"),
                           ("settlements with a real point", r"with a real point: (\d+)"),
                           ("settlements without one", r"without one \(no rows\): (\d+)"),
                           ("settlements that changed", r"settlements that changed state: (\d+)"),
                           ("raw changes", r"raw changes: (\d+)"), ("removed as flicker", r"removed as flicker: (\d+)"),
                           ("awaiting confirmation", r"awaits confirmation: (\d+)")):
        match = re.search(pattern, report, re.MULTILINE)
        figures[label] = int(match.group(1)) if match else None
    return figures


def shown_km2(event_files: list[Path], days: list[date]) -> list[float]:
    """km² the dashboard shows ru or contested (all claimants) on each day, from the event files read together."""
    from controlmap.dataset import Dataset

    dataset = Dataset.load(event_files[0])
    for extra in event_files[1:]:
        dataset = dataset.with_events(dataset.validator.validate_path(extra).events)
    timeline = dataset.timeline()
    return [sum(timeline.area_by_status(timeline.state_at(day))[s] for s in ("ru", "contested")) for day in days]


def archive_table(sources: list[str], days: list[date]) -> list[dict]:
    from controlmap import area_import, paths

    preset = area_import.Preset.load("deepstate")
    snapshots, _ = area_import.find_snapshots(area_import.layer_files(sources), preset)
    region = area_import.read_region(paths.OUTLINE_GEOJSON)
    rows = []
    for day, figures in zip(days, area_import.areas_on(days, snapshots, preset, region), strict=True):
        rows.append({"date": day, "figures": figures})
    return rows


def print_import(figures: dict) -> None:
    print("import of both archives (python -m controlmap import-areas, one process)")
    for label, value in figures.items():
        target = TARGETS.get(label)
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        verdict = "" if target is None else (f"  (target ≤ {target:g}: {'ok' if value <= target else 'MISSED'})")
        print(f"  {label:32} {shown}{verdict}")


def print_areas(rows: list[dict], shown: list[float] | None) -> None:
    print("\nKharkiv oblast inside the archive's layers (km², EPSG:3035; outline data/geo/oblast_outline.geojson)")
    header = f"  {'date':10}  {'occupied':>9}  {'grey':>7}  {'total':>8}  snapshot"
    print(header + ("   shown ru+contested   diff" if shown else ""))
    for i, row in enumerate(rows):
        f = row["figures"]
        if f is None:
            line = f"  {row['date']}  {'—':>9}  {'—':>7}  {'—':>8}  (before the first snapshot)"
        else:
            line = (f"  {row['date']}  {f.ru_km2:9.1f}  {f.contested_km2:7.1f}  {f.total_km2:8.1f}  "
                    f"{f.snapshot.archive_path}")
        if shown and f is not None:
            diff = shown[i] - f.total_km2
            pct = f" {diff / f.total_km2 * 100:+.0f} %" if f.total_km2 else ""
            line += f"   {shown[i]:10.1f}   {diff:+8.1f}{pct}"
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", default="/tmp/controlmap-areas/history/geojsons")
    parser.add_argument("--occupied", default="/tmp/controlmap-areas/occupied-daily/data")
    parser.add_argument("--settlements", type=Path)
    parser.add_argument("--events", type=Path, nargs="*", help="event files whose shown km² to compare")
    parser.add_argument("--skip-import", action="store_true", help="only the area table")
    args = parser.parse_args(argv)
    sources = [s for s in (args.history, args.occupied) if Path(s).exists()]
    if not sources:
        print("no archive folder found: run scripts/derive_area_events.py first", file=sys.stderr)
        return 1
    if not args.skip_import:
        print_import(run_import(sources, args.settlements))
    days = [date.fromisoformat(d) for d in DATES]
    rows = archive_table(sources, days)
    print_areas(rows, shown_km2(args.events, days) if args.events else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
