"""Reading and validating event files (controlmap.events), on the corpus in tests/fixtures/bad/.

The corpus is written by tests/fixtures/make_bad_corpus.py. Every file there is listed below with the
exact errors it must give (line, column, message), validated against the shipped gazetteer.
"""

import codecs
import hashlib
import json
from datetime import date

import pandas as pd
import pytest

from controlmap import paths
from controlmap.cli import main
from controlmap.events import (
    Problem,
    ValidationResult,
    Validator,
    decode,
    normalise_choice,
    parse_date,
    sniff_delimiter,
)

TODAY = date(2026, 11, 21)
KUPIANSK = "UA63080090010026457"
IZIUM = "UA63040090010029555"
BALAKLIIA = "UA63040010010039074"
CHUHUIV = "UA63140170010036104"
VOVCHANSK = "UA63140010010035757"
BAIRAK_BALAKLIISKA = "UA63040010030034693"

NOVA_GUSARICA_SUGGESTION = ("did you mean: Nova Husarivka (UA63040010210040302, score 88.9); "
                            "Nove (UA63100010150075800, score 77.1); Nove (UA63100050900036440, score 77.1)")
BAIRAK_SUGGESTION = (
    "add a hint (hromada or raion) or a katottg: "
    "Bairak, Bohodukhivska hromada, Bohodukhivskyi raion: UA63020010060067339; "
    "Bairak, Balakliiska hromada, Iziumskyi raion: UA63040010030034693; "
    "Bairak, Vilkhivska hromada, Kharkivskyi raion: UA63120050030096636; "
    "Bairak, Liubotynska hromada, Kharkivskyi raion: UA63120110080069368; "
    "Bairak, Vovchanska hromada, Chuhuivskyi raion: UA63140010040015143")
EMPTY = "the file is empty: expected a header line and at least one event"

ERRORS = {
    # the file as a whole
    "empty.csv": [(1, "", EMPTY)],
    "blank_lines_only.csv": [(1, "", EMPTY)],
    "header_only.csv": [(1, "", "the file has a header but no events")],
    "png_image.csv": [(1, "", "not a CSV file: this looks like a PNG image")],
    "xlsx_workbook.csv": [(1, "", "not a CSV file: this looks like a ZIP archive (an .xlsx workbook?)")],
    "binary_garbage.csv": [(1, "", "not a CSV file: it contains binary data")],
    "not_event_csv.csv": [(1, "", "not an event CSV: none of the expected columns found")],
    # the header
    "missing_columns.csv": [(1, "claimed_by", "missing required column 'claimed_by'"),
                            (1, "source", "missing required column 'source'")],
    "missing_settlement_column.csv": [(1, "settlement", "missing required column 'settlement' (or 'katottg')")],
    "duplicated_column.csv": [(1, "source", "column 'source' appears more than once")],
    # one bad field
    "unreadable_date.csv": [(3, "date", "unreadable date 'yesterday'")],
    "missing_date.csv": [(3, "date", "missing date")],
    "ambiguous_date.csv": [(3, "date", "ambiguous date '03/04/2022': it could be 3 April 2022 or 4 March 2022")],
    "impossible_date.csv": [(3, "date", "no such day: '2022-02-30'")],
    "date_before_2022.csv": [(3, "date", "date 2021-12-31 is before 2022-01-01")],
    "future_date.csv": [(3, "date", "date 2031-01-01 is in the future (today is 2026-11-21)")],
    "unknown_status.csv": [(3, "status", "unknown status 'partly'")],
    "missing_status.csv": [(3, "status", "missing status")],
    "unknown_claimant.csv": [(3, "claimed_by", "unknown claimed_by 'UN observers'")],
    "missing_source.csv": [(3, "source", "missing source")],
    "unknown_settlement.csv": [(3, "settlement", "unknown settlement 'Nova Gusarica'")],
    "ambiguous_settlement.csv": [(3, "settlement", "ambiguous settlement 'Bairak': 5 settlements have this name")],
    "missing_settlement.csv": [(3, "settlement", "missing settlement (or katottg)")],
    "unknown_katottg.csv": [(3, "katottg", "unknown KATOTTG code 'UA63999999999999999'")],
    "duplicate_row.csv": [(4, "", "exact duplicate of line 2")],
    "two_statuses_one_source.csv": [
        (3, "status", "ISW gives two statuses for Kupyansk on 2022-09-10: 'ua' (line 2) and 'contested'")],
    "point_outside_oblast.csv": [(3, "lat", "point 55.7558, 37.6173 is outside Kharkiv oblast")],
    "lat_without_lon.csv": [(3, "lon", "lat and lon must both be decimal degrees")],
    "malformed_url.csv": [(3, "url", "malformed URL 'isw.example.org/report'")],
    "too_many_fields.csv": [(3, "", "this line has 6 fields but the header has 5")],
    "blank_line_before_error.csv": [(4, "settlement", "unknown settlement 'Nowhereville'")],  # blank lines count
    # all in one pass
    "several_problems.csv": [
        (3, "date", "no such day: '31/02/2022'"),
        (4, "status", "unknown status 'occupied?'"),
        (4, "settlement", "ambiguous settlement 'Bairak': 5 settlements have this name"),
        (5, "claimed_by", "unknown claimed_by 'army'"),
        (5, "source", "missing source"),
        (5, "url", "malformed URL 'ftp://example.org'"),
        (6, "settlement", "unknown settlement 'Nova Gusarica'"),
        (7, "", "exact duplicate of line 2"),
    ],
    # warnings only, or nothing at all
    "odd_but_valid.csv": [],
    "readable_cp1251.csv": [],
    "readable_utf16_bom.csv": [],
    "readable_utf8_bom.csv": [],
    "readable_semicolon.csv": [],
    "readable_tab.csv": [],
    "readable_crlf_header_synonyms.csv": [],
    "readable_dates.csv": [],
    "readable_status_synonyms.csv": [],
}


ERROR_CASES = [pytest.param(name, expected, id=name) for name, expected in ERRORS.items()]


@pytest.fixture(scope="module")
def validator(real_gazetteer) -> Validator:
    return Validator(real_gazetteer)


def errors(result: ValidationResult) -> list[tuple[int, str, str]]:
    return [(p.line, p.column, p.message) for p in result.errors]


def events(result: ValidationResult, columns=("date", "katottg", "status", "claimed_by", "source")) -> list[dict]:
    frame = result.events[list(columns)].copy()
    if "date" in frame:
        frame["date"] = frame.date.dt.strftime("%Y-%m-%d")
    return frame.to_dict(orient="records")


def test_the_table_covers_the_whole_corpus(bad_dir):
    assert sorted(ERRORS) == sorted(p.name for p in bad_dir.iterdir() if p.suffix == ".csv")


def test_the_corpus_has_at_least_22_bad_files():
    assert len([name for name, expected in ERRORS.items() if expected]) >= 22


@pytest.mark.parametrize(("name", "expected"), ERROR_CASES)
def test_errors_of_each_file(validator, bad_dir, name, expected):
    assert expected == errors(validator.validate_path(bad_dir / name, today=TODAY))


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_validation_never_raises_and_never_falls_back_to_the_catch_all(validator, bad_dir, name):
    result = validator.validate((bad_dir / name).read_bytes(), today=TODAY)
    assert isinstance(result, ValidationResult)
    assert [] == [p.message for p in result.problems if p.message.startswith("could not read the file")]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_validation_never_modifies_the_input(validator, bad_dir, name):
    path = bad_dir / name
    before = path.read_bytes()
    stat = path.stat()
    validator.validate_path(path, today=TODAY)
    data = bytearray(before)
    validator.validate(data, today=TODAY)
    assert hashlib.sha256(before).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    assert before == bytes(data)
    assert (stat.st_size, stat.st_mtime_ns) == (path.stat().st_size, path.stat().st_mtime_ns)


# ---------------------------------------------------------------- whole problems: value and suggestion

def test_unknown_settlement_comes_with_suggestions(validator, bad_dir):
    result = validator.validate_path(bad_dir / "unknown_settlement.csv", today=TODAY)
    assert [Problem(3, "settlement", "Nova Gusarica", "unknown settlement 'Nova Gusarica'",
                    NOVA_GUSARICA_SUGGESTION)] == result.problems


def test_ambiguous_settlement_lists_every_candidate(validator, bad_dir):
    result = validator.validate_path(bad_dir / "ambiguous_settlement.csv", today=TODAY)
    assert [Problem(3, "settlement", "Bairak", "ambiguous settlement 'Bairak': 5 settlements have this name",
                    BAIRAK_SUGGESTION)] == result.problems


@pytest.mark.parametrize(("name", "problem"), [
    ("png_image.csv", Problem(1, "", "", "not a CSV file: this looks like a PNG image",
                              "save the sheet as CSV (comma, semicolon or tab separated)")),
    ("not_event_csv.csv", Problem(1, "", "city,population,country",
                                  "not an event CSV: none of the expected columns found",
                                  "the header must name: date, settlement (or katottg), status, claimed_by, source")),
    ("ambiguous_date.csv", Problem(3, "date", "03/04/2022",
                                   "ambiguous date '03/04/2022': it could be 3 April 2022 or 4 March 2022",
                                   "write dates as YYYY-MM-DD, e.g. 2022-09-10")),
    ("future_date.csv", Problem(3, "date", "2031-01-01", "date 2031-01-01 is in the future (today is 2026-11-21)")),
    ("unknown_status.csv", Problem(3, "status", "partly", "unknown status 'partly'", "use ua, ru or contested")),
    ("unknown_claimant.csv", Problem(3, "claimed_by", "UN observers", "unknown claimed_by 'UN observers'",
                                     "use ua, ru or independent")),
    ("missing_source.csv", Problem(3, "source", "", "missing source",
                                   "name the publication or official body making the statement")),
    ("duplicate_row.csv", Problem(4, "", "Kupiansk", "exact duplicate of line 2", "delete one of the two lines")),
    ("two_statuses_one_source.csv", Problem(
        3, "status", "contested",
        "ISW gives two statuses for Kupyansk on 2022-09-10: 'ua' (line 2) and 'contested'", "keep one of them")),
    ("point_outside_oblast.csv", Problem(3, "lat", "55.7558,37.6173",
                                         "point 55.7558, 37.6173 is outside Kharkiv oblast",
                                         "check that lat and lon are not swapped")),
    ("lat_without_lon.csv", Problem(3, "lon", "49.45,", "lat and lon must both be decimal degrees",
                                    "e.g. lat 49.71, lon 37.62")),
    ("malformed_url.csv", Problem(3, "url", "isw.example.org/report", "malformed URL 'isw.example.org/report'",
                                  "a full address starting with http:// or https://, or leave it empty")),
    ("too_many_fields.csv", Problem(3, "", "2022-09-11,Izium,ua,ua,General Staff, Kharkiv oblast",
                                    "this line has 6 fields but the header has 5",
                                    "quote fields that contain the delimiter")),
    ("unknown_katottg.csv", Problem(3, "katottg", "UA63999999999999999", "unknown KATOTTG code 'UA63999999999999999'")),
])
def test_whole_problem(validator, bad_dir, name, problem):
    assert [problem] == validator.validate_path(bad_dir / name, today=TODAY).problems


def test_a_bad_katottg_with_a_name_suggests_settlements_by_that_name(validator):
    data = b"date,settlement,katottg,status,claimed_by,source\n2022-09-10,Nova Gusarica,UA63999999999999999,ua,ua,GS\n"
    assert [Problem(2, "katottg", "UA63999999999999999", "unknown KATOTTG code 'UA63999999999999999'",
                    NOVA_GUSARICA_SUGGESTION)] == validator.validate(data, today=TODAY).problems


def test_a_missing_file_is_reported(validator, tmp_path):
    path = tmp_path / "nowhere.csv"
    assert [Problem(0, "", str(path), "cannot read the file: No such file or directory")] == \
        validator.validate_path(path, today=TODAY).problems


def test_bytes_in_no_known_encoding_are_reported_not_raised(validator):
    data = b"date,settlement,status,claimed_by,source\n2022-09-10,Kup\x98ansk,ua,ua,ISW\n"
    result = validator.validate(data, today=TODAY)
    assert [(0, "", "could not read the file: 'charmap' codec can't decode byte 0x98 in position 55: "
                    "character maps to <undefined>")] == errors(result)


# ---------------------------------------------------------------- rows with errors are left out

def test_rows_with_errors_are_left_out_of_the_events(validator, bad_dir):
    result = validator.validate_path(bad_dir / "several_problems.csv", today=TODAY)
    assert ([2], 6) == (result.events.line.tolist(), result.rows)


def test_a_conflicting_second_status_is_left_out_and_the_first_kept(validator, bad_dir):
    result = validator.validate_path(bad_dir / "two_statuses_one_source.csv", today=TODAY)
    assert [{"date": "2022-09-10", "katottg": KUPIANSK, "status": "ua", "claimed_by": "independent",
             "source": "ISW"}] == events(result)


def test_a_line_with_too_many_fields_is_left_out_of_the_events(validator, bad_dir):
    result = validator.validate_path(bad_dir / "too_many_fields.csv", today=TODAY)
    assert [KUPIANSK] == result.events.katottg.tolist()


def test_header_errors_stop_before_the_rows(validator, bad_dir):
    result = validator.validate_path(bad_dir / "missing_columns.csv", today=TODAY)
    assert (1, 0) == (result.rows, len(result.events))


# ---------------------------------------------------------------- awkward files that read fine

def test_cp1251_with_cyrillic_names(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_cp1251.csv", today=TODAY)
    assert ("cp1251", ",", []) == (result.encoding, result.delimiter, result.problems)
    assert [
        {"date": "2022-09-10", "settlement": "Куп’янськ", "katottg": KUPIANSK, "source": "Генштаб ЗСУ"},
        {"date": "2022-09-10", "settlement": "Ізюм", "katottg": IZIUM, "source": "Міноборони РФ"},
        {"date": "2022-09-11", "settlement": "Балаклія", "katottg": BALAKLIIA, "source": "ISW"},
    ] == events(result, ("date", "settlement", "katottg", "source"))


def test_utf16_with_bom(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_utf16_bom.csv", today=TODAY)
    assert ("utf-16", ",", []) == (result.encoding, result.delimiter, result.problems)
    assert [
        {"date": "2022-09-10", "katottg": KUPIANSK, "status": "ua", "claimed_by": "ua", "source": "Генштаб ЗСУ"},
        {"date": "2022-09-11", "katottg": IZIUM, "status": "ua", "claimed_by": "independent", "source": "ISW"},
    ] == events(result)


def test_utf8_with_bom(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_utf8_bom.csv", today=TODAY)
    assert ("utf-8", ",", []) == (result.encoding, result.delimiter, result.problems)
    assert [{"date": "2022-09-10", "katottg": KUPIANSK, "status": "ua", "claimed_by": "ua",
             "source": "Генштаб ЗСУ"}] == events(result)


def test_semicolon_delimited_with_decimal_commas_and_a_hint_in_the_name(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_semicolon.csv", today=TODAY)
    assert ("utf-8", ";", []) == (result.encoding, result.delimiter, result.problems)
    records = events(result, ("date", "katottg", "source", "lat", "lon"))
    assert {"date": "2022-09-10", "katottg": KUPIANSK, "source": "General Staff, evening report"} == \
        {k: records[0][k] for k in ("date", "katottg", "source")}
    assert pd.isna(records[0]["lat"]) and pd.isna(records[0]["lon"])
    assert {"date": "2022-09-11", "katottg": BAIRAK_BALAKLIISKA, "source": "General Staff", "lat": 49.45,
            "lon": 36.85} == records[1]


def test_tab_delimited(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_tab.csv", today=TODAY)
    assert ("utf-8", "\t", []) == (result.encoding, result.delimiter, result.problems)
    assert [{"date": "2022-09-10", "katottg": KUPIANSK, "status": "ua", "claimed_by": "ua",
             "source": "General Staff, evening report"}] == events(result)


def test_crlf_and_header_synonyms(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_crlf_header_synonyms.csv", today=TODAY)
    assert [] == result.problems
    assert [{"date": "2022-09-10", "katottg": KUPIANSK, "status": "ua", "claimed_by": "ua",
             "source": "General Staff"}] == events(result)


def test_other_date_formats_are_normalised_with_a_warning(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_dates.csv", today=TODAY)
    assert [
        (2, "date", "10.09.2022", "date read as 2022-09-10", "warning"),
        (3, "date", "2022-09-11T14:30:00Z", "date read as 2022-09-11", "warning"),
        (4, "date", "2022-09-12 08:00", "date read as 2022-09-12", "warning"),
        (5, "date", "13/09/2022", "date read as 2022-09-13", "warning"),
        (6, "date", "2022/09/14", "date read as 2022-09-14", "warning"),
    ] == [(p.line, p.column, p.value, p.message, p.severity) for p in result.problems]
    assert [("2022-09-10", KUPIANSK), ("2022-09-11", IZIUM), ("2022-09-12", BALAKLIIA), ("2022-09-13", CHUHUIV),
            ("2022-09-14", VOVCHANSK)] == [(e["date"], e["katottg"]) for e in events(result)]


def test_status_and_claimant_synonyms_are_normalised(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_status_synonyms.csv", today=TODAY)
    assert [] == result.problems
    assert [(KUPIANSK, "ua", "ua"), (IZIUM, "ru", "ru"), (BALAKLIIA, "contested", "independent"),
            (CHUHUIV, "contested", "independent")] == \
        [(e["katottg"], e["status"], e["claimed_by"]) for e in events(result)]


def test_events_have_every_event_column_in_order(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_tab.csv", today=TODAY)
    assert ["date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote", "note",
            "lat", "lon", "line"] == list(result.events.columns)
    assert "datetime64[s]" == str(result.events.date.dtype)


# ---------------------------------------------------------------- warnings vs errors

def test_odd_but_valid_input_gives_warnings_only(validator, bad_dir):
    result = validator.validate_path(bad_dir / "odd_but_valid.csv", today=TODAY)
    assert result.ok
    assert [] == result.errors
    assert [
        Problem(1, "comment", "comment", "unknown column 'comment' is ignored", severity="warning"),
        Problem(2, "date", "10.09.2022", "date read as 2022-09-10", severity="warning"),
        Problem(3, "settlement", "Izium", "'Izium' is UA63040090010029555, but katottg UA63080090010026457 is used",
                severity="warning"),
        Problem(4, "lat", "49.46,36.31", "the settlement already has an exact point; this one is not used",
                severity="warning"),
    ] == result.warnings
    assert result.problems == result.warnings
    # The katottg column wins over the name; a point given for an exactly placed settlement is kept as given.
    assert [("2022-09-10", KUPIANSK), ("2022-09-11", KUPIANSK), ("2022-09-12", BALAKLIIA)] == \
        [(e["date"], e["katottg"]) for e in events(result)]


def test_errors_come_before_warnings_of_the_same_line(validator):
    data = b"date,settlement,status,claimed_by,source\n10.09.2022,Kupiansk,maybe,ua,GS\n"
    result = validator.validate(data, today=TODAY)
    assert [("error", "unknown status 'maybe'"), ("warning", "date read as 2022-09-10")] == \
        [(p.severity, p.message) for p in result.problems]
    assert not result.ok


def test_problems_frame(validator, bad_dir):
    frame = validator.validate_path(bad_dir / "missing_source.csv", today=TODAY).problems_frame()
    assert [{"line": 3, "column": "source", "value": "", "message": "missing source",
             "suggestion": "name the publication or official body making the statement", "severity": "error"}] == \
        frame.to_dict(orient="records")


def test_problem_text():
    assert "line 3, column settlement: unknown settlement 'X' (did you mean: Y)" == \
        str(Problem(3, "settlement", "X", "unknown settlement 'X'", "did you mean: Y"))
    assert "line 1, column -: the file has a header but no events" == \
        str(Problem(1, "", "", "the file has a header but no events"))


# ---------------------------------------------------------------- field rules

@pytest.mark.parametrize(("text", "expected"), [
    ("2022-09-10", (date(2022, 9, 10), "")),
    ("2022-9-1", (date(2022, 9, 1), "")),
    ("2022-09-10T14:30:00+03:00", (date(2022, 9, 10), "")),
    ("2022/09/10", (date(2022, 9, 10), "")),
    ("10.09.2022", (date(2022, 9, 10), "")),
    ("13/09/2022", (date(2022, 9, 13), "")),  # day first: 13 cannot be a month
    ("09/13/2022", (date(2022, 9, 13), "")),  # month first: 13 cannot be a month
    ("03/03/2022", (date(2022, 3, 3), "")),  # the same either way
    ("10/09/2022", (None, "ambiguous date '10/09/2022': it could be 10 September 2022 or 9 October 2022")),
    ("31.02.2022", (None, "no such day: '31.02.2022'")),
    ("20220910", (None, "unreadable date '20220910'")),
    ("10 Sep 2022", (None, "unreadable date '10 Sep 2022'")),
    ("  ", (None, "missing date")),
])
def test_parse_date(text, expected):
    assert expected == parse_date(text)


@pytest.mark.parametrize(("value", "expected"), [
    ("ua", "ua"), ("Ukraine", "ua"), ("UKRAINIAN-HELD", "ua"), ("liberated", "ua"), ("ЗСУ", "ua"),
    ("RUS", "ru"), ("occupied", "ru"), ("Russian control", "ru"), ("окупована", "ru"),
    ("grey zone", "contested"), ("Gray_Zone", "contested"), ("  grey   zone ", "contested"),
    ("сіра зона", "contested"), ("front line", "contested"),
    ("partly", None), ("", None),
])
def test_status_synonyms(value, expected):
    from controlmap.events import STATUS_SYNONYMS

    assert expected == normalise_choice(value, STATUS_SYNONYMS)


@pytest.mark.parametrize(("value", "expected"), [
    ("independent", "independent"), ("OSINT", "independent"), ("media", "independent"),
    ("Ukrainian officials", "ua"), ("russia", "ru"), ("army", None),
])
def test_claimant_synonyms(value, expected):
    from controlmap.events import CLAIMANT_SYNONYMS

    assert expected == normalise_choice(value, CLAIMANT_SYNONYMS)


@pytest.mark.parametrize(("text", "delimiter"), [
    ("date,settlement,status\n", ","),
    ("date;settlement;status\n1;2,5;3\n", ";"),
    ("date\tsettlement\tstatus\n", "\t"),
    ("date\n", ","),  # a tie goes to the comma
])
def test_sniff_delimiter(text, delimiter):
    assert delimiter == sniff_delimiter(text)


@pytest.mark.parametrize(("data", "text", "encoding"), [
    ("date,Ізюм\n".encode(), "date,Ізюм\n", "utf-8"),
    ("\ufeffdate,Ізюм\n".encode(), "date,Ізюм\n", "utf-8"),
    ("date,Ізюм\n".encode("utf-16"), "date,Ізюм\n", "utf-16"),
    (codecs.BOM_UTF16_BE + "date,Ізюм\n".encode("utf-16-be"), "date,Ізюм\n", "utf-16"),
    ("date,Ізюм\n".encode("cp1251"), "date,Ізюм\n", "cp1251"),
])
def test_decode(data, text, encoding):
    assert (text, encoding, None) == decode(data)


# ---------------------------------------------------------------- CLI

def test_cli_validate_valid_file_exits_0(bad_dir, capsys):
    assert 0 == main(["validate", str(bad_dir / "readable_cp1251.csv")])
    captured = capsys.readouterr()
    assert ("", "3 rows, 0 errors, 0 warnings\n") == (captured.out, captured.err)


def test_cli_validate_prints_warnings(bad_dir, capsys):
    assert 0 == main(["validate", str(bad_dir / "odd_but_valid.csv")])
    captured = capsys.readouterr()
    assert [
        "warning: line 1, column comment: unknown column 'comment' is ignored",
        "warning: line 2, column date: date read as 2022-09-10",
        "warning: line 3, column settlement: 'Izium' is UA63040090010029555, but katottg UA63080090010026457 is used",
        "warning: line 4, column lat: the settlement already has an exact point; this one is not used",
    ] == captured.out.splitlines()
    assert "3 rows, 0 errors, 4 warnings\n" == captured.err


def test_cli_validate_invalid_file_exits_1(bad_dir, capsys):
    assert 1 == main(["validate", str(bad_dir / "unknown_settlement.csv")])
    captured = capsys.readouterr()
    assert [f"line 3, column settlement: unknown settlement 'Nova Gusarica' ({NOVA_GUSARICA_SUGGESTION})"] == \
        captured.out.splitlines()
    assert "2 rows, 1 errors, 0 warnings\n" == captured.err


def test_cli_validate_not_a_csv_exits_1(bad_dir, capsys):
    assert 1 == main(["validate", str(bad_dir / "empty.csv")])
    assert f"line 1, column -: {EMPTY}\n" == capsys.readouterr().out


def test_cli_validate_missing_file_exits_1(tmp_path, capsys):
    path = tmp_path / "nowhere.csv"
    assert 1 == main(["validate", str(path)])
    assert "line 0, column -: cannot read the file: No such file or directory\n" == capsys.readouterr().out


def test_cli_validate_json(bad_dir, capsys):
    assert 1 == main(["validate", str(bad_dir / "missing_source.csv"), "--json"])
    assert {"valid": False, "rows": 2, "events": 1, "problems": [
        {"line": 3, "column": "source", "value": "", "message": "missing source",
         "suggestion": "name the publication or official body making the statement", "severity": "error"}]} == \
        json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("argv", [["validate"], ["validate", "a.csv", "b.csv"], ["validate", "a.csv", "--strict"]])
def test_cli_validate_usage_error_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert 2 == stopped.value.code
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m controlmap")
    assert "error: " in err


# ---------------------------------------------------------------- a katottg and a name that disagree

HEADER = "date,settlement,hint,katottg,status,claimed_by,source,url,quote,note"
BAIRAK_ROW = "2022-09-10,Bairak,{hint},{katottg},ua,ua,General Staff,,,"


@pytest.mark.parametrize(("hint", "katottg", "expected"), [
    ("Balakliiska hromada", BAIRAK_BALAKLIISKA, []),
    ("Balakliiska hromada (south of the town)", BAIRAK_BALAKLIISKA, []),
    ("", BAIRAK_BALAKLIISKA, []),  # a namesake's name: ambiguous, so it cannot contradict the code
    ("Balakliiska hromada", KUPIANSK, [
        Problem(2, "settlement", "Bairak", f"'Bairak' is {BAIRAK_BALAKLIISKA}, but katottg {KUPIANSK} is used",
                severity="warning")]),
])
def test_a_name_and_hint_are_checked_against_the_katottg(real_gazetteer, hint, katottg, expected):
    text = f"{HEADER}\n{BAIRAK_ROW.format(hint=hint, katottg=katottg)}\n"
    result = Validator(real_gazetteer).validate(text.encode(), today=TODAY)
    assert expected == result.problems
    assert [katottg] == list(result.events.katottg)


def test_rows_whose_name_and_hint_agree_with_their_katottg_need_no_name_index(real_gazetteer, monkeypatch):
    def no_index(*args):
        raise AssertionError("the name index was built")

    monkeypatch.setattr("controlmap.events.Resolver", no_index)
    result = Validator(real_gazetteer).validate_path(paths.EVENTS_CSV, today=TODAY)
    assert ([], result.rows) == (result.problems, len(result.events))
