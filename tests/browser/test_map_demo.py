"""The settlement map's demo app driven in Chromium (what needs no browser: tests/unit/test_maps.py)."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest
from playwright.sync_api import expect

from controlmap.model import STATUS_LABELS
from tests.browser.conftest import APPS_DIR
from tests.support.synthetic import INITIAL_DAY, codes, state_on, status_counts, synthetic_timeline

DEMO = APPS_DIR / "map_demo.py"
DEMO_ENV = {"CONTROLMAP_DEMO_CELLS": "1"}
DEMO_SEED = 7  # as in map_demo.py, which also renames settlements 0 and 1 to the names below
XSS_NAME = '<img src=x onerror="window.__xss=1">'
JINJA_NAME = "{{ 7*7 }} & 'quoted'"


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def demo_url(streamlit_app):
    return streamlit_app(DEMO, DEMO_ENV)


@pytest.fixture(scope="module")
def timeline():
    return synthetic_timeline(1751, 3, seed=DEMO_SEED)


def open_map(page, url):
    """Load the app; return the map's frame once its first paint is done, noting the days the map commits (what a
    host page is told) in ``window.__commits``."""
    page.goto(url)
    frame = page.wait_for_selector("iframe[src*='streamlit_folium']", timeout=30_000).content_frame()
    frame.wait_for_function("window.controlmap && window.controlmap.stats().paints > 0", timeout=30_000)
    frame.evaluate("() => { window.__commits = [];"
                   " window.controlmap.onDayCommitted((day) => window.__commits.push(day)); }")
    return frame


def map_day(frame) -> int:
    return int(frame.evaluate("document.querySelector('.leaflet-container').dataset.day"))


def wait_for_map_day(frame, day: int) -> None:
    frame.wait_for_function("day => document.querySelector('.leaflet-container').dataset.day === String(day)", arg=day)


def commits(frame) -> list[int]:
    return frame.evaluate("window.__commits")


def wait_for_commit(frame, day: int) -> None:
    frame.wait_for_function("day => window.__commits[window.__commits.length - 1] === day", arg=day)


def mouse_at(page, frame, timeline, index: int) -> tuple[float, float]:
    """Where settlement ``index`` is drawn, in page coordinates."""
    point = frame.evaluate("k => window.controlmap.pixelOf(k)", codes(timeline)[index])
    box = page.locator("iframe[src*='streamlit_folium']").bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"]


def hover_settlement(page, frame, timeline, index: int) -> None:
    """Zoom in on settlement ``index`` so that nothing else is under the mouse, and hover it."""
    frame.evaluate("ll => { window.map.setView(ll, 14, {animate: false}); }",
                   [timeline["lat"][index], timeline["lon"][index]])
    page.mouse.move(*mouse_at(page, frame, timeline, index))


@pytest.mark.browser
def test_map_renders_offline_with_every_settlement(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    stats = frame.evaluate("window.controlmap.stats()")
    assert stats["features"] == stats["settlements"] == len(codes(timeline))
    assert frame.evaluate("window.controlmap.counts()") == status_counts(timeline, INITIAL_DAY)
    assert frame.evaluate("typeof L.version") == "string"
    assert page.recorder.external_requests == []
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_set_day_restyles_exactly_the_settlements_that_change(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    rng = random.Random(3)
    days = [0, timeline["n_days"] - 1, *rng.sample(range(timeline["n_days"]), 6)]
    for before, after in itertools.pairwise(days):
        frame.evaluate("day => window.controlmap.setDay(day)", before)
        frame.evaluate("day => window.controlmap.setDay(day)", after)
        changed = sum(a != b for a, b in zip(state_on(timeline, before), state_on(timeline, after), strict=True))
        stats = frame.evaluate("window.controlmap.stats()")
        assert (stats["day"], stats["restyled"]) == (after, changed)
        assert frame.evaluate("window.controlmap.counts()") == status_counts(timeline, after)
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_dragging_the_slider_repaints_during_the_drag_and_commits_on_release(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    box = frame.locator(".cm-slider").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] - 6, y)
    page.mouse.down()
    painted = []
    for fraction in (0.8, 0.6, 0.4):
        page.mouse.move(box["x"] + box["width"] * fraction, y, steps=4)
        painted.append(map_day(frame))
    assert painted == sorted(painted, reverse=True) and len(set(painted)) == 3
    assert painted[-1] < timeline["n_days"] - 1
    assert [] == commits(frame), "nothing is committed during the drag"
    page.mouse.up()
    wait_for_commit(frame, painted[-1])
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_play_advances_the_day_and_pause_commits_it(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    frame.evaluate("window.controlmap.setDay(10)")
    frame.select_option(".cm-speed", "7")
    frame.click(".cm-play")
    frame.wait_for_function("window.controlmap.getDay() > 100")
    frame.click(".cm-play")
    day = frame.evaluate("window.controlmap.getDay()")
    wait_for_commit(frame, day)
    assert map_day(frame) == day


@pytest.mark.browser
def test_tooltip_shows_the_status_in_words_and_names_as_text(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    status, disputed = state_on(timeline, INITIAL_DAY)[0]
    hover_settlement(page, frame, timeline, 0)
    tooltip = frame.locator(".cm-tooltip")
    tooltip.wait_for()
    assert frame.locator(".cm-tooltip .cm-tip-status").inner_text() == STATUS_LABELS[status]
    assert frame.locator(".cm-tooltip .cm-tip-disputed").inner_text() == ("disputed" if disputed else "not disputed")
    assert XSS_NAME in tooltip.inner_text()
    assert "<script>window.__xss=2</script>" in tooltip.inner_text()
    assert frame.locator(".cm-tooltip img, .cm-tooltip script").count() == 0
    if timeline["quality"][0] == 1:
        assert "approximate position (hromada centre)" in tooltip.inner_text()
    hover_settlement(page, frame, timeline, 1)
    frame.locator(".cm-tooltip").get_by_text(JINJA_NAME).wait_for()
    assert frame.evaluate("window.__xss") is None and page.evaluate("window.__xss") is None
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_the_first_day_comes_from_the_url(page, demo_url, timeline):
    frame = open_map(page, f"{demo_url}/?day=2023-01-01")
    wanted = (date(2023, 1, 1) - date.fromisoformat(timeline["day0"])).days
    wait_for_map_day(frame, wanted)
    assert (wanted, "2023-01-01") == (frame.evaluate("window.controlmap.getDay()"),
                                      frame.evaluate("window.controlmap.isoDate(window.controlmap.getDay())"))


@pytest.mark.browser
def test_cells_mode_switches_in_the_map(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    frame.get_by_text("Cells", exact=True).click()
    stats = frame.evaluate("window.controlmap.stats()")
    assert stats["mode"] == "cells"
    assert stats["features"] == len(codes(timeline))
    frame.evaluate("window.controlmap.setDay(500)")
    assert frame.evaluate("window.controlmap.counts()") == status_counts(timeline, 500)
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_in_cells_mode_a_settlements_cell_shows_its_tooltip(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    frame.get_by_text("Cells", exact=True).click()
    quality = timeline["quality"]
    index = next(i for i in range(2, len(quality)) if quality[i] == 0)  # exact, so with a cell; plain name
    hover_settlement(page, frame, timeline, index)
    page.mouse.move(*[v + 20 for v in mouse_at(page, frame, timeline, index)])  # off the point, in its cell
    name = timeline["name_en"][index]
    expect(frame.locator(".cm-tooltip .cm-tip-name")).to_have_text(name)
    assert "leaflet-interactive" in frame.locator("canvas.leaflet-zoom-animated").get_attribute("class")
    page.mouse.move(1, 1)
    expect(frame.locator(".cm-tooltip")).to_have_count(0)
    assert page.recorder.console_errors == []


@pytest.mark.browser
def test_clicking_a_settlement_opens_its_history(page, demo_url, timeline):
    frame = open_map(page, demo_url)
    hover_settlement(page, frame, timeline, 2)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_url(f"**/Town_history?settlement={codes(timeline)[2]}")
    assert page.url.endswith(f"/Town_history?settlement={codes(timeline)[2]}")
