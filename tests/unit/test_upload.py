"""controlmap.events.uploads: one file checked, several files combined, validated together and planned against the data
file (what the Upload page lays out), on the shipped gazetteer and the store fixtures."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from controlmap import limits
from controlmap.digest import sha256
from controlmap.events import uploads, writing
from controlmap.events.validation import Validator

TODAY = date(2025, 6, 1)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = b"date,settlement,hint,status,claimed_by,source\n"
KUPIANSK = "UA63080090010026457"
BAIRAK_BALAKLIISKA = "UA63040010030034693"


@pytest.fixture(scope="module")
def validator(real_gazetteer) -> Validator:
    return Validator(real_gazetteer)


@pytest.fixture(scope="module")
def existing(validator):
    return validator.validate((FIXTURES / "store" / "events.csv").read_bytes(), TODAY)


def csv(*rows: str) -> bytes:
    return HEADER + "".join(f"{row}\n" for row in rows).encode()


def check(validator, data: bytes, name: str = "a.csv", choices=None) -> uploads.CheckedFile:
    return uploads.check_file(name, data, validator, choices, TODAY)


# ---------------------------------------------------------------- one file

def test_a_good_file(validator):
    data = csv("2022-09-11,Kupiansk,,ua,independent,ISW")
    checked = check(validator, data)
    assert (True, 1, [], sha256(data)) == (checked.ok, checked.rows, checked.problems, checked.digest)


def test_a_file_with_errors_is_not_ok_and_keeps_every_problem(validator):
    checked = check(validator, csv("2022-09-11,Nowhereville,,ua,independent,ISW", "yesterday,Izium,,ua,ua,GS"))
    assert (False, ["unknown_settlement", "bad_date"]) == (checked.ok, [p.code for p in checked.errors])


def test_a_file_over_the_size_limit_is_refused_on_its_size_alone():
    assert uploads.too_large("a.csv", limits.MAX_UPLOAD_BYTES) is None
    refused = uploads.too_large("a.csv", limits.MAX_UPLOAD_BYTES + 1)
    assert (None, None, False, 0) == (refused.data, refused.result, refused.ok, refused.rows)
    assert ["file_too_large"] == [p.code for p in refused.errors]


def test_a_file_over_the_limits_is_not_parsed(validator, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_ROWS", 1)
    checked = check(validator, csv("2022-09-11,Kupiansk,,ua,independent,ISW", "2022-09-12,Izium,,ua,ua,GS"))
    assert (None, ["too_many_rows"]) == (checked.result, [p.code for p in checked.errors])


def test_a_file_on_disk_is_refused_before_it_is_read(validator, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(limits.MAX_UPLOAD_BYTES + 1)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    assert ["file_too_large"] == [p.code for p in uploads.read_file(path, validator).errors]


def test_a_missing_file_on_disk(validator, tmp_path):
    checked = uploads.read_file(tmp_path / "nowhere.csv", validator)
    assert [("unreadable_file", "cannot read the file: No such file or directory")] == \
        [(p.code, p.message) for p in checked.errors]


def test_ambiguous_names_are_found_by_code_and_settled_by_picking(validator):
    data = csv("2022-09-11,Bairak,,ua,independent,ISW", "2022-09-12,Bairak,,ua,ua,GS", "2022-09-12,Izium,,ua,ua,GS")
    assert ["Bairak"] == check(validator, data).ambiguous_names()
    picked = check(validator, data, choices={"Bairak": BAIRAK_BALAKLIISKA})
    assert (True, [BAIRAK_BALAKLIISKA, BAIRAK_BALAKLIISKA]) == \
        (picked.ok, picked.result.events.katottg.tolist()[:2])
    assert ({"Bairak": BAIRAK_BALAKLIISKA}, sha256(picked.data)) == (picked.choices, picked.digest)


def test_a_pick_does_not_hide_lines_in_another_encoding(validator):
    data = csv("2022-09-11,Bairak,,ua,independent,ISW") + "2022-09-12,Ізюм,,ua,ua,GS\n".encode("cp1251") + \
        "2022-09-13,Ізюм,,ua,ua,GS\n".encode()
    picked = check(validator, data, choices={"Bairak": BAIRAK_BALAKLIISKA})
    assert ["ambiguous_settlement", "encoding"] == [p.code for p in picked.errors]


# ---------------------------------------------------------------- several files

def test_files_without_errors_are_combined_and_planned(validator, existing):
    first = check(validator, csv("2022-09-11,Kupiansk,,ua,independent,ISW"), "first.csv")
    second = check(validator, csv("2022-09-12,Izium,,ua,ua,GS", "2022-02-27,Kupiansk,,ru,ru,Russian Ministry of "
                                  "Defence"), "second.csv")
    combined = uploads.combine([first, second], validator, existing, TODAY)
    assert (uploads.READY, True, []) == (combined.stage, combined.ready, combined.problems)
    assert combined.data == writing.render_events(
        pd.concat([first.result.events, second.result.events], ignore_index=True))
    assert [2, 3, 4] == combined.combined.events.line.tolist()  # the files' rows one after the other
    assert {"mode": "merge", "added": 2, "duplicates_skipped": 1, "conflicts": 0} == combined.plan.summary()
    assert sha256(combined.data) == combined.digest


def test_a_file_with_errors_stops_the_combination(validator, existing):
    good = check(validator, csv("2022-09-11,Kupiansk,,ua,independent,ISW"), "good.csv")
    bad = check(validator, csv("2022-09-11,Nowhereville,,ua,independent,ISW"), "bad.csv")
    combined = uploads.combine([good, bad], validator, existing, TODAY)
    assert (uploads.FILES_HAVE_ERRORS, False, None, None) == \
        (combined.stage, combined.ready, combined.data, combined.plan)
    assert ["unknown_settlement"] == [p.code for p in combined.problems]


def test_the_same_row_in_two_files_and_two_statuses_across_files_are_found_together(validator, existing):
    first = check(validator, csv("2022-09-11,Kupiansk,,ua,independent,ISW", "2022-09-12,Izium,,ua,ua,GS"))
    second = check(validator, csv("2022-09-11,Kupyansk,,ua,independent,ISW", "2022-09-12,Izium,,contested,ua,GS"))
    combined = uploads.combine([first, second], validator, existing, TODAY)
    assert uploads.TOGETHER_HAVE_ERRORS == combined.stage
    assert [(4, "duplicate_row"), (5, "two_statuses")] == [(p.line, p.code) for p in combined.problems]


def test_a_line_contradicting_the_data_file_stops_the_upload(validator, existing):
    contradiction = check(validator, (FIXTURES / "store" / "upload_contradiction.csv").read_bytes())
    combined = uploads.combine([contradiction], validator, existing, TODAY)
    assert (uploads.CONTRADICTS_DATA_FILE, ["contradicts_data_file"]) == \
        (combined.stage, [p.code for p in combined.problems])


def test_the_replace_plan(validator, existing):
    ready = uploads.combine([check(validator, csv("2022-09-11,Kupiansk,,ua,independent,ISW"))], validator,
                           existing, TODAY)
    assert {"mode": "replace", "added": 1, "duplicates_skipped": 0, "conflicts": 0, "unchanged": 0,
            "removed": len(existing.events)} == ready.replace_plan(existing).summary()


def test_an_upload_needs_a_file(validator, existing):
    with pytest.raises(ValueError, match="at least one file"):
        uploads.combine([], validator, existing, TODAY)
