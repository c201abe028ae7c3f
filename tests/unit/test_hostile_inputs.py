"""Hostile and broken files through every entry point that reads them (tests/fixtures/hostile.py builds them).

Each file gets its own message, never changes data/ (hashed before and after every test), never makes the server
send a request (a local HTTP server counts them) and never has a file outside the upload read (a watched file:
inotify reports every open). Control-area layers go through the Upload page's check and `import-areas`; event
CSVs through the Upload page's check, `validate` and `merge` (into a private copy of data/events.csv).
"""

from __future__ import annotations

import ctypes
import http.server
import json
import os
import shutil
import threading
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

from controlmap import cli
from controlmap.areas import layer_upload, reader
from controlmap.areas.preset import PRESETS_DIR
from controlmap.events import uploads
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer, read_settlements
from tests.fixtures import hostile
from tests.support.files import tree_digest

ROOT = Path(__file__).resolve().parents[2]
AREAS = ROOT / "tests" / "fixtures" / "areas"
DATA = ROOT / "data"
TODAY = date(2025, 12, 1)
LAYER_DAY = date(2025, 8, 1)
# What import-areas refuses (the Upload page's other refusals judge a single upload: over the upload limits, or
# without a day; an archive's self-crossing polygons are repaired and counted).
IMPORT_REFUSES = {"not_a_layer", "unpacked_too_large", "bad_coordinates", "no_recognised_feature",
                  "layer_outside_oblast"}
# A snapshot of a series is read near the settlements, so its messages differ from those of one uploaded layer.
IMPORT_MESSAGES = {
    "no_recognised_feature": "no area of the snapshot is one the preset 'deepstate' recognises as ru, contested or ua",
    "layer_outside_oblast": "every area of the snapshot the preset recognises lies away from the settlements"}
PLACEHOLDER_URL, PLACEHOLDER_CANARY = "http://127.0.0.1:9", Path("/nonexistent/canary.csv")
LAYER_NAMES = [h.name for h in hostile.layer_corpus(PLACEHOLDER_URL, PLACEHOLDER_CANARY)]
SHAPEFILE_NAMES = [h.name for h in hostile.shapefile_corpus(PLACEHOLDER_URL)]
CSV_NAMES = [h.name for h in hostile.csv_corpus()]


# ---------------------------------------------------------------- watchers


class RequestLog(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        RequestLog.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    do_HEAD = do_POST = do_GET

    def log_message(self, *args):
        pass


class OpenWatch:
    """Every open of one file, reported by the kernel (inotify): GDAL reads in C, past any Python hook."""

    IN_ACCESS, IN_OPEN = 0x001, 0x020

    def __init__(self, path: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, str(path).encode(), self.IN_OPEN | self.IN_ACCESS) < 0:
            raise OSError(ctypes.get_errno(), "inotify is not available")

    def opened(self) -> bool:
        try:
            return bool(os.read(self.fd, 65536))
        except BlockingIOError:
            return False


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RequestLog)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def canary(tmp_path_factory) -> tuple[Path, OpenWatch]:
    path = tmp_path_factory.mktemp("canary") / "canary.csv"
    path.write_text("name\nCANARY-7f3a9c\n", encoding="utf-8")
    watch = OpenWatch(path)
    path.read_text(encoding="utf-8")
    assert watch.opened(), "the watch sees a read"  # the watch works here, so its silence below means something
    assert not watch.opened()
    return path, watch


@pytest.fixture(autouse=True)
def nothing_leaks(canary):
    """After every test: data/ byte-identical, no request to the server, no open of the watched file."""
    before = tree_digest(DATA)
    RequestLog.hits.clear()
    yield
    assert [] == RequestLog.hits, "the server was sent requests"
    assert not canary[1].opened(), "the watched file was opened"
    assert before == tree_digest(DATA), "data/ changed"


# ---------------------------------------------------------------- control-area layers


@pytest.fixture(scope="module")
def tiny_validator() -> Validator:
    return Validator(Gazetteer.from_frame(read_settlements(AREAS / "settlements.csv")))


@pytest.fixture(scope="module")
def layers(server, canary) -> dict[str, hostile.Hostile]:
    return {h.name: h for h in hostile.layer_corpus(server, canary[0]) + hostile.shapefile_corpus(server)}


@pytest.fixture(scope="module")
def any_name_preset(tmp_path_factory) -> Path:
    """The deepstate preset with a series that dates any file named hostile_<YYYYMMDD>.<suffix>."""
    document = json.loads((PRESETS_DIR / "deepstate.json").read_text("utf-8"))
    document["series"][0]["file_name"] = r"^hostile_(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})\.\w+$"
    path = tmp_path_factory.mktemp("preset") / "any_name.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_a_hostile_layer_on_the_upload_page_gets_its_message(name, layers, tiny_validator):
    file = layers[name]
    checked = layer_upload.check_layer(file.name, file.data, tiny_validator, day=LAYER_DAY, today=TODAY)
    if file.code is None:
        assert (True, []) == (checked.ok, [p.code for p in checked.errors]), checked.problems
        return
    assert (False, None) == (checked.ok, checked.data)
    assert file.code in [p.code for p in checked.errors]
    messages = " | ".join(p.message for p in checked.errors)
    assert file.message in messages
    assert "controlmap-layer-" not in messages and "/tmp/" not in messages  # no path of the server's


@pytest.mark.parametrize("name", LAYER_NAMES + SHAPEFILE_NAMES)
def test_a_hostile_layer_given_to_import_areas_is_refused_or_read(name, layers, any_name_preset, tmp_path, capsys):
    file = layers[name]
    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / f"hostile_20250801{Path(name).suffix}").write_bytes(file.data)
    out = tmp_path / "derived.csv"
    code = cli.main(["import-areas", str(folder), "--preset", str(any_name_preset), "--settlements",
                     str(AREAS / "settlements.csv"), "--out", str(out)])
    captured = capsys.readouterr()
    if file.code in IMPORT_REFUSES:
        assert (1, False) == (code, out.exists()), captured.err
        assert IMPORT_MESSAGES.get(file.code, file.message) in captured.err
        assert captured.err.rstrip().endswith("; nothing was written")
    else:
        assert (0, True) == (code, out.exists()), captured.err
    if file.code == "invalid_geometry":
        assert "invalid polygons (crossing themselves…) repaired: 1 in 1 snapshot(s)" in captured.err
    assert [p.name for p in folder.iterdir()] == [f"hostile_20250801{Path(name).suffix}"]  # nothing unpacked here


def test_gdal_keeps_only_the_drivers_of_the_accepted_formats():
    reader.restrict_gdal()
    assert ["ESRI Shapefile", "GPKG", "GeoJSON", "KML", "LIBKML"] == reader.gdal_drivers()


def test_the_corpus_is_large_enough():
    assert len(LAYER_NAMES) + len(SHAPEFILE_NAMES) + len(CSV_NAMES) >= 80
    assert len(set(LAYER_NAMES + SHAPEFILE_NAMES + CSV_NAMES)) == len(LAYER_NAMES + SHAPEFILE_NAMES + CSV_NAMES)


# ---------------------------------------------------------------- event CSVs


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(Gazetteer.load())


@pytest.fixture(scope="module")
def csvs() -> dict[str, hostile.Hostile]:
    return {h.name: h for h in hostile.csv_corpus()}


@pytest.mark.parametrize("name", CSV_NAMES)
def test_a_hostile_csv_gets_its_message_from_every_entry_point(name, csvs, validator, tmp_path, capsys):
    file = csvs[name]
    checked = uploads.check_file(file.name, file.data, validator, today=TODAY)
    path = tmp_path / file.name
    path.write_bytes(file.data)
    events = tmp_path / "data" / "events.csv"
    events.parent.mkdir()
    shutil.copyfile(DATA / "events.csv", events)
    before = events.read_bytes()
    validated = cli.main(["validate", str(path)])
    validate_out = capsys.readouterr()
    merged = cli.main(["merge", str(path), "--events", str(events)])
    merge_out = capsys.readouterr()
    if file.code is None:
        assert (True, 0, 0) == (checked.ok, validated, merged), (checked.problems, merge_out)
        return
    assert file.code in [p.code for p in checked.problems]
    assert file.message in " | ".join(str(p) for p in checked.problems)
    assert file.message in validate_out.out + validate_out.err
    if checked.ok:  # warnings only (a wide header): read and merged
        assert (0, 0) == (validated, merged)
        return
    assert (1, 1, before) == (validated, merged, events.read_bytes())
    assert file.message in merge_out.out + merge_out.err
