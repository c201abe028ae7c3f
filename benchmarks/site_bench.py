"""The published static site (python -m controlmap publish) in headless Chromium, served by a plain static server.

Run: .venv/bin/python benchmarks/site_bench.py [--loads N] [--demo-n 30000] [--no-demo]

For the shipped data (every claimant selection, the full history) and for the synthetic 30,000-settlement demo
(tests/support/synthetic.py, with Voronoi cells), it prints one table:

- build: seconds to build the site in memory; files and bytes written;
- first load: the bytes the browser fetches before the map is painted, raw and gzip-compressed (what a static
  host or CDN serving compressed responses sends; the site's files are compressed here one by one at level 6);
- first paint: from navigation start to the map's first paint, median of ``--loads`` cold loads (new browser
  context each: nothing cached);
- scrub: the map's own paint time per step (``stats().lastPaintMs``) while the date moves across the whole span
  (median and 95th percentile), and while playing.

Targets (issue: Publish): first load ≤ 1 MB compressed, first paint ≤ 1.5 s, scrub ≤ 16 ms per frame.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere; the helpers live in the test suite

from playwright.sync_api import sync_playwright  # noqa: E402

from controlmap.model import CLAIMANT_LABELS, CLAIMANTS, STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER  # noqa: E402
from controlmap.web import publish, wire  # noqa: E402
from controlmap.web.offline import DATA_ATTRIBUTION  # noqa: E402
from tests.browser.conftest import is_local, launch_chromium, static_server  # noqa: E402
from tests.support.synthetic import INITIAL_DAY, box_outline, grid_boundaries, synthetic_timeline, voronoi_cells  # noqa: E402

SCRUB_STEPS = 120
PLAY_SECONDS = 2.0
READY = "body[data-site-ready=true]"


def shipped_site() -> dict[str, bytes]:
    return publish.site_files(publish.SiteRequest())


def demo_site(n: int) -> dict[str, bytes]:
    """The synthetic demo through the same assembly as a real site: one selection, no statements, no areas."""
    timeline = synthetic_timeline(n, 3, seed=7)
    layer = wire.layer_data(timeline, outline=box_outline(), boundaries=grid_boundaries(),
                            cells=voronoi_cells(timeline), selection="independent")
    settings = {
        "title": f"Synthetic demo, {n:,} settlements", "claimants": ["independent"],
        "claimantLabels": dict(CLAIMANT_LABELS), "statusOrder": list(STATUS_ORDER),
        "statusLabels": dict(STATUS_LABELS), "statusColours": dict(STATUS_COLOURS), "areas": [0] * n,
        "firstMap": None, "baselineSources": ["synthetic baseline"], "baselineSourceOf": {},
        "baselineText": STATUS_LABELS["ua"], "eventsSha256": "synthetic", "events": 0,
        "attribution": DATA_ATTRIBUTION, "statementsPath": publish.STATEMENTS_PATH,
    }
    request = publish.SiteRequest(claimants=("independent",), title=settings["title"])
    return publish.assemble_site(layer, INITIAL_DAY, settings, {}, request)


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def first_load(browser, url: str, site: Path) -> dict:
    """One cold load: ms to first paint, the files fetched until then (raw and compressed bytes)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
        page.goto(url)
        page.wait_for_function("() => Number((document.querySelector('.folium-map') || {dataset: {}}).dataset"
                               ".painted) >= 1", timeout=120_000)
        painted_ms = page.evaluate("performance.now()")
        page.wait_for_selector(READY)
        files = [u[len(url):].split("#")[0].split("?")[0] or "index.html" for u in fetched if u.startswith(url)]
        data = [(site / f).read_bytes() for f in dict.fromkeys(files) if (site / f).is_file()]
        return {"ms": painted_ms, "files": len(data), "raw": sum(map(len, data)), "gzip": sum(map(gzip_size, data))}
    finally:
        context.close()


def scrub_and_play(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(READY)
        paints = page.evaluate("""(steps) => {
            const api = window.controlmap;
            const last = api.stats().day;
            const times = [];
            for (let k = 0; k <= steps; k++) {
                api.setDay(Math.round(k * last / steps));
                times.push(api.stats().lastPaintMs);
            }
            return times;
        }""", SCRUB_STEPS)
        page.evaluate("() => { window.controlmap.setDay(0); window.__playPaints = []; window.controlmap.play(); }")
        play_paints = page.evaluate("""(ms) => new Promise((done) => {
            const api = window.controlmap;
            const times = [];
            let seen = api.stats().paints;
            const started = performance.now();
            function frame() {
                const s = api.stats();
                if (s.paints !== seen) { times.push(s.lastPaintMs); seen = s.paints; }
                if (performance.now() - started < ms) requestAnimationFrame(frame);
                else { api.pause(); done(times); }
            }
            requestAnimationFrame(frame);
        })""", PLAY_SECONDS * 1000)
        return {"scrub": paints, "play": play_paints}
    finally:
        context.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(label: str, build, loads: int, browser) -> list[str]:
    started = time.perf_counter()
    files = build()
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        publish.write_site(files, site)
        with static_server(site) as base:
            url = f"{base}/"
            cold = [first_load(browser, url, site) for _ in range(loads)]
            motion = scrub_and_play(browser, url)
    return [
        label,
        f"{build_s:.1f} s",
        f"{len(files):,} / {sum(map(len, files.values())) / 1e6:.1f} MB",
        f"{cold[0]['files']} files, {cold[0]['raw'] / 1024:,.0f} KiB raw, {cold[0]['gzip'] / 1024:,.0f} KiB gzip",
        f"{statistics.median(c['ms'] for c in cold):,.0f} ms",
        f"{statistics.median(motion['scrub']):.1f} / {percentile(motion['scrub'], 0.95):.1f} ms",
        f"{statistics.median(motion['play']):.1f} ms ({len(motion['play'])} frames)" if motion["play"] else "–",
    ]


def print_table(rows: list[list[str]]) -> None:
    header = ["site", "build", "files / size", "first load", "first paint (median)", "scrub paint (median / p95)",
              "play paint (median)"]
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="cold loads per site (the median is shown)")
    parser.add_argument("--demo-n", type=int, default=30_000, help="settlements of the synthetic demo")
    parser.add_argument("--no-demo", action="store_true", help="measure the shipped data's site only")
    args = parser.parse_args()
    from controlmap.region import current

    targets = [(f"{current().name_en} ({', '.join(CLAIMANTS)}: every selection)", shipped_site)]
    if not args.no_demo:
        targets.append((f"demo {args.demo_n:,} settlements", lambda: demo_site(args.demo_n)))
    with sync_playwright() as playwright, launch_chromium(playwright) as browser:
        rows = [measure(label, build, args.loads, browser) for label, build in targets]
    print_table(rows)


if __name__ == "__main__":
    main()
