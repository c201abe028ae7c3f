"""What the app serves from its static/ folder (Streamlit serves ``<main script dir>/static/`` at ``/app/static/``),
and writing a file named by its content there. The app itself never writes into static/: ``python -m controlmap
install-assets`` does, at set-up.
"""

from __future__ import annotations

import os
from pathlib import Path

STATIC_URL = "/app/static"


def install_named_file(folder: Path, name: str, data: bytes, earlier: str) -> Path:
    """Write ``data`` as ``folder/name`` (a name made from its content) unless it is there already; files matching
    the glob ``earlier`` (its earlier versions) are removed. Written under a private name first, so a page never
    loads half a file; the folder is ignored by git wherever it is (its files are derived)."""
    folder = Path(folder)
    target = folder / name
    if not (target.is_file() and target.stat().st_size == len(data)):
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{name}.{os.getpid()}.tmp"
        partial.write_bytes(data)
        partial.replace(target)
    for old in folder.glob(earlier):
        if old.name != name:
            old.unlink(missing_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("*\n", encoding="utf-8")
    return target
