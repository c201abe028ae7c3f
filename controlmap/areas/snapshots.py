"""Snapshots: the dated files of a map series, found among files and folders and read through the fenced reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from controlmap import limits
from controlmap.areas import reader
from controlmap.areas.preset import Preset, Series

LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".kmz", ".zip")


class SnapshotError(ValueError):
    """A snapshot file that cannot be read as the layer its name says (nothing is derived from the import)."""

    def __init__(self, snapshot: Snapshot, error: reader.LayerFileError) -> None:
        super().__init__(f"{snapshot.file.name}: {error.message}" + (f" ({error.suggestion})" if error.suggestion
                                                                     else ""))
        self.snapshot, self.error = snapshot, error


@dataclass(frozen=True)
class Snapshot:
    file: Path
    series: Series
    time: datetime

    @property
    def day(self) -> date:
        return self.time.date()

    @property
    def archive_path(self) -> str:
        return self.series.path.format(file=self.file.name)

    def url(self, commits: dict[str, str]) -> str:
        """The snapshot's public address from the series' template: {commit} (an archive's, from `commits`; without
        it there is no address), {path}, {file} and the file name's own parts ({unix}…)."""
        commit = commits.get(self.series.id, "")
        if not self.series.url or ("{commit}" in self.series.url and not commit):
            return ""
        match = self.series.file_name.match(self.file.name)
        parts = {k: v for k, v in (match.groupdict() if match else {}).items() if v is not None}
        return self.series.url.format(**parts, commit=commit, path=self.archive_path, file=self.file.name)

    def describe(self) -> str:
        return f"{self.series.snapshot.format(time=self.time)} ({self.archive_path})"


def layer_files(sources: Iterable[str | Path]) -> list[Path]:
    """The layer files among `sources` (files, or folders searched recursively), sorted, without repeats."""
    found: set[Path] = set()
    for source in map(Path, sources):
        if source.is_dir():
            found.update(p for p in source.rglob("*") if p.is_file() and p.name.lower().endswith(LAYER_SUFFIXES))
        elif source.exists():
            found.add(source)
        else:
            raise FileNotFoundError(f"no such file or folder: {source}")
    return sorted(found)


def find_snapshots(files: Iterable[Path], preset: Preset, since: date | None = None,
                   until: date | None = None) -> tuple[list[Snapshot], list[Path]]:
    """(snapshots in time order, file names matching no series). A series listed later in the preset is used
    only after the last snapshot of every series listed before it (so archives overlapping in time are not mixed)."""
    snapshots, unmatched = [], []
    for file in files:
        matched = preset.match(file.name)
        if matched is None:
            unmatched.append(file)
        else:
            snapshots.append(Snapshot(file, *matched))
    snapshots = _prefer_earlier_series(snapshots, preset)
    kept = [s for s in snapshots if (since is None or s.day >= since) and (until is None or s.day <= until)]
    return sorted(kept, key=lambda s: (s.time, s.file.name)), unmatched


def _prefer_earlier_series(snapshots: list[Snapshot], preset: Preset) -> list[Snapshot]:
    kept, covered_until = [], None
    for series in preset.series:
        own = [s for s in snapshots if s.series is series]
        later = [s for s in own if covered_until is None or s.time > covered_until]
        kept += later
        if own:
            last = max(s.time for s in own)
            covered_until = last if covered_until is None else max(covered_until, last)
    return kept


def read_layer(path: Path, bounds: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
    """A layer file's features (all layers of it) as a GeoDataFrame in WGS 84; with `bounds` (lon/lat box),
    only the features whose envelope meets the box. GeoJSON, GeoPackage, KML/KMZ and zipped Shapefiles, each
    opened only as the format its name says (controlmap.areas.reader); raises reader.LayerFileError."""
    return reader.read_layer(read_snapshot_bytes(path), path.name, bounds, limits.MAX_SNAPSHOT_BYTES)


def read_snapshot_bytes(path: Path) -> bytes:
    """A snapshot file's bytes, refused (LayerFileError) when it is larger than a snapshot may be."""
    try:
        size = path.stat().st_size
        if size > limits.MAX_SNAPSHOT_BYTES:
            raise reader.LayerFileError(
                f"{path.name} is {limits.megabytes(size)}; a snapshot may have {limits.MAX_SNAPSHOT_MB} MB",
                "keep only the features near the region", code="file_too_large")
        return path.read_bytes()
    except OSError as error:
        raise reader.LayerFileError(f"{path.name} cannot be read: {error.strerror}",
                                         code="unreadable_file") from None
