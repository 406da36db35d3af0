"""CSV files as Excel on a Chinese-locale machine saves them load; anything else is a clear error."""

from __future__ import annotations

import pytest

from riskmodel import RiskmodelWarning
from riskmodel.contract import ContractError, load, validate_dir
from riskmodel.contract.example import example_tables, write_tables


def _with_chinese_text(tables):
    # an extra column (备注, remarks) with Chinese text, as offices add them
    tables["households"]["备注"] = ["户主长期患病", "", "易地搬迁安置点"]
    return tables


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_excel_encodings_loads_with_its_chinese_text(encoding, tmp_path):
    data_dir = write_tables(_with_chinese_text(example_tables()), tmp_path / "d", encoding=encoding)
    raw = (data_dir / "households.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")

    report = validate_dir(data_dir)
    assert report.ok, report.problems.summary_lines()
    assert report.warnings == ["households: extra columns ignored: 备注"]
    with pytest.warns(RiskmodelWarning, match="备注"):
        panel = load(data_dir)
    # the BOM does not stick to the first column's name
    assert list(panel.households["household_id"]) == ["H001", "H002", "H003"]


def test_gb18030_values_are_decoded_not_mangled(tmp_path):
    tables = example_tables()
    # a value that is Chinese text but wrong: the message must show it readably
    tables["households"].loc[0, "household_type"] = "脱贫户"
    report = validate_dir(write_tables(tables, tmp_path / "d", encoding="gb18030"))
    (problem,) = report.problems.examples
    assert (problem.rule, problem.value) == ("allowed_values", "脱贫户")


def test_a_utf16_file_is_a_clear_error(tmp_path):
    data_dir = write_tables(example_tables(), tmp_path / "d")
    (data_dir / "members.csv").write_bytes((data_dir / "members.csv").read_text().encode("utf-16"))
    report = validate_dir(data_dir)
    (problem,) = report.problems.examples
    assert problem.table == "members" and problem.rule == "undecodable"
    assert "neither UTF-8 nor GB18030" in problem.message and "line 1" in problem.message
    with pytest.raises(ContractError, match="undecodable"):
        load(data_dir)


def test_utf8_chinese_text_with_a_broken_byte_is_not_read_as_gb18030(tmp_path):
    data_dir = write_tables(_with_chinese_text(example_tables()), tmp_path / "d")
    path = data_dir / "households.csv"
    data = path.read_bytes()
    second_row = data.index(b"\nH002")
    # cut one byte out of a later multi-byte character: GB18030 would happily decode the rest as nonsense
    broken = data[:second_row] + data[second_row:].replace("易".encode(), "易".encode()[:2], 1)
    path.write_bytes(broken)
    report = validate_dir(data_dir)
    assert report.problems.rules == {"undecodable"}
    assert "line 4" in report.problems.examples[0].message
