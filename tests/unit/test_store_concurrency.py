"""controlmap.store under pressure: simultaneous saves from many processes, and saves killed with SIGKILL."""

import contextlib
import csv
import hashlib
import io
import itertools
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from controlmap import paths
from controlmap.events.store import EventStore
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "store"
TODAY = date(2025, 6, 1)
HEADER = ["date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote", "note"]
EDITORS = ["Kupiansk", "Izium", "Balakliia", "Vovchansk", "Lyptsi", "Kozacha Lopan", "Chuhuiv", "Kivsharivka",
           "Dvorichna", "Babaky"]
N_KILLS = 50
KILL_SEED = 20220910
KILL_WINDOW_S = 0.3


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(Gazetteer.load())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- ten editors at once

def editor_upload(i: int) -> bytes:
    return (",".join(HEADER) + "\n" +
            f"2022-10-{i + 1:02d},{EDITORS[i]},,,ua,independent,Editor {i},https://example.org/editor/{i},,\n").encode()


def _save_as_editor(i: int, events: str, barrier, results) -> None:
    try:
        validator = Validator(Gazetteer.load())
        barrier.wait(timeout=600)
        result = EventStore(Path(events)).save(editor_upload(i), validator=validator, today=TODAY,
                                               author=f"editor {i}")
        results.put((i, result.ok, result.written, result.entry["added"] if result.entry else None))
    except BaseException as error:  # report, so that the parent never waits for a result that cannot come
        results.put((i, False, False, repr(error)))
        raise


@pytest.mark.timeout(900)  # 10 interpreters importing pandas at once: slow on a busy machine
def test_ten_processes_merging_at_once_keep_every_event(tmp_path, validator):
    events = tmp_path / "events.csv"
    shutil.copyfile(FIXTURES / "events.csv", events)
    original = events.read_bytes()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(EDITORS)), context.Queue()
    workers = [context.Process(target=_save_as_editor, args=(i, str(events), barrier, results))
               for i in range(len(EDITORS))]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * len(EDITORS)
    assert outcomes == [(i, True, True, 1) for i in range(len(EDITORS))]

    data = events.read_bytes()
    assert data.startswith(original)
    after = validator.validate(data, TODAY)
    assert after.errors == [] and len(after.events) == 6 + len(EDITORS)
    added = after.events.tail(len(EDITORS))
    assert sorted(added.source) == sorted(f"Editor {i}" for i in range(len(EDITORS)))
    for i in range(len(EDITORS)):
        row = added[added.source == f"Editor {i}"].iloc[0]
        assert (row.settlement, row.date.strftime("%Y-%m-%d")) == (EDITORS[i], f"2022-10-{i + 1:02d}")

    evstore = EventStore(events)
    history = evstore.history()
    assert len(history) == len(EDITORS)
    assert sorted(e["author"] for e in history) == sorted(f"editor {i}" for i in range(len(EDITORS)))
    assert all(e["action"] == "merge" and e["added"] == 1 for e in history)
    chain = history[::-1]  # oldest first: each save started from the file the previous one wrote
    assert chain[0]["sha256_before"] == sha(original) and chain[-1]["sha256_after"] == evstore.digest()
    assert all(a["sha256_after"] == b["sha256_before"] for a, b in itertools.pairwise(chain))
    assert [e["rows_after"] for e in chain] == list(range(7, 7 + len(EDITORS)))
    assert len(list(evstore.history_dir.glob("events-*.csv"))) == len(EDITORS)


# ---------------------------------------------------------------- kill -9 at any moment

def synthetic_events(gazetteer: Gazetteer, n: int, source: str, first_day: date) -> bytes:
    """n valid events: every settlement by katottg, one per settlement and day, no contradictions."""
    codes = list(gazetteer.settlements.katottg)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for i in range(n):
        day = first_day + timedelta(days=i // len(codes))
        writer.writerow([day.isoformat(), "", "", codes[i % len(codes)], ("ua", "ru", "contested")[i % 3],
                         ("ua", "ru", "independent")[i % 3], source, f"https://example.org/{source}/{i}",
                         f"statement {i}: a quote long enough to make the file take a while to write", ""])
    return buffer.getvalue().encode()


def merge_command(upload: Path, events: Path, replace: bool) -> list[str]:
    return [sys.executable, "-m", "controlmap", "merge", str(upload), "--events", str(events),
            *(["--replace"] if replace else [])]


def watch(process: subprocess.Popen, events: Path, until: float, allowed: set[str]) -> tuple[set[str], float | None]:
    """Read the file again and again until `until` (or the process ends): every version seen must be allowed.
    Returns the digests seen and the time.monotonic() at which the file first changed (None: it did not)."""
    seen, changed, first = set(), None, os.stat(events)
    while time.monotonic() < until and process.poll() is None:
        data = events.read_bytes()
        seen.add(sha(data))
        assert sha(data) in allowed, f"a reader saw a partial file ({len(data)} bytes)"
        now = os.stat(events)
        if changed is None and (now.st_ino, now.st_mtime_ns, now.st_size) != (
                first.st_ino, first.st_mtime_ns, first.st_size):
            changed = time.monotonic()
        time.sleep(0.001)
    return seen, changed


@contextlib.contextmanager
def killed_at_exit(process: subprocess.Popen):
    """Whatever happens in the block, the process is then killed with SIGKILL (kill -9) and reaped."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # ~1 min on an idle 2-core machine; far longer when the machine is busy
def test_kill_9_at_any_moment_leaves_the_old_or_the_new_file(tmp_path, validator):
    """50 merges (half appending 10,000 rows, half replacing the file with 12,000) killed with SIGKILL at a
    seeded random moment: a 300 ms window centred on the moment the file changed in a calibration run (and
    nudged towards it as kills land before or after it), so kills land before, during and after the write.
    Meanwhile the test reads the file continuously, so a writer that ever exposes a partial file
    (truncate-then-write, in-place append) fails even when no kill hits its write."""
    gazetteer = validator.gazetteer
    today = date.today()  # what the command uses
    base = (FIXTURES / "events.csv").read_bytes() + synthetic_events(gazetteer, 3_000, "base", date(2022, 3, 1)
                                                                       ).split(b"\n", 1)[1]
    uploads = {False: synthetic_events(gazetteer, 10_000, "append", date(2023, 1, 1)),
               True: synthetic_events(gazetteer, 12_000, "replace", date(2023, 6, 1))}
    assert all(len(u) < 5_000_000 for u in uploads.values())

    work = tmp_path / "data"
    work.mkdir()
    events = work / "events.csv"
    expected, started = {}, {}
    for replace, upload in uploads.items():
        upload_path = tmp_path / f"upload-{replace}.csv"
        upload_path.write_bytes(upload)
        reference = tmp_path / f"reference-{replace}" / "events.csv"
        reference.parent.mkdir()
        reference.write_bytes(base)
        assert EventStore(reference).save(upload, replace=replace, validator=validator, today=today).written
        expected[replace] = reference.read_bytes()
        for version in (base, expected[replace]):  # every version a kill may leave must be a valid file
            assert validator.validate(version, today).errors == []
        # calibration: when, after the start, does a complete run change the file?
        events.write_bytes(base)
        start = time.monotonic()
        process = subprocess.Popen(merge_command(upload_path, events, replace), cwd=paths.PROJECT_ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with killed_at_exit(process):
            _, changed = watch(process, events, start + 120, {sha(base), sha(expected[replace])})
            assert process.wait(timeout=120) == 0 and events.read_bytes() == expected[replace]
        started[replace] = (changed or time.monotonic()) - start

    rng = random.Random(KILL_SEED)
    outcomes = {"old": 0, "new": 0}
    for attempt in range(N_KILLS):
        replace = attempt % 2 == 1
        events.write_bytes(base)
        allowed = {sha(base): "old", sha(expected[replace]): "new"}
        delay = max(0.0, started[replace] - KILL_WINDOW_S / 2 + rng.uniform(0, KILL_WINDOW_S))
        start = time.monotonic()
        process = subprocess.Popen(merge_command(tmp_path / f"upload-{replace}.csv", events, replace),
                                   cwd=paths.PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with killed_at_exit(process):
            _, changed = watch(process, events, start + delay, set(allowed))
        # killed_at_exit sent SIGKILL: no cleanup of any kind ran
        left = events.read_bytes()
        assert sha(left) in allowed, f"attempt {attempt}: kill after {delay:.3f} s left a partial file"
        outcomes[allowed[sha(left)]] += 1
        # keep the window on the moment of the change as the machine's load drifts
        if changed is not None:  # seen: move halfway to it
            started[replace] = (started[replace] + changed - start) / 2
        else:  # not seen (killed before, or the change came just before the kill): look a little later
            started[replace] *= 1.05 if allowed[sha(left)] == "old" else 0.95
    # the kill window straddles the write: some kills came before it, some after
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
    print(f"kills: {outcomes}; calibrated change after {started}")

    # a complete run afterwards removes what the killed runs left behind and succeeds
    events.write_bytes(base)
    done = subprocess.run(merge_command(tmp_path / "upload-False.csv", events, False), cwd=paths.PROJECT_ROOT,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert events.read_bytes() == expected[False]
    assert sorted(p.name for p in work.iterdir()) == ["events.csv", "events.csv.lock", "history"]
    assert not list((work / "history").glob(".*.tmp"))
