"""Control-area import benchmark: the whole import of both DeepState archives (time, peak RSS, rows, flicker),
then, for dates spread over 2022–2026, the km² of the region (the data folder's, $CONTROLMAP_DATA or data/) inside
the archive's occupied + grey layers, and on 24 Feb 2022 the km² shown Russian-held (the baseline's 2014 line) against
the first archived snapshot's layers held since 2014.

Needs the archives' snapshot folders (scripts/derive_area_events.py extracts them at the pinned commits):

    .venv/bin/python benchmarks/bench_area_import.py \\
        --history /tmp/controlmap-areas/history/geojsons --occupied /tmp/controlmap-areas/occupied-daily/data \\
        [--events data/events.csv /tmp/derived_events.csv] [--skip-import] [--overlap]

With --events, the table also gives the km² the dashboard shows Russian-held or contested on each date from
those event files (read together, as the app reads its data), in two views: independent statements only (the
archive is an independent assessment: like is compared with like, and the acceptance is judged on this view) and
all claimants (the dashboard's default, where Russian and Ukrainian officials' claims are included and may
differ from the archive by design). Each difference is checked against the acceptance: within ±15 % of the
archive's occupied + grey area, or ±150 km² where that area is under 1,000 km².

From 4 Aug 2025 only the occupied-only archive exists: it has no grey layer (--overlap measures, on the two
archives' overlap, that its polygon is the full archive's occupied layer, not occupied + grey), so the archive's
occupied + grey area is not known on those dates. There the table compares like with like as well: the km²
shown Russian-held against the archive's occupied area.
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

from controlmap.areas import classify, measure  # noqa: E402 (after the path is set)
from controlmap.areas.preset import Preset  # noqa: E402 (after the path is set)
from controlmap.areas.snapshots import Snapshot, find_snapshots, layer_files, read_layer  # noqa: E402 (after the path is set)

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


VIEWS = {"independent": ("independent",), "all claimants": ("ua", "ru", "independent")}


def shown_km2(event_files: list[Path], days: list[date]) -> dict[str, list[tuple[float, float]]]:
    """Per view, the km² the dashboard shows (ru, contested) on each day, from the event files read together."""
    from controlmap.timeline.dataset import Dataset

    dataset = Dataset.load(event_files[0])
    for extra in event_files[1:]:
        dataset = dataset.with_events(dataset.validator.validate_path(extra).events)
    shown = {}
    for view, claimants in VIEWS.items():
        timeline = dataset.timeline(claimants)
        areas = [timeline.area_by_status(timeline.state_at(day)) for day in days]
        shown[view] = [(a["ru"], a["contested"]) for a in areas]
    return shown


def within_acceptance(shown: float, archive: float) -> bool:
    """±15 % of the archive's area, or ±150 km² where that area is under 1,000 km²."""
    return abs(shown - archive) <= (150.0 if archive < 1000 else 0.15 * archive)


def archive_table(sources: list[str], days: list[date]) -> list[dict]:
    from controlmap import paths

    preset = Preset.load("deepstate")
    snapshots, _ = find_snapshots(layer_files(sources), preset)
    region = measure.read_region(paths.OUTLINE_GEOJSON)
    rows = []
    for day, figures in zip(days, measure.areas_on(days, snapshots, preset, region), strict=True):
        rows.append({"date": day, "figures": figures})
    return rows


def print_import(figures: dict) -> None:
    print("import of both archives (python -m controlmap import-areas, one process)")
    for label, value in figures.items():
        target = TARGETS.get(label)
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        verdict = "" if target is None else (f"  (target ≤ {target:g}: {'ok' if value <= target else 'MISSED'})")
        print(f"  {label:32} {shown}{verdict}")


def _diff(shown: float, archive: float) -> str:
    pct = f"{(shown - archive) / archive * 100:+4.0f} %" if archive else "     "
    return f"{shown:8.1f} {shown - archive:+7.1f} {pct}"


def print_summary(rows: list[dict], shown: dict[str, list[tuple[float, float]]]) -> None:
    """Per view: on how many dates the shown km² is within the acceptance (±15 %, or ±150 km² under 1,000 km²) of
    the archive's occupied + grey area (full layers), and, where only the occupied area is archived, within ±5 % of
    it for the km² shown Russian-held."""
    print("\n  summary (dates within the acceptance / dates compared)")
    for view in shown:
        full = [(sum(shown[view][i]), r["figures"].total_km2) for i, r in enumerate(rows)
                if r["figures"] and r["figures"].snapshot.series.grey_zone]
        later = [(shown[view][i][0], r["figures"].ru_km2) for i, r in enumerate(rows)
                 if r["figures"] and not r["figures"].snapshot.series.grey_zone]
        ok_full = sum(within_acceptance(a, b) for a, b in full)
        ok_later = sum(abs(a - b) <= 0.05 * b for a, b in later)
        print(f"  {view:14} ru+contested vs occupied+grey (±15 %): {ok_full}/{len(full)} "
              f"({ok_full / max(len(full), 1):.0%}); ru vs occupied only (±5 %): {ok_later}/{len(later)} "
              f"({ok_later / max(len(later), 1):.0%}); both (±15 %): "
              f"{ok_full + sum(within_acceptance(a, b) for a, b in later)}/{len(full) + len(later)}")


def print_areas(rows: list[dict], shown: dict[str, list[tuple[float, float]]] | None) -> None:
    from controlmap import paths
    from controlmap.region import current

    print(f"\n{current().name_en} inside the archive's layers (km², EPSG:3035; outline {paths.OUTLINE_GEOJSON})")
    print("  layers: full = occupied and grey layers (deepstatemaps-history); occupied only = the occupied area alone,")
    print("  no grey layer (deepstate-map-data, from 4 Aug 2025): there the archive's occupied + grey is not known")
    header = f"  {'date':10}  {'occupied':>8}  {'grey':>6}  {'total':>7}  {'layers':13}"
    if shown:
        for view in shown:
            header += f"  {'shown ' + view + ' ru+cont':>22} {'diff':>7} {'':5} ok "
    print(header + "  snapshot")
    for i, row in enumerate(rows):
        f = row["figures"]
        if f is None:
            print(f"  {row['date']}  {'—':>8}  {'—':>6}  {'—':>7}  (before the first snapshot)")
            continue
        full = f.snapshot.series.grey_zone
        line = f"  {row['date']}  {f.ru_km2:8.1f}  {f.contested_km2:6.1f}  {f.total_km2:7.1f}  " + \
            f"{'full' if full else 'occupied only':13}"
        for view in shown or {}:
            total = sum(shown[view][i])
            verdict = ("yes" if within_acceptance(total, f.total_km2) else "NO") if full else "n/a"
            line += f"  {_diff(total, f.total_km2):>28}  {verdict:3}"
        print(line + f"  {f.snapshot.archive_path}")
    if not shown:
        return
    later = [(i, row) for i, row in enumerate(rows) if row["figures"] and not row["figures"].snapshot.series.grey_zone]
    if not later:
        return
    print("\n  like with like where the archive has no grey layer: the km² shown Russian-held against its occupied")
    header = f"  {'date':10}  {'occupied':>8}"
    for view in shown:
        header += f"  {'shown ' + view + ' ru':>22} {'diff':>7} {'':5} ok "
    print(header + "  shown contested (no archive counterpart)")
    for i, row in later:
        f = row["figures"]
        line = f"  {row['date']}  {f.ru_km2:8.1f}"
        for view in shown:
            ru = shown[view][i][0]
            line += f"  {_diff(ru, f.ru_km2):>28}  {'yes' if within_acceptance(ru, f.ru_km2) else 'NO':3}"
        print(line + "  " + ", ".join(f"{view} {shown[view][i][1]:.1f}" for view in shown))


def baseline_row(history: str, event_files: list[Path]) -> None:
    """24 Feb 2022: the km² shown Russian-held (the baseline) against the region's part of the layers held since 2014
    on the first archived snapshot (controlmap.regions.line2014)."""
    import shapely

    from controlmap import paths
    from controlmap.geo.cells import to_equal_area
    from controlmap.regions import line2014

    held = line2014.held_areas(Path(history) / Path(line2014.FIRST_SNAPSHOT).name)
    outline = measure.read_region(paths.OUTLINE_GEOJSON)
    archive = shapely.intersection(to_equal_area(held), to_equal_area(outline)).area / 1e6
    shown = shown_km2(event_files, [date(2022, 2, 24)]) if event_files else {}
    print(f"\n  2022-02-24 (the baseline): held since 2014 in {line2014.FIRST_SNAPSHOT}: {archive:8.1f} km²")
    for view, values in shown.items():
        ru = values[0][0]
        # Without a 2014 line in the region, what shows Russian-held that day comes from statements of that day.
        verdict = ("yes" if within_acceptance(ru, archive) else "NO") if archive >= 1 else "n/a (no 2014 line here)"
        print(f"    shown {view:14} ru {_diff(ru, archive)}  {verdict}")


def overlap_table(sources: list[str], every_days: int = 15) -> None:
    """On the days both archives cover, the occupied-only archive's file of day D against the full archive's last
    snapshot of day D-1: is its polygon the occupied layer, or occupied + grey? (km² inside the oblast.)"""
    from datetime import timedelta

    import shapely

    from controlmap import paths

    preset = Preset.load("deepstate")
    region = measure.read_region(paths.OUTLINE_GEOJSON)
    snapshots = []
    for file in layer_files(sources):
        matched = preset.match(file.name)
        if matched:
            snapshots.append(Snapshot(file, *matched))
    full = sorted((s for s in snapshots if s.series.grey_zone), key=lambda s: s.time)
    occupied = {s.day: s for s in snapshots if not s.series.grey_zone}
    if not full or not occupied:
        print("\noverlap: needs both archives", file=sys.stderr)
        return

    def layers(snapshot):
        layer = classify.classify_layer(read_layer(snapshot.file, tuple(region.bounds)),
                                           snapshot.series, preset)
        ru = measure._clip(layer.geometries["ru"], region)
        return ru, shapely.difference(measure._clip(layer.geometries["contested"], region), ru)

    km2 = measure._km2
    first = max(min(occupied), full[0].day + timedelta(days=1))
    last = min(max(occupied), full[-1].day + timedelta(days=1))
    days = [first + timedelta(days=k) for k in range(0, (last - first).days, every_days)] + [last]
    print("\nthe two archives' overlap: occupied-only file of day D against the full archive's last snapshot of D-1")
    print(f"  {'D':10}  {'full snapshot':19}  {'occupied-only':>13}  {'occupied':>8}  {'grey':>6}  "
          f"{'sym. diff vs occupied':>21}  {'sym. diff vs occupied+grey':>26}")
    for day in days:
        if day not in occupied:
            continue
        before = [s for s in full if s.day < day]
        only, _ = layers(occupied[day])
        ru, grey = layers(before[-1])
        print(f"  {day}  {before[-1].time:%Y-%m-%d %H:%M} UTC  {km2(only):13.1f}  {km2(ru):8.1f}  {km2(grey):6.1f}  "
              f"{km2(shapely.symmetric_difference(only, ru)):21.1f}  "
              f"{km2(shapely.symmetric_difference(only, shapely.union(ru, grey))):26.1f}")


def grey_spells(event_file: Path, last_full: date) -> None:
    """How the full archive's grey-zone spells (a settlement's derived `contested` row to its next derived row)
    ended, and those still open on the last full-layer day: what a held-over grey settlement later became."""
    import pandas as pd


    series = {s.id: s.source for s in Preset.load("deepstate").series}
    events = pd.read_csv(event_file, dtype=str, keep_default_na=False)
    derived = events[events.source.isin(series.values())].copy()
    derived["day"] = pd.to_datetime(derived.date).dt.date
    spells = []
    for _, rows in derived.sort_values("day", kind="stable").groupby("katottg", sort=False):
        rows = list(rows.itertuples())
        for here, after in zip(rows, [*rows[1:], None], strict=True):
            if here.status == "contested" and here.source == series["history"]:
                spells.append((here, after))
    closed = [(a, b) for a, b in spells if b is not None and b.day <= last_full]
    print(f"\ngrey-zone spells in the full archive (derived rows of {event_file}): {len(spells)}, "
          f"{len(closed)} closed by {last_full}")
    for label, since in (("all", date(2022, 1, 1)), ("begun since 2023", date(2023, 1, 1))):
        picked = [(a, b) for a, b in closed if a.day >= since]
        days = sorted((b.day - a.day).days for a, b in picked)
        if days:
            q = {p: days[min(len(days) - 1, int(p / 100 * len(days)))] for p in (50, 90)}
            ends = {s: sum(b.status == s for _, b in picked) for s in ("ru", "ua")}
            print(f"  {label}: {len(days)} spells, median {q[50]} days, 90th percentile {q[90]} days, "
                  f"longest {days[-1]}; ended ru {ends['ru']}, ua {ends['ua']}")
    print(f"  still grey on {last_full} (held over once only the occupied area is archived):")
    for a, b in spells:
        if b is None or b.day > last_full:
            then = "still contested" if b is None else f"{b.status} from {b.day} ({b.source})"
            print(f"    {a.settlement:16} grey since {a.day}: {then}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", default="/tmp/controlmap-areas/history/geojsons")
    parser.add_argument("--occupied", default="/tmp/controlmap-areas/occupied-daily/data")
    parser.add_argument("--settlements", type=Path)
    parser.add_argument("--events", type=Path, nargs="*", help="event files whose shown km² to compare")
    parser.add_argument("--skip-import", action="store_true", help="only the area table")
    parser.add_argument("--every", type=int, metavar="DAYS",
                        help="compare every DAYS days from the first snapshot instead of the fixed dates (with "
                             "--events: a summary only)")
    parser.add_argument("--overlap", action="store_true",
                        help="also compare the two archives on the days both cover (every 15th day)")
    parser.add_argument("--grey-spells", action="store_true",
                        help="also how the grey-zone spells of the full archive ended (first --events file)")
    args = parser.parse_args(argv)
    sources = [s for s in (args.history, args.occupied) if Path(s).exists()]
    if not sources:
        print("no archive folder found: run scripts/derive_area_events.py first", file=sys.stderr)
        return 1
    if not args.skip_import:
        print_import(run_import(sources, args.settlements))
    days = [date.fromisoformat(d) for d in DATES]
    if args.every:
        from datetime import timedelta

        days = [date(2022, 4, 25) + timedelta(days=k) for k in range(0, 1580, args.every)]
        days = [d for d in days if d <= date(2026, 8, 21)]
    rows = archive_table(sources, days)
    shown = shown_km2(args.events, days) if args.events else None
    if not args.every:
        print_areas(rows, shown)
        if Path(args.history).exists():
            baseline_row(args.history, args.events or [])
    if shown:
        print_summary(rows, shown)
    if args.overlap:
        overlap_table(sources)
    if args.grey_spells and args.events:
        full = [row["figures"].snapshot for row in archive_table(sources[:1], days[-1:]) if row["figures"]]
        grey_spells(args.events[0], full[-1].day if full else days[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
