"""Every contract rule, broken alone on a valid panel, is reported by its id (CSV and Parquet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskmodel.contract import RULES, ContractError, load, validate_dir
from riskmodel.contract.example import example_tables, write_tables

Tables = dict[str, pd.DataFrame]

#: Shaped like a resident ID number (never a real one); built here so no such literal is committed.
ID_SHAPED = "370303" + "19750101" + "123X"


def set_cell(tables: Tables, table: str, key: tuple[str, str], column: str, value: str) -> None:
    df = tables[table]
    rows = df[key[0]] == key[1]
    assert rows.sum() == 1, f"{table}: {key} must pick one row"
    df.loc[rows, column] = value


def append_copy(tables: Tables, table: str, row: int, **changes: str) -> None:
    df = tables[table]
    new = df.iloc[[row]].copy()
    for column, value in changes.items():
        new[column] = value
    tables[table] = pd.concat([df, new], ignore_index=True)


@dataclass(frozen=True)
class Corruption:
    """One minimal change to the valid example that breaks exactly one rule."""

    table: str
    column: str | None
    change: Callable[[Tables], None] = lambda tables: None
    after_write: Callable[[Path, str], None] | None = None
    """File-level damage done after writing (encodings, broken files)."""


def _drop_table(name: str) -> Callable[[Tables], None]:
    return lambda tables: tables.pop(name)


def _undecodable(data_dir: Path, fmt: str) -> None:
    (data_dir / f"events.{fmt}").unlink()
    # UTF-16 is what Excel's "Unicode text" export writes: neither UTF-8 nor GB18030
    (data_dir / "events.csv").write_bytes("event_id,household_id\nE001,H001\n".encode("utf-16"))


def _unreadable(data_dir: Path, fmt: str) -> None:
    path = data_dir / f"events.{fmt}"
    if fmt == "parquet":
        path.write_bytes(b"PAR1 this is not really parquet")
    else:
        path.write_text(path.read_text() + "E9,H001,,death,2023-01-01,,,2023-01-02,surplus\n")


def _duplicate_file(data_dir: Path, fmt: str) -> None:
    other = "csv" if fmt == "parquet" else "parquet"
    write_tables({"events": example_tables()["events"]}, data_dir, other)


def _header_only(name: str) -> Callable[[Tables], None]:
    def change(tables: Tables) -> None:
        tables[name] = tables[name].iloc[:0]
    return change


def _event_in_another_county(data_dir: Path, fmt: str) -> None:
    """events as a partitioned folder, with E003 (household H002, county 370303) under county 370304."""
    (data_dir / f"events.{fmt}").unlink()
    events = example_tables()["events"]
    for county, rows in (("370303", events.iloc[:2]), ("370304", events.iloc[2:])):
        write_tables({"part-0": rows}, data_dir / "events" / f"county={county}", "parquet")


NEXT_YEAR = str(dt.date.today().year + 1)

CORRUPTIONS: dict[str, Corruption] = {
    "missing_table": Corruption("members", None, _drop_table("members")),
    "missing_column": Corruption("income", "transfer", lambda t: t["income"].pop("transfer")),
    "required": Corruption("members", "sex",
                           lambda t: set_cell(t, "members", ("member_id", "M003"), "sex", "")),
    "type": Corruption("members", "birth_year",
                       lambda t: set_cell(t, "members", ("member_id", "M003"), "birth_year", "20x2")),
    "allowed_values": Corruption("households", "household_type",
                                 lambda t: set_cell(t, "households", ("household_id", "H002"),
                                                    "household_type", "poor")),
    "min": Corruption("income", "wage", lambda t: set_cell(t, "income", ("reported_on", "2023-02-20"),
                                                          "wage", "-5")),
    "max": Corruption("events", "severity",
                      lambda t: set_cell(t, "events", ("event_id", "E003"), "severity", "5")),
    "unique": Corruption("medical_claims", "claim_id",
                         lambda t: set_cell(t, "medical_claims", ("claim_id", "C003"), "claim_id", "C002")),
    "key_unique": Corruption("income", "household_id,month",
                             lambda t: append_copy(t, "income", 0, wage="900", reported_on="2023-05-01")),
    "references": Corruption("events", "household_id",
                             lambda t: set_cell(t, "events", ("event_id", "E003"), "household_id", "H999")),
    "region_code": Corruption("households", "region_code",
                              lambda t: set_cell(t, "households", ("household_id", "H003"),
                                                 "region_code", "37030310200")),
    "pseudonymous_id": Corruption("members", "member_id",
                                  lambda t: set_cell(t, "members", ("member_id", "M004"), "member_id",
                                                     ID_SHAPED)),
    "exit_year_if_alleviated": Corruption("households", "poverty_exit_year",
                                          lambda t: set_cell(t, "households", ("household_id", "H003"),
                                                             "poverty_exit_year", "")),
    "birth_year_future": Corruption("members", "birth_year",
                                    lambda t: set_cell(t, "members", ("member_id", "M007"),
                                                       "birth_year", NEXT_YEAR)),
    "one_head": Corruption("households", "household_id",
                           lambda t: set_cell(t, "members", ("member_id", "M002"), "relation", "head")),
    "left_after_joined": Corruption("members", "left_on",
                                    lambda t: set_cell(t, "members", ("member_id", "M005"),
                                                       "left_on", "2020-12-31")),
    "left_reason_with_left_on": Corruption("members", "left_reason",
                                           lambda t: set_cell(t, "members", ("member_id", "M005"),
                                                              "left_reason", "")),
    "reported_after_event": Corruption("medical_claims", "reported_on",
                                       lambda t: set_cell(t, "medical_claims", ("claim_id", "C001"),
                                                          "reported_on", "2023-03-01")),
    "reported_after_month_end": Corruption("income", "reported_on",
                                           lambda t: set_cell(t, "income", ("reported_on", "2023-01-31"),
                                                              "reported_on", "2023-01-30")),
    "cost_balance": Corruption("medical_claims", "out_of_pocket",
                               lambda t: set_cell(t, "medical_claims", ("claim_id", "C001"),
                                                  "out_of_pocket", "11498")),
    # 0.6 yuan more than the total: within the ±1 balance, but more than was spent
    "reimbursed_le_total": Corruption("medical_claims", "reimbursed",
                                      lambda t: (set_cell(t, "medical_claims", ("claim_id", "C003"),
                                                          "reimbursed", "80.6"),
                                                 set_cell(t, "medical_claims", ("claim_id", "C003"),
                                                          "out_of_pocket", "0"))),
    "end_after_start": Corruption("assistance", "end_date",
                                  lambda t: set_cell(t, "assistance", ("program", "disability_living"),
                                                     "end_date", "2021-12-31")),
    "member_in_household": Corruption("assistance", "member_id",
                                      lambda t: set_cell(t, "assistance", ("program", "medical_relief"),
                                                         "member_id", "M004")),
    "risk_type_codes": Corruption("monitoring", "risk_types",
                                  lambda t: set_cell(t, "monitoring", ("household_id", "H001"),
                                                     "risk_types", "illness;poverty")),
    "eliminated_after_identified": Corruption("monitoring", "eliminated_on",
                                              lambda t: set_cell(t, "monitoring", ("household_id", "H001"),
                                                                 "eliminated_on", "2023-04-01")),
    "no_rows": Corruption("households", None, _header_only("households")),
    "plausible_range": Corruption("events", "event_date",
                                  lambda t: set_cell(t, "events", ("event_id", "E002"), "event_date", "1024-07-03")),
    "visible_text": Corruption("events", "event_id",
                               lambda t: set_cell(t, "events", ("event_id", "E002"), "event_id", "E\u200b002")),
    "region_level": Corruption("regions", "level",
                               lambda t: set_cell(t, "regions", ("region_code", "370303102"), "level", "county")),
    "region_parent": Corruption("regions", "parent_code",
                                lambda t: set_cell(t, "regions", ("region_code", "370303101002"), "parent_code",
                                                   "370303102")),
    "region_known": Corruption("households", "region_code",
                               lambda t: set_cell(t, "households", ("household_id", "H003"), "region_code",
                                                  "370303102002")),
    "wrong_partition": Corruption("events", "household_id", after_write=_event_in_another_county),
    "undecodable": Corruption("events", None, after_write=_undecodable),
    "unreadable": Corruption("events", None, after_write=_unreadable),
    "duplicate_file": Corruption("events", None, after_write=_duplicate_file),
}


def test_every_rule_has_a_corruption():
    assert set(CORRUPTIONS) == set(RULES)


@pytest.fixture(params=["csv", "parquet"])
def fmt(request) -> str:
    return request.param


def _corrupted_dir(rule: str, fmt: str, tmp_path: Path) -> Path:
    case = CORRUPTIONS[rule]
    tables = example_tables()
    case.change(tables)
    data_dir = write_tables(tables, tmp_path / f"{rule}-{fmt}", fmt)
    if case.after_write:
        case.after_write(data_dir, fmt)
    return data_dir


def test_the_example_panel_is_valid(fmt, tmp_path):
    report = validate_dir(write_tables(example_tables(), tmp_path / fmt, fmt))
    assert report.ok, report.problems.summary_lines()
    assert report.rows["members"] == 7


@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
def test_breaking_one_rule_reports_exactly_that_rule(rule, fmt, tmp_path):
    case = CORRUPTIONS[rule]
    report = validate_dir(_corrupted_dir(rule, fmt, tmp_path))

    assert not report.ok
    assert report.problems.rules == {rule}, report.problems.summary_lines()
    problem = report.problems.examples[0]
    assert (problem.table, problem.column) == (case.table, case.column)
    assert f"[{rule}]" in str(problem)


@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
def test_load_refuses_a_corrupted_panel_naming_the_rule(rule, tmp_path):
    with pytest.raises(ContractError, match=rf"\[{rule}\]"):
        load(_corrupted_dir(rule, "csv", tmp_path))


def test_row_numbers_count_data_rows_from_one(tmp_path):
    tables = example_tables()
    set_cell(tables, "members", ("member_id", "M003"), "sex", "X")  # third data row
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    (problem,) = report.problems.examples
    assert (problem.table, problem.row, problem.column, problem.value) == ("members", 3, "sex", "X")
    assert "allowed: M, F" in str(problem)


def test_resident_id_numbers_are_reported_without_echoing_them(tmp_path):
    tables = example_tables()
    set_cell(tables, "members", ("member_id", "M004"), "member_id", ID_SHAPED)
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert ID_SHAPED not in "\n".join(report.problems.summary_lines())
    assert ID_SHAPED not in str(report.as_dict())


def test_every_bad_value_is_counted_but_examples_are_capped(tmp_path):
    tables = example_tables()
    income = tables["income"]
    many = pd.concat([income.iloc[[0]]] * 100, ignore_index=True)
    many["month"] = [f"{2010 + i // 12}-{i % 12 + 1:02d}" for i in range(100)]
    many["reported_on"] = "2024-01-01"
    many["wage"] = "-1"
    tables["income"] = many
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert report.problems.total == 100
    assert len(report.problems.examples) == 20
    assert report.problems.summary_lines()[-1].endswith("… and 80 more rows break this rule")


def test_a_missing_table_does_not_cascade_into_other_rules(tmp_path):
    tables = example_tables()
    del tables["households"]
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert report.problems.rules == {"missing_table"}


def test_optional_tables_may_be_absent(tmp_path):
    tables = {name: df for name, df in example_tables().items() if name in ("households", "members")}
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert report.ok
    assert "income: no file, treated as empty" in report.warnings


def test_reported_on_may_equal_the_event_date_and_income_the_month_end(tmp_path):
    tables = example_tables()
    set_cell(tables, "medical_claims", ("claim_id", "C001"), "reported_on", "2023-03-02")
    set_cell(tables, "income", ("reported_on", "2023-02-20"), "reported_on", "2023-01-31")
    assert validate_dir(write_tables(tables, tmp_path / "d")).ok


def test_cost_balance_tolerates_one_yuan_of_rounding(tmp_path):
    tables = example_tables()
    set_cell(tables, "medical_claims", ("claim_id", "C001"), "out_of_pocket", "11499")
    assert validate_dir(write_tables(tables, tmp_path / "ok")).ok
    set_cell(tables, "medical_claims", ("claim_id", "C001"), "out_of_pocket", "11498.9")
    assert validate_dir(write_tables(tables, tmp_path / "bad")).problems.rules == {"cost_balance"}


@pytest.mark.parametrize("value", ["2024-1-05", "2024/01/05", "2023-02-29", "05.01.2024"])
def test_dates_must_be_iso_and_real(value, tmp_path):
    tables = example_tables()
    set_cell(tables, "events", ("event_id", "E001"), "event_date", value)
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert report.problems.rules == {"type"}


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "1,000"])
def test_money_must_be_a_finite_number(value, tmp_path):
    tables = example_tables()
    set_cell(tables, "events", ("event_id", "E003"), "loss_amount", value)
    assert validate_dir(write_tables(tables, tmp_path / "d")).problems.rules == {"type"}


@pytest.mark.parametrize("value", ["1990.5", "99999999999999999999"])
def test_integers_must_be_whole_and_sane(value, tmp_path):
    tables = example_tables()
    set_cell(tables, "members", ("member_id", "M001"), "birth_year", value)
    assert validate_dir(write_tables(tables, tmp_path / "d")).problems.rules == {"type"}


@pytest.mark.parametrize("value", ["illness", "illness;labor;other", " illness ; housing "])
def test_risk_types_accept_known_codes_main_first(value, tmp_path):
    tables = example_tables()
    set_cell(tables, "monitoring", ("household_id", "H001"), "risk_types", value)
    assert validate_dir(write_tables(tables, tmp_path / "d")).ok


@pytest.mark.parametrize("value", ["illness;", ";illness", "Illness", "因病", "illness,labor"])
def test_risk_types_reject_anything_else(value, tmp_path):
    tables = example_tables()
    set_cell(tables, "monitoring", ("household_id", "H001"), "risk_types", value)
    assert validate_dir(write_tables(tables, tmp_path / "d")).problems.rules == {"risk_type_codes"}


def test_a_departed_head_still_counts_as_the_one_head(tmp_path):
    tables = example_tables()
    set_cell(tables, "members", ("member_id", "M006"), "left_on", "2023-01-01")
    set_cell(tables, "members", ("member_id", "M006"), "left_reason", "death")
    assert validate_dir(write_tables(tables, tmp_path / "d")).ok


def test_a_household_without_head_breaks_one_head(tmp_path):
    tables = example_tables()
    set_cell(tables, "members", ("member_id", "M004"), "relation", "spouse")
    report = validate_dir(write_tables(tables, tmp_path / "d"))
    assert report.problems.rules == {"one_head"}
    assert report.problems.examples[0].value == "H002"


def test_a_broken_policy_file_is_reported(tmp_path):
    data_dir = write_tables(example_tables(), tmp_path / "d")
    (data_dir / "policy.yaml").write_text("monitoring_line: {2021: -5}\nsurprise: 1\n")
    report = validate_dir(data_dir)
    assert report.problems.rules == {"unreadable"}
    assert report.problems.examples[0].table == "policy"
    with pytest.raises(ContractError, match="policy"):
        load(data_dir)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_ids_equal_once_stripped_are_duplicates(fmt, tmp_path):
    tables = example_tables()
    set_cell(tables, "medical_claims", ("claim_id", "C003"), "claim_id", " C002 ")
    report = validate_dir(write_tables(tables, tmp_path / "d", fmt))
    assert report.problems.rules == {"unique"}
    assert [(p.row, p.column) for p in report.problems.examples] == [(3, "claim_id")]


@pytest.mark.parametrize("arrow_type", [pa.int64(), pa.uint64()])
@pytest.mark.parametrize(("table", "key", "column", "rule"), [
    ("members", ("member_id", "M001"), "birth_year", "type"),
    ("events", ("event_id", "E003"), "loss_amount", "plausible_range"),
])
@pytest.mark.parametrize("value", [2**53 + 1, 2**62, 2**63 - 1])
def test_parquet_integers_beyond_a_floats_exact_range_are_named(tmp_path, arrow_type, table, key, column, rule, value):
    """Arrow refuses to make such an integer a float: the load names the cell instead of failing in the cast."""
    tables = example_tables()
    data = write_tables(tables, tmp_path / "d", "parquet")
    path = data / f"{table}.parquet"
    frame = pq.read_table(path)
    numbers = [value if k == key[1] else (None if v is None else int(v))
               for k, v in zip(frame.column(key[0]).to_pylist(), frame.column(column).to_pylist())]
    frame = frame.set_column(frame.schema.get_field_index(column), column, pa.array(numbers, arrow_type))
    pq.write_table(frame, path)
    (problem,) = validate_dir(data).problems.examples
    assert (problem.table, problem.column, problem.rule, problem.value) == (table, column, rule, str(value))


UNREADABLE = {
    "list": lambda n: pa.array([[1, 2]] * n, pa.list_(pa.int64())),
    "struct": lambda n: pa.array([{"a": 1}] * n),
    "map": lambda n: pa.array([[("k", 1)]] * n, pa.map_(pa.string(), pa.int64())),
    "bytes not UTF-8": lambda n: pa.array([b"\xff\xfe"] * n, pa.binary()),
}


@pytest.mark.parametrize("arrow", list(UNREADABLE))
@pytest.mark.parametrize(("table", "column"), [
    ("households", "household_id"), ("households", "region_code"), ("members", "sex"), ("members", "birth_year"),
    ("events", "loss_amount"), ("events", "event_date"), ("households", "relocated"), ("income", "month"),
])
def test_a_parquet_column_of_a_type_no_rule_reads_names_its_rows(tmp_path, arrow, table, column):
    """Nested values or bytes that are not text: every such row is a ``type`` problem of that column
    (not an Arrow error from a cast), for the whole directory as for one county's load."""
    data = write_tables(example_tables(), tmp_path / "d", "parquet")
    path = data / f"{table}.parquet"
    frame = pq.read_table(path)
    pq.write_table(frame.set_column(frame.schema.get_field_index(column), column, UNREADABLE[arrow](frame.num_rows)),
                   path)
    problems = validate_dir(data).problems
    assert problems.counts[(table, column, "type")] == frame.num_rows
    assert (table, column, "required") not in problems.counts  # named once, as unreadable
    with pytest.raises(ContractError):
        load(data, county="370303")
