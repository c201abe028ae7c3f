"""`python -m controlmap region build`: a region's data folder from the pinned inputs, downloaded from a local server
laid out like raw.githubusercontent.com (no test touches the network). Built for the shipped oblast from the files
vendored in data/geo/sources/ (verbatim copies of the pinned boundary files), it gives the shipped geometry byte for
byte; a file that is not the pinned one is refused before anything is written."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from shapely.geometry import box, mapping

from controlmap import cli
from controlmap.geo import inputs as inputs_module
from controlmap.geo.inputs import UKRAINE_GEO_DATA, InputError, Inputs, download
from controlmap.geo.vendor import CODIFIER_COLUMNS, find_oblasts
from controlmap.model import OWN_POINT_QUALITIES
from controlmap.region import Region
from controlmap.regions import line2014

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data"
SOURCES = SHIPPED / "geo" / "sources"
HISTORY = "DanielRose2310/deepstatemaps-history/df633a1700680411949934a4345f1af263327377"
# The hand-made first snapshot: an 'ОРДЛО' square around Kupiansk, and an 'Окуповано' square that must not count.
HELD_BOX = (37.55, 49.68, 37.66, 49.74)
SNAPSHOT = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "ОРДЛО", "fill": "#000000"}, "geometry": mapping(box(*HELD_BOX))},
    {"type": "Feature", "properties": {"name": "Окуповано", "fill": "#a52714"},
     "geometry": mapping(box(36.2, 49.9, 36.4, 50.1))}]}).encode()


class Files(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        data = self.files.get(self.path)
        self.send_response(200 if data is not None else 404)
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, bytes], list[str]]]:
    files = {f"/{UKRAINE_GEO_DATA.repository}/{UKRAINE_GEO_DATA.commit}/geodata/{p.name}": p.read_bytes()
             for p in (SOURCES / "ukraine-geo-data").glob("*.geojson")}
    files[f"/{HISTORY}/{line2014.FIRST_SNAPSHOT}"] = SNAPSHOT
    handler = type("Handler", (Files,), {"files": files, "asked": []})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}", files, handler.asked
    httpd.shutdown()


def xlsx(frame: pd.DataFrame, header: bool) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, header=header)
    return buffer.getvalue()


@pytest.fixture
def tables(monkeypatch) -> None:
    """The two all-Ukraine tables as workbooks rebuilt from the shipped cuts (their pinned originals are not in the
    repository; their sha256 checks are tested on the boundary files, which go through the same code)."""
    names = pd.read_csv(SOURCES / "osm-place-nodes.UA63.csv", dtype=str, keep_default_na=False)
    codifier = pd.read_csv(SOURCES / "katottg-2023.UA63.csv", dtype=str, keep_default_na=False)[CODIFIER_COLUMNS]
    monkeypatch.setattr(Inputs, "osm_names", lambda self: xlsx(names, header=True))
    monkeypatch.setattr(Inputs, "old_codifier", lambda self: xlsx(codifier, header=False))
    monkeypatch.setattr(line2014, "FIRST_SNAPSHOT_SHA256", hashlib.sha256(SNAPSHOT).hexdigest())


def test_the_shipped_oblast_builds_to_the_shipped_geometry_byte_for_byte(server, tables, tmp_path, capsys):
    """Into a folder holding the shipped region.json, whose names the build keeps."""
    url, _, asked = server
    out = tmp_path / "region"
    out.mkdir()
    (out / "region.json").write_bytes((SHIPPED / "region.json").read_bytes())
    assert 0 == cli.main(["region", "build", "kharkivska", str(out), "--mirror-url", url, "--official-area", "31415"])
    for name in ("settlements.csv", "cells.geojson", "hromadas.geojson", "raions.geojson", "oblast_outline.geojson",
                 "settlement_shapes.geojson", "build_report.txt"):
        assert (out / "geo" / name).read_bytes() == (SHIPPED / "geo" / name).read_bytes(), name
    for path in SOURCES.rglob("*"):
        if path.is_file() and path.name != "manifest.json":
            assert (out / "geo" / "sources" / path.relative_to(SOURCES)).read_bytes() == path.read_bytes()
    shipped, built = (json.loads((d / "geo" / "sources" / "manifest.json").read_text("utf-8"))
                      for d in (SHIPPED, out))
    assert built["files"] == shipped["files"]
    assert len([a for a in asked if "/geodata/" in a]) == 64, "each boundary file downloaded once"

    region, kharkiv = Region.load(out), Region.load(SHIPPED)
    assert (region.bounds, region.build, region.katottg_prefixes) == (kharkiv.bounds, kharkiv.build, ("UA63",))
    assert (region.name_en, region.title, region.compare_examples) == (kharkiv.name_en, kharkiv.title,
                                                                       kharkiv.compare_examples)
    assert (out / "events.csv").read_text("utf-8").count("\n") == 1, "no archive copies: no rows"
    assert "python -m controlmap --data" in capsys.readouterr().out


def test_the_baseline_holds_the_settlements_inside_the_first_maps_2014_layer(server, tables, tmp_path):
    url, _, _ = server
    out = tmp_path / "region"
    assert 0 == cli.main(["region", "build", "UA63", str(out), "--mirror-url", url, "--official-area", "31415"])
    settlements = pd.read_csv(SHIPPED / "geo" / "settlements.csv", dtype=str, keep_default_na=False)
    lon, lat = settlements.lon.astype(float), settlements.lat.astype(float)
    west, south, east, north = HELD_BOX
    inside = settlements[settlements.coord_quality.isin(OWN_POINT_QUALITIES) & lon.between(west, east)
                         & lat.between(south, north)]
    region = Region.load(out)
    assert (region.name_en, region.name_uk) == ("Kharkivska oblast", "Харківська область"), "from the registries"
    baseline = region.baseline
    assert sorted(baseline.russian_held) == sorted(inside.katottg) and len(inside) >= 3
    approximate = set(settlements.katottg[settlements.coord_quality == "hromada_centre"])
    assert baseline.unknown <= approximate


def test_a_file_that_is_not_the_pinned_one_is_refused_and_nothing_is_written(server, tables, tmp_path, capsys):
    url, files, _ = server
    oblast = f"/{UKRAINE_GEO_DATA.repository}/{UKRAINE_GEO_DATA.commit}/geodata/kharkivska_oblast.geojson"
    files[oblast] = files[oblast].replace(b"\"admin_level\"", b"\"admin_level\" ", 1)
    out = tmp_path / "region"
    assert 1 == cli.main(["region", "build", "kharkivska", str(out), "--mirror-url", url, "--official-area", "31415"])
    assert "is not the pinned" in capsys.readouterr().err
    assert not out.exists()


def test_a_fault_half_way_leaves_the_folder_as_it_was(server, tables, tmp_path, capsys):
    """The oblast file is good, a raion file is not: the vendoring stops, and the folder keeps its region.json and
    geo/ as they were, with no stage left behind."""
    url, files, _ = server
    raion = (f"/{UKRAINE_GEO_DATA.repository}/{UKRAINE_GEO_DATA.commit}/geodata/"
             "kharkivska_oblast.kup_yanskyy_rayon.geojson")
    files[raion] = files[raion] + b" "
    out = tmp_path / "region"
    (out / "geo").mkdir(parents=True)
    (out / "geo" / "settlements.csv").write_text("an earlier build\n", encoding="utf-8")
    (out / "region.json").write_text("{}", encoding="utf-8")
    before = sorted((p.relative_to(out).as_posix(), p.read_bytes()) for p in out.rglob("*") if p.is_file())
    assert 1 == cli.main(["region", "build", "kharkivska", str(out), "--mirror-url", url])
    assert "kup_yanskyy_rayon.geojson: sha256" in capsys.readouterr().err
    assert sorted((p.relative_to(out).as_posix(), p.read_bytes()) for p in out.rglob("*") if p.is_file()) == before
    assert sorted(p.name for p in out.iterdir()) == ["geo", "region.json"]


def test_a_file_without_a_pin_is_never_downloaded(server):
    url, _, asked = server
    with pytest.raises(InputError, match="has no pinned sha256"):
        Inputs(None, url).boundary_file("geodata/../../etc/passwd")
    assert asked == []


def test_only_http_addresses_are_fetched():
    with pytest.raises(InputError, match="not an http"):
        download("file:///etc/passwd")


def test_an_oblast_is_found_by_name_or_code_and_an_unknown_name_lists_the_choices(server):
    url, _, _ = server
    inputs = Inputs(None, url)
    assert [o.prefix for o in find_oblasts("kharkivska_oblast", inputs)] == ["UA63"]
    assert [o.slug for o in find_oblasts("UA63120000000091135", inputs)] == ["kharkivska_oblast"]
    with pytest.raises(InputError, match=r"'kharkiv' names no oblast; one of: .*donetska.*kharkivska"):
        find_oblasts("kharkiv", inputs)


def test_the_pins_cover_every_oblast_file_at_the_pinned_commit():
    pins = json.loads(inputs_module.PINS_FILE.read_text("utf-8"))[UKRAINE_GEO_DATA.repository]
    assert pins["commit"] == UKRAINE_GEO_DATA.commit
    shipped = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (SOURCES / "ukraine-geo-data").iterdir()}
    assert {name: pins["files"][name] for name in shipped} == shipped
    # Donetsk oblast: its oblast file, 8 raion files and 50 hromada files (of its 66 hromadas).
    assert sum(name.startswith("donetska_oblast") for name in pins["files"]) == 59


TABLE = ("katottg;latitude;longitude\r\nUA12140370080044605;48.4514517;36.5399743\r\n"
         "UA14020010010059145;48.5947222;38.0008333\r\nUA14020010020021147;48.6644444;38.0183333\r\n"
         "UA18000000000041385;50.6500000;28.5200000\r\n")
CUT = (b"katottg;latitude;longitude\nUA14020010010059145;48.5947222;38.0008333\n"
       b"UA14020010020021147;48.6644444;38.0183333\n")


def test_the_wikidata_table_gives_an_oblasts_rows_only_where_they_are_pinned(tmp_path, monkeypatch):
    """A plain copy of the table in the inputs folder: its rows of a pinned oblast are cut (line ends made \\n) and
    checked; rows that are not the pinned ones are refused; an oblast without a pin gets none."""
    (tmp_path / "settlements-coords-katottg.csv").write_text(TABLE, encoding="utf-8", newline="")
    monkeypatch.setattr(inputs_module, "WIKIDATA_CUT_SHA256", {"UA14": hashlib.sha256(CUT).hexdigest()})
    inputs = Inputs(tmp_path, "http://127.0.0.1:9")
    assert inputs.wikidata_points("UA14") == CUT
    assert inputs.wikidata_points("UA63") is None
    (tmp_path / "settlements-coords-katottg.csv").write_text(TABLE.replace("48.5947222", "48.5947223"),
                                                              encoding="utf-8")
    with pytest.raises(InputError, match="is not the pinned"):
        inputs.wikidata_points("UA14")


def test_the_shipped_donetsk_rows_are_the_pinned_ones():
    cut = (ROOT / "data" / "regions" / "donetska" / "geo" / "sources" / "wikidata-points.UA14.csv").read_bytes()
    assert hashlib.sha256(cut).hexdigest() == inputs_module.WIKIDATA_CUT_SHA256["UA14"]
    assert cut.count(b"\n") == 1 + 1366
