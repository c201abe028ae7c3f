"""The map page under load: N browser sessions at once, each clicking "30 days ▶" at the same moments (in the map's
panel, which redraws in the browser: a click costs the server nothing; an older checkout reran Python for it).

Run: .venv/bin/python benchmarks/load_bench.py [--sessions 1 5 10 20] [--clicks 8] [--root CHECKOUT]

For each N, a fresh Streamlit server serves the dashboard as ./scripts/run.sh does (streamlit_app.py, on
127.0.0.1 only) and one headless Chromium opens N sessions (one browser context each) at once on
``?date=START``. Then, ``--clicks`` times, every session clicks "30 days ▶" at the same moment (a timer in
each page, on the machine's one clock), and each page records click → heading showing the new date.
Reported per N: the median and p95 of those latencies, the server's CPU per click (utime + stime of the server
process from /proc, over the clicking phase, divided by the clicks), the shares of the machine's cores used
meanwhile by the server, the browser's processes and everything else (the other engineers' jobs too), the server's
RSS before the sessions open and after the clicks, and the time to open the N sessions (navigation → heading and map
painted in every page).
``--root`` serves another checkout of the project (an older commit unpacked with ``git archive``, with
``static/vendor/`` copied in) for a before/after comparison on the same machine. The servers share a
fresh data cache directory, so the first one builds it and the others load it.
Linux only (/proc). Every wait is bounded (``--round-timeout``, ``--open-timeout``).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere; the helpers live in the test suite

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import PageRecorder, launch_chromium, streamlit_server  # noqa: E402

APP = ROOT / "streamlit_app.py"
BUTTON = "30 days ▶"
STEP_DAYS = 30
START = date(2022, 3, 1)  # eight steps forward cross the September 2022 counter-offensive: many changes
BROWSER_PROCESS_NAMES = {"chromium", "chrome", "headless_shell"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POLL_S = 0.2

# The page's documents: its own and its map frame's (the map page's panel, and so the date heading and the button,
# are in the frame; an older checkout drew them in the page).
DOCUMENTS_JS = """() => {
    const frame = document.querySelector("iframe[src*='streamlit_folium']");
    let inner = null;
    try { inner = frame && frame.contentDocument; } catch (e) {}
    return inner ? [document, inner] : [document];
}"""
# The date heading shows `expected` (in either document).
SHOWS_JS = """expected => documents().some(d => [...d.querySelectorAll('h3, #cm-date')]
    .some(h => expected.includes(h.textContent.trim())))"""

# Ready: the heading shows `expected` and the map in the page has painted once.
READY_JS = f"""expected => {{
    const documents = {DOCUMENTS_JS};
    const shows = {SHOWS_JS};
    const frame = document.querySelector("iframe[src*='streamlit_folium']");
    let painted = false;
    try {{
        const api = frame && frame.contentWindow.controlmap;
        painted = !!api && api.stats().paints > 0;
    }} catch (e) {{}}
    return shows(expected) && painted;
}}"""

# At wall-clock time `at` (ms since the epoch) click the button; note when the heading shows `expected`.
ARM_JS = f"""([at, label, expected]) => {{
    const documents = {DOCUMENTS_JS};
    const shows = {SHOWS_JS};
    const result = window.__loadBench = {{clickAt: null, doneAt: null, error: null}};
    const observer = new MutationObserver(() => {{
        if (result.clickAt !== null && result.doneAt === null && shows(expected)) {{
            result.doneAt = performance.timeOrigin + performance.now();
            observer.disconnect();
        }}
    }});
    setTimeout(() => {{
        const button = documents().flatMap(d => [...d.querySelectorAll('button')])
            .find(b => b.textContent.trim() === label);
        if (!button) {{ result.error = 'no button'; return; }}
        for (const d of documents()) observer.observe(d.body, {{childList: true, subtree: true, characterData: true}});
        result.clickAt = performance.timeOrigin + performance.now();
        button.click();
    }}, Math.max(0, at - Date.now()));
}}"""


def heading(day: date) -> list[str]:
    """The date heading's texts for ``day``: the panel's ("6 September 2022") and an older checkout's (with 06)."""
    return [f"{day:%-d %B %Y}", f"{day:%d %B %Y}"]


# ---------------------------------------------------------------- /proc

def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    children, found, todo = _children(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (those still alive)."""
    ticks = 0
    for pid in pids:
        if fields := _stat_fields(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def machine_busy_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS  # all but idle, iowait; guest is in user


def server_pid() -> int:
    """The Streamlit server: our child process running ``-m streamlit run``."""
    for pid in _children().get(os.getpid(), []):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in command and b"run" in command:
            return pid
    raise RuntimeError("no Streamlit server among this process's children")


def browser_pids() -> list[int]:
    pids = []
    for pid in descendants(os.getpid()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() in BROWSER_PROCESS_NAMES:
                pids.append(pid)
        except OSError:
            pass
    return pids


class Meter:
    """CPU seconds of the server, the browser's processes and the whole machine between two moments."""

    def __init__(self, server: int) -> None:
        self.server = server
        self.started = time.monotonic()
        self.server_cpu = cpu_seconds([server])
        self.browser_cpu = {pid: cpu_seconds([pid]) for pid in browser_pids()}
        self.busy = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        # A browser process started meanwhile counts from zero; one that ended meanwhile is not counted.
        browser = sum(cpu_seconds([pid]) - self.browser_cpu.get(pid, 0.0) for pid in browser_pids())
        return {
            "wall": time.monotonic() - self.started,
            "server": cpu_seconds([self.server]) - self.server_cpu,
            "browser": browser,
            "busy": machine_busy_seconds() - self.busy,
        }


def wait_idle(pid: int, quiet_s: float = 1.0, limit_s: float = 60.0) -> None:
    """Until the server used under 5 % of a core over ``quiet_s`` (its warm-up done), at most ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = cpu_seconds([pid])
        time.sleep(quiet_s)
        if cpu_seconds([pid]) - before < 0.05 * quiet_s:
            return


# ---------------------------------------------------------------- one N

def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Result:
    sessions: int
    open_s: float
    latencies_ms: list[float]
    missed: int
    clicks: int
    cpu: dict[str, float]
    rss_before: float
    rss_after: float
    external: int
    errors: int


def open_sessions(browser, url: str, n: int, timeout_s: float) -> tuple[list, list[PageRecorder], float]:
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(n)]
    pages = [context.new_page() for context in contexts]
    recorders = [PageRecorder(page) for page in pages]
    started = time.monotonic()
    for page in pages:
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    waiting = list(pages)
    deadline = started + timeout_s
    while waiting:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(waiting)} of {n} sessions not ready after {timeout_s:.0f} s")
        waiting = [p for p in waiting if not p.evaluate(READY_JS, heading(START))]
        if waiting:
            time.sleep(POLL_S)
    return pages, recorders, time.monotonic() - started


def click_round(pages: list, expected: list[str], timeout_s: float) -> list[float | None]:
    """Every page clicks at one moment; click → heading ms per page (None: not within ``timeout_s``)."""
    at = time.time() * 1000 + 250 + 15 * len(pages)  # time for arming every page first
    for page in pages:
        page.evaluate(ARM_JS, [at, BUTTON, expected])
    deadline = time.monotonic() + (at / 1000 - time.time()) + timeout_s
    results: list[float | None] = [None] * len(pages)
    waiting = set(range(len(pages)))
    while waiting and time.monotonic() < deadline:
        time.sleep(POLL_S)
        for i in list(waiting):
            state = pages[i].evaluate("() => window.__loadBench")
            if state["error"]:
                raise RuntimeError(f"session {i}: {state['error']}")
            if state["doneAt"] is not None:
                results[i] = state["doneAt"] - state["clickAt"]
                waiting.discard(i)
    return results


def measure(browser, n: int, clicks: int, open_timeout: float, round_timeout: float, root: Path,
            env: dict[str, str]) -> Result:
    with streamlit_server(root / APP.name, env, cwd=root) as base:
        server = server_pid()
        wait_idle(server)
        rss_before = rss_mib(server)
        pages, recorders, open_s = open_sessions(browser, f"{base}/?date={START.isoformat()}", n, open_timeout)
        time.sleep(1.0)  # let the pages settle (the maps' first paints, the bridges' subscriptions)
        meter = Meter(server)
        latencies: list[float] = []
        missed = 0
        day = START
        for _ in range(clicks):
            day += timedelta(days=STEP_DAYS)
            for value in click_round(pages, heading(day), round_timeout):
                if value is None:
                    missed += 1
                else:
                    latencies.append(value)
            time.sleep(0.3)
        cpu = meter.stop()
        rss_after = rss_mib(server)
        for page in pages:
            page.context.close()
    return Result(n, open_s, latencies, missed, n * clicks, cpu, rss_before, rss_after,
                  sum(len(r.external_requests) for r in recorders), sum(len(r.console_errors) for r in recorders))


# ---------------------------------------------------------------- table

def row_of(result: Result) -> dict[str, str]:
    cpu, capacity = result.cpu, result.cpu["wall"] * (os.cpu_count() or 1)
    lat = result.latencies_ms
    share = (f"{cpu['server'] / capacity * 100:.0f} / {cpu['browser'] / capacity * 100:.0f} / "
             f"{max(cpu['busy'] - cpu['server'] - cpu['browser'], 0) / capacity * 100:.0f} %")
    return {
        "open N sessions at once (s)": f"{result.open_s:.1f}",
        "click → heading ms, median": f"{statistics.median(lat):.0f}" if lat else "–",
        "click → heading ms, p95": f"{p95(lat):.0f}" if lat else "–",
        "clicks without a new heading in time": f"{result.missed} of {result.clicks}",
        "server CPU ms per click": f"{cpu['server'] / result.clicks * 1000:.1f}",
        "browser CPU ms per click": f"{cpu['browser'] / result.clicks * 1000:.1f}",
        f"CPU share of {os.cpu_count()} cores: server / browser / rest": share,
        "clicking phase (s)": f"{cpu['wall']:.1f}",
        "server RSS MiB before → after": f"{result.rss_before:.0f} → {result.rss_after:.0f}",
        "non-local requests / console errors": f"{result.external} / {result.errors}",
    }


def print_table(results: list[Result]) -> None:
    rows = {f"N = {r.sessions}": row_of(r) for r in results}
    metrics = list(dict.fromkeys(m for row in rows.values() for m in row))
    width = max(len(m) for m in metrics)
    columns = {label: max(len(label), *(len(row[m]) for m in metrics)) for label, row in rows.items()}
    print(" | ".join([f"{'metric':<{width}}", *(f"{label:>{w}}" for label, w in columns.items())]))
    print("-|-".join(["-" * width, *("-" * w for w in columns.values())]))
    for m in metrics:
        print(" | ".join([f"{m:<{width}}", *(f"{rows[label][m]:>{w}}" for label, w in columns.items())]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20], help="the N to measure")
    parser.add_argument("--clicks", type=int, default=8, help="clicks per session")
    parser.add_argument("--open-timeout", type=float, default=180, help="seconds for N sessions to open")
    parser.add_argument("--round-timeout", type=float, default=30, help="seconds for a round of clicks")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    arguments = parser.parse_args()
    results = []
    print(f"{datetime.now():%Y-%m-%d %H:%M}, load average {os.getloadavg()[0]:.1f}, serving {arguments.root}",
          file=sys.stderr)
    with sync_playwright() as playwright, launch_chromium(playwright) as browser, \
            tempfile.TemporaryDirectory() as cache:
        for n in arguments.sessions:
            print(f"N = {n}…", file=sys.stderr, flush=True)
            results.append(measure(browser, n, arguments.clicks, arguments.open_timeout, arguments.round_timeout,
                                   arguments.root.resolve(), {"CONTROLMAP_CACHE_DIR": cache}))
    print_table(results)


if __name__ == "__main__":
    main()
