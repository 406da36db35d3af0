"""The partitioned layout (contract v1.1): either layout per table, one county at a time, same panel both ways."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from riskmodel.contract import TABLES, ContractError, atomic_dir, counties, load, validate_dir, write_panel
from riskmodel.contract.example import example_tables, write_tables


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in df.columns if c.endswith("_id") or c in ("region_code", "month", "effective_on")]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.fixture
def two_counties() -> dict[str, pd.DataFrame]:
    """The example panel with household H002 (and its village) moved to a second county, 370304."""
    tables = example_tables()
    hh = tables["households"]
    hh.loc[hh["household_id"] == "H002", "region_code"] = "370304201002"
    tables["regions"] = pd.concat([tables["regions"], pd.DataFrame(
        [("370304", "另一县", "county", ""), ("370304201", "南岭镇", "township", "370304"),
         ("370304201002", "南岭村", "village", "370304201")], columns=tables["regions"].columns)],
        ignore_index=True)
    tables["regions"] = tables["regions"].loc[tables["regions"]["region_code"] != "370303101002"]
    return tables


def _both_layouts(tables, tmp_path):
    single = write_tables(tables, tmp_path / "single", "parquet")
    panel = load(single)
    with atomic_dir(tmp_path / "parts") as staging:
        write_panel(panel.tables(), staging, partitioned=True)
    return single, tmp_path / "parts", panel


def test_the_same_panel_written_both_ways_loads_equal(two_counties, tmp_path):
    _single, parts, panel = _both_layouts(two_counties, tmp_path)
    assert (parts / "households" / "county=370304" / "part-0.parquet").exists()
    assert (parts / "medical_claims" / "county=370303" / "part-0.parquet").exists()
    again = load(parts)
    for name in TABLES:
        pd.testing.assert_frame_equal(_sorted(getattr(again, name)), _sorted(getattr(panel, name)), obj=name)
    assert validate_dir(parts).ok


@pytest.mark.parametrize("layout", ["single", "parts"])
def test_a_county_loads_only_its_own_rows(two_counties, tmp_path, layout):
    single, parts, panel = _both_layouts(two_counties, tmp_path)
    data_dir = single if layout == "single" else parts
    assert counties(data_dir) == ["370303", "370304"]
    other = load(data_dir, county="370304")
    assert other.households["household_id"].tolist() == ["H002"]
    assert set(other.members["member_id"]) == {"M004", "M005"}
    assert set(other.member_status["member_id"]) == {"M005"}
    assert other.events["event_id"].tolist() == ["E003"]
    assert other.medical_claims.empty and other.monitoring.empty
    assert set(other.regions["region_code"]) == {"370304", "370304201", "370304201002"}
    home = load(data_dir, county="370303")
    assert sorted(home.households["household_id"]) == ["H001", "H003"]
    assert sorted(home.medical_claims["claim_id"]) == ["C001", "C002", "C003"]
    both = {name: pd.concat([getattr(home, name), getattr(other, name)]) for name in TABLES}
    for name in TABLES:
        pd.testing.assert_frame_equal(_sorted(both[name]), _sorted(getattr(panel, name)), obj=name)


def test_a_county_must_be_six_digits(tmp_path):
    data_dir = write_tables(example_tables(), tmp_path / "d")
    with pytest.raises(ValueError, match="six digits"):
        load(data_dir, county="3703")


def test_layouts_may_differ_per_table(two_counties, tmp_path):
    single, parts, panel = _both_layouts(two_counties, tmp_path)
    shutil.rmtree(parts / "income")
    shutil.copy(single / "income.parquet", parts / "income.parquet")
    again = load(parts)
    pd.testing.assert_frame_equal(_sorted(again.income), _sorted(panel.income))


def test_a_table_both_as_file_and_folder_is_one_problem(two_counties, tmp_path):
    single, parts, _panel = _both_layouts(two_counties, tmp_path)
    shutil.copy(single / "income.parquet", parts / "income.parquet")
    report = validate_dir(parts)
    assert report.problems.rules == {"duplicate_file"}


def test_a_problem_in_a_partition_names_its_file_and_row(two_counties, tmp_path):
    _single, parts, panel = _both_layouts(two_counties, tmp_path)
    path = parts / "members" / "county=370304" / "part-0.parquet"
    members = pd.read_parquet(path)
    members.loc[1, "sex"] = "X"
    members.to_parquet(path, index=False)
    (problem,) = validate_dir(parts).problems.examples
    assert (problem.table, problem.file, problem.row, problem.column) == (
        "members", "members/county=370304/part-0.parquet", 2, "sex")
    assert "members (members/county=370304/part-0.parquet) row 2, column sex" in str(problem)


def test_a_folder_that_is_not_partitioned_by_county_is_unreadable(two_counties, tmp_path):
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    (parts / "events" / "region=1").mkdir()
    report = validate_dir(parts)
    assert report.problems.rules == {"unreadable"}
    with pytest.raises(ContractError, match="county=XXXXXX"):
        load(parts)


def test_writer_markers_and_temp_files_are_not_data(two_counties, tmp_path):
    """Spark's ``_SUCCESS``, Parquet's ``_metadata`` and a writer's dot-files are skipped, as Arrow skips them."""
    _single, parts, panel = _both_layouts(two_counties, tmp_path)
    (parts / "income" / "_SUCCESS").touch()
    (parts / "income" / "county=370303" / "_metadata").write_bytes(b"not parquet")
    (parts / "income" / "county=370303" / ".part-1.parquet.crc").write_bytes(b"x")
    assert validate_dir(parts).ok
    pd.testing.assert_frame_equal(_sorted(load(parts).income), _sorted(panel.income))


@pytest.mark.parametrize("stray", ["part-1.csv", "notes.txt", "part-1.parquet/"])
def test_any_other_entry_in_a_county_folder_is_named_rather_than_left_out(two_counties, tmp_path, stray):
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    path = parts / "events" / "county=370304" / stray.rstrip("/")
    if stray.endswith("/"):
        path.mkdir()
    else:
        path.write_text("event_id,household_id\nE009,H002\n", encoding="utf-8")
    (problem,) = validate_dir(parts).problems.examples
    assert (problem.table, problem.rule) == ("events", "unreadable")
    assert problem.message.startswith(f"events/county=370304/{stray.rstrip('/')}: a county partition holds only Parquet")
    with pytest.raises(ContractError, match="holds only Parquet"):
        load(parts)


def test_a_county_folder_without_a_parquet_file_is_unreadable(two_counties, tmp_path):
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    (parts / "households" / "county=370399").mkdir()
    (problem,) = validate_dir(parts).problems.examples
    assert (problem.table, problem.rule) == ("households", "unreadable")
    assert problem.message.startswith("households/county=370399: the folder holds no Parquet file")


def test_parts_with_other_column_types_name_the_part_and_the_column(two_counties, tmp_path):
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    path = parts / "income" / "county=370304" / "part-0.parquet"
    income = pd.read_parquet(path)
    income["wage"] = income["wage"].astype(str)
    income.to_parquet(path, index=False)
    (problem,) = validate_dir(parts).problems.examples
    assert (problem.table, problem.rule) == ("income", "unreadable")
    assert problem.message.startswith("income/county=370304/part-0.parquet, column wage: string where the parts "
                                      "before it have double")


def test_a_household_in_another_countys_folder_is_named_by_its_region_code(two_counties, tmp_path):
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    home, other = (parts / "households" / f"county={c}" / "part-0.parquet" for c in ("370303", "370304"))
    moved = pd.read_parquet(home)
    pd.concat([pd.read_parquet(other), moved.iloc[:1]]).to_parquet(other, index=False)
    moved.iloc[1:].to_parquet(home, index=False)
    problems = [p for p in validate_dir(parts).problems.examples if p.rule == "wrong_partition"]
    assert [(p.table, p.file, p.row, p.column, p.value) for p in problems] == [
        ("households", "households/county=370304/part-0.parquet", 2, "region_code", moved["region_code"].iloc[0])]
    assert "not the county=XXXXXX folder the row lies in" in problems[0].message


def test_a_countys_own_load_names_a_household_in_another_countys_folder(two_counties, tmp_path):
    """Loading one county, other tables are looked up only when its households' codes disagree with
    the folder: then the household's rows are named too, as the whole directory's load names them."""
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    home, other = (parts / "households" / f"county={c}" / "part-0.parquet" for c in ("370303", "370304"))
    moved = pd.read_parquet(home)
    pd.concat([pd.read_parquet(other), moved.iloc[:1]]).to_parquet(other, index=False)
    moved.iloc[1:].to_parquet(home, index=False)
    with pytest.raises(ContractError) as err:
        load(parts, county="370304")
    wrong = [(p.table, p.column) for p in err.value.problems.examples if p.rule == "wrong_partition"]
    assert wrong == [("households", "region_code")]
    with pytest.raises(ContractError) as err:  # its rows left behind name a household their county lacks
        load(parts, county="370303")
    assert {p.rule for p in err.value.problems.examples} == {"references"}


def test_a_countys_load_looks_into_its_own_folders_only(two_counties, tmp_path):
    """A run loads each county on its own: each load lists the tables' folders and its own county's
    files, so a stray file stops the load of the county it lies in (and the whole table's), not the others'."""
    _single, parts, panel = _both_layouts(two_counties, tmp_path)
    (parts / "events" / "county=370303" / "notes.txt").write_text("x", encoding="utf-8")
    other = load(parts, county="370304")
    assert other.events["event_id"].tolist() == ["E003"]
    for county in ("370303", None):
        with pytest.raises(ContractError, match="events/county=370303/notes.txt"):
            load(parts, county=county)
    (parts / "events" / "notes.txt").write_text("x", encoding="utf-8")  # beside the county folders: every load
    with pytest.raises(ContractError, match="events/notes.txt: a partitioned table holds only county=XXXXXX"):
        load(parts, county="370304")


def test_a_county_folder_without_households_is_named_before_any_county_is_read(two_counties, tmp_path):
    """County-by-county runs read the counties households has: another table's folder for a county
    without households would be read by none (the whole table's load names its rows)."""
    _single, parts, _panel = _both_layouts(two_counties, tmp_path)
    shutil.copytree(parts / "regions" / "county=370304", parts / "regions" / "county=370399")
    assert counties(parts) == ["370303", "370304"]  # names of a county without households leave nothing out
    shutil.copytree(parts / "events" / "county=370304", parts / "events" / "county=370399")
    with pytest.raises(ContractError) as err:
        counties(parts)
    (problem,) = err.value.problems.examples
    assert (problem.table, problem.rule) == ("events", "wrong_partition")
    assert problem.message.startswith("events/county=370399: households/ has no county=370399 folder")
    assert not validate_dir(parts).ok


@pytest.mark.parametrize(("table", "column", "value", "rule"), [
    ("income", "household_id", "H999", "references"),
    ("income", "household_id", " ", "required"),
    ("medical_claims", "member_id", "M999", "references"),
    ("member_status", "member_id", "M999", "references"),
])
def test_a_single_files_row_that_no_county_reads_is_named(two_counties, tmp_path, table, column, value, rule):
    """With households partitioned, a single-file table's rows are read by their household's county:
    a row whose household (or member) is in no county is named, as the whole table's load names it."""
    single, parts, _panel = _both_layouts(two_counties, tmp_path)
    shutil.rmtree(parts / table)
    rows = pd.read_parquet(single / f"{table}.parquet")
    stray = rows.iloc[:1].assign(**{column: value})
    pd.concat([rows, stray], ignore_index=True).to_parquet(parts / f"{table}.parquet", index=False)
    with pytest.raises(ContractError) as err:
        counties(parts)
    (problem,) = err.value.problems.examples
    assert (problem.table, problem.row, problem.column, problem.rule) == (table, len(rows) + 1, column, rule)
    rows.to_parquet(parts / f"{table}.parquet", index=False)
    assert counties(parts) == ["370303", "370304"]


def test_members_in_a_single_file_count_only_where_their_household_is(two_counties, tmp_path):
    """A member of an unknown household is read by no county, and neither are its claims."""
    single, parts, _panel = _both_layouts(two_counties, tmp_path)
    for table in ("members", "medical_claims"):
        shutil.rmtree(parts / table)
    members = pd.read_parquet(single / "members.parquet")
    orphan = members.iloc[:1].assign(member_id="M999", household_id="H999")
    pd.concat([members, orphan], ignore_index=True).to_parquet(parts / "members.parquet", index=False)
    claims = pd.read_parquet(single / "medical_claims.parquet")
    claims.iloc[:1].assign(member_id="M999", claim_id="C999").to_parquet(parts / "medical_claims.parquet", index=False)
    with pytest.raises(ContractError) as err:
        counties(parts)
    assert sorted((p.table, p.column, p.value) for p in err.value.problems.examples) == [
        ("medical_claims", "member_id", "M999"), ("members", "household_id", "H999")]
