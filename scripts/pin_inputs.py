"""Pins the sha256 of every oblast file of the boundary repository at its pinned commit (run once per new pin).

    .venv/bin/python scripts/pin_inputs.py --ukraine-geo-data DIR

DIR is a local clone or bare mirror of darmat1/ukraine-geo-data; the files are read at the commit pinned in
controlmap/geo/inputs.py. `python -m controlmap region build` downloads none of them unless its sha256 is pinned here.
"""

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controlmap.geo.inputs import BOUNDARY_FOLDER, PINS_FILE, UKRAINE_GEO_DATA  # noqa: E402 (after the path is set)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ukraine-geo-data", type=Path, required=True)
    args = parser.parse_args()
    git = ["git", "-C", str(args.ukraine_geo_data)]
    listing = subprocess.run([*git, "ls-tree", "-r", "--name-only", UKRAINE_GEO_DATA.commit, f"{BOUNDARY_FOLDER}/"],
                             check=True, capture_output=True, text=True).stdout.split()
    files = {}
    for path in sorted(listing):
        if Path(path).name.lower().startswith("ukraine"):  # the whole-country files: no region reads them
            continue
        data = subprocess.run([*git, "show", f"{UKRAINE_GEO_DATA.commit}:{path}"], check=True,
                              capture_output=True).stdout
        files[path[len(BOUNDARY_FOLDER) + 1:]] = hashlib.sha256(data).hexdigest()
    pins = {UKRAINE_GEO_DATA.repository: {"commit": UKRAINE_GEO_DATA.commit, "files": files}}
    PINS_FILE.write_text(json.dumps(pins, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(files)} files pinned in {PINS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
