"""How fresh the data are: the newest map snapshot sources.json records, said the same way everywhere."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from controlmap.timeline.freshness import freshness

ROOT = Path(__file__).resolve().parents[2]
RECORD = {"format": 1, "presets": {
    "a": {"publisher": "Map A", "newest": {"time": "2026-08-21T23:59:59Z"}},
    "b": {"publisher": "Map B", "newest": {"time": "2026-08-20T10:00:00Z"}}}}


def test_the_newest_snapshot_of_any_publisher_is_what_the_data_are_as_of():
    fresh = freshness(RECORD, date(2026, 8, 28))
    assert ("Map A", date(2026, 8, 21), "as of 21 Aug 2026 (Map A)") == (fresh.publisher, fresh.day, fresh.as_of)
    assert {"time": "2026-08-21T23:59:59Z", "day": "2026-08-21", "publisher": "Map A",
            "text": "as of 21 Aug 2026 (Map A)"} == fresh.record()


def test_a_map_more_than_a_week_old_is_stale_and_says_how_to_update():
    assert (7, False, "") == (lambda f: (f.age_days, f.stale, f.notice()))(freshness(RECORD, date(2026, 8, 28)))
    late = freshness(RECORD, date(2026, 8, 29))
    assert (8, True) == (late.age_days, late.stale)
    assert ("The newest map read is 8 days old (Map A's snapshot of 21 Aug 2026): changes since then are not shown. "
            "To update the data, run python -m controlmap update (docs/deploy.md).") == late.notice()


def test_without_a_record_nothing_is_said():
    assert freshness(None, date(2026, 8, 28)) is None
    assert freshness({"format": 1, "presets": {}}, date(2026, 8, 28)) is None


def test_the_clis_snapshot_says_as_of_which_map_and_warns_when_it_is_old():
    done = subprocess.run([sys.executable, "-m", "controlmap", "snapshot", "--date", "2026-08-21", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
    record = json.loads((ROOT / "data" / "sources.json").read_text("utf-8"))
    newest = max(p["newest"]["time"] for p in record["presets"].values())
    document = json.loads(done.stdout)
    assert (newest, "DeepStateMap") == (document["as_of"]["time"], document["as_of"]["publisher"])
    if (date.today() - date.fromisoformat(newest[:10])).days > 7:
        assert "note: The newest map read is" in done.stderr
