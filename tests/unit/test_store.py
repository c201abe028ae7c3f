"""controlmap.store: merge plans, atomic saves with history, undo, limits and the editor secret."""

import csv
import hashlib
import io
import json
import re
import shutil
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import filelock
import pandas as pd
import pytest

from controlmap import cli, limits
from controlmap.events import writing
from controlmap.events.editor import check_secret, editor_secret
from controlmap.events.merge import plan_merge
from controlmap.events.problems import Problem
from controlmap.events.store import EventStore, StoreBusy
from controlmap.events.uploads import check_upload_limits
from controlmap.events.validation import Validator
from controlmap.geo.gazetteer import Gazetteer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "store"
TODAY = date(2025, 6, 1)
HEADER = b"date,settlement,hint,katottg,status,claimed_by,source,url,quote,note"
KUPIANSK, IZIUM, KIVSHARIVKA = "UA63080090010026457", "UA63040090010029555", "UA63080090020061282"
BABAKY, DVORICHNA = "UA63020010040081222", "UA63080050010081319"
MERGED_ROWS = (b"2022-09-10,Izyum,,UA63040090010029555,contested,independent,ISW,https://example.org/isw/2,,\n"
               b"2022-09-12,Kivsharivka,,UA63080090020061282,ua,ua,General Staff,https://example.org/gs/3,,\n")
SNAPSHOT_RE = re.compile(r"^events-\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{12}\.csv$")


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(Gazetteer.load())


@pytest.fixture
def events(tmp_path) -> Path:
    path = tmp_path / "data" / "events.csv"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "events.csv", path)
    return path


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshots(history: Path) -> list[Path]:
    return sorted(p for p in history.glob("events-*.csv"))


# ---------------------------------------------------------------- plan_merge

def test_plan_merge_new_duplicates_and_conflicts_on_normalised_values(validator):
    existing = validator.validate(fixture("events.csv"), TODAY)
    upload = validator.validate(fixture("upload_merge.csv"), TODAY)
    plan = plan_merge(existing, upload)

    assert plan.ok and plan.problems == [] and not plan.replace
    assert plan.new[["line", "settlement", "katottg", "status", "claimed_by", "source"]].values.tolist() == [
        [3, "Izyum", IZIUM, "contested", "independent", "ISW"],
        [4, "Kivsharivka", KIVSHARIVKA, "ua", "ua", "General Staff"]]
    assert plan.new.date.dt.strftime("%Y-%m-%d").tolist() == ["2022-09-10", "2022-09-12"]
    # "Kupyansk" and "Куп'янськ" are the file's "Kupiansk"; 10.09.2022 is 2022-09-10; Ukraine/Ukrainian are ua.
    assert plan.duplicates[["line", "settlement", "katottg", "existing_line"]].values.tolist() == [
        [2, "Kupyansk", KUPIANSK, 5], [5, "Куп'янськ", KUPIANSK, 2]]
    assert plan.conflicts.to_dict(orient="records") == [{
        "line": 3, "date": pd.Timestamp("2022-09-10"), "settlement": "Izyum", "katottg": IZIUM,
        "claimed_by": "independent", "status": "contested", "source": "ISW", "existing_line": 6,
        "existing_status": "ua", "existing_source": "Reuters", "same_source": False}]
    assert plan.summary() == {"mode": "merge", "added": 2, "duplicates_skipped": 2, "conflicts": 1}
    assert plan.lines() == [
        "merge: 2 new, 2 duplicates skipped, 1 conflict",
        "new:",
        "  line 3: 2022-09-10 Izyum (UA63040090010029555) contested, claimed by independent — ISW",
        "  line 4: 2022-09-12 Kivsharivka (UA63080090020061282) ua, claimed by ua — General Staff",
        "duplicates skipped:",
        "  line 2: 2022-09-10 Kupyansk (UA63080090010026457) ua, claimed by ua — General Staff "
        "(already on line 5 of the data file)",
        "  line 5: 2022-02-27 Куп'янськ (UA63080090010026457) ru, claimed by ru — Russian Ministry of Defence "
        "(already on line 2 of the data file)",
        "conflicts (added, flagged):",
        "  line 3: 2022-09-10 Izyum: independent claims 'contested' (ISW), line 6 of the data file says 'ua' "
        "(Reuters)"]


def test_plan_merge_accepts_a_frame_with_iso_text_dates(validator):
    frame = validator.validate(fixture("events.csv"), TODAY).events
    frame = frame.assign(date=frame.date.dt.strftime("%Y-%m-%d"))
    upload = validator.validate(fixture("upload_merge.csv"), TODAY)
    plan = plan_merge(frame, upload)
    assert plan.summary() == {"mode": "merge", "added": 2, "duplicates_skipped": 2, "conflicts": 1}


def test_plan_merge_same_source_two_statuses_is_a_blocking_problem(validator):
    existing = validator.validate(fixture("events.csv"), TODAY)
    plan = plan_merge(existing, validator.validate(fixture("upload_contradiction.csv"), TODAY))
    assert not plan.ok
    assert plan.problems == [Problem(
        2, "status", "ru",
        "Reuters already gives 'ua' for Izyum on 2022-09-10 (line 6 of the data file); this line says 'ru'",
        "keep one of them: drop this line, or correct the data file and upload it whole with replace",
        code="contradicts_data_file")]
    assert plan.conflicts[["line", "existing_line", "same_source"]].values.tolist() == [[2, 6, True]]


def test_plan_merge_against_an_empty_file_everything_is_new(validator):
    upload = validator.validate(fixture("upload_merge.csv"), TODAY)
    plan = plan_merge(validator.validate(b"", TODAY).events, upload)
    assert plan.summary() == {"mode": "merge", "added": 4, "duplicates_skipped": 0, "conflicts": 0}


def test_plan_replace_counts_new_unchanged_and_removed(validator):
    existing = validator.validate(fixture("events.csv"), TODAY)
    plan = plan_merge(existing, validator.validate(fixture("replacement.csv"), TODAY), replace=True)
    assert plan.summary() == {"mode": "replace", "added": 1, "duplicates_skipped": 0, "conflicts": 0,
                              "unchanged": 1, "removed": 5}
    assert plan.removed.line.tolist() == [2, 3, 4, 6, 7]


# ---------------------------------------------------------------- save: merge

def test_merge_appends_rows_and_keeps_existing_bytes(events, validator):
    old = events.read_bytes()
    result = EventStore(events).save(fixture("upload_merge.csv"), validator=validator, today=TODAY, author="alice")
    assert result.ok and result.written
    assert [p.message for p in result.problems] == ["date read as 2022-09-10", "date read as 2022-09-10",
                                                    "date read as 2022-02-27"]
    assert events.read_bytes() == old + MERGED_ROWS
    after = validator.validate(events.read_bytes(), TODAY)
    assert after.ok and len(after.events) == 8


def test_merge_into_crlf_file_without_final_newline(events, validator):
    old = fixture("events.csv").replace(b"\n", b"\r\n").rstrip(b"\r\n")
    events.write_bytes(old)
    assert EventStore(events).save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written
    assert events.read_bytes() == old + b"\r\n" + MERGED_ROWS.replace(b"\n", b"\r\n")
    assert validator.validate(events.read_bytes(), TODAY).ok


@pytest.mark.parametrize(("encoding", "delimiter", "bom"), [
    ("utf-8", ",", b"\xef\xbb\xbf"), ("cp1251", ";", b""), ("utf-16-le", "\t", b"\xff\xfe")])
def test_merge_keeps_the_file_encoding_and_delimiter(events, validator, encoding, delimiter, bom):
    rows = list(csv.reader(io.StringIO(fixture("events.csv").decode("utf-8"))))
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    old = bom + text.getvalue().encode(encoding)
    events.write_bytes(old)
    before = validator.validate(old, TODAY)
    assert before.ok and len(before.events) == 6
    assert EventStore(events).save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written
    new = events.read_bytes()
    assert new == old + MERGED_ROWS.decode().replace(",", delimiter).encode(encoding)
    after = validator.validate(new, TODAY)
    assert after.ok and (after.encoding, after.delimiter) == (before.encoding, delimiter)
    assert after.events.settlement.tolist()[-3:] == ["Vovchansk", "Izyum", "Kivsharivka"]
    assert after.events.quote.tolist()[5] == "Вовчанськ звільнено"


def test_unknown_columns_of_the_file_are_kept(events, validator):
    old = fixture("events.csv").replace(b"\n", b",\n", 1)
    old = old.replace(b"note,\n", b"note,reviewer\n")
    events.write_bytes(old)
    assert EventStore(events).save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written
    assert events.read_bytes() == old + MERGED_ROWS.replace(b"\n", b",\n")


def test_saves_through_two_store_objects_both_kept(events, validator):
    first, second = EventStore(events), EventStore(events)
    assert first.save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written
    assert second.save(fixture("upload_points.csv"), validator=validator, today=TODAY).written
    rows = validator.validate(events.read_bytes(), TODAY).events
    assert rows.settlement.tolist()[-3:] == ["Izyum", "Kivsharivka", "Babaky"]


def test_merge_into_missing_file_creates_it_with_the_canonical_header(tmp_path, validator):
    path = tmp_path / "events.csv"
    result = EventStore(path).save(fixture("replacement.csv"), validator=validator, today=TODAY)
    assert result.written and result.entry["previous"] is None and result.entry["sha256_before"] is None
    assert path.read_bytes() == (
        HEADER + b"\n"
        b"2022-09-10,Kupyansk,,UA63080090010026457,ua,ua,General Staff,https://example.org/gs/2,,\n"
        b"2022-09-12,Kivsharivka,,UA63080090020061282,ua,ua,General Staff,https://example.org/gs/3,,\n")


def test_merge_with_a_point_adds_lat_lon_to_the_header_only(events, validator):
    old = events.read_bytes()
    assert EventStore(events).save(fixture("upload_points.csv"), validator=validator, today=TODAY).written
    new = events.read_bytes()
    assert new == (HEADER + b",lat,lon" + old[len(HEADER):]
                   + b"2022-09-15,Babaky,,UA63020010040081222,ua,ua,General Staff,,,,50.17,35.55\n")
    after = validator.validate(new, TODAY)
    assert after.ok and len(after.events) == 7
    assert after.events[["lat", "lon"]].iloc[-1].tolist() == [50.17, 35.55]
    assert after.events.lat.iloc[:-1].isna().all()


def test_formula_looking_text_is_refused_and_nothing_is_written(events, validator):
    old = events.read_bytes()
    result = EventStore(events).save(fixture("upload_formula.csv"), validator=validator, today=TODAY)
    assert not result.ok and not result.written
    assert [(2, "source", "formula_like"), (2, "quote", "formula_like"), (2, "note", "formula_like"),
            (4, "source", "formula_like"), (4, "note", "formula_like")] == \
        [(p.line, p.column, p.code) for p in result.errors]
    assert events.read_bytes() == old


def test_quoted_text_with_delimiters_and_line_breaks_is_stored_as_given_and_round_trips(events, validator):
    old = events.read_bytes()
    upload = fixture("upload_formula.csv").replace(b"@General", b"General").replace(b'"=HYPERLINK', b'"HYPERLINK') \
        .replace(b'"+1 line', b'"1 line').replace(b"-ISW", b"ISW").replace(b"=1+2", b"1+2")
    assert EventStore(events).save(upload, validator=validator, today=TODAY).written
    assert events.read_bytes() == old + (
        b'2022-09-16,Dvorichna,,UA63080050010081319,ua,ua,General Staff,https://example.org/gs/4,'
        b'"HYPERLINK(""http://evil.example"",""click"")","1 line one, with a comma\nline two"\n'
        b"2022-09-17,Dvorichna,,UA63080050010081319,contested,independent,ISW,,'quoted,1+2\n")
    rows = validator.validate(events.read_bytes(), TODAY).events.tail(2)
    assert rows[["source", "quote", "note"]].values.tolist() == [
        ["General Staff", 'HYPERLINK("http://evil.example","click")', "1 line one, with a comma\nline two"],
        ["ISW", "'quoted", "1+2"]]


def test_second_identical_upload_writes_nothing(events, validator):
    evstore = EventStore(events)
    evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    digest = evstore.digest()
    again = evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    assert again.ok and not again.written and again.entry is None
    assert again.message == "nothing to write: the file already holds these events"
    assert again.plan.summary() == {"mode": "merge", "added": 0, "duplicates_skipped": 4, "conflicts": 0}
    assert evstore.digest() == digest and len(evstore.history()) == 1


def test_preview_plans_without_writing(events, validator):
    evstore = EventStore(events)
    digest = evstore.digest()
    result = evstore.preview(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    assert result.ok and not result.written and result.plan.summary()["added"] == 2
    assert evstore.digest() == digest and not evstore.history_dir.exists()


# ---------------------------------------------------------------- save: replace

def test_replace_writes_the_normalised_upload_and_keeps_the_old_file_in_history(events, validator):
    old = events.read_bytes()
    evstore = EventStore(events)
    result = evstore.save(fixture("replacement.csv"), replace=True, validator=validator, today=TODAY, author="bob")
    assert result.written
    assert events.read_bytes() == (
        HEADER + b"\n"
        b"2022-09-10,Kupyansk,,UA63080090010026457,ua,ua,General Staff,https://example.org/gs/2,,\n"
        b"2022-09-12,Kivsharivka,,UA63080090020061282,ua,ua,General Staff,https://example.org/gs/3,,\n")
    [snapshot] = snapshots(evstore.history_dir)
    assert snapshot.read_bytes() == old
    entry = evstore.history()[0]
    assert {k: entry[k] for k in ("action", "author", "rows_before", "rows_after", "added", "duplicates_skipped",
                                  "conflicts", "unchanged", "removed")} == {
        "action": "replace", "author": "bob", "rows_before": 6, "rows_after": 2, "added": 1,
        "duplicates_skipped": 0, "conflicts": 0, "unchanged": 1, "removed": 5}


# ---------------------------------------------------------------- history and log

def test_history_file_and_log_entry(events, validator):
    old = events.read_bytes()
    upload = fixture("upload_merge.csv")
    evstore = EventStore(events)
    started = datetime.now(UTC)
    result = evstore.save(upload, validator=validator, today=TODAY, author="alice")
    finished = datetime.now(UTC)

    history = events.parent / "history"
    assert evstore.history_dir == history
    [snapshot] = snapshots(history)
    assert SNAPSHOT_RE.match(snapshot.name)
    assert snapshot.name.endswith(f"-{sha(old)[:12]}.csv")
    assert snapshot.read_bytes() == old
    lines = (history / "log.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry == result.entry == evstore.history()[0]
    assert set(entry) == {"id", "when", "action", "author", "rows_before", "rows_after", "added",
                          "duplicates_skipped", "conflicts", "upload_sha256", "file", "sha256_before",
                          "sha256_after", "previous"}
    assert {k: v for k, v in entry.items() if k not in ("id", "when")} == {
        "action": "merge", "author": "alice", "rows_before": 6, "rows_after": 8, "added": 2,
        "duplicates_skipped": 2, "conflicts": 1, "upload_sha256": sha(upload), "file": "events.csv",
        "sha256_before": sha(old), "sha256_after": sha(old + MERGED_ROWS), "previous": snapshot.name}
    assert entry["sha256_after"] == evstore.digest()
    when = datetime.fromisoformat(entry["when"].replace("Z", "+00:00"))
    assert started <= when <= finished
    assert snapshot.name.startswith(f"events-{when:%Y%m%dT%H%M%S.%fZ}-")
    assert re.fullmatch(r"[0-9a-f]{16}", entry["id"])


def test_history_is_newest_first_and_skips_a_line_cut_short(events, validator):
    evstore = EventStore(events)
    evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    with open(evstore.log_path, "ab") as log:
        log.write(b'{"id": "cut sho')  # a crash in the middle of a log line
    evstore.save(fixture("upload_points.csv"), validator=validator, today=TODAY)
    assert [e["added"] for e in evstore.history()] == [1, 2]
    assert len(evstore.log_path.read_text("utf-8").splitlines()) == 3


def test_digest_is_sha256_of_the_file(events, tmp_path):
    assert EventStore(events).digest() == sha(events.read_bytes())
    assert EventStore(tmp_path / "none.csv").digest() == ""


# ---------------------------------------------------------------- undo

def test_undo_restores_byte_for_byte_step_by_step(events, validator):
    original = events.read_bytes()
    evstore = EventStore(events)
    first = evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    after_first = events.read_bytes()
    second = evstore.save(fixture("upload_points.csv"), validator=validator, today=TODAY)
    after_second = events.read_bytes()

    undo = evstore.undo(author="carol")
    assert undo.ok and events.read_bytes() == after_first
    assert undo.message == f"undid the merge of {second.entry['when']}: restored {second.entry['previous']}"
    assert {k: undo.entry[k] for k in ("action", "author", "undoes", "restored", "rows_before", "rows_after",
                                       "sha256_before", "sha256_after")} == {
        "action": "undo", "author": "carol", "undoes": second.entry["id"], "restored": second.entry["previous"],
        "rows_before": 9, "rows_after": 8, "sha256_before": sha(after_second), "sha256_after": sha(after_first)}
    assert (evstore.history_dir / undo.entry["previous"]).read_bytes() == after_second  # the undone version is kept

    assert evstore.undo().ok and events.read_bytes() == original
    refused = evstore.undo()
    assert not refused.ok and refused.entry is None
    assert refused.message == "nothing to undo: no save is recorded, or every save was undone already"
    assert events.read_bytes() == original
    assert [e["action"] for e in evstore.history()] == ["undo", "undo", "merge", "merge"]
    assert evstore.history()[0]["undoes"] == first.entry["id"]


def test_undo_after_undo_and_a_new_save(events, validator):
    original = events.read_bytes()
    evstore = EventStore(events)
    evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    evstore.undo()
    evstore.save(fixture("upload_points.csv"), validator=validator, today=TODAY)
    assert evstore.undo().ok and events.read_bytes() == original
    assert not evstore.undo().ok and events.read_bytes() == original


def test_undo_refuses_when_the_file_was_changed_outside_the_store(events, validator):
    evstore = EventStore(events)
    result = evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    events.write_bytes(events.read_bytes() + b"2022-09-20,Izium,,,ua,ua,Hand edit,,,\n")
    edited = events.read_bytes()
    refused = evstore.undo()
    assert not refused.ok and events.read_bytes() == edited
    assert refused.message == (f"nothing was undone: the data file is not the version the save of "
                               f"{result.entry['when']} wrote (it was changed outside the store); every earlier "
                               f"version is in {evstore.history_dir}")


def test_undo_refuses_when_the_save_created_the_file(tmp_path, validator):
    evstore = EventStore(tmp_path / "events.csv")
    result = evstore.save(fixture("replacement.csv"), validator=validator, today=TODAY)
    refused = evstore.undo()
    assert not refused.ok and evstore.path.exists()
    assert refused.message == (f"nothing was undone: the save of {result.entry['when']} created the file, "
                               "there is no earlier version")


def test_undo_of_a_chosen_save_refuses_when_another_writer_saved_since(events, validator):
    evstore = EventStore(events)
    mine = evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY, author="dashboard")
    assert mine.entry["id"] == evstore.undo_target()["id"]
    theirs = evstore.save(fixture("upload_points.csv"), validator=validator, today=TODAY, author="cli")
    after_theirs = events.read_bytes()
    refused = evstore.undo(author="dashboard", expected=mine.entry["id"])
    assert not refused.ok and events.read_bytes() == after_theirs
    assert refused.message == (f"nothing was undone: the newest save is now the merge of {theirs.entry['when']} "
                               "by cli, not the one you chose; look at the history and try again")
    assert evstore.undo(author="dashboard", expected=theirs.entry["id"]).ok
    assert mine.entry["id"] == evstore.undo_target()["id"]


def test_undo_with_no_history(events):
    assert EventStore(events).undo().message == "nothing to undo: no save is recorded, or every save was undone already"


# ---------------------------------------------------------------- nothing written

def test_invalid_upload_writes_nothing(events, validator):
    evstore = EventStore(events)
    digest = evstore.digest()
    result = evstore.save(fixture("upload_invalid.csv"), validator=validator, today=TODAY)
    assert not result.ok and not result.written and result.plan is None
    assert [str(p) for p in result.errors] == [
        "line 3, column date: no such day: '2022-13-01' (write dates as YYYY-MM-DD, e.g. 2022-09-10)",
        "line 4, column settlement: unknown settlement 'Atlantis'"]
    assert result.message == "the upload has 2 errors; nothing was written"
    assert evstore.digest() == digest and not evstore.history_dir.exists()


def test_contradicting_upload_writes_nothing(events, validator):
    evstore = EventStore(events)
    digest = evstore.digest()
    result = evstore.save(fixture("upload_contradiction.csv"), validator=validator, today=TODAY)
    assert not result.ok and [p.line for p in result.errors] == [2]
    assert result.message == "1 line contradicts the data file; nothing was written"
    assert evstore.digest() == digest and not evstore.history_dir.exists()


def test_unreadable_data_file_is_not_merged_into(events, validator):
    events.write_bytes(b"\x89PNG\r\n\x1a\n not events")
    evstore = EventStore(events)
    result = evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
    assert not result.ok and events.read_bytes() == b"\x89PNG\r\n\x1a\n not events"
    assert result.errors[0].message == ("the data file cannot be read (not a CSV file: this looks like a PNG "
                                        "image); nothing was written")
    assert evstore.save(fixture("replacement.csv"), replace=True, validator=validator, today=TODAY).written


def test_header_only_file_is_merged_into(events, validator):
    events.write_bytes(HEADER + b"\n")
    assert EventStore(events).save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written
    assert events.read_bytes().startswith(HEADER + b"\n2022-09-10,Kupyansk,,")


# ---------------------------------------------------------------- limits

def test_size_limit(events, validator):
    big = HEADER + b"\n" + b"x" * limits.MAX_UPLOAD_BYTES
    assert limits.MAX_UPLOAD_BYTES == 5 * 1024 * 1024
    assert check_upload_limits(big) == [Problem(
        0, "", f"{len(big):,} bytes", "the file is too large: 5.0 MB (the limit is 5 MB per upload)",
        "split it into several smaller files", code="file_too_large")]
    assert check_upload_limits(big[:limits.MAX_UPLOAD_BYTES]) == []
    digest = EventStore(events).digest()
    result = EventStore(events).save(big, validator=validator, today=TODAY)
    assert not result.ok and result.problems == check_upload_limits(big)
    assert EventStore(events).digest() == digest


def test_row_limit(events, validator):
    row = b"2022-09-12,Kivsharivka,,,ua,ua,General Staff,,,\n"
    at_limit = HEADER + b"\n" + row * limits.MAX_UPLOAD_ROWS
    over = at_limit + row
    assert check_upload_limits(at_limit) == []
    assert check_upload_limits(over) == [Problem(
        0, "", "50,001 rows", "the file has too many rows: 50,001 (the limit is 50,000 per upload)",
        "split it into several smaller files", code="too_many_rows")]
    # many line breaks inside quoted cells are not rows
    quoted = HEADER + b"\n" + b'2022-09-12,Kivsharivka,,,ua,ua,GS,,,"' + b"\n" * 60_000 + b'"\n'
    assert check_upload_limits(quoted) == []
    digest = EventStore(events).digest()
    assert not EventStore(events).save(over, validator=validator, today=TODAY).ok
    assert EventStore(events).digest() == digest


# ---------------------------------------------------------------- crash leftovers and the lock

def test_save_after_a_crash_left_temp_files(events, validator):
    evstore = EventStore(events)
    evstore.history_dir.mkdir()
    stale = [events.parent / ".events.csv.k2j4h5.tmp",
             evstore.history_dir / ".events-20250101T000000.000000Z-x.csv.a1.tmp"]
    for path in stale:
        path.write_bytes(b"date,settlement\n2022-09-1")  # a write the crash cut short
    old = events.read_bytes()
    assert evstore.save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written
    assert events.read_bytes() == old + MERGED_ROWS
    assert not any(p.exists() for p in stale)
    assert sorted(p.name for p in events.parent.iterdir()) == ["events.csv", "events.csv.lock", "history"]


def test_lock_timeout_raises_a_clear_error(events, validator):
    held, release = threading.Event(), threading.Event()

    def hold():
        with filelock.FileLock(f"{events}.lock"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait(10)
        digest = EventStore(events).digest()
        with pytest.raises(StoreBusy) as raised:
            EventStore(events, lock_timeout=0.2).save(fixture("upload_merge.csv"), validator=validator, today=TODAY)
        assert str(raised.value) == (f"another save of events.csv is in progress (waited 0.2 s for {events}.lock); "
                                     "nothing was written, try again in a moment")
        assert EventStore(events).digest() == digest
    finally:
        release.set()
        holder.join()
    assert EventStore(events).save(fixture("upload_merge.csv"), validator=validator, today=TODAY).written


# ---------------------------------------------------------------- the editor secret

class NoSecretsFile(dict):
    def get(self, key, default=None):
        raise FileNotFoundError("No secrets found")


def test_editor_secret_from_env_then_secrets():
    assert editor_secret({"CONTROLMAP_EDITOR_SECRET": "from-env"}, {"editor_secret": "from-toml"}) == "from-env"
    assert editor_secret({}, {"editor_secret": "from-toml"}) == "from-toml"
    assert editor_secret({"CONTROLMAP_EDITOR_SECRET": "  "}, {"editor_secret": " padded "}) == "padded"
    assert editor_secret({}, {"editor_secret": 1234}) == "1234"
    assert editor_secret({}, None) is None
    assert editor_secret({}, {}) is None
    assert editor_secret({"CONTROLMAP_EDITOR_SECRET": ""}, {"editor_secret": ""}) is None
    assert editor_secret({}, NoSecretsFile()) is None


def test_check_secret():
    assert check_secret("s3cret-ключ", "s3cret-ключ") is True
    assert check_secret("s3cret", "s3cret-ключ") is False
    assert check_secret("", "") is False
    assert check_secret(None, "x") is False
    assert check_secret("x", None) is False


# ---------------------------------------------------------------- the merge command

def test_cli_merge_invalid_upload_exit_1_and_nothing_written(events, capsys):
    digest = EventStore(events).digest()
    code = cli.main(["merge", str(FIXTURES / "upload_invalid.csv"), "--events", str(events)])
    out = capsys.readouterr()
    assert code == 1
    assert out.out.splitlines() == [
        "line 3, column date: no such day: '2022-13-01' (write dates as YYYY-MM-DD, e.g. 2022-09-10)",
        "line 4, column settlement: unknown settlement 'Atlantis'"]
    assert out.err == "the upload has 2 errors; nothing was written\n"
    assert EventStore(events).digest() == digest


def test_cli_merge_dry_run_then_save(events, capsys):
    old = events.read_bytes()
    assert cli.main(["merge", str(FIXTURES / "upload_merge.csv"), "--events", str(events), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == ["warning: line 2, column date: date read as 2022-09-10",
                       "warning: line 3, column date: date read as 2022-09-10",
                       "warning: line 5, column date: date read as 2022-02-27",
                       "merge: 2 new, 2 duplicates skipped, 1 conflict"]
    assert out[-1] == "dry run: nothing was written"
    assert events.read_bytes() == old and not (events.parent / "history").exists()

    assert cli.main(["merge", str(FIXTURES / "upload_merge.csv"), "--events", str(events)]) == 0
    printed = capsys.readouterr().out
    entry = json.loads(printed[printed.index("\n{") + 1:])
    assert entry == EventStore(events).history()[0]
    assert entry["author"] == "cli" and entry["added"] == 2
    assert events.read_bytes() == old + MERGED_ROWS


def test_cli_merge_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["merge"])
    assert raised.value.code == 2
    assert "FILE" in capsys.readouterr().err.upper()


def test_cli_merge_missing_file_exit_1(events, tmp_path, capsys):
    assert cli.main(["merge", str(tmp_path / "nope.csv"), "--events", str(events)]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'nope.csv'}: cannot read the file: No such file or directory\n"


def test_cli_merge_refuses_a_file_over_the_limit_before_reading_it(events, tmp_path, capsys):
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(limits.MAX_UPLOAD_BYTES + 1)
    before = events.read_bytes()
    assert cli.main(["merge", str(big), "--events", str(events)]) == 1
    assert capsys.readouterr().err == (f"{big}: the file is too large: 5.0 MB (the limit is 5 MB per upload) "
                                       "(split it into several smaller files)\n")
    assert events.read_bytes() == before


def test_the_streamlit_upload_limit_is_the_cores():
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limits.MAX_UPLOAD_MB


# ---------------------------------------------------------------- hostile shapes of data (issue: security)


def test_a_bare_carriage_return_inside_a_quoted_field_is_merged_and_reads_back(events, validator):
    """Python's csv writer does not quote a field holding a bare \\r when lines end with \\n; the store's writer
    quotes any line break, so such a field is stored as given (it was refused as a read-back mismatch)."""
    upload = (b"date,settlement,status,claimed_by,source,note\n"
              b'2022-09-10,Kupiansk,ua,ua,Kharkiv regional administration,"first\rsecond"\n')
    assert validator.validate(upload, TODAY).ok
    result = EventStore(events).save(upload, validator=validator, today=TODAY)
    assert (True, True) == (result.ok, result.written), result.message
    assert events.read_bytes().endswith(b',,,"first\rsecond"\n')
    assert ["first\rsecond"] == validator.validate(events.read_bytes(), TODAY).events.note.tolist()[-1:]


def test_a_read_back_fault_names_the_uploads_own_line(events, validator, monkeypatch):
    """Were the writer ever to write a row it cannot read back, the message names the row's line in the upload,
    not a line of the new file the user has never seen."""
    def unquoted(rows, delimiter=",", terminator="\n"):  # the writer as it was: a bare \r left unquoted
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=terminator).writerows(rows)
        return buffer.getvalue()

    monkeypatch.setattr(writing.csvtext, "write_rows", unquoted)
    before = events.read_bytes()
    upload = (b"date,settlement,status,claimed_by,source,note\n"
              b"2022-09-13,Kivsharivka,ua,ua,Kharkiv regional administration,\n"
              b'2022-09-10,Kupiansk,ua,ua,Kharkiv regional administration,"first\rsecond"\n')
    result = EventStore(events).save(upload, validator=validator, today=TODAY)
    assert (False, False) == (result.ok, result.written)
    assert result.message.startswith("line 3 of the upload would not read back as written (")
    assert ["read_back_mismatch"] == [p.code for p in result.errors]
    assert 3 == result.errors[0].line
    assert before == events.read_bytes()


def test_merge_planning_pairs_each_new_row_with_one_existing_row_per_status(validator):
    """Repeated keys cost linear work: 3 new rows against 1,000 existing rows of one settlement, day and claimant
    are 3 conflicts (one existing row named for each), not 3,000 pairs (5,000 into 10,000 took 23 s and 8 GB)."""
    header = "date,settlement,katottg,status,claimed_by,source\n"
    existing = validator.validate((header + "".join(
        f"2023-01-01,Kupiansk,{KUPIANSK},ru,ru,Source {i}\n" for i in range(1000))).encode(), TODAY)
    upload = validator.validate((header + "".join(
        f"2023-01-01,Kupiansk,{KUPIANSK},contested,ru,New source {i}\n" for i in range(3))).encode(), TODAY)
    plan = plan_merge(existing, upload)
    assert plan.ok
    assert [[2, 2, "ru", "Source 0", False], [3, 2, "ru", "Source 0", False], [4, 2, "ru", "Source 0", False]] == \
        plan.conflicts[["line", "existing_line", "existing_status", "existing_source", "same_source"]].values.tolist()
    assert {"mode": "merge", "added": 3, "duplicates_skipped": 0, "conflicts": 3} == plan.summary()
