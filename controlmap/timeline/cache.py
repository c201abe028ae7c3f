"""A disk cache of loaded datasets, so that a restarted app does not validate an unchanged events file again.

An entry is found by a digest of everything the loaded dataset (and what was derived from it before caching)
depends on: the events file and its sources.json, the gazetteer's files and shapes, the day (validation rejects
dates after it), this package's source and the versions of Python and the libraries that pickle the frames.
Anything else, including a damaged or unreadable entry, means a normal load. The cache lives in a directory of the
user's own (``$CONTROLMAP_CACHE_DIR``, by default ``$XDG_CACHE_HOME/controlmap`` or ``~/.cache/controlmap``) and is
ignored unless only its owner can write there: an entry is a pickle, which runs code when loaded.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import stat
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from controlmap import paths
from controlmap.events.sources import sources_path
from controlmap.region import REGION_FILE
from controlmap.timeline.dataset import Dataset

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # controlmap/: its code derives what an entry holds
KEEP_ENTRIES = 4  # newest entries kept: the shipped file and a few recent versions of it


def default_cache_dir() -> Path:
    configured = os.environ.get("CONTROLMAP_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "controlmap"


def code_files() -> list[Path]:
    """The package's modules: an entry holds what they derived (the timelines, the map's wire form), so a change to any
    of them must not be served an older entry."""
    return sorted(PACKAGE_DIR.rglob("*.py"))


def dataset_digest(events_path: Path, geo_dir: Path, today: date) -> str:
    digest = hashlib.sha256()
    for part in (platform.python_version(), pd.__version__, np.__version__, today.isoformat()):
        digest.update(part.encode() + b"\0")
    for path in (*code_files(), events_path):
        digest.update(path.read_bytes() + b"\0")
    # The region's box decides which user points are refused (controlmap.events.validation).
    region_file = paths.DATA_DIR / REGION_FILE
    digest.update((region_file.read_bytes() if region_file.exists() else b"(none)") + b"\0")
    # What the map series read decides where they restate their rows (controlmap.timeline.observations).
    record = sources_path(events_path)
    digest.update((record.read_bytes() if record.exists() else b"(none)") + b"\0")
    # The files the gazetteer and the maps' shapes are read from (values derived before caching, a map's layer,
    # hold shapes); a gazetteer need not have every shape.
    for path in (geo_dir / name for name in paths.DATASET_GEO_FILES):
        digest.update((path.read_bytes() if path.exists() else b"(none)") + b"\0")
    return digest.hexdigest()


def load_dataset(events_path: Path = paths.EVENTS_CSV, geo_dir: Path = paths.GEO_DIR, today: date | None = None,
                 cache_dir: Path | None = None, warm: Callable[[Dataset], object] | None = None) -> Dataset:
    """``Dataset.load(events_path, geo_dir, today)``, from the cache when an entry matches.

    ``warm`` is called with the dataset before it is cached (a cached one too, which is cached again when that derived
    something new): what it derives through ``Dataset.derived`` (timelines, a map's layer) is cached with it, so a
    restart skips that work too.
    It may only derive from the dataset and the files in the digest.
    """
    today = today or date.today()
    try:
        directory = _private_dir(cache_dir or default_cache_dir())
    except RuntimeError:  # no home directory to keep a cache in
        directory = None
    try:
        entry = directory / f"dataset-{dataset_digest(events_path, geo_dir, today)}.pickle" if directory else None
    except OSError:  # a missing file: the load below reports it
        entry = None
    cached = _read(entry) if entry else None
    if cached is not None:
        # An entry written without this warm-up (by the CLI, say) gets what it derives, and is written again.
        before = cached.derived_count()
        if warm:
            warm(cached)
        if entry and cached.derived_count() > before:
            _write(entry, cached)
        return cached
    dataset = Dataset.load(events_path, geo_dir, today)
    if warm:
        warm(dataset)
    if entry:
        _write(entry, dataset)
    return dataset


def _private_dir(directory: Path) -> Path | None:
    """``directory``, created if needed; None when it cannot be used or others could write into it."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return directory


def _read(entry: Path) -> Dataset | None:
    try:
        with entry.open("rb") as file:
            dataset = pickle.load(file)
    except Exception:  # missing, truncated or from an incompatible build: load normally
        return None
    return dataset if isinstance(dataset, Dataset) else None


def _write(entry: Path, dataset: Dataset) -> None:
    """Writes through a private temporary file (readers never see half an entry), then prunes old entries."""
    try:
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".dataset-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(dataset, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except Exception:  # a cache that cannot be written is no cache, never a failed load
        Path(temporary).unlink(missing_ok=True)
        return
    entries = sorted(entry.parent.glob("dataset-*.pickle"), key=_modified, reverse=True)
    for old in entries[KEEP_ENTRIES:]:
        old.unlink(missing_ok=True)


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
