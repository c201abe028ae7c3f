"""The disk cache of loaded datasets: same result as a load, reused only while nothing it depends on changed."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from controlmap.timeline import cache
from controlmap.timeline.dataset import Dataset

TODAY = date(2026, 1, 15)
EVENTS = (
    "date,settlement,katottg,status,claimed_by,source,url\n"
    "2022-03-01,Alpha,,ru,independent,ISW,https://example.org/a\n"
    "2022-09-10,Gamma,,ua,ua,General Staff,https://example.org/b\n"
)


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    return path


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def loads(monkeypatch):
    """Counts the real loads (validations) behind the cache."""
    calls = []
    real = Dataset.load.__func__

    def counting(cls, *args, **kwargs):
        calls.append(args)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(Dataset, "load", classmethod(counting))
    return calls


def entries(directory):
    return sorted(p.name for p in directory.glob("dataset-*.pickle"))


def test_a_second_load_comes_from_the_cache_and_equals_a_fresh_load(events, tiny_dir, cache_dir, loads):
    first = cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    second = cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    assert len(loads) == 1 and len(entries(cache_dir)) == 1
    assert second is not first
    assert second.events.equals(first.events)
    assert second.validation.problems == first.validation.problems
    assert second.events.katottg.tolist() == ["UA63900010010044441", "UA63900020010044444"]
    assert second.resolver.resolve("Betivka", None).katottg == "UA63900010020044442"  # rebuilt after the cache
    assert second.timeline().count_by_status(second.timeline().state_at(20_000)) == \
        first.timeline().count_by_status(first.timeline().state_at(20_000))


def test_a_changed_events_file_or_another_day_is_loaded_again(events, tiny_dir, cache_dir, loads):
    cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    events.write_text(EVENTS + "2022-10-01,Beta,,ua,ua,General Staff,https://example.org/c\n", encoding="utf-8")
    changed = cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    cache.load_dataset(events, tiny_dir, date(2026, 1, 16), cache_dir)
    assert len(loads) == 3 and len(entries(cache_dir)) == 3
    assert len(changed.events) == 3


def test_a_damaged_entry_is_replaced_by_a_fresh_load(events, tiny_dir, cache_dir, loads):
    cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    (entry,) = cache_dir.glob("dataset-*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    dataset = cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    assert len(loads) == 2 and len(dataset.events) == 2
    assert cache.load_dataset(events, tiny_dir, TODAY, cache_dir).events.equals(dataset.events)
    assert len(loads) == 2


def test_a_directory_others_can_write_to_is_not_used(events, tiny_dir, cache_dir, loads):
    cache_dir.mkdir()
    cache_dir.chmod(0o777)
    cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    cache.load_dataset(events, tiny_dir, TODAY, cache_dir)
    assert len(loads) == 2 and entries(cache_dir) == []


def test_an_unusable_cache_location_still_loads(events, tiny_dir, tmp_path, loads):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    dataset = cache.load_dataset(events, tiny_dir, TODAY, blocker / "cache")
    assert len(loads) == 1 and len(dataset.events) == 2


def test_a_missing_events_file_is_reported_as_by_a_load(tmp_path, tiny_dir, cache_dir):
    dataset = cache.load_dataset(tmp_path / "missing.csv", tiny_dir, TODAY, cache_dir)
    assert [p.message.split(":")[0] for p in dataset.validation.problems] == ["cannot read the file"]
    assert entries(cache_dir) == []


def test_only_the_newest_entries_are_kept(events, tiny_dir, cache_dir):
    days = [date(2026, 1, day) for day in range(1, 8)]
    for day in days:
        cache.load_dataset(events, tiny_dir, day, cache_dir)
    newest = [f"dataset-{cache.dataset_digest(events, tiny_dir, day)}.pickle" for day in days[-cache.KEEP_ENTRIES:]]
    assert entries(cache_dir) == sorted(newest)


def test_the_cache_directory_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTROLMAP_CACHE_DIR", str(tmp_path / "here"))
    assert cache.default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("CONTROLMAP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_cache_dir() == tmp_path / "xdg" / "controlmap"


def test_without_a_home_directory_the_dataset_still_loads(monkeypatch, events, tiny_dir, loads):
    monkeypatch.delenv("CONTROLMAP_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home(cls):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(cache.Path, "home", classmethod(no_home))
    assert len(cache.load_dataset(events, tiny_dir, TODAY).events) == 2
    assert len(loads) == 1


def test_what_warm_derives_is_cached_with_the_dataset(events, tiny_dir, cache_dir, loads):
    warmed = []

    def warm(dataset):
        warmed.append(len(dataset.events))
        dataset.derived("settlement count", lambda: len(dataset.gazetteer.settlements))

    cache.load_dataset(events, tiny_dir, TODAY, cache_dir, warm=warm)
    again = cache.load_dataset(events, tiny_dir, TODAY, cache_dir, warm=warm)
    assert warmed == [2, 2] and len(loads) == 1  # warmed again, deriving nothing anew
    assert again.derived("settlement count", lambda: pytest.fail("derived again after the cache")) == 6


def test_an_entry_written_without_the_warm_up_gets_it_and_keeps_it(events, tiny_dir, cache_dir, loads):
    computed = []

    def warm(dataset):
        dataset.derived("settlement count", lambda: computed.append(1) or len(dataset.gazetteer.settlements))

    cache.load_dataset(events, tiny_dir, TODAY, cache_dir)  # the CLI's load: nothing derived
    cache.load_dataset(events, tiny_dir, TODAY, cache_dir, warm=warm)
    third = cache.load_dataset(events, tiny_dir, TODAY, cache_dir, warm=warm)
    assert len(loads) == 1 and computed == [1], "derived once, then read from the entry written again"
    assert third.derived("settlement count", lambda: pytest.fail("not in the entry")) == 6


def test_a_changed_shape_file_is_loaded_again(events, tiny_dir, tmp_path, cache_dir, loads):
    geo = tmp_path / "geo"
    shutil.copytree(tiny_dir, geo)
    cache.load_dataset(events, geo, TODAY, cache_dir)
    (geo / "oblast_outline.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    cache.load_dataset(events, geo, TODAY, cache_dir)
    cache.load_dataset(events, geo, TODAY, cache_dir)
    assert len(loads) == 2


@pytest.mark.parametrize("name", ["settlements.csv", "cells.geojson", "oblast_outline.geojson", "hromadas.geojson",
                                  "raions.geojson"])
def test_every_geo_file_the_dataset_and_its_maps_read_is_in_the_key(events, tiny_dir, tmp_path, name):
    """The raion lines were read by the map but left out of the key: an edited raions.geojson was served stale."""
    geo = tmp_path / "geo"
    shutil.copytree(tiny_dir, geo)
    before = cache.dataset_digest(events, geo, TODAY)
    (geo / name).write_text("{}" if not (geo / name).exists() else (geo / name).read_text() + " ", encoding="utf-8")
    assert before != cache.dataset_digest(events, geo, TODAY)


def test_the_key_lists_exactly_the_files_the_loaders_read():
    from controlmap import paths

    assert ("cells.geojson", "hromadas.geojson", "oblast_outline.geojson", "raions.geojson",
            "settlements.csv") == paths.DATASET_GEO_FILES


def test_every_module_of_the_package_is_in_the_key():
    """The key once hashed only controlmap/timeline/: a changed wire form (controlmap/web/wire.py) was served from an
    older entry, and the map could not read it."""
    import controlmap

    package = Path(controlmap.__file__).resolve().parent
    hashed = {p.relative_to(package).as_posix() for p in cache.code_files()}
    assert {"web/wire.py", "web/topology.py", "model.py", "timeline/engine.py"} <= hashed
    assert hashed == {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
