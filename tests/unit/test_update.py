"""controlmap.areas.update: `update` on a tiny data folder (the hand-made archive of tests/fixtures/areas/ and
tests/fixtures/update/, five days of a map series over four placed settlements), from folders, files and a local
server in the shape of DeepStateMap's history API. No test touches the network."""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import socket
import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from controlmap import cli
from controlmap.areas import fetch, update
from controlmap.areas.importer import FlickerRule
from controlmap.areas.preset import Preset
from controlmap.areas.update import UpdateError, UpdateRequest, run_update
from controlmap.events.store import EventStore
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
AREAS, MORE = FIXTURES / "areas" / "geojsons", FIXTURES / "update" / "geojsons"
UNRECOGNISED = FIXTURES / "update" / "unrecognised" / "1657145040.geojson"
STAMPS = ["1656698640", "1656788640", "1656878640", "1656968640", "1657058640"]
DAYS = [date(2022, 7, d) for d in range(1, 6)]
AT_ONCE = FlickerRule(min_snapshots=2, min_days=1.0, first_days=0.0)
HEADER = "date,settlement,hint,katottg,status,claimed_by,source,url,quote,note"
RESEARCHED = ("2022-07-02,Gamma,,UA63900020010044444,ru,ru,Ministry of Defence of Alphivia,"
              "https://example.org/mod,Gamma is ours,")
ALPHA, BETA, GAMMA, EPSILON = ("UA63900010010044441", "UA63900010020044442", "UA63900020010044444",
                               "UA63900020020044445")
HISTORY = "DeepStateMap (archived layer)"
API_SOURCE = "DeepStateMap (map history API)"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A data folder: events.csv (one researched row, no derived rows, no sources.json) and geo/ (the tiny
    gazetteer)."""
    geo = tmp_path / "geo"
    geo.mkdir()
    shutil.copy(FIXTURES / "areas" / "settlements.csv", geo / "settlements.csv")
    (geo / "cells.geojson").write_text('{"type": "FeatureCollection", "features": []}', "utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "events.csv").write_text(f"{HEADER}\n{RESEARCHED}\n", "utf-8")
    return data


@pytest.fixture
def archive(tmp_path) -> Path:
    """The five snapshots in one folder laid out like the history archive."""
    out = tmp_path / "archive" / "geojsons"
    out.mkdir(parents=True)
    for source in (*AREAS.glob("*.geojson"), *MORE.glob("*.geojson")):
        shutil.copy(source, out / source.name)
    return out


def request(folder: Path, sources: list[str], **changes) -> UpdateRequest:
    base = UpdateRequest(sources, Preset.load("deepstate"), folder / "events.csv", folder.parent / "geo",
                         rule=AT_ONCE, today=date(2026, 12, 6), author="test")
    return replace(base, **changes)


def files(folder: Path) -> tuple[bytes, bytes | None]:
    record = folder / "sources.json"
    return (folder / "events.csv").read_bytes(), record.read_bytes() if record.exists() else None


def derived(folder: Path) -> list[tuple[str, str, str, str]]:
    """(date, katottg, status, source) of every derived row, in file order."""
    lines = (folder / "events.csv").read_text("utf-8").splitlines()[1:]
    rows = [line.split(",") for line in lines]
    return [(r[0], r[3], r[4], r[6]) for r in rows if r[6].startswith("DeepStateMap")]


EXPECTED = [("2022-07-01", ALPHA, "ua"), ("2022-07-01", BETA, "contested"), ("2022-07-01", GAMMA, "ru"),
            ("2022-07-01", EPSILON, "ua"), ("2022-07-02", BETA, "ru"), ("2022-07-02", GAMMA, "ua"),
            ("2022-07-03", EPSILON, "ru")]


# ---------------------------------------------------------------- folders and files


def test_an_update_from_a_folder_adds_the_rows_and_records_what_it_read(folder, archive):
    result = run_update(request(folder, [str(archive)]))
    assert [(d, k, s, HISTORY) for d, k, s in EXPECTED] == derived(folder)
    assert 5 == len(result.snapshots)
    record = json.loads((folder / "sources.json").read_text("utf-8"))["presets"]["deepstate"]
    assert {"series": "history", "file": "1657058640.geojson", "time": "2022-07-05T22:04:00Z",
            "sha256": fetch_sha256(archive / "1657058640.geojson")} == record["newest"]
    assert [["2022-07-01", 5]] == record["series"]["history"]["days"]
    # Epsilon's ua of the last snapshot awaits confirmation; the others stand where their rows say.
    assert ["ru", "ua", "2022-07-05T22:04:00Z", 1, "history/1657058640.geojson"] == record["settlements"][EPSILON]
    assert {ALPHA: "ua", BETA: "ru", GAMMA: "ua"} == {k: v for k, v in record["settlements"].items() if k != EPSILON}
    assert {"min_snapshots": 2, "min_days": 1.0, "first_days": 0.0} == record["flicker_rule"]


def fetch_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_researched_rows_keep_their_bytes_and_the_derived_ones_follow_them(folder, archive):
    run_update(request(folder, [str(archive)]))
    lines = (folder / "events.csv").read_text("utf-8").splitlines()
    assert [HEADER, RESEARCHED] == lines[:2]


def test_a_second_update_adds_nothing_and_changes_no_byte(folder, archive):
    run_update(request(folder, [str(archive)]))
    before = files(folder)
    log = (folder / "history" / "log.jsonl").read_bytes()
    result = run_update(request(folder, [str(archive)]))
    assert before == files(folder)
    assert log == (folder / "history" / "log.jsonl").read_bytes()
    assert [] == result.snapshots and 5 == result.skipped_older
    assert "nothing new: nothing was written" in result.lines()


@pytest.mark.parametrize("steps", [
    [date(2022, 7, 1), date(2022, 7, 2), date(2022, 7, 3), date(2022, 7, 4), None],  # day by day
    [date(2022, 7, 3), None],  # Epsilon's ru is pending across the two runs
    [date(2022, 7, 1), date(2022, 7, 4), None],
])
def test_updating_step_by_step_gives_the_bytes_of_one_update(tmp_path, folder, archive, steps):
    run_update(request(folder, [str(archive)]))
    batch = files(folder)
    stepped = tmp_path / "stepped"
    shutil.copytree(folder, stepped, ignore=shutil.ignore_patterns("history", "sources.json*"))
    (stepped / "events.csv").write_text(f"{HEADER}\n{RESEARCHED}\n", "utf-8")
    for until in steps:
        run_update(request(stepped, [str(archive)], until=until))
    assert batch == files(stepped)


def test_single_files_are_read_in_time_order_whatever_the_order_given(folder, archive):
    given = [str(archive / f"{stamp}.geojson") for stamp in reversed(STAMPS)]
    run_update(request(folder, given))
    assert [(d, k, s, HISTORY) for d, k, s in EXPECTED] == derived(folder)


def test_an_older_file_given_on_its_own_is_refused_and_changes_nothing(folder, archive):
    run_update(request(folder, [str(archive)], until=date(2022, 7, 3)))
    before = files(folder)
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [str(archive / f"{STAMPS[1]}.geojson")]))
    assert "older_snapshot" == caught.value.code
    assert "1656788640.geojson shows the map of 2022-07-02 19:04 UTC, not newer than the newest already read " \
           "(2022-07-03 20:04 UTC)" in str(caught.value)
    assert before == files(folder)


def test_a_snapshot_no_rule_recognises_stops_the_update_and_changes_nothing(folder, archive):
    run_update(request(folder, [str(archive)]))
    before = files(folder)
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [str(UNRECOGNISED)]))
    assert "no_recognised_feature" == caught.value.code
    assert "1657145040.geojson: no area of the snapshot is one the preset 'deepstate' recognises" in str(caught.value)
    assert before == files(folder)


def test_a_truncated_file_stops_the_update_and_changes_nothing(folder, archive, tmp_path):
    run_update(request(folder, [str(archive)], until=date(2022, 7, 4)))
    before = files(folder)
    cut = tmp_path / "cut" / "1657058640.geojson"
    cut.parent.mkdir()
    cut.write_bytes((archive / "1657058640.geojson").read_bytes()[:300])
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [str(cut)]))
    assert "not_a_layer" == caught.value.code
    assert str(caught.value).startswith("1657058640.geojson: the file is not a GeoJSON file: it is not valid JSON")
    assert before == files(folder)


def test_a_dry_run_reads_and_writes_nothing(folder, archive):
    before = files(folder)
    result = run_update(request(folder, [str(archive)], dry_run=True))
    assert 5 == len(result.snapshots) and 7 == len(result.rows)
    assert before == files(folder)
    assert "dry run: nothing was written" in result.lines()


def test_undo_restores_the_events_and_the_record_together(folder, archive):
    run_update(request(folder, [str(archive)], until=date(2022, 7, 2)))
    between = files(folder)
    run_update(request(folder, [str(archive)]))
    assert between != files(folder)
    assert EventStore(folder / "events.csv").undo(author="test").ok
    assert between == files(folder)
    assert EventStore(folder / "events.csv").undo(author="test").ok
    assert ((f"{HEADER}\n{RESEARCHED}\n").encode(), None) == files(folder)


# ---------------------------------------------------------------- the lock and the Upload page


def test_two_updates_never_run_at_once(folder, archive):
    import filelock

    with filelock.FileLock(str(update.lock_path(folder / "events.csv"))), pytest.raises(UpdateError) as caught:
        run_update(request(folder, [str(archive)]))
    assert "update_running" == caught.value.code
    assert not (folder / "sources.json").exists()


def test_a_save_made_while_an_update_reads_is_kept(folder, archive, monkeypatch):
    """The Upload page saves between the update's import and its save: both rows end up in the file."""
    upload = f"{HEADER}\n2022-07-03,Alpha,,{ALPHA},contested,ua,General Staff of Alphivia,,,\n".encode()
    real_import = update.import_areas
    saved = []

    def import_then_let_the_page_save(*args, **kwargs):
        result = real_import(*args, **kwargs)
        worker = threading.Thread(target=lambda: saved.append(EventStore(folder / "events.csv").save(
            upload, validator=Validator(Gazetteer.load(folder.parent / "geo")), author="page")))
        worker.start()
        worker.join()
        return result

    monkeypatch.setattr(update, "import_areas", import_then_let_the_page_save)
    run_update(request(folder, [str(archive)]))
    assert saved[0].written
    text = (folder / "events.csv").read_text("utf-8")
    assert "General Staff of Alphivia" in text and RESEARCHED in text
    assert [(d, k, s, HISTORY) for d, k, s in EXPECTED] == derived(folder)


# ---------------------------------------------------------------- the API's shape, from a local server


class Api:
    """A local server in the shape of DeepStateMap's history API: /api/history/public lists the snapshots of
    `listed`, /api/history/<id>/geojson serves each; `faults` maps a path to (status, body, extra headers)."""

    def __init__(self) -> None:
        self.listed: list[str] = list(STAMPS)
        self.faults: dict[str, tuple[int, bytes, dict]] = {}
        self.requests: list[tuple[str, str]] = []
        self.delay_s = 0.0
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append((self.path, self.headers.get("User-Agent", "")))
                if api.delay_s:
                    threading.Event().wait(api.delay_s)
                status, body, headers = api.answer(self.path)
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                                   **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api/history"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, bytes, dict]:
        if path in self.faults:
            return self.faults[path]
        if path == "/api/history/public":
            return 200, json.dumps([record(stamp) for stamp in self.listed]).encode(), {}
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[3] == "geojson" and parts[2] in self.listed:
            return 200, snapshot_file(parts[2]).read_bytes(), {}
        return 404, b'{"message": "Not Found"}', {}


def record(stamp: str) -> dict:
    """A record of the list as the API gives it (the documented fields; texts made up for the test)."""
    created = datetime.fromtimestamp(int(stamp), UTC)
    return {"id": int(stamp), "description": "Test map", "descriptionEn": "Test map",
            "updatedAt": created.isoformat().replace("+00:00", ".000Z"), "datetime": f"{created:%d.%m o %H:%M}",
            "status": True, "createdAt": created.isoformat().replace("+00:00", ".000Z")}


def snapshot_file(stamp: str) -> Path:
    return next(p for p in (AREAS / f"{stamp}.geojson", MORE / f"{stamp}.geojson") if p.exists())


@pytest.fixture
def api():
    server = Api()
    yield server
    server.server.shutdown()
    server.server.server_close()


def quick(**changes) -> fetch.Fetcher:
    """A fetcher that does not wait (its sleeps are recorded instead)."""
    slept: list[float] = []
    fetcher = fetch.Fetcher(**{"timeout_s": 2.0, "retries": 2, "min_interval_s": 1.0, "sleep": slept.append,
                               **changes})
    fetcher.slept = slept  # type: ignore[attr-defined]
    return fetcher


def test_an_update_from_the_api_reads_the_listed_snapshots_newer_than_the_record(folder, api):
    api.listed = STAMPS[:3]
    run_update(request(folder, [api.base]), fetcher=quick())
    assert [(d, k, s, API_SOURCE) for d, k, s in EXPECTED[:6]] == derived(folder)
    api.listed = STAMPS
    api.requests.clear()
    result = run_update(request(folder, [api.base]), fetcher=quick())
    assert [(d, k, s, API_SOURCE) for d, k, s in EXPECTED] == derived(folder)
    assert ["/api/history/public", "/api/history/1656968640/geojson", "/api/history/1657058640/geojson"] == [
        path for path, _ in api.requests]
    assert 3 == result.skipped_older
    row = (folder / "events.csv").read_text("utf-8").splitlines()[-1]
    assert "https://deepstatemap.live/api/history/1656878640/geojson" in row  # the publisher's own address
    assert "derived: the point of the settlement lies in the occupied layer of the snapshot published " \
           "2022-07-03 20:04 UTC (deepstate-api-1656878640.geojson)" in row


def test_a_first_update_says_it_reads_every_listed_snapshot_and_how_fast(folder, api):
    """No sources.json yet: every listed snapshot is read, one a second (the preset's pace): 5 take at least 5 s."""
    api.listed = STAMPS
    said: list[str] = []
    run_update(request(folder, [api.base]), say=said.append, fetcher=quick())
    assert "no snapshot read before: all 5 listed snapshots are read, one every 1 s (at least 0 min)" in said


def test_a_changed_preset_is_noted_and_the_update_goes_on_with_the_record(folder, api):
    api.listed = STAMPS[:3]
    run_update(request(folder, [api.base]), fetcher=quick())
    record = json.loads((folder / "sources.json").read_text("utf-8"))
    record["presets"]["deepstate"]["preset_sha256"] = "0" * 64
    (folder / "sources.json").write_text(json.dumps(record), "utf-8")
    api.listed = STAMPS
    said: list[str] = []
    run_update(request(folder, [api.base]), say=said.append, fetcher=quick())
    assert "note: the preset 'deepstate' changed since the last import; the update continues with the record" in said
    assert [(d, k, s, API_SOURCE) for d, k, s in EXPECTED] == derived(folder)


def test_the_api_updates_step_by_step_give_the_bytes_of_one(tmp_path, folder, api):
    run_update(request(folder, [api.base]), fetcher=quick())
    batch = files(folder)
    stepped = tmp_path / "stepped"
    shutil.copytree(folder, stepped, ignore=shutil.ignore_patterns("history", "sources.json*"))
    (stepped / "events.csv").write_text(f"{HEADER}\n{RESEARCHED}\n", "utf-8")
    for k in range(1, len(STAMPS) + 1):
        api.listed = STAMPS[:k]
        run_update(request(stepped, [api.base]), fetcher=quick())
    assert batch == files(stepped)
    again = run_update(request(stepped, [api.base]), fetcher=quick())
    assert [] == again.snapshots and batch == files(stepped)


def test_requests_name_the_project_and_keep_a_second_apart(folder, api):
    clock = iter([0.0, 0.0, 0.2, 0.2, 0.5, 0.5, 3.0, 3.0, 9.0, 9.0, 9.5, 9.5] + [20.0] * 20)
    fetcher = quick(clock=lambda: next(clock))
    run_update(request(folder, [api.base]), fetcher=fetcher)
    assert {fetch.USER_AGENT} == {agent for _, agent in api.requests}
    assert fetch.USER_AGENT.startswith("controlmap/")
    assert pytest.approx([0.8, 0.7, 0.5]) == fetcher.slept  # type: ignore[attr-defined]


FAULTS = [
    ("/api/history/public", (500, b"oops", {}), "http_status", "the server answered HTTP 500"),
    ("/api/history/public", (404, b"{}", {}), "http_status", "the server answered HTTP 404"),
    ("/api/history/public", (200, b"<html>maintenance</html>", {}), "not_json", "the answer is not JSON"),
    ("/api/history/public", (200, b'[{"id": 1656698640}, {"id": 16566', {}), "truncated",
     "the answer ends before its JSON does"),
    ("/api/history/public", (200, b'{"result": []}', {}), "bad_list", "the list is a JSON dict"),
    ("/api/history/public", (200, b'[{"id": "yesterday"}]', {}), "bad_list",
     "record 1 has no id that is a plausible UTC unix time"),
    ("/api/history/1657058640/geojson", (200, b'{"type": "FeatureCollection", "featu', {}), "not_a_layer",
     "deepstate-api-1657058640.geojson: the file is not a GeoJSON file: it is not valid JSON"),
    ("/api/history/1657058640/geojson", (503, b"", {"Retry-After": "7"}), "http_status",
     "the server answered HTTP 503"),
]


@pytest.mark.parametrize(("path", "fault", "code", "message"), FAULTS)
def test_a_fault_of_the_api_stops_the_update_and_changes_nothing(folder, api, path, fault, code, message):
    api.listed = STAMPS[:4]
    run_update(request(folder, [api.base]), fetcher=quick())
    before = files(folder)
    api.listed = STAMPS
    api.faults[path] = fault
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [api.base]), fetcher=quick())
    assert code == caught.value.code
    assert message in str(caught.value)
    assert before == files(folder)


def test_server_errors_are_retried_with_backoff_then_given_up(folder, api):
    api.faults["/api/history/public"] = (503, b"", {"Retry-After": "7"})
    fetcher = quick(retries=3, backoff_s=2.0)
    with pytest.raises(UpdateError):
        run_update(request(folder, [api.base]), fetcher=fetcher)
    assert 4 == len(api.requests)
    # Retry-After (7 s) where it is longer than the backoff (2, 4, 8 s); the one-second spacing comes on top.
    assert [7.0, 7.0, 8.0] == [s for s in fetcher.slept if s >= 2]  # type: ignore[attr-defined]


def test_a_client_error_is_not_retried(folder, api):
    api.faults["/api/history/public"] = (404, b"{}", {})
    with pytest.raises(UpdateError):
        run_update(request(folder, [api.base]), fetcher=quick(retries=3))
    assert 1 == len(api.requests)


def test_a_slow_server_times_out(folder, api):
    api.delay_s = 1.0
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [api.base]), fetcher=quick(timeout_s=0.2, retries=1))
    assert "timeout" == caught.value.code
    assert "no answer within 0.2 s" in str(caught.value)
    assert not (folder / "sources.json").exists()


def test_no_network_is_a_clear_error(folder):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, [f"http://127.0.0.1:{port}/api/history"]), fetcher=quick(retries=1))
    assert "network" == caught.value.code
    assert "no connection" in str(caught.value)
    before = (folder / "events.csv").read_bytes()
    assert before == f"{HEADER}\n{RESEARCHED}\n".encode() and not (folder / "sources.json").exists()


def test_a_name_that_does_not_resolve_is_a_clear_error(folder, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(UpdateError) as caught:
        run_update(request(folder, ["https://deepstatemap.invalid/api/history"]), fetcher=quick(retries=1))
    assert "dns" == caught.value.code
    assert "the host name cannot be resolved (Name or service not known)" in str(caught.value)


def test_a_body_larger_than_allowed_is_refused_unread(api):
    with pytest.raises(fetch.FetchError) as caught:
        quick().get(f"{api.base}/public", max_bytes=10)
    assert "too_large" == caught.value.code


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.org/x", "data:,x"])
def test_a_redirect_away_from_http_is_refused(api, target):
    api.faults["/api/history/public"] = (302, b"", {"Location": target})
    with pytest.raises(fetch.FetchError) as caught:
        quick().get(f"{api.base}/public", max_bytes=1000)
    assert "bad_url" == caught.value.code


@pytest.mark.parametrize("source", ["file:///etc/passwd", "ftp://example.org/", "http:///nohost"])
def test_only_http_addresses_are_fetched(source):
    with pytest.raises(fetch.FetchError) as caught:
        quick().get(source, max_bytes=1000)
    assert "bad_url" == caught.value.code


# ---------------------------------------------------------------- the CLI


def test_the_cli_prints_a_summary_and_says_how_to_undo(folder, archive, capsys, monkeypatch):
    monkeypatch.setattr(cli.paths, "GEO_DIR", folder.parent / "geo")
    monkeypatch.setattr(update.UpdateRequest, "__init__", _with_rule(update.UpdateRequest.__init__))
    assert 0 == cli.main(["update", "--source", str(archive), "--events", str(folder / "events.csv")])
    out = capsys.readouterr().out
    assert "snapshots read: 5 (the snapshot published 2022-07-01 18:04 UTC (geojsons/1656698640.geojson) … the " \
           "snapshot published 2022-07-05 22:04 UTC (geojsons/1657058640.geojson))" in out
    assert "rows added: 7 (3 settlements changed state, 4 first states)" in out
    assert "settlements whose newest change awaits confirmation: 1" in out
    assert "newest snapshot read: 2022-07-05T22:04:00Z (history/1657058640.geojson)" in out
    assert "undo with: python -m controlmap undo" in out
    assert 0 == cli.main(["update", "--source", str(archive), "--events", str(folder / "events.csv")])
    assert "nothing new: nothing was written" in capsys.readouterr().out


def _with_rule(init):
    def wrapped(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.rule = AT_ONCE

    return wrapped


def test_the_cli_reports_a_fault_and_exits_non_zero(folder, capsys, monkeypatch):
    monkeypatch.setattr(cli.paths, "GEO_DIR", folder.parent / "geo")
    assert 1 == cli.main(["update", "--source", str(UNRECOGNISED), "--events", str(folder / "events.csv")])
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error [no_recognised_feature]: 1657145040.geojson: no area of the snapshot")
    assert err.rstrip().endswith("; nothing was written")
