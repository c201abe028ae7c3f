"""The sha256 of bytes, and of a file: the version of a data file, from its content.

Computed again only when the file may have changed: its inode, size, modification or status-change time differ
from the last reading. The status-change time (ctime) moves with every write or rename and cannot be set back
(as a modification time can), so an edit that keeps the size and puts the old mtime back is still seen.
"""

import hashlib
import os
import threading
from pathlib import Path
from typing import overload

SHORT = 12  # hex digits of a short digest (a file named by its content, a history entry)


@overload
def sha256(data: bytes) -> str: ...


@overload
def sha256(data: None) -> None: ...


def sha256(data: bytes | None) -> str | None:
    """sha256 (hex) of `data`; None for no data."""
    return None if data is None else hashlib.sha256(data).hexdigest()


def short_sha256(data: bytes) -> str:
    """The first SHORT hex digits of the sha256 of `data`: enough to name a file by its content."""
    return hashlib.sha256(data).hexdigest()[:SHORT]


_lock = threading.Lock()
_known: dict[str, tuple[tuple[int, ...], str]] = {}


def file_sha256(path: Path | str) -> str:
    """The sha256 (hex) of the file's bytes; "" when there is no file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ""
    stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    key = str(path)
    with _lock:
        known = _known.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    with _lock:
        _known[key] = (stamp, value)
    return value
