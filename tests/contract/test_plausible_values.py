"""Plausible ranges and identifier rules (contract v1.1): classes of bad values, each a row error naming its rule."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskmodel.contract import ContractError, load, text_rule, validate_dir
from riskmodel.contract.example import example_tables, write_tables
from riskmodel.contract.plausible import text_problems

#: Built here so that no personal-number-shaped literal is committed.
ID_NUMBER = "370303" + "19750101" + "123"
PHONE = "138" + "0013" + "8000"


def _report_with(tmp_path, table, key, column, value, fmt="csv"):
    tables = example_tables()
    df = tables[table]
    rows = df[key[0]] == key[1]
    df.loc[rows, column] = value
    return validate_dir(write_tables(tables, tmp_path / "d", fmt))


@pytest.mark.parametrize("value", ["1024-07-03", "1899-12-31", "2101-01-01", "9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_dates_outside_1900_2100_are_row_errors(value, fmt, tmp_path):
    report = _report_with(tmp_path, "events", ("event_id", "E001"), "event_date", value, fmt)
    (problem,) = report.problems.examples
    assert (problem.table, problem.row, problem.column, problem.rule) == ("events", 1, "event_date",
                                                                          "plausible_range")
    assert problem.value == value


@pytest.mark.parametrize("value", ["1900-01-01", "2100-12-31"])
def test_the_range_includes_its_ends(value, tmp_path):
    tables = example_tables()
    tables["assistance"].loc[0, "end_date"] = value if value > "2023" else ""
    tables["events"].loc[0, "event_date"] = value if value < "2023" else "2023-03-25"
    assert validate_dir(write_tables(tables, tmp_path / "d")).ok


@pytest.mark.parametrize("unit", ["date32", "timestamp[ms]", "timestamp[us]"])
@pytest.mark.parametrize("year", [1024, 1850, 2262, 9999])
def test_native_parquet_dates_out_of_range_never_crash(unit, year, tmp_path):
    data_dir = write_tables(example_tables(), tmp_path / "d", "parquet")
    table = pq.read_table(data_dir / "households.parquet")
    dates = [dt.date(year, 7, 3), dt.date(2021, 1, 4), dt.date(2021, 3, 1)]
    typ = pa.date32() if unit == "date32" else pa.timestamp(unit[10:12])
    values = pa.array([dt.datetime.combine(d, dt.time()) for d in dates], pa.timestamp("ms")).cast(typ) \
        if unit != "date32" else pa.array(dates, typ)
    table = table.set_column(table.column_names.index("registered_on"), "registered_on", values)
    pq.write_table(table, data_dir / "households.parquet")
    with pytest.raises(ContractError) as err:
        load(data_dir)
    assert err.value.problems.rules == {"plausible_range"}
    assert "households row 1, column registered_on" in str(err.value)


@pytest.mark.parametrize("value", ["1850-01", "2101-12", "0000-01"])
def test_months_outside_the_range_are_row_errors(value, tmp_path):
    report = _report_with(tmp_path, "income", ("reported_on", "2023-02-20"), "month", value)
    rules = report.problems.rules
    assert "plausible_range" in rules or (value == "0000-01" and rules == {"type"}), rules


@pytest.mark.parametrize("value", ["1e9", "1000000000", "-1e9", "5e15"])
def test_amounts_of_a_billion_yuan_or_more_are_row_errors(value, tmp_path):
    report = _report_with(tmp_path, "income", ("reported_on", "2023-02-20"), "business", value)
    assert report.problems.rules == {"plausible_range"}


@pytest.mark.parametrize("value", ["1850", "1899"])
def test_birth_years_before_1900_are_refused(value, tmp_path):
    report = _report_with(tmp_path, "members", ("member_id", "M003"), "birth_year", value)
    assert report.problems.rules == {"min"}


@pytest.mark.parametrize("value", [
    "E\x00", "E\x01x", "\u200b", "\u200b\u200c", "E\u200d2", "\ufeffE2", "E\u202e2", "E\u2028x", "\ue000"])
def test_ids_with_control_or_invisible_characters_are_refused(value, tmp_path):
    report = _report_with(tmp_path, "events", ("event_id", "E002"), "event_id", value, "parquet")
    assert report.problems.rules == {"visible_text"}, report.problems.summary_lines()
    assert text_rule(value) == "visible_text"


@pytest.mark.parametrize("value", [" ", "\u3000\u3000", "\t ", "\u00a0"])
def test_ids_of_only_spaces_are_empty(value, tmp_path):
    report = _report_with(tmp_path, "events", ("event_id", "E002"), "event_id", value, "parquet")
    assert report.problems.rules == {"required"}
    assert text_rule(value) == "required"


PERSONAL = [
    ID_NUMBER + "X", ID_NUMBER + "x", ID_NUMBER + "7", "H" + ID_NUMBER + "5", PHONE, "+86" + PHONE,
    "0086-" + PHONE, PHONE[:3] + " " + PHONE[3:7] + " " + PHONE[7:], PHONE[:3] + "-" + PHONE[3:7] + "-" + PHONE[7:],
    "".join(chr(ord(c) + 0xFEE0) for c in PHONE), "M" + PHONE, "tel:" + PHONE + "号",
]


@pytest.mark.parametrize("value", PERSONAL)
def test_ids_shaped_like_id_or_phone_numbers_are_refused_unechoed(value, tmp_path):
    report = _report_with(tmp_path, "events", ("event_id", "E002"), "event_id", value, "parquet")
    assert report.problems.rules == {"pseudonymous_id"}
    assert value not in str(report.as_dict())
    assert text_rule(value) == "pseudonymous_id"


@pytest.mark.parametrize("value", ["H0001234", "370303101001", "P0000000", "E-2024-0001", "户001", "M" + PHONE + "0",
                                   "1" + ID_NUMBER + "12"])
def test_ordinary_pseudonymous_ids_pass(value):
    assert text_rule(value) is None


def test_the_file_and_api_paths_give_the_same_answer():
    cases = PERSONAL + ["H0001234", "E\x00", "\u200b", "E\u200d2", "户001", "a\tb", "x" * 200, "中文名称"]
    found = text_problems(pa.array(cases))
    for i, value in enumerate(cases):
        arrow = ("visible_text" if found["visible_text"][i] else
                 "pseudonymous_id" if found["pseudonymous_id"][i] else None)
        assert arrow == text_rule(value), value


def test_notes_may_have_line_breaks_but_not_personal_numbers():
    assert text_rule("走访：家中无人。\n下周再去", note=True) is None
    assert text_rule("", note=True) is None
    assert text_rule("电话 " + PHONE[:3] + " " + PHONE[3:], note=True) == "pseudonymous_id"
    assert text_rule("a\x00b", note=True) == "visible_text"
    assert text_rule("lone \ud800 surrogate", note=True) == "visible_text"


def test_a_header_only_households_file_is_one_problem(tmp_path):
    tables = example_tables()
    tables["households"] = tables["households"].iloc[:0]
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert report.problems.total == 1
    assert str(report.problems.examples[0]) == "households: [no_rows] households has no rows"


def test_a_header_only_members_file_is_one_problem(tmp_path):
    tables = example_tables()
    tables["members"] = tables["members"].iloc[:0]
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert [str(p) for p in report.problems.examples] == ["members: [no_rows] members has no rows"]
