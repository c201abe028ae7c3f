"""Re-derive the settlement events read from DeepStateMap's archived control layers.

Given local git copies of the two public archives (a clone, or a bare mirror), this extracts their snapshot
files at the pinned commits into a scratch folder and runs `python -m controlmap import-areas` on them (the same
code path as any user's import), writing an ordinary event CSV:

    git clone https://github.com/DanielRose2310/deepstatemaps-history /tmp/deepstatemaps-history
    git clone https://github.com/cyterat/deepstate-map-data /tmp/deepstate-map-data
    .venv/bin/python scripts/derive_area_events.py --history-git /tmp/deepstatemaps-history \\
        --occupied-git /tmp/deepstate-map-data --out /tmp/derived_events.csv [--until DAY] [--ship]

It also writes what was read (<out>.sources.json: per series the snapshots read, the newest, and where every
settlement stands), from which `python -m controlmap update` continues. With --ship, data/events.csv then gets the
derived rows in place of those of the earlier derivation (after the researched rows, in the order the snapshots
confirmed them) and data/sources.json the record, saved together through the store (undo restores both).

- history (DanielRose2310/deepstatemaps-history): geojsons/<UTC unix time>.geojson, DeepState's full layer set.
- occupied-daily (cyterat/deepstate-map-data): data/deepstatemap_data_<YYYYMMDD>.geojson, the occupied area only.

The preset (controlmap/areas/presets/deepstate.json) uses the history archive wherever it has snapshots, and the
occupied-only archive after its last one. Files the copy lacks (a partial mirror) are listed and left out.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controlmap.areas import importer, preset  # noqa: E402 (after the path is set)
from controlmap.areas.archives import ARCHIVES, extract  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history-git", type=Path, required=True, help="a git copy of deepstatemaps-history")
    parser.add_argument("--occupied-git", type=Path, required=True, help="a git copy of deepstate-map-data")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/controlmap-areas"),
                        help="where the snapshot files are extracted (default /tmp/controlmap-areas)")
    parser.add_argument("--out", type=Path, required=True, help="the event CSV to write")
    parser.add_argument("--settlements", type=Path, help="default: data/geo/settlements.csv")
    parser.add_argument("--until", help="read no snapshot after this day (YYYY-MM-DD)")
    parser.add_argument("--events", type=Path, help="with --ship: the events file to ship into (default: "
                                                     "data/events.csv; its sources.json is written beside it)")
    parser.add_argument("--ship", action="store_true",
                        help="then put the rows into data/events.csv in place of the earlier derived rows")
    args = parser.parse_args(argv)
    sources = []
    for archive, git_dir in zip(ARCHIVES, (args.history_git, args.occupied_git), strict=True):
        into = args.scratch / archive.series
        written, missing = extract(git_dir, archive.commit, archive.folder, into)
        print(f"{archive.repository} @ {archive.commit[:12]}: {written} files extracted to {into / archive.folder}, "
              f"{len(missing)} missing from the copy" + (f" ({', '.join(missing[:5])})" if missing else ""),
              file=sys.stderr)
        sources.append(str(into / archive.folder))
    from controlmap.cli import main as cli

    commits = [f"--commit={a.series}={a.commit}" for a in ARCHIVES]
    extra = ["--settlements", str(args.settlements)] if args.settlements else []
    extra += ["--until", args.until] if args.until else []
    record = record_path(args.out)
    status = cli(["import-areas", *sources, "--preset", "deepstate", *commits, "--out", str(args.out),
                  "--record", str(record), *extra])
    if status != 0 or not args.ship:
        return status
    return ship(args.out, record, args.events)


def record_path(out: Path) -> Path:
    return out.with_name(out.stem + ".sources.json")


def ship(derived: Path, record: Path, events: Path | None = None) -> int:
    """The events file (data/events.csv by default) becomes: every row of it that an earlier derivation did not
    write, then the derived rows; the sources.json beside it the record (saved together through the store: the old
    files are kept in its history/ folder and the save can be undone)."""
    from controlmap import paths
    from controlmap.events.store import EventStore
    from controlmap.events.validation import Validator
    from controlmap.geo.gazetteer import Gazetteer

    events = events or paths.EVENTS_CSV
    sources = [series.source for series in preset.Preset.load("deepstate").series]
    combined = importer.with_derived_rows(events.read_bytes(), derived.read_bytes(), sources)
    result = EventStore(events).save(combined, replace=True, validator=Validator(Gazetteer.load()),
                                               author="import-areas (DeepState archives)",
                                               sources=record.read_bytes())
    print(result.message, file=sys.stderr)
    for problem in result.errors[:20]:
        print(problem, file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
