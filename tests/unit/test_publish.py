"""The static site (controlmap.web.publish) on the tiny gazetteer: what it holds, that it is the same bytes every
time, how a folder is written, and the window behind --from/--to (its wire form: test_wire.py)."""

import base64
import hashlib
import io
import json
import zipfile
import zlib
from datetime import date
from pathlib import Path

import pytest

from controlmap.cli import main
from controlmap.timeline.dataset import Dataset
from controlmap.web import publish, script
from controlmap.web.maps import selections_of

TODAY = date(2026, 11, 21)
ALPHA, BETA, GAMMA = "UA63900010010044441", "UA63900010020044442", "UA63900020010044444"
# Alpha Russian-held on 1 March 2022 (Russia says), Ukrainian-held on 5 March (an observer); Beta contested on 10 April.
EVENTS = (Path(__file__).resolve().parents[1] / "fixtures" / "three_statements.csv").read_bytes()


@pytest.fixture
def events_file(tmp_path) -> Path:
    path = tmp_path / "events.csv"
    path.write_bytes(EVENTS)
    return path


@pytest.fixture
def dataset(tiny_gazetteer) -> Dataset:
    return Dataset.from_parts(tiny_gazetteer, EVENTS, today=TODAY)


def site(dataset, events_file, **request) -> dict[str, bytes]:
    return publish.site_files(publish.SiteRequest(**request), events_file, dataset)


def unpacked_layer(files: dict[str, bytes]) -> dict:
    html = files["index.html"].decode()
    packed = html.split('controlmapTimeline(map_', 1)[1].split('"', 2)[1]
    return json.loads(zlib.decompress(base64.b64decode(packed)))


def test_selections_are_every_choice_of_the_claimants_in_order():
    assert selections_of(["independent", "ua"]) == [(), ("ua",), ("independent",), ("ua", "independent")]
    assert len(selections_of(("ua", "ru", "independent"))) == 8


def test_the_site_holds_its_page_scripts_leaflet_statements_and_a_manifest(dataset, events_file):
    files = site(dataset, events_file)
    assert set(files) >= {"index.html", "manifest.json", f"vendor/controlmap/{script.timeline_script_name()}",
                          "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
                          f"statements/{ALPHA}.json", f"statements/{BETA}.json"}
    assert f"statements/{GAMMA}.json" not in files  # no statement: the page shows the baseline
    alpha = json.loads(files[f"statements/{ALPHA}.json"])
    assert alpha["name_en"] == "Alpha"
    assert [(s["date"], s["status"], s["claimed_by"], s["source"], s["quote"]) for s in alpha["statements"]] == [
        ("2022-03-01", "ru", "ru", "Ministry", "Alpha is ours"), ("2022-03-05", "ua", "independent", "Observer", "")]
    manifest = json.loads(files["manifest.json"])
    assert manifest["events_sha256"] == hashlib.sha256(EVENTS).hexdigest()
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    html = files["index.html"].decode()
    assert "https://" not in html.replace("https://example.org", "")  # no request leaves the site
    assert 'src="vendor/leaflet/leaflet.js"' in html


def test_the_layer_carries_every_selection_and_opens_on_all_claimants(dataset, events_file):
    layer = unpacked_layer(site(dataset, events_file))
    assert layer["selection"] == "ua,ru,independent"
    assert sorted(layer["selections"]) == ["", "independent", "ru", "ru,independent", "ua", "ua,independent",
                                           "ua,ru"]
    # Alpha with only Russian officials: Russian-held from 2022-03-01 (day 5 of the span), after the baseline.
    alpha = layer["selections"]["ru"]
    assert alpha["run_count"][0] == 2 and alpha["day"][:2] == [0, 5] and alpha["state"][:2] == [2, 4]
    assert layer["selections"][""]["run_count"] == [1, 1, 1, 1, 1, 1]


def test_the_map_pages_layer_carries_every_other_selection_only_when_asked(dataset):
    from controlmap.web.maps import dataset_layer

    def selections(layer) -> list[str]:
        return sorted(json.loads(zlib.decompress(base64.b64decode(layer.packed)))["selections"])

    assert [] == selections(dataset_layer(dataset, ("ru",)))
    assert ["", "independent", "ru,independent", "ua", "ua,independent", "ua,ru", "ua,ru,independent"] == selections(
        dataset_layer(dataset, ("ru",), every_selection=True))


def test_the_same_data_gives_the_same_bytes_and_the_zip_holds_exactly_the_files(dataset, events_file):
    first, second = site(dataset, events_file), site(dataset, events_file)
    assert first == second
    archive = publish.site_zip(first)
    assert archive == publish.site_zip(second)
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert {name: z.read(name) for name in z.namelist()} == first


def test_the_cli_writes_the_same_files_as_the_zip(dataset, events_file, tmp_path, monkeypatch):
    out = tmp_path / "site"
    monkeypatch.setattr(publish, "_loaded", lambda path: dataset)
    assert main(["publish", str(out), "--events", str(events_file), "--title", "Tiny"]) == 0
    written = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == site(dataset, events_file, title="Tiny")
    assert "<title>Tiny</title>" in written["index.html"].decode()


def test_a_folder_holding_something_else_is_refused_and_an_earlier_site_is_replaced(dataset, events_file, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(publish.PublishError, match="is not empty and holds no earlier site"):
        publish.write_site(site(dataset, events_file), busy)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]

    out = tmp_path / "site"
    publish.write_site(site(dataset, events_file), out)
    assert (out / f"statements/{BETA}.json").is_file()
    publish.write_site(site(dataset, events_file, claimants=("ru", "independent")), out)
    assert not (out / f"statements/{BETA}.json").exists()  # only a Ukrainian statement: not part of it now
    assert (out / f"statements/{ALPHA}.json").is_file()


def test_requests_that_cannot_be_published_say_why(dataset, events_file):
    with pytest.raises(publish.PublishError, match="claimants are ua, ru, independent"):
        site(dataset, events_file, claimants=("nato",))
    with pytest.raises(publish.PublishError, match="--from 2023-01-02 is after --to 2023-01-01"):
        site(dataset, events_file, first=date(2023, 1, 2), last=date(2023, 1, 1))
    with pytest.raises(publish.PublishError, match="the dates asked for lie outside the data"):
        site(dataset, events_file, first=date(2030, 1, 1))


def test_the_iframe_snippet_escapes_what_it_is_given():
    assert publish.iframe_snippet('https://maps.example.org/kh/?a=1&b="2"', "A <b> map") == (
        '<iframe src="https://maps.example.org/kh/?a=1&amp;b=&quot;2&quot;" title="A &lt;b&gt; map" width="100%" '
        'height="640" style="border:0" loading="lazy" allowfullscreen></iframe>')
