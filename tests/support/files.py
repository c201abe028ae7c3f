"""Helpers the tests share for files on disk."""

import hashlib
from pathlib import Path


def tree_digest(folder: Path) -> str:
    """One sha256 of every file below `folder`, names and bytes: equal digests, an untouched tree."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
