"""The settlement map in headless Chromium: cold start, step latency, bytes, play rate, heap growth.

Run: .venv/bin/python benchmarks/browser_bench.py [--cold-runs N] [--cold-only] [--only dashboard]
The dashboard serves the data folder $CONTROLMAP_DATA names (default data/): another region's size is measured so.
Each target is a Streamlit app (see ``Target``); the real dashboard can be added to ``TARGETS``.
Cold start is also measured on its own, ``--cold-runs`` times per app, the bare app, the same warmed up at server
start as the dashboard is, the bare app with the dashboard's page list, the dashboard's map alone (its data, no
other element), the dashboard as ``./scripts/run.sh`` starts it (``streamlit_app.py``) and ``dashboard.py`` run
directly, interleaved (a single start varies by ±0.3 s on a busy machine): the second table gives the medians, and
where the CPU went meanwhile (Chromium's processes, and everything else: the Streamlit server, mostly; Linux only).
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere; the helpers live in the test suite

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import APPS_DIR, PageRecorder, launch_chromium, streamlit_server  # noqa: E402

STEPS = 25
PLAY_SECONDS = 2.0
MAP_FRAME = "iframe[src*='streamlit_folium']"
BROWSER_PROCESS_NAMES = {"chromium", "chrome", "headless_shell"}  # Debian's, Google's, Playwright's shell


@dataclass
class Target:
    """An app to measure. ``panel``: its map frame holds the panel (the map page's), whose month steps are measured."""

    label: str
    app: Path
    env: dict[str, str] = field(default_factory=dict)
    timeline: bool = True
    panel: bool = False


def demo(n: int, cells: bool = False) -> Target:
    """The synthetic demo of ``n`` settlements; with ``cells``, their Voronoi cells too (territory and front line)."""
    return Target(
        f"demo {n:,}{' with cells' if cells else ''}",
        APPS_DIR / "map_demo.py",
        {"CONTROLMAP_DEMO_N": str(n), "CONTROLMAP_DEMO_RUNS": "3", **({"CONTROLMAP_DEMO_CELLS": "1"} if cells else {})},
    )


# As ./scripts/run.sh starts it: streamlit_app.py serves dashboard.py and warms up at server start. Its panel is in the
# map's frame: no day is chosen in Python.
DASHBOARD = Target("dashboard (the data folder's)", ROOT / "streamlit_app.py", panel=True)
# The same pages started as `streamlit run dashboard.py`: no warm-up, for the cold start only.
DASHBOARD_DIRECT = Target("dashboard.py run directly", ROOT / "dashboard.py")
BARE = Target("bare st_folium map", ROOT / "benchmarks" / "apps" / "bare_map.py", timeline=False)
# The bare app served with the dashboard's warm-up (folium imported, the data loaded, in the background at server
# start): the same head start as the dashboard, so the fair reference for the wall-clock.
BARE_WARMED = Target("bare map, warmed up as the dashboard", ROOT / "benchmarks" / "apps" / "bare_map_server.py",
                     timeline=False)
# The dashboard's map with the data folder's data and nothing else on the page, warmed up as the dashboard is: what
# drawing the data costs at start (against BARE), and what the map page's other elements cost (the dashboard
# against it).
DASHBOARD_MAP = Target("the dashboard's map alone", ROOT / "benchmarks" / "apps" / "dashboard_map_server.py")
TARGETS = [
    BARE,
    DASHBOARD,
    demo(1751),
    demo(30_000),
    demo(30_000, cells=True),
]


class ByteCounter:
    """Bytes the browser receives: HTTP bodies as transferred, and websocket frames (``app_data``: the
    app's own data, the websocket part; the rest is Streamlit's and Leaflet's code)."""

    def __init__(self, page):
        self.total = 0
        self.app_data = 0
        self.last_at = time.monotonic()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", lambda e: self._add(int(e["encodedDataLength"])))
        cdp.on("Network.webSocketFrameReceived", lambda e: self._add_frame(self._frame_size(e["response"])))

    @staticmethod
    def _frame_size(frame: dict) -> int:
        data = frame["payloadData"]
        return len(base64.b64decode(data)) if frame["opcode"] == 2 else len(data.encode())

    def _add(self, n: int) -> None:
        self.total += n
        self.last_at = time.monotonic()

    def _add_frame(self, n: int) -> None:
        self.app_data += n
        self._add(n)

    def wait_quiet(self, page, quiet_s: float = 0.3, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() - self.last_at < quiet_s and time.monotonic() < deadline:
            page.wait_for_timeout(50)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def med_p95(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {p95(values):.1f}" if values else "–"


def kib(n: float) -> str:
    return f"{n / 1024:,.1f}"


def map_frame(page, timeline: bool):
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    ready = "window.controlmap && window.controlmap.stats().paints > 0" if timeline else "window.map"
    frame.wait_for_function(ready, timeout=120_000)
    return frame


def scrub_in_map(frame, days: list[int]) -> tuple[list[float], list[float]]:
    """Slider ``input`` events: the repaint's own cost, and input to the next animation frame."""
    paint_ms, frame_ms = [], []
    for day in days:
        result = frame.evaluate(
            """day => new Promise(resolve => {
                const slider = document.querySelector('.cm-slider');
                const t0 = performance.now();
                slider.value = String(day);
                slider.dispatchEvent(new Event('input', {bubbles: true}));
                requestAnimationFrame(() => resolve({
                    paint: window.controlmap.stats().lastPaintMs, frame: performance.now() - t0,
                }));
            })""",
            day,
        )
        paint_ms.append(result["paint"])
        frame_ms.append(result["frame"])
    return paint_ms, frame_ms


def panel_steps(frame, button: str, n: int) -> tuple[list[float], list[float]]:
    """Click the panel's ``button`` (a month step) ``n`` times: the map's repaint, and click → the next frame (the
    map repainted and the panel's figures and changes redrawn, all in the browser)."""
    result = frame.evaluate(
        """async ([id, n]) => {
            const paint = [], frame = [];
            for (let k = 0; k < n; k++) {
                const t0 = performance.now();
                document.getElementById(id).click();
                await new Promise((resolve) => requestAnimationFrame(resolve));
                frame.push(performance.now() - t0);
                paint.push(window.controlmap.stats().lastPaintMs);
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            return [paint, frame];
        }""",
        [button, n],
    )
    return result[0], result[1]


def thread_time_ms(cdp) -> float:
    """CPU time of the page's main thread (with ``Performance.enable`` in thread ticks): unlike wall
    time, it does not grow when other processes compete for the cores."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["ThreadTime"] * 1000


def heap_used(cdp) -> int:
    cdp.send("HeapProfiler.collectGarbage")
    return int(cdp.send("Runtime.getHeapUsage")["usedSize"])


def measure_scrubbing(frame, counter: ByteCounter, cdp) -> dict[str, str]:
    """Random days in points mode (the dashboard starts in cells mode: measured next)."""
    frame.evaluate("window.controlmap.setMode('points')")
    rng = random.Random(1)
    n_days = int(frame.evaluate("document.querySelector('.cm-slider').max")) + 1
    days = [rng.randrange(n_days) for _ in range(STEPS)]
    scrub_in_map(frame, days[:3])
    before, cpu_before = counter.total, thread_time_ms(cdp)
    paint_ms, frame_ms = scrub_in_map(frame, days)
    cpu_ms = (thread_time_ms(cdp) - cpu_before) / STEPS
    counter.wait_quiet(frame.page)
    return {
        "points mode, in-map scrub: repaint ms (median / p95)": med_p95(paint_ms),
        "points mode, in-map scrub: page main-thread CPU ms per step (mean)": f"{cpu_ms:.1f}",
        "points mode, in-map scrub: input → next frame ms (median / p95)": med_p95(frame_ms),
        "points mode, in-map scrub: bytes per step": f"{(counter.total - before) / STEPS:.0f}",
    }


def measure_cells_scrubbing(frame, counter: ByteCounter) -> dict[str, str]:
    """The same scrub with the settlements' cells drawn (the map's "Cells" mode), where the map has cells."""
    if not frame.evaluate("window.controlmap.stats().cells"):
        return {}
    rng = random.Random(2)
    n_days = int(frame.evaluate("document.querySelector('.cm-slider').max")) + 1
    days = [rng.randrange(n_days) for _ in range(STEPS)]
    frame.evaluate("window.controlmap.setMode('cells')")
    scrub_in_map(frame, days[:3])
    before = counter.total
    paint_ms, frame_ms = scrub_in_map(frame, days)
    counter.wait_quiet(frame.page)
    # A drag: the slider moving through neighbouring days (2 a step, as a mouse drag over 1,600 days does), then
    # playing, both over the cells and the front line.
    start = n_days // 3
    drag_paint_ms, drag_frame_ms = scrub_in_map(frame, [start + 2 * k for k in range(STEPS)])
    counter.wait_quiet(frame.page)
    play = measure_play(frame, counter)["play: frames per second (1 day per frame)"]
    return {
        "cells mode: cells drawn": f"{frame.evaluate('window.controlmap.stats().cells'):,}",
        "cells mode, in-map scrub: repaint ms (median / p95)": med_p95(paint_ms),
        "cells mode, in-map scrub: input → next frame ms (median / p95)": med_p95(frame_ms),
        "cells mode, in-map scrub: bytes per step": f"{(counter.total - before) / STEPS:.0f}",
        "cells mode, drag (2 days a step): repaint ms (median / p95)": med_p95(drag_paint_ms),
        "cells mode, drag (2 days a step): input → next frame ms (median / p95)": med_p95(drag_frame_ms),
        "cells mode, play: frames per second (1 day per frame)": play,
    }


def measure_play(frame, counter: ByteCounter) -> dict[str, str]:
    frame.evaluate("window.controlmap.setDay(0)")
    start = frame.evaluate("[performance.now(), window.controlmap.stats().paints]")
    frame.click(".cm-play")
    frame.page.wait_for_timeout(PLAY_SECONDS * 1000)
    end = frame.evaluate("[performance.now(), window.controlmap.stats().paints]")
    frame.click(".cm-play")
    counter.wait_quiet(frame.page)
    fps = (end[1] - start[1]) / (end[0] - start[0]) * 1000
    return {"play: frames per second (1 day per frame)": f"{fps:.1f}"}


def measure_panel(frame, counter: ByteCounter, cdp) -> dict[str, str]:
    """The panel's month steps (what a Python rerun did before the panel moved into the map's frame): the repaint,
    click → next frame, the bytes they bring (none: nothing goes to the server), and the JS heap's growth over the same
    number of steps again."""
    frame.evaluate("window.controlmap.setDay(0, {commit: true})")
    before = counter.total
    heap_before = heap_used(cdp)
    forward = panel_steps(frame, "cm-forward-30", STEPS // 2)
    back = panel_steps(frame, "cm-back-30", STEPS - STEPS // 2)
    first_window = heap_used(cdp) - heap_before
    counter.wait_quiet(frame.page)
    sent = counter.total - before
    heap_before = heap_used(cdp)
    panel_steps(frame, "cm-forward-30", STEPS // 2)
    panel_steps(frame, "cm-back-30", STEPS - STEPS // 2)
    return {
        "panel ±30 days: repaint ms (median / p95)": med_p95(forward[0] + back[0]),
        "panel ±30 days: click → next frame ms (median / p95)": med_p95(forward[1] + back[1]),
        "panel ±30 days: KiB to the browser meanwhile": kib(sent),
        f"JS heap growth over {STEPS} panel steps: first / next (KiB)":
            f"{kib(first_window)} / {kib(heap_used(cdp) - heap_before)}",
    }


def measure(target: Target, browser) -> dict[str, str]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    recorder = PageRecorder(page)
    counter = ByteCounter(page)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with streamlit_server(target.app, target.env) as url:
        page.goto(url)
        frame = map_frame(page, target.timeline)
        row = {"cold start: process start → map painted (s)": f"{time.monotonic() - started:.2f}"}
        counter.wait_quiet(page)
        row["bytes to the browser at start (KiB)"] = kib(counter.total)
        row["of which the app's data (websocket, KiB)"] = kib(counter.app_data)
        if target.timeline:
            row["settlements drawn"] = f"{frame.evaluate('window.controlmap.stats().features'):,}"
            starting_mode = frame.evaluate("window.controlmap.getMode()")
            row["starting mode"] = starting_mode
            row |= measure_scrubbing(frame, counter, cdp)
            row |= measure_cells_scrubbing(frame, counter)
            frame.evaluate("(mode) => window.controlmap.setMode(mode)", starting_mode)
            row |= measure_play(frame, counter)
            if target.panel:
                row |= measure_panel(frame, counter, cdp)
        row["non-local requests / console errors"] = (
            f"{len(recorder.external_requests)} / {len(recorder.console_errors)}"
        )
        row["machine load average (1 min) before / after"] = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"
    context.close()
    return row


@dataclass
class ColdStart:
    """One cold start: wall seconds, and the CPU seconds spent meanwhile by Chromium's processes and by
    everything else on the machine (the Streamlit server, mostly)."""

    seconds: float
    browser_cpu: float | None
    other_cpu: float | None


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux); None elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields) - idle) / _clock_ticks()


def chromium_cpu_seconds() -> float | None:
    """CPU seconds used so far by the running Chromium processes (Linux); None elsewhere."""
    proc = Path("/proc")
    if not (proc / "stat").exists():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in BROWSER_PROCESS_NAMES:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / _clock_ticks()


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def cold_start(target: Target, browser) -> ColdStart:
    """Seconds from starting the server process to the map painted, in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    busy_before, browser_before = busy_cpu_seconds(), chromium_cpu_seconds()
    started = time.monotonic()
    with streamlit_server(target.app, target.env) as url:
        page.goto(url)
        map_frame(page, target.timeline)
        seconds = time.monotonic() - started
        busy, browser_cpu = _spent(busy_before, busy_cpu_seconds()), _spent(browser_before, chromium_cpu_seconds())
    context.close()
    other = None if busy is None or browser_cpu is None else busy - browser_cpu
    return ColdStart(seconds, browser_cpu, other)


def _median_seconds(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):.2f}" if known else "–"


def measure_cold_starts(baseline: Target, targets: list[Target], runs: int, browser,
                        references: tuple[tuple[Target, str], ...] = ()) -> dict[str, dict[str, str]]:
    """Interleaved cold starts (baseline, then each target, ``runs`` times): median, range, the
    median's excess over the baseline's median, the median excess within a round, and where the CPU went;
    for each of ``references`` (targets among ``targets``, with a name), each one's wall-clock and Chromium CPU
    against that target's too."""
    starts: dict[str, list[ColdStart]] = {t.label: [] for t in [baseline, *targets]}
    for _ in range(runs):
        for target in [baseline, *targets]:
            starts[target.label].append(cold_start(target, browser))
    base_runs = [s.seconds for s in starts[baseline.label]]
    base = statistics.median(base_runs)
    compared = [(baseline, "bare app"), *references]
    table = {}
    for label, runs_of in starts.items():
        seconds = [s.seconds for s in runs_of]
        # Each round's start against the baseline's start in the same round: the machine's drift from
        # one round to the next cancels out.
        paired = [t / b - 1 for t, b in zip(seconds, base_runs, strict=True)]
        table[label] = {
            f"cold start, median of {runs} (s)": f"{statistics.median(seconds):.2f}",
            "range (s)": f"{min(seconds):.2f}–{max(seconds):.2f}",
            "vs bare app (median)": f"{(statistics.median(seconds) / base - 1) * 100:+.1f} %",
            "vs bare app, same round (median)": f"{statistics.median(paired) * 100:+.1f} %",
            "CPU meanwhile: Chromium, median (s)": _median_seconds([s.browser_cpu for s in runs_of]),
            "CPU meanwhile: server and the rest, median (s)": _median_seconds([s.other_cpu for s in runs_of]),
        }
        for reference, name in references:
            table[label][f"vs {name} (median)"] = _excess(seconds, [s.seconds for s in starts[reference.label]])
        for reference, name in compared:
            table[label][f"Chromium CPU vs {name} (medians)"] = _excess(
                [s.browser_cpu for s in runs_of], [s.browser_cpu for s in starts[reference.label]])
    return table


def _excess(values: list[float] | list[float | None], reference: list[float] | list[float | None]) -> str:
    known, base = [v for v in values if v is not None], [v for v in reference if v is not None]
    return f"{(statistics.median(known) / statistics.median(base) - 1) * 100:+.1f} %" if known and base else "–"


def print_table(results: dict[str, dict[str, str]]) -> None:
    metrics = list(dict.fromkeys(m for row in results.values() for m in row))
    labels = list(results)
    width = max(len(m) for m in metrics)
    columns = [max(len(label), *(len(row.get(m, "–")) for m in metrics)) for label, row in results.items()]
    print(" | ".join([f"{'metric':<{width}}", *(f"{lb:>{w}}" for lb, w in zip(labels, columns, strict=True))]))
    print("-|-".join(["-" * width, *("-" * w for w in columns)]))
    for m in metrics:
        cells = [f"{results[lb].get(m, '–'):>{w}}" for lb, w in zip(labels, columns, strict=True)]
        print(" | ".join([f"{m:<{width}}", *cells]))


def bare_with_pages(directory: Path) -> Target:
    """The bare app with a page list like the dashboard's (same page names, trivial pages): how much of
    the dashboard's start is Streamlit's multipage navigation rather than the map page's content."""
    shutil.copy(BARE.app, directory / BARE.app.name)
    (directory / "pages").mkdir()
    for page in sorted((ROOT / "pages").glob("*.py")):
        (directory / "pages" / page.name).write_text("import streamlit as st\n\nst.write('page')\n")
    count = len(list((directory / "pages").glob("*.py")))
    return Target(f"bare map + the app's {count} pages", directory / BARE.app.name, timeline=False)


def run(targets: list[Target], cold_runs: int, cold_only: bool) -> None:
    with sync_playwright() as playwright, launch_chromium(playwright) as browser, \
            tempfile.TemporaryDirectory() as scratch:
        if not cold_only:
            results = {}
            for target in targets:
                print(f"measuring {target.label}…", file=sys.stderr, flush=True)
                results[target.label] = measure(target, browser)
            print_table(results)
            print()
        if cold_runs:
            print(f"cold starts, {cold_runs} interleaved runs…", file=sys.stderr, flush=True)
            with_pages = bare_with_pages(Path(scratch))
            targets = [BARE_WARMED, with_pages, DASHBOARD_MAP, DASHBOARD, DASHBOARD_DIRECT]
            references = ((BARE_WARMED, "the bare app warmed up"), (DASHBOARD_MAP, "the dashboard's map alone"))
            print_table(measure_cold_starts(BARE, targets, cold_runs, browser, references))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=7, help="cold starts per app for the median (0: none)")
    parser.add_argument("--cold-only", action="store_true", help="only the repeated cold starts")
    parser.add_argument("--only", metavar="TEXT", help="only the targets whose label holds TEXT (e.g. dashboard)")
    arguments = parser.parse_args()
    run([t for t in TARGETS if arguments.only is None or arguments.only in t.label], arguments.cold_runs,
        arguments.cold_only)
