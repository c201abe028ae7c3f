"""Hostile load: what one anonymous upload, or a merge of many rows on one key, costs the server.

Run: .venv/bin/python benchmarks/bench_hostile.py
Each scenario runs in its own process (its peak RSS is its own) and prints one row of the table:

- a 3.6 MB event CSV of 40,000 unknown settlement names: the Upload page's check of the file (limits, then
  validation, as `uploads.check_file`), and `python -m controlmap validate` and `merge --dry-run` on it;
- 5,000 rows sharing one settlement, day and claimant merged into a copy of data/events.csv that already holds
  10,000 such rows (`merge --dry-run`), and saved (`merge`, through the store).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controlmap.events import uploads  # noqa: E402 (after the path is set)

TARGETS = {"40,000 unknown names": "≤ 5 s", "5,000 rows into 10,000 on one key": "≤ 2 s, ≤ 500 MB"}
KUPIANSK = "UA63080090010026457"


def unknown_names_csv(path: Path) -> None:
    """40,000 rows whose settlement names match nothing (3.6 MB, as the hostile upload that held the server)."""
    rng = random.Random(2022)
    lines = ["date,settlement,hint,status,claimed_by,source,note"]
    for i in range(40_000):
        name = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(8, 16))).capitalize()
        lines.append(f"2023-05-{1 + i % 28:02d},{name}{i},Nowhere hromada {i % 97},ru,ru,Source {i % 50},"
                     f"row {i} of a file made to keep the server busy")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def repeated_keys(folder: Path) -> tuple[Path, Path]:
    """A copy of data/events.csv with 10,000 rows on one settlement, day and claimant, and an upload of 5,000 more."""
    events = folder / "data" / "events.csv"
    events.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "data" / "events.csv", events)
    with events.open("a", encoding="utf-8") as file:
        file.writelines(f"2023-01-01,Kupiansk,,{KUPIANSK},ru,ru,Source {i},,,\n" for i in range(10_000))
    upload = folder / "upload.csv"
    upload.write_text("date,settlement,katottg,status,claimed_by,source\n" + "".join(
        f"2023-01-01,Kupiansk,{KUPIANSK},contested,ru,New source {i}\n" for i in range(5_000)), encoding="utf-8")
    return events, upload


def scenario(name: str, folder: Path) -> dict:
    """Runs one scenario in this process; returns its seconds and peak RSS."""
    from controlmap import cli
    from controlmap.events.validation import Validator
    from controlmap.geo.gazetteer import Gazetteer

    if name == "check":
        data = (folder / "unknown.csv").read_bytes()
        validator = Validator(Gazetteer.load())
        started = time.perf_counter()
        checked = uploads.check_file("unknown.csv", data, validator)
        seconds = time.perf_counter() - started
        detail = f"{len(checked.errors):,} errors, {len(data) / 1e6:.1f} MB"
    else:
        argv = {"validate": ["validate", str(folder / "unknown.csv"), "--json"],
                "merge-unknown": ["merge", str(folder / "unknown.csv"), "--dry-run", "--events",
                                  str(folder / "keys" / "data" / "events.csv")],
                "plan": ["merge", str(folder / "keys" / "upload.csv"), "--dry-run", "--events",
                         str(folder / "keys" / "data" / "events.csv")],
                "save": ["merge", str(folder / "keys" / "upload.csv"), "--events",
                         str(folder / "keys" / "data" / "events.csv")]}[name]
        started = time.perf_counter()
        code = cli.main(argv)
        seconds = time.perf_counter() - started
        detail = f"exit {code}"
    return {"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "detail": detail}


ROWS = [
    ("40,000 unknown names", "check", "Upload page's check (uploads.check_file)"),
    ("40,000 unknown names", "validate", "validate --json"),
    ("40,000 unknown names", "merge-unknown", "merge --dry-run (refused: errors)"),
    ("5,000 rows into 10,000 on one key", "plan", "merge --dry-run"),
    ("5,000 rows into 10,000 on one key", "save", "merge (saved, with history)"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.folder)))
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        unknown_names_csv(folder / "unknown.csv")
        repeated_keys(folder / "keys")
        print("| case | what | seconds | peak RSS (MB) | result | target |\n| --- | --- | ---: | ---: | --- | --- |")
        for case, name, what in ROWS:
            out = subprocess.run([sys.executable, __file__, "--scenario", name, "--folder", str(folder)],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            result = json.loads(out)
            print(f"| {case} | {what} | {result['seconds']:.2f} | {result['rss_mb']:.0f} | {result['detail']} | "
                  f"{TARGETS[case]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
