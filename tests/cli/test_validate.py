"""``riskmodel validate``: exit 0/1/2, every problem listed, JSON for tools, never a traceback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.contract.example import example_tables, write_tables

runner = CliRunner()


def validate(*args: str):
    result = runner.invoke(app, ["validate", *map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_valid_folder_exits_0(fmt, tmp_path):
    result = validate(write_tables(example_tables(), tmp_path / "d", fmt))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "members 7" in result.output


def test_an_invalid_folder_exits_1_listing_each_problem(tmp_path):
    tables = example_tables()
    tables["members"].loc[2, "sex"] = "X"
    tables["medical_claims"].loc[0, "out_of_pocket"] = "11000"
    result = validate(write_tables(tables, tmp_path / "d"))
    assert result.exit_code == 1
    assert "invalid: 2 problems" in result.output
    assert "members row 3, column sex, value 'X': [allowed_values] allowed: M, F" in result.output
    assert "medical_claims row 1, column out_of_pocket, value '11000': [cost_balance]" in result.output


def test_extra_columns_are_a_warning_line_not_a_failure(tmp_path):
    tables = example_tables()
    tables["households"]["备注"] = "x"
    result = validate(write_tables(tables, tmp_path / "d", encoding="gb18030"))
    assert result.exit_code == 0
    assert "warning: households: extra columns ignored: 备注" in result.output


def test_json_output_parses_and_lists_problems(tmp_path):
    tables = example_tables()
    tables["monitoring"].loc[0, "risk_types"] = "illness;poverty"
    result = validate(write_tables(tables, tmp_path / "d"), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False and report["problem_count"] == 1
    (problem,) = report["problems"]
    assert problem == {"table": "monitoring", "row": 1, "column": "risk_types", "value": "illness;poverty",
                       "rule": "risk_type_codes", "message": problem["message"]}
    assert report["counts"] == [{"table": "monitoring", "column": "risk_types", "rule": "risk_type_codes",
                                 "rows": 1}]
    assert report["rows"]["monitoring"] == 2


def test_json_output_of_a_valid_folder(tmp_path):
    result = validate(write_tables(example_tables(), tmp_path / "d"), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["valid"] is True


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_missing_folder_exits_2(fmt, tmp_path):
    result = validate(tmp_path / "nowhere", "--format", fmt)
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_file_instead_of_a_folder_exits_2(tmp_path):
    path = tmp_path / "households.csv"
    path.write_text("household_id\n")
    result = validate(path)
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_broken_files_are_problems_not_tracebacks(tmp_path):
    data_dir = write_tables(example_tables(), tmp_path / "d")
    (data_dir / "members.csv").write_bytes(b"\xff\xfe\x00garbage")
    (data_dir / "events.parquet").write_bytes(b"not parquet")
    result = validate(data_dir)
    assert result.exit_code == 1
    assert "[undecodable]" in result.output and "[duplicate_file]" in result.output


def test_many_problems_are_capped_per_rule(tmp_path):
    tables = example_tables()
    income = tables["income"]
    tables["income"] = income.loc[[0] * 60].reset_index(drop=True)
    tables["income"]["month"] = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(60)]
    tables["income"]["wage"] = "lots"
    result = validate(write_tables(tables, tmp_path / "d"))
    assert result.exit_code == 1
    assert result.output.count("[type]") == 21  # 20 examples and one "… more" line
    assert "… and 40 more rows break this rule" in result.output


def test_the_synthetic_panel_passes_validate(synth_dir):
    result = validate(synth_dir)
    assert result.exit_code == 0, result.output
    assert "valid: the data follows the contract" in result.output
    assert "extra columns" not in result.output  # the generator writes exactly the contract's columns


def test_a_csv_copy_of_the_synthetic_panel_validates_the_same(synth_panel, tmp_path):
    from riskmodel.contract import atomic_dir, write_panel

    with atomic_dir(tmp_path / "csv") as out:
        write_panel(synth_panel.tables(), out, fmt="csv")
    result = validate(tmp_path / "csv", "--format", "json")
    assert result.exit_code == 0, result.output[:2000]
    report = json.loads(result.output)
    assert report["rows"]["households"] == len(synth_panel.households)
