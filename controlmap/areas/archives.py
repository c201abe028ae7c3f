"""The two public archives of DeepStateMap's layers at their pinned commits, read from local git copies.

- history (DanielRose2310/deepstatemaps-history): geojsons/<UTC unix time>.geojson, DeepState's full layer set;
- occupied-daily (cyterat/deepstate-map-data): data/deepstatemap_data_<YYYYMMDD>.geojson, the occupied area only.

A copy is a clone or a bare mirror; its files are read at the pinned commit (git's content addressing pins them),
so the working tree's state does not matter.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from controlmap.geo.inputs import find_git_copy


@dataclass(frozen=True)
class Archive:
    series: str  # the preset's series id
    repository: str
    commit: str
    folder: str  # the folder of snapshots in it

    def find_copy(self, inputs: Path) -> Path | None:
        """The git copy of this archive in ``inputs`` that holds the pinned commit."""
        return find_git_copy(inputs, self.repository, self.commit)


ARCHIVES = (
    Archive("history", "DanielRose2310/deepstatemaps-history", "df633a1700680411949934a4345f1af263327377", "geojsons"),
    Archive("occupied-daily", "cyterat/deepstate-map-data", "e904719a6726c7e6b5d6e87a7701e1b77b18e554", "data"),
)


def tree_files(git_dir: Path, commit: str, folder: str) -> list[tuple[str, str]]:
    """(blob id, path) of every file under ``folder`` at ``commit``."""
    listing = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", commit, "--", folder],
                             check=True, capture_output=True, text=True).stdout
    return [(line.split()[2], line.split("\t", 1)[1]) for line in listing.splitlines() if " blob " in line]


def extract(git_dir: Path, commit: str, folder: str, into: Path) -> tuple[int, list[str]]:
    """Writes the readable files under ``folder`` at ``commit`` into ``into``; (files written, paths missing: a
    partial mirror lacks some blobs)."""
    files = tree_files(git_dir, commit, folder)
    batch = subprocess.Popen(["git", "-C", str(git_dir), "cat-file", "--batch"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    written, missing = 0, []
    for blob, path in files:
        batch.stdin.write(f"{blob}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            missing.append(path)
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)  # the newline after each object
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += 1
    batch.stdin.close()
    batch.wait()
    return written, missing
