"""The map script's life cycle, on a bare page (no Streamlit): removing the timeline layer, or the whole
map, leaves no window or document listener, interval or animation frame behind; a failure shows a message
in the map instead of a blank map."""

from __future__ import annotations

import pytest

from controlmap.web.maps import build_map, map_of_layer
from controlmap.web.offline import LEAFLET_SOURCE, LEAFLET_URL
from controlmap.web.script import SCRIPT_FOLDER, timeline_script, timeline_script_name
from controlmap.web.static import STATIC_URL
from controlmap.web.topology import Layer, topology_wire
from controlmap.web.wire import LayerData, packed_json
from tests.support.synthetic import INITIAL_DAY, box_outline, grid_boundaries, synthetic_timeline, voronoi_cells

BASE = "http://127.0.0.1:9"  # never reached: every request is answered by the route below

# Runs before any script of the page: keeps what is live on window and document, and the animation
# frames and intervals, and notes how many listeners existed when the map script started.
TRACKER = """
(() => {
  const t = (window.__track = { listeners: [], frames: new Set(), intervals: new Set(), frameCalls: 0, start: -1 });
  for (const [name, target] of [["window", window], ["document", document]]) {
    const add = target.addEventListener;
    const remove = target.removeEventListener;
    const capture = (o) => Boolean(typeof o === "boolean" ? o : o && o.capture);
    target.addEventListener = function (type, fn, options) {
      t.listeners.push({ target: name, type: type, fn: fn, capture: capture(options), seq: t.seqs = (t.seqs || 0) + 1,
                         stack: String(new Error().stack) });
      return add.call(this, type, fn, options);
    };
    target.removeEventListener = function (type, fn, options) {
      const k = t.listeners.findIndex((l) => l.target === name && l.type === type && l.fn === fn
        && l.capture === capture(options));
      if (k >= 0) t.listeners.splice(k, 1);
      return remove.call(this, type, fn, options);
    };
  }
  const raf = window.requestAnimationFrame.bind(window);
  const caf = window.cancelAnimationFrame.bind(window);
  window.requestAnimationFrame = (fn) => {
    t.frameCalls += 1;
    const id = raf((time) => { t.frames.delete(id); fn(time); });
    t.frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = (id) => { t.frames.delete(id); caf(id); };
  const si = window.setInterval.bind(window);
  const ci = window.clearInterval.bind(window);
  window.setInterval = (...args) => { const id = si(...args); t.intervals.add(id); return id; };
  window.clearInterval = (id) => { t.intervals.delete(id); ci(id); };
  let timeline;
  Object.defineProperty(window, "controlmapTimeline", {
    configurable: true,
    get: () => timeline,
    set: (fn) => {
      timeline = function () {
        t.start = t.seqs || 0;
        return fn.apply(this, arguments);
      };
      Object.assign(timeline, fn);
    },
  });
})();
"""

# Listeners that the page's scripts (the map script, Leaflet) added to window or document since the map
# script started and that are still there (the test driver adds its own: their stacks name no script of
# the page).
LEFT_BEHIND = f"""() => window.__track.listeners
    .filter((l) => l.seq > window.__track.start && l.stack.includes("{BASE}/"))
    .map((l) => l.target + ":" + l.type)"""


def serve(page, html: str) -> None:
    leaflet = {f"{BASE}{LEAFLET_URL}/{p.name}": p for p in LEAFLET_SOURCE.iterdir() if p.is_file()}
    script = f"{BASE}{STATIC_URL}/{SCRIPT_FOLDER}/{timeline_script_name()}"  # when the map loads it from static/

    def answer(route):
        url = route.request.url.split("?")[0]
        if url in leaflet:
            kind = "text/css" if url.endswith(".css") else "application/javascript"
            route.fulfill(body=leaflet[url].read_bytes(), content_type=kind)
        elif url == script:
            route.fulfill(body=timeline_script(), content_type="application/javascript")
        elif url == f"{BASE}/":
            route.fulfill(body=html, content_type="text/html")
        else:
            route.fulfill(status=204, body="")

    page.route(f"{BASE}/**", answer)
    page.add_init_script(TRACKER)


def open_bare_map(page, m) -> str:
    """Show folium map ``m`` on a bare page; return the name of its Leaflet map variable."""
    serve(page, m.get_root().render())
    page.goto(f"{BASE}/")
    return m.get_name()


@pytest.fixture(scope="module")
def demo_map():
    timeline = synthetic_timeline(400, 3, seed=3)
    return build_map(timeline, initial_day=INITIAL_DAY, outline=box_outline(), boundaries=grid_boundaries(),
                     cells=voronoi_cells(timeline))


def busy_map(page, demo_map) -> str:
    """The map playing, in cells mode, with a settlement hovered (tooltip open) and one dragged past."""
    name = open_bare_map(page, demo_map)
    page.wait_for_function("window.controlmap && window.controlmap.stats().paints > 0")
    page.evaluate("window.controlmap.setMode('cells')")
    point = page.evaluate("() => window.controlmap.pixelOf(window.controlmap.statuses && 'UA63000000000000000')")
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    page.locator(".cm-tooltip").wait_for()
    page.evaluate("window.controlmap.setDay(0); window.controlmap.play()")
    page.wait_for_function("window.controlmap.getDay() > 20")
    assert page.evaluate("window.__track.frames.size") > 0
    return name


def assert_nothing_left(page) -> None:
    page.wait_for_timeout(300)  # a few frames: a loop still running would ask for more
    calls = page.evaluate("window.__track.frameCalls")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__track.frameCalls") == calls
    assert page.evaluate("window.__track.frames.size") == 0
    assert page.evaluate("window.__track.intervals.size") == 0
    assert page.evaluate(LEFT_BEHIND) == []
    assert page.evaluate("typeof window.controlmap") == "undefined"


@pytest.mark.browser
def test_removing_the_layer_removes_everything_it_added(page, demo_map):
    name = busy_map(page, demo_map)
    page.evaluate(f"""() => {{
        const Layer = window.controlmapTimeline.layerClass();
        {name}.eachLayer((layer) => {{ if (layer instanceof Layer) {name}.removeLayer(layer); }});
    }}""")
    assert_nothing_left(page)
    for selector in (".cm-date", ".cm-legend", ".cm-mode", ".leaflet-control-layers", ".cm-tooltip", ".cm-label",
                     "canvas"):
        assert page.locator(selector).count() == 0, selector
    assert page.evaluate(f"() => {{ let n = 0; {name}.eachLayer(() => {{ n += 1; }}); return n; }}") == 0
    assert page.evaluate("document.querySelector('.leaflet-container').dataset.day") is None
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_removing_the_map_removes_everything_the_map_script_added(page, demo_map):
    name = busy_map(page, demo_map)
    page.evaluate(f"{name}.remove()")
    assert_nothing_left(page)
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_a_payload_the_script_cannot_read_is_explained_in_the_map(page, demo_map):
    broken = LayerData(packed_json({"timeline": {"day0": "2022-02-24", "n_days": 3},
                                   "shapes": topology_wire({"outline": Layer(box_outline())}, 2000)}),
                       [[49.0, 35.0], [50.5, 38.5]])
    open_bare_map(page, map_of_layer(broken, initial_day=0))
    problem = page.locator(".cm-problem")
    problem.wait_for()
    assert "the map data lacks statuses, legend" in problem.inner_text()
    assert page.locator(".leaflet-container").count() == 1


@pytest.mark.browser
def test_an_exception_while_the_map_runs_is_shown_in_the_map(page, demo_map):
    open_bare_map(page, demo_map)
    page.wait_for_function("window.controlmap && window.controlmap.stats().paints > 0")
    page.evaluate("() => { controlmapParts.runs.advance = () => { throw new Error('run lookup failed'); }; }")
    page.click(".cm-next")
    problem = page.locator(".cm-problem")
    problem.wait_for()
    assert "run lookup failed" in problem.inner_text()
    assert page.locator("canvas.leaflet-zoom-animated").count() == 1  # the map stays: only the day no longer changes
    assert any("run lookup failed" in error for error in page.recorder.console_errors)
