"""The dashboard serves the data folder $CONTROLMAP_DATA names (what ./scripts/run.sh --data DIR sets): its
region.json's title, its events file. Run in a fresh process: the package reads the folder when first imported."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json
from streamlit.testing.v1 import AppTest
from tests.support.map_page import built
at = AppTest.from_file("dashboard.py", default_timeout=240).run()
settings = built(at)[3]
print(json.dumps({"exceptions": [e.value for e in at.exception], "title": settings["title"],
                  "data": [settings["dataFile"], settings["events"]]}))
"""


def test_the_dashboard_serves_the_folder_it_is_given(tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in ("geo", "events.csv", "sources.json"):
        (shutil.copytree if (ROOT / "data" / name).is_dir() else shutil.copy2)(ROOT / "data" / name, folder / name)
    region = json.loads((ROOT / "data" / "region.json").read_text("utf-8"))
    region |= {"name_en": "Copied oblast", "title": "Copied oblast: the same map under another name"}
    (folder / "region.json").write_text(json.dumps(region), encoding="utf-8")
    with (folder / "events.csv").open("a", encoding="utf-8") as events:  # one statement only this copy holds
        events.write("2026-08-20,,Kupiansk,,,,ua,ua,Copy test,https://example.org/copy,,\n")
    env = {"CONTROLMAP_DATA": str(folder), "CONTROLMAP_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert 0 == run.returncode, run.stderr[-2000:]
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert ([], "Copied oblast: the same map under another name") == (shown["exceptions"], shown["title"])
    assert [f"{folder.as_posix()}/events.csv", 3191] == shown["data"]
