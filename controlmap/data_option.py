"""``python -m controlmap --data DIR``: the option is taken from the command line before the package's paths are read
(``controlmap.paths`` reads ``$CONTROLMAP_DATA`` once, when first imported). Imports nothing of the package."""

from __future__ import annotations


def take_data_option(argv: list[str]) -> str | None:
    """Takes ``--data DIR`` (or ``--data=DIR``) given before the command out of ``argv``; returns DIR (None: none)."""
    if len(argv) > 1 and argv[1].startswith("--data="):
        return argv.pop(1).split("=", 1)[1]
    if len(argv) > 2 and argv[1] == "--data":
        del argv[1]
        return argv.pop(1)
    return None
