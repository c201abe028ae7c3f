"""Browser fixtures: a Streamlit server per app, headless system Chromium, and a page that records
console errors and every request leaving the machine.

``streamlit_server`` and ``launch_chromium`` are plain context managers so that
benchmarks/browser_bench.py can reuse them.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = Path(__file__).resolve().parent / "apps"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_output(log) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def streamlit_server(app: Path | str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Iterator[str]:
    """Run ``streamlit run app`` on a free port from ``cwd`` (the repository root); yield its base URL."""
    port = free_port()
    server_options = ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    command = [sys.executable, "-m", "streamlit", "run", str(app), *server_options]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {process.returncode}:\n{_server_output(log)}")
                try:
                    with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer in {START_TIMEOUT_S} s:\n{_server_output(log)}")
                time.sleep(0.05)
            yield base_url
        finally:
            _stop(process)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve ``directory`` as a plain static host does (``python -m http.server``), on a free port of 127.0.0.1;
    yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def launch_chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


class PageRecorder:
    """Console errors, uncaught page errors and non-local requests seen by one page."""

    def __init__(self, page):
        self.console_errors: list[str] = []
        self.external_requests: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("request", lambda request: is_local(request.url) or self.external_requests.append(request.url))


@pytest.fixture(scope="session")
def streamlit_app() -> Iterator:
    """Factory: ``streamlit_app(path, env=None)`` starts that app once per session, returns its URL."""
    servers: dict[tuple, str] = {}
    with contextlib.ExitStack() as stack:

        def start(app: Path | str, env: dict[str, str] | None = None) -> str:
            key = (str(app), tuple(sorted((env or {}).items())))
            if key not in servers:
                servers[key] = stack.enter_context(streamlit_server(app, env))
            return servers[key]

        yield start


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, launch_chromium(playwright) as chromium:
        yield chromium


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh page; ``page.recorder`` holds its console errors and non-local requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.recorder = PageRecorder(page)
    yield page
    context.close()


@pytest.fixture(scope="session")
def engine():
    """The shipped data as the engine reads it (a module may define its own)."""
    from controlmap.timeline.dataset import Dataset

    return Dataset.load()


@pytest.fixture(scope="session")
def dashboard(streamlit_app) -> str:
    """The map page served as ./scripts/run.sh serves it (streamlit_app.py)."""
    return streamlit_app(ROOT / "streamlit_app.py")
