"""What a rerun costs the server: no per-run work of Streamlit's that grows with the whole process
(benchmarks/load_bench.py measures it). A date change on the map page costs none: it is drawn in the browser
(tests/browser/test_dashboard_browser.py)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shipped_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_no_full_garbage_collection_after_each_script_run():
    """Streamlit's default collects the whole heap after every run: ~70 ms per date change on 2 cores."""
    assert shipped_config()["runner"]["postScriptGC"] is False


def test_sessions_do_not_watch_the_source_files():
    """A file watcher resolves every imported module's path for each new session."""
    assert "none" == shipped_config()["server"]["fileWatcherType"]
