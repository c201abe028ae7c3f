"""Update benchmark: `python -m controlmap update` from a local server in the shape of DeepStateMap's history API,
serving the history archive's full layer sets (0.2–0.6 MB, hundreds of features each) as new snapshots.

Set-up (not timed): the archive is derived up to 30 Jun 2025 into a scratch data folder (the shipped researched
rows, the derived rows to that day, and the sources.json that records it); its July 2025 snapshots are then served
as the API's list and snapshots. Timed, each in its own process (its wall time and peak RSS): an update reading one
new snapshot, then one reading the next 30. Needs the archive extracted by scripts/derive_area_events.py:

    .venv/bin/python benchmarks/bench_update.py [--history /tmp/controlmap-areas/history/geojsons]

Targets: one snapshot fetched, imported, validated and merged ≤ 5 s; 30 ≤ 60 s (at most one request a second:
31 requests take 30 s of waiting alone); peak RSS ≤ 500 MB.
"""

import argparse
import http.server
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controlmap import paths  # noqa: E402 (after the path is set)
from controlmap.areas import importer  # noqa: E402 (after the path is set)

CUT = date(2025, 6, 30)
TARGETS = {"one snapshot": 5.0, "30 snapshots": 60.0}
RSS_TARGET_MB = 500.0
HISTORY_COMMIT = "df633a1700680411949934a4345f1af263327377"


def serve(files: dict[int, Path]) -> tuple[http.server.ThreadingHTTPServer, str]:
    listed = sorted(files)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            if self.path == "/api/history/public":
                body = json.dumps([{"id": i, "createdAt": datetime.fromtimestamp(i, UTC).isoformat()}
                                   for i in listed]).encode()
            elif len(parts) == 4 and parts[3] == "geojson" and parts[2].isdigit() and int(parts[2]) in files:
                body = files[int(parts[2])].read_bytes()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/api/history"


def prepare(history: Path, scratch: Path) -> Path:
    """A data folder holding the archive derived to CUT (researched rows, derived rows, sources.json)."""
    data = scratch / "data"
    data.mkdir()
    derived, record = scratch / "derived.csv", data / "sources.json"
    subprocess.run([sys.executable, "-m", "controlmap", "import-areas", str(history), "--until", CUT.isoformat(),
                    f"--commit=history={HISTORY_COMMIT}", "--out", str(derived), "--record", str(record)],
                   cwd=ROOT, check=True, capture_output=True)
    sources = ["DeepStateMap (archived layer)", "DeepStateMap (archived occupied area)",
               "DeepStateMap (map history API)"]
    (data / "events.csv").write_bytes(importer.with_derived_rows(paths.EVENTS_CSV.read_bytes(), derived.read_bytes(),
                                                                 sources))
    return data


# The update in a process of its own that reports its own peak RSS (the set-up's import ran in another).
CHILD = ("import resource, sys\nfrom controlmap.cli import main\ncode = main(sys.argv[1:])\n"
         "print('peak-rss-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)")


def run(data: Path, base: str, until: date) -> tuple[float, float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, "update", "--source", base, "--until", until.isoformat(),
                           "--events", str(data / "events.csv")], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - started
    rss = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak-rss-kb")) / 1024
    return wall, rss, done.stdout.splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=Path, default=Path("/tmp/controlmap-areas/history/geojsons"))
    args = parser.parse_args(argv)
    if not args.history.is_dir():
        print(f"no archive at {args.history}: run scripts/derive_area_events.py first", file=sys.stderr)
        return 1
    after = {int(p.stem): p for p in args.history.glob("*.geojson")
             if p.stem.isdigit() and datetime.fromtimestamp(int(p.stem), UTC).date() > CUT}
    served = dict(sorted(after.items())[:31])
    days = [datetime.fromtimestamp(i, UTC).date() for i in served]
    with tempfile.TemporaryDirectory() as scratch:
        data = prepare(args.history, Path(scratch))
        server, base = serve(served)
        try:
            one = run(data, base, days[0])
            thirty = run(data, base, days[-1])
        finally:
            server.shutdown()
    print(f"update from a local API ({len(served)} snapshots of {days[0]} … {days[-1]}, after a derivation to {CUT})")
    print(f"  {'run':14} {'wall s':>7} {'target':>7}  {'peak RSS MB':>11}  first line of the summary")
    for label, (wall, rss, summary) in (("one snapshot", one), ("30 snapshots", thirty)):
        verdict = "ok" if wall <= TARGETS[label] and rss <= RSS_TARGET_MB else "MISSED"
        print(f"  {label:14} {wall:7.1f} {TARGETS[label]:7.0f}  {rss:11.0f}  {summary[:70]}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
