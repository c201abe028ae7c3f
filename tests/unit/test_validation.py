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
from controlmap.events.fields import normalise_choice, parse_date
from controlmap.events.problems import Problem
from controlmap.events.reading import decode, sniff_delimiter
from controlmap.events.validation import ValidationResult, Validator

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
FORMULA = "which a spreadsheet opening data/events.csv would run as a formula"
SAVE_AS_UTF8 = "save the file as UTF-8 (in Excel: “CSV UTF-8”) or retype this line; it is left out until then"

ERRORS = {
    # the file as a whole
    "empty.csv": [(1, "", "empty_file", EMPTY)],
    "blank_lines_only.csv": [(1, "", "empty_file", EMPTY)],
    "header_only.csv": [(1, "", "no_events", "the file has a header but no events")],
    "png_image.csv": [(1, "", "not_csv", "not a CSV file: this looks like a PNG image")],
    "xlsx_workbook.csv": [(1, "", "not_csv", "not a CSV file: this looks like a ZIP archive (an .xlsx workbook?)")],
    "binary_garbage.csv": [(1, "", "not_csv", "not a CSV file: it contains binary data")],
    "not_event_csv.csv": [(1, "", "not_event_csv", "not an event CSV: none of the expected columns found")],
    # the header
    "missing_columns.csv": [(1, "claimed_by", "missing_column", "missing required column 'claimed_by'"),
                            (1, "source", "missing_column", "missing required column 'source'")],
    "missing_settlement_column.csv": [
        (1, "settlement", "missing_column", "missing required column 'settlement' (or 'katottg')")],
    "duplicated_column.csv": [(1, "source", "duplicated_column", "column 'source' appears more than once")],
    # one bad field
    "unreadable_date.csv": [(3, "date", "bad_date", "unreadable date 'yesterday'")],
    "missing_date.csv": [(3, "date", "missing_date", "missing date")],
    "ambiguous_date.csv": [
        (3, "date", "ambiguous_date", "ambiguous date '03/04/2022': it could be 3 April 2022 or 4 March 2022")],
    "impossible_date.csv": [(3, "date", "bad_date", "no such day: '2022-02-30'")],
    "date_before_2022.csv": [(3, "date", "date_too_early", "date 2021-12-31 is before 2022-01-01")],
    "future_date.csv": [(3, "date", "future_date", "date 2031-01-01 is in the future (today is 2026-11-21)")],
    "unknown_status.csv": [(3, "status", "unknown_status", "unknown status 'partly'")],
    "missing_status.csv": [(3, "status", "missing_status", "missing status")],
    "unknown_claimant.csv": [(3, "claimed_by", "unknown_claimant", "unknown claimed_by 'UN observers'")],
    "missing_source.csv": [(3, "source", "missing_source", "missing source")],
    "unknown_settlement.csv": [(3, "settlement", "unknown_settlement", "unknown settlement 'Nova Gusarica'")],
    "ambiguous_settlement.csv": [
        (3, "settlement", "ambiguous_settlement", "ambiguous settlement 'Bairak': 5 settlements have this name")],
    "missing_settlement.csv": [(3, "settlement", "missing_settlement", "missing settlement (or katottg)")],
    "unknown_katottg.csv": [(3, "katottg", "unknown_katottg", "unknown KATOTTG code 'UA63999999999999999'")],
    "duplicate_row.csv": [(4, "", "duplicate_row", "exact duplicate of line 2")],
    "two_statuses_one_source.csv": [
        (3, "status", "two_statuses",
         "ISW gives two statuses for Kupyansk on 2022-09-10: 'ua' (line 2) and 'contested'")],
    "point_outside_oblast.csv": [
        (3, "lat", "point_outside_oblast", "point 55.7558, 37.6173 is outside Kharkiv oblast")],
    "lat_without_lon.csv": [(3, "lon", "bad_point", "lat and lon must both be decimal degrees")],
    "malformed_url.csv": [(3, "url", "bad_url", "malformed URL 'isw.example.org/report'")],
    "too_many_fields.csv": [(3, "", "too_many_fields", "this line has 6 fields but the header has 5")],
    "blank_line_before_error.csv": [  # blank lines count
        (4, "settlement", "unknown_settlement", "unknown settlement 'Nowhereville'")],
    # hostile input: each reported on its own line, in words; the other lines are still checked
    "cp1251_undefined_byte.csv": [
        (3, "", "encoding", "byte 0x98 on this line is not a character in Windows Cyrillic (cp1251), the encoding "
                            "of the rest of the file")],
    "mixed_utf8_cp1251.csv": [
        (3, "", "encoding", "this line is not UTF-8 like the rest of the file (it looks like Windows Cyrillic, "
                            "cp1251)")],
    "field_too_large.csv": [
        (3, "quote", "field_too_large", "the quote is 209,999 characters long; the limit is 10,000 per field"),
        (4, "settlement", "unknown_settlement", "unknown settlement 'Nowhereville'")],
    "negative_date.csv": [
        (3, "date", "bad_date", "unreadable date '-2022-01-01'"),
        (4, "settlement", "unknown_settlement", "unknown settlement 'Nowhereville'")],
    "invisible_in_text.csv": [
        (3, "source", "control_characters",
         "the source contains invisible characters: U+202E RIGHT-TO-LEFT OVERRIDE at character 1"),
        (4, "source", "control_characters",
         "the source contains invisible characters: U+200B ZERO WIDTH SPACE at character 2"),
        (5, "url", "control_characters",
         "the url contains invisible characters: U+2066 LEFT-TO-RIGHT ISOLATE at character 21"),
        (6, "note", "control_characters", "the note contains invisible characters: U+0007 CONTROL CHARACTER at "
                                          "character 5")],
    "invisible_in_name.csv": [],  # removed from names, with a warning
    "formula_fields.csv": [
        (3, "source", "formula_like", f"the source begins with '=', {FORMULA}"),
        (4, "quote", "formula_like", f"the quote begins with '+', {FORMULA}"),
        (5, "note", "formula_like", f"the note begins with '-', {FORMULA}"),
        (6, "source", "formula_like", f"the source begins with '@', {FORMULA}"),
        (7, "settlement", "formula_like", f"the settlement begins with '@', {FORMULA}")],
    # all in one pass
    "several_problems.csv": [
        (3, "date", "bad_date", "no such day: '31/02/2022'"),
        (4, "status", "unknown_status", "unknown status 'occupied?'"),
        (4, "settlement", "ambiguous_settlement", "ambiguous settlement 'Bairak': 5 settlements have this name"),
        (5, "claimed_by", "unknown_claimant", "unknown claimed_by 'army'"),
        (5, "source", "missing_source", "missing source"),
        (5, "url", "bad_url", "malformed URL 'ftp://example.org'"),
        (6, "settlement", "unknown_settlement", "unknown settlement 'Nova Gusarica'"),
        (7, "", "duplicate_row", "exact duplicate of line 2"),
    ],
    # warnings only, or nothing at all
    "odd_but_valid.csv": [],
    "readable_cp1251.csv": [],
    "readable_koi8u.csv": [],
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


def errors(result: ValidationResult) -> list[tuple[int, str, str, str]]:
    return [(p.line, p.column, p.code, p.message) for p in result.errors]


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
                    NOVA_GUSARICA_SUGGESTION, code="unknown_settlement")] == result.problems


def test_ambiguous_settlement_lists_every_candidate(validator, bad_dir):
    result = validator.validate_path(bad_dir / "ambiguous_settlement.csv", today=TODAY)
    assert [Problem(3, "settlement", "Bairak", "ambiguous settlement 'Bairak': 5 settlements have this name",
                    BAIRAK_SUGGESTION, code="ambiguous_settlement")] == result.problems


@pytest.mark.parametrize(("name", "problem"), [
    ("png_image.csv", Problem(1, "", "", "not a CSV file: this looks like a PNG image",
                              "save the sheet as CSV (comma, semicolon or tab separated)", code="not_csv")),
    ("not_event_csv.csv", Problem(1, "", "city,population,country",
                                  "not an event CSV: none of the expected columns found",
                                  "the header must name: date, settlement (or katottg), status, claimed_by, source",
                                  code="not_event_csv")),
    ("ambiguous_date.csv", Problem(3, "date", "03/04/2022",
                                   "ambiguous date '03/04/2022': it could be 3 April 2022 or 4 March 2022",
                                   "write dates as YYYY-MM-DD, e.g. 2022-09-10", code="ambiguous_date")),
    ("future_date.csv", Problem(3, "date", "2031-01-01", "date 2031-01-01 is in the future (today is 2026-11-21)",
                                code="future_date")),
    ("unknown_status.csv", Problem(3, "status", "partly", "unknown status 'partly'", "use ua, ru or contested",
                                  code="unknown_status")),
    ("unknown_claimant.csv", Problem(3, "claimed_by", "UN observers", "unknown claimed_by 'UN observers'",
                                     "use ua, ru or independent", code="unknown_claimant")),
    ("missing_source.csv", Problem(3, "source", "", "missing source",
                                   "name the publication or official body making the statement",
                                   code="missing_source")),
    ("duplicate_row.csv", Problem(4, "", "Kupiansk", "exact duplicate of line 2", "delete one of the two lines",
                                  code="duplicate_row")),
    ("two_statuses_one_source.csv", Problem(
        3, "status", "contested",
        "ISW gives two statuses for Kupyansk on 2022-09-10: 'ua' (line 2) and 'contested'", "keep one of them",
        code="two_statuses")),
    ("point_outside_oblast.csv", Problem(3, "lat", "55.7558,37.6173",
                                         "point 55.7558, 37.6173 is outside Kharkiv oblast",
                                         "check that lat and lon are not swapped", code="point_outside_oblast")),
    ("lat_without_lon.csv", Problem(3, "lon", "49.45,", "lat and lon must both be decimal degrees",
                                    "e.g. lat 49.71, lon 37.62", code="bad_point")),
    ("malformed_url.csv", Problem(3, "url", "isw.example.org/report", "malformed URL 'isw.example.org/report'",
                                  "a full address starting with http:// or https://, or leave it empty",
                                  code="bad_url")),
    ("too_many_fields.csv", Problem(3, "", "2022-09-11,Izium,ua,ua,General Staff, Kharkiv oblast",
                                    "this line has 6 fields but the header has 5",
                                    "quote fields that contain the delimiter", code="too_many_fields")),
    ("unknown_katottg.csv", Problem(3, "katottg", "UA63999999999999999", "unknown KATOTTG code 'UA63999999999999999'",
                                    code="unknown_katottg")),
])
def test_whole_problem(validator, bad_dir, name, problem):
    assert [problem] == validator.validate_path(bad_dir / name, today=TODAY).problems


def test_a_bad_katottg_with_a_name_suggests_settlements_by_that_name(validator):
    data = b"date,settlement,katottg,status,claimed_by,source\n2022-09-10,Nova Gusarica,UA63999999999999999,ua,ua,GS\n"
    assert [Problem(2, "katottg", "UA63999999999999999", "unknown KATOTTG code 'UA63999999999999999'",
                    NOVA_GUSARICA_SUGGESTION, code="unknown_katottg")] == validator.validate(data, today=TODAY).problems


def test_a_missing_file_is_reported(validator, tmp_path):
    path = tmp_path / "nowhere.csv"
    assert [Problem(0, "", str(path), "cannot read the file: No such file or directory", code="unreadable_file")] == \
        validator.validate_path(path, today=TODAY).problems


# ---------------------------------------------------------------- hostile input

def test_a_byte_cp1251_leaves_undefined_is_reported_on_its_line_and_the_other_lines_read(validator, bad_dir):
    result = validator.validate_path(bad_dir / "cp1251_undefined_byte.csv", today=TODAY)
    assert [Problem(3, "", "2022-09-11,Kup\ufffdiansk,ua,ua,General Staff,",
                    "byte 0x98 on this line is not a character in Windows Cyrillic (cp1251), the encoding of the "
                    "rest of the file", SAVE_AS_UTF8, code="encoding")] == result.problems
    assert ("cp1251", [IZIUM, BALAKLIIA]) == (result.encoding, result.events.katottg.tolist())


def test_a_line_in_cp1251_inside_a_utf8_file_is_reported_and_the_utf8_lines_read_as_utf8(validator, bad_dir):
    result = validator.validate_path(bad_dir / "mixed_utf8_cp1251.csv", today=TODAY)
    assert [Problem(3, "", "2022-09-11,Балаклія,ua,ua,Генштаб ЗСУ,",
                    "this line is not UTF-8 like the rest of the file (it looks like Windows Cyrillic, cp1251)",
                    SAVE_AS_UTF8, code="encoding")] == result.problems
    assert ("utf-8", ["Ізюм"]) == (result.encoding, result.events.settlement.tolist())


def test_a_line_that_is_not_utf8_in_a_multi_line_row_rejects_that_row(validator):
    data = ("date,settlement,status,claimed_by,source,quote\n"
            "2022-09-10,Ізюм,ua,ua,GS,\"first line\n").encode() + "Балаклія\"\n".encode("cp1251") + \
        "2022-09-11,Балаклія,ua,ua,GS,\n".encode()
    result = validator.validate(data, today=TODAY)
    assert [(3, "", "encoding")] == [(p.line, p.column, p.code) for p in result.problems]
    assert [4] == result.events.line.tolist()


def test_a_file_in_koi8u_reads_as_koi8u(validator, bad_dir):
    result = validator.validate_path(bad_dir / "readable_koi8u.csv", today=TODAY)
    assert ("koi8_u", []) == (result.encoding, result.problems)
    assert ["Вовчанськ", "Чугуїв"] == result.events.settlement.tolist()


def test_a_short_cyrillic_word_stays_cp1251(validator):
    data = "date,settlement,status,claimed_by,source\n2022-09-10,Ізюм,ua,ua,ISW\n".encode("cp1251")
    result = validator.validate(data, today=TODAY)
    assert ("cp1251", [], [IZIUM]) == (result.encoding, result.problems, result.events.katottg.tolist())


def test_a_broken_utf16_file_is_reported(validator):
    data = codecs.BOM_UTF16_LE + "date,settlement".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    assert [(1, "", "encoding", "the file begins like UTF-16 text but byte 32 is not UTF-16")] == \
        errors(validator.validate(data, today=TODAY))


def test_a_huge_field_is_cut_short_in_the_problem(validator, bad_dir):
    [problem, _] = validator.validate_path(bad_dir / "field_too_large.csv", today=TODAY).problems
    assert (80, "Izium was liberated. Izium") == (len(problem.value), problem.value[:26])
    assert problem.value.endswith("…")


@pytest.mark.parametrize("date_text", ["-2022-01-01", "+2022-01-01", "02022-01-01", "2022-01-01-"])
def test_odd_dates_are_one_row_problem_never_a_failure_of_the_file(validator, date_text):
    data = f"date,settlement,status,claimed_by,source\n{date_text},Izium,ua,ua,GS\n2022-09-11,Izium,ua,ua,GS\n"
    result = validator.validate(data.encode(), today=TODAY)
    assert [(2, "date", "bad_date")] == [(p.line, p.column, p.code) for p in result.problems]
    assert [3] == result.events.line.tolist()


def test_invisible_characters_are_removed_from_names_with_a_warning(validator, bad_dir):
    result = validator.validate_path(bad_dir / "invisible_in_name.csv", today=TODAY)
    assert [
        Problem(2, "settlement", "Kupiansk",
                "invisible characters removed from the settlement: U+200B ZERO WIDTH SPACE at character 4",
                severity="warning", code="control_characters_removed"),
        Problem(3, "settlement", "Bairak", "invisible characters removed from the settlement: U+202B RIGHT-TO-LEFT "
                "EMBEDDING at character 1, U+202C POP DIRECTIONAL FORMATTING at character 8",
                severity="warning", code="control_characters_removed"),
        Problem(3, "hint", "Balakliiska hromada",
                "invisible characters removed from the hint: U+00AD SOFT HYPHEN at character 12",
                severity="warning", code="control_characters_removed"),
    ] == result.problems
    assert [("Kupiansk", "", KUPIANSK), ("Bairak", "Balakliiska hromada", BAIRAK_BALAKLIISKA)] == \
        list(zip(result.events.settlement, result.events.hint, result.events.katottg, strict=True))


def test_invisible_characters_in_text_are_refused_with_what_to_do(validator, bad_dir):
    [first, *_] = validator.validate_path(bad_dir / "invisible_in_text.csv", today=TODAY).problems
    assert ("WSI", "delete them: they change how the text is shown, or make texts that look equal differ") == \
        (first.value, first.suggestion)


def test_every_format_character_of_the_bmp_counts_as_invisible():
    import sys
    import unicodedata

    from controlmap.events.reading import INVISIBLE_RE

    script_marks = {0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2}
    missing = [f"U+{c:04X}" for c in range(sys.maxunicode + 1) if c not in script_marks and (
        unicodedata.category(chr(c)) == "Cf" or (unicodedata.category(chr(c)) == "Cc" and chr(c) not in "\t\n\r"))
        and not INVISIBLE_RE.match(chr(c)) and c < 0x10000]
    assert [] == missing


def test_formula_prefixes_are_refused_with_what_to_do(validator, bad_dir):
    [first, *_] = validator.validate_path(bad_dir / "formula_fields.csv", today=TODAY).problems
    assert ('=HYPERLINK("http://evil.example","General Staff")',
            "reword it to begin with a letter, a digit or a quotation mark, e.g. “DeepState (@DeepStateUA)” rather "
            "than “@DeepStateUA”") == (first.value, first.suggestion)


def test_a_negative_point_is_a_point_problem_not_a_formula(validator):
    data = b"date,settlement,status,claimed_by,source,lat,lon\n2022-09-10,Izium,ua,ua,GS,-49.2,37.2\n"
    assert ["point_outside_oblast"] == [p.code for p in validator.validate(data, today=TODAY).problems]


def test_every_problem_code_is_documented_in_the_data_readme():
    from controlmap.events.problems import PROBLEM_CODES

    readme = (paths.EVENTS_CSV.parent / "README.md").read_text("utf-8")
    assert [] == [code for code in PROBLEM_CODES if f"| `{code}` |" not in readme]


def test_a_problem_needs_a_known_code():
    with pytest.raises(ValueError, match="unknown problem code 'no_such_code'"):
        Problem(1, "", "", "x", code="no_such_code")


# ---------------------------------------------------------------- many problems: the first 200 listed

def test_many_problems_are_listed_up_to_the_cap_and_the_rest_counted_by_code(validator):
    from controlmap.events.problems import listed_problems, not_listed_text

    rows = "".join(f"10.09.2022,Nowhereville{i},ua,ua,GS\n" for i in range(150))
    result = validator.validate(f"date,settlement,status,claimed_by,source\n{rows}".encode(), today=TODAY)
    assert (150, 150) == (len(result.errors), len(result.warnings))  # the result keeps every problem
    listed, rest = listed_problems(result.problems)
    assert (200, 150) == (len(listed), len([p for p in listed if p.severity == "error"]))  # errors first
    assert listed == sorted(listed, key=lambda p: (p.line, p.severity != "error"))
    assert {"date_reformatted": 100} == rest
    assert "… and 100 more problems, not listed: date_reformatted 100" == not_listed_text(rest)
    assert (result.problems, {}) == listed_problems(result.problems, limit=300)


def test_cli_validate_lists_at_most_200_problems(tmp_path, capsys):
    path = tmp_path / "many.csv"
    rows = "".join(f"yesterday,Izium,ua,ua,GS {i}\n" for i in range(250))
    path.write_text(f"date,settlement,status,claimed_by,source\n{rows}2022-09-10,Nowhereville,ua,ua,GS\n")
    assert 1 == main(["validate", str(path)])
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert (202, "… and 51 more problems, not listed: bad_date 50, unknown_settlement 1",
            "251 rows, 251 errors, 0 warnings") == (len(lines), lines[-2], lines[-1])
    assert 1 == main(["validate", str(path), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert (200, {"bad_date": 50, "unknown_settlement": 1}, 251) == \
        (len(document["problems"]), document["not_listed"], document["errors"])


def test_cli_validate_refuses_a_file_over_the_limit_without_reading_it(tmp_path, capsys, monkeypatch):
    from controlmap import limits

    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(limits.MAX_UPLOAD_BYTES + 1)

    def no_reading(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr("pathlib.Path.read_bytes", no_reading)
    assert 1 == main(["validate", str(path), "--json"])
    [problem] = json.loads(capsys.readouterr().out)["problems"]
    assert ("file_too_large", "the file is too large: 5.0 MB (the limit is 5 MB per upload)") == \
        (problem["code"], problem["message"])


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
    assert ("utf-8", ";") == (result.encoding, result.delimiter)
    # Bairak of Balakliiska hromada has a point of its own (OpenStreetMap): the row's point is read, not used.
    assert [(3, "lat", "warning", "the settlement already has an exact point; this one is not used")] == [
        (p.line, p.column, p.severity, p.message) for p in result.problems]
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
    assert ["date", "reported", "settlement", "hint", "scope", "katottg", "status", "claimed_by", "source", "url",
            "quote", "note", "lat", "lon", "line"] == list(result.events.columns)
    assert "datetime64[s]" == str(result.events.date.dtype)


# ---------------------------------------------------------------- warnings vs errors

def test_odd_but_valid_input_gives_warnings_only(validator, bad_dir):
    result = validator.validate_path(bad_dir / "odd_but_valid.csv", today=TODAY)
    assert result.ok
    assert [] == result.errors
    assert [
        Problem(1, "comment", "comment", "unknown column 'comment' is ignored", severity="warning",
                code="unknown_column"),
        Problem(2, "date", "10.09.2022", "date read as 2022-09-10", severity="warning", code="date_reformatted"),
        Problem(3, "settlement", "Izium", "'Izium' is UA63040090010029555, but katottg UA63080090010026457 is used",
                severity="warning", code="katottg_mismatch"),
        Problem(4, "lat", "49.46,36.31", "the settlement already has an exact point; this one is not used",
                severity="warning", code="point_not_used"),
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
    assert [{"line": 3, "column": "source", "code": "missing_source", "value": "", "message": "missing source",
             "suggestion": "name the publication or official body making the statement", "severity": "error"}] == \
        frame.to_dict(orient="records")
    assert ["line", "column", "code", "value", "message", "suggestion", "severity"] == list(frame.columns)


def test_problem_text():
    assert "line 3, column settlement: unknown settlement 'X' (did you mean: Y)" == \
        str(Problem(3, "settlement", "X", "unknown settlement 'X'", "did you mean: Y", code="unknown_settlement"))
    assert "line 1, column -: the file has a header but no events" == \
        str(Problem(1, "", "", "the file has a header but no events", code="no_events"))


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
    from controlmap.events.fields import STATUS_SYNONYMS

    assert expected == normalise_choice(value, STATUS_SYNONYMS)


@pytest.mark.parametrize(("value", "expected"), [
    ("independent", "independent"), ("OSINT", "independent"), ("media", "independent"),
    ("Ukrainian officials", "ua"), ("russia", "ru"), ("army", None),
])
def test_claimant_synonyms(value, expected):
    from controlmap.events.fields import CLAIMANT_SYNONYMS

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
    assert ("3 rows, 0 errors, 0 warnings\n", "") == (captured.out, captured.err)  # the answer on stdout


def test_cli_validate_prints_warnings(bad_dir, capsys):
    assert 0 == main(["validate", str(bad_dir / "odd_but_valid.csv")])
    captured = capsys.readouterr()
    assert [
        "warning: line 1, column comment: unknown column 'comment' is ignored",
        "warning: line 2, column date: date read as 2022-09-10",
        "warning: line 3, column settlement: 'Izium' is UA63040090010029555, but katottg UA63080090010026457 is used",
        "warning: line 4, column lat: the settlement already has an exact point; this one is not used",
        "3 rows, 0 errors, 4 warnings",
    ] == captured.out.splitlines()


def test_cli_validate_invalid_file_exits_1(bad_dir, capsys):
    assert 1 == main(["validate", str(bad_dir / "unknown_settlement.csv")])
    captured = capsys.readouterr()
    assert [f"line 3, column settlement: unknown settlement 'Nova Gusarica' ({NOVA_GUSARICA_SUGGESTION})",
            "2 rows, 1 errors, 0 warnings"] == captured.out.splitlines()


def test_cli_validate_not_a_csv_exits_1(bad_dir, capsys):
    assert 1 == main(["validate", str(bad_dir / "empty.csv")])
    assert f"line 1, column -: {EMPTY}\n0 rows, 1 errors, 0 warnings\n" == capsys.readouterr().out


def test_cli_validate_missing_file_exits_1(tmp_path, capsys):
    path = tmp_path / "nowhere.csv"
    assert 1 == main(["validate", str(path)])
    assert "line 0, column -: cannot read the file: No such file or directory\n0 rows, 1 errors, 0 warnings\n" == \
        capsys.readouterr().out


def test_cli_validate_json(bad_dir, capsys):
    assert 1 == main(["validate", str(bad_dir / "missing_source.csv"), "--json"])
    assert {"valid": False, "rows": 2, "events": 1, "errors": 1, "warnings": 0, "problems": [
        {"line": 3, "column": "source", "code": "missing_source", "value": "", "message": "missing source",
         "suggestion": "name the publication or official body making the statement", "severity": "error"}],
        "not_listed": {}} == json.loads(capsys.readouterr().out)


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
                severity="warning", code="katottg_mismatch")]),
])
def test_a_name_and_hint_are_checked_against_the_katottg(real_gazetteer, hint, katottg, expected):
    text = f"{HEADER}\n{BAIRAK_ROW.format(hint=hint, katottg=katottg)}\n"
    result = Validator(real_gazetteer).validate(text.encode(), today=TODAY)
    assert expected == result.problems
    assert [katottg] == list(result.events.katottg)


def test_rows_whose_name_and_hint_agree_with_their_katottg_need_no_name_index(real_gazetteer, monkeypatch):
    def no_index(*args):
        raise AssertionError("the name index was built")

    monkeypatch.setattr("controlmap.geo.resolve.Resolver", no_index)
    result = Validator(real_gazetteer).validate_path(paths.EVENTS_CSV, today=TODAY)
    assert ([], result.rows) == (result.problems, len(result.events))


# ---------------------------------------------------------------- encodings an attacker or an odd tool produces

HOSTILE_TEXT = "date,settlement,status,claimed_by,source\n2022-09-10,Kupiansk,ua,ua,General Staff\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read_as_utf16(validator, codec):
    """It was "not a CSV file: it contains binary data", with no word about the encoding."""
    result = validator.validate(HOSTILE_TEXT.encode(codec), today=TODAY)
    assert ("utf-16", [], ["UA63080090010026457"]) == (result.encoding, result.problems, result.events.katottg.tolist())


def test_utf32_is_one_clear_error(validator):
    """It gave 14 errors about NUL characters."""
    result = validator.validate(codecs.BOM_UTF32_LE + HOSTILE_TEXT.encode("utf-32-le"), today=TODAY)
    assert [(1, "encoding", "the file is UTF-32 text, an encoding that is not read")] == [
        (p.line, p.code, p.message) for p in result.problems]


def test_a_nul_byte_in_one_field_is_refused_on_its_own_line(validator):
    """It rejected the whole file as binary data, at "line 1"."""
    data = (HOSTILE_TEXT + "2022-09-11,Izium,ua,ua,General\x00Staff\n").encode()
    result = validator.validate(data, today=TODAY)
    assert [(3, "source", "control_characters")] == [(p.line, p.column, p.code) for p in result.problems]
    assert "U+0000 NULL (a NUL byte) at character 8" in result.problems[0].message
    assert ["UA63080090010026457"] == result.events.katottg.tolist()


def test_suggestions_are_looked_for_the_listed_names_only(validator):
    """40,000 unknown names took two minutes of fuzzy matching (twice per name); suggestions are now looked for the
    first 200 distinct names (the problems listed), in one batch."""
    lines = "".join(f"2023-05-01,Kupianks{i}x,ru,ru,Source\n" for i in range(250))
    result = validator.validate(("date,settlement,status,claimed_by,source\n" + lines).encode(), today=TODAY)
    assert 250 == len(result.problems)
    assert result.problems[0].suggestion.startswith("did you mean: ")
    assert ("the file has 250 distinct unknown names; settlements are suggested for the first 200"
            == result.problems[200].suggestion == result.problems[-1].suggestion)



# ---------------------------------------------------------------- when a statement was made; what it is about

def test_reported_is_when_the_statement_was_made_and_never_before_the_date(validator):
    data = (b"date,reported,settlement,scope,status,claimed_by,source\n"
            b"2022-02-24,2022-04-30,Kutuzivka,,ru,ua,Kharkiv regional administration\n"
            b"2022-02-24,,Kupiansk,,ru,ru,Russian Ministry of Defence\n"
            b"2022-05-01,2022-04-30,Izium,,ru,ru,Russian Ministry of Defence\n"
            b"2022-05-01,30.04.2023,Balakliia,,ru,ru,Russian Ministry of Defence\n"
            b"2022-02-26,,Kunie,hromada,ru,ua,Kunievska hromada head\n"
            b"2022-02-26,,Kurylivka,oblast,ru,ua,Somebody\n")
    result = validator.validate(data, today=TODAY)
    assert [(4, "reported", "reported_before_date"), (5, "reported", "date_reformatted"),
            (7, "scope", "unknown_scope")] == [(p.line, p.column, p.code) for p in result.problems]
    assert ["2022-04-30", "", "2023-04-30", ""] == result.events.reported.tolist()
    assert ["", "", "", "hromada"] == result.events.scope.tolist()


def test_a_file_that_uses_neither_reported_nor_scope_is_written_without_them(validator):
    from controlmap.events.writing import render_events

    plain = validator.validate(b"date,settlement,status,claimed_by,source\n2022-09-10,Izium,ua,ua,GS\n", today=TODAY)
    assert render_events(plain.events).startswith(b"date,settlement,hint,katottg,status,")
    scoped = validator.validate(b"date,settlement,scope,status,claimed_by,source\n2022-09-10,Izium,hromada,ua,ua,GS\n",
                                today=TODAY)
    assert render_events(scoped.events).startswith(b"date,settlement,hint,scope,katottg,status,")
