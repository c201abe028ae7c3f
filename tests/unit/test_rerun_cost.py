"""What a date change on the map page costs the server: no pandas in the engine's per-day lookups, and no
per-run work of Streamlit's that grows with the whole process (benchmarks/load_bench.py measures it)."""

import sys
import tomllib
from pathlib import Path

from controlmap.timeline.dataset import Dataset

ROOT = Path(__file__).resolve().parents[2]


def shipped_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_no_full_garbage_collection_after_each_script_run():
    """Streamlit's default collects the whole heap after every run: ~70 ms per date change on 2 cores."""
    assert shipped_config()["runner"]["postScriptGC"] is False


def test_sessions_do_not_watch_the_source_files():
    """A file watcher resolves every imported module's path for each new session."""
    assert "none" == shipped_config()["server"]["fileWatcherType"]


def pandas_calls(action) -> list[str]:
    """Python functions of pandas called while ``action`` runs."""
    called: list[str] = []

    def profile(frame, event, arg):
        if event == "call" and str(frame.f_globals.get("__name__", "")).startswith("pandas"):
            called.append(f"{frame.f_globals['__name__']}.{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return called


def test_the_map_pages_figures_and_changes_for_a_day_use_no_pandas():
    """What the map page computes on each date change (dashboard.date_and_figures calls controlmap.web.panel.panel
    and nothing else of the data), on the shipped data."""
    import ast

    from controlmap.web.panel import panel

    source = (ROOT / "dashboard.py").read_text("utf-8")
    fragment = next(node for node in ast.walk(ast.parse(source))
                    if isinstance(node, ast.FunctionDef) and node.name == "date_and_figures")
    called = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
              for node in ast.walk(fragment) if isinstance(node, ast.Call)}
    assert "panel" in called and not called & {"state_at", "change_list", "count_by_status", "area_by_status"}
    timeline = Dataset.load().timeline()
    first, last = timeline.span
    panel(timeline, last, None)  # the first call computes the statements' texts once
    assert [] == pandas_calls(lambda: [panel(timeline, day + 30, day) for day in range(first, last, 97)])
