"""Shared fixtures: the tiny hand-made gazetteer (tests/fixtures/tiny/) and the shipped one (data/geo/).

The tiny gazetteer, in katottg (= row) order:

    row  katottg              name                 hromada     cell
    0    UA63900010010044441  Alpha  / Альфа       Alphivska   1×1 km  (hromada centre)
    1    UA63900010020044442  Beta   / Бета        Alphivska   2×2 km  (former name Бетівка / Betivka)
    2    UA63900010030044443  Delta  / Дельта      Alphivska   —       (namesake of row 4)
    3    UA63900020010044444  Gamma  / Гамма       Hammivska   3×3 km  (hromada centre)
    4    UA63900020020044445  Delta  / Дельта      Hammivska   —
    5    UA63900020030044446  Khamma / Хамма       Hammivska   —       (folds like Gamma: "hama")

Both hromadas are in one raion, Alphivskyi. Total cell area: 1 + 4 + 9 = 14 km².

The tiny region folder (``tiny_region``): that gazetteer as ``geo/``, with tests/fixtures/tiny_region/'s region.json
(Hammivska's three settlements behind a hand-made 2014 line) and events.csv.
"""

import shutil
from pathlib import Path

import pytest

from controlmap.geo.gazetteer import Gazetteer, read_settlements

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY_DIR = FIXTURES / "tiny"
BAD_DIR = FIXTURES / "bad"

TINY_AREAS = {"UA63900010010044441": 1.0, "UA63900010020044442": 4.0, "UA63900020010044444": 9.0}


@pytest.fixture(scope="session")
def tiny_gazetteer() -> Gazetteer:
    return Gazetteer.from_frame(read_settlements(TINY_DIR / "settlements.csv"), TINY_AREAS)


@pytest.fixture(scope="session")
def real_gazetteer() -> Gazetteer:
    """The shipped data/geo/ (loaded once; tests must not modify it)."""
    return Gazetteer.load()


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    return BAD_DIR


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    return TINY_DIR


@pytest.fixture
def tiny_region(tmp_path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny_region", folder)
    shutil.copytree(TINY_DIR, folder / "geo")
    return folder
