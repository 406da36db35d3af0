"""``riskmodel synth`` writes a valid panel; ``riskmodel calibration`` prints the comparison."""

from __future__ import annotations

from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.synth.calibration import report

runner = CliRunner(env={"COLUMNS": "250"})


def test_synth_then_validate_then_calibration(tmp_path):
    out = tmp_path / "panel"
    res = runner.invoke(app, ["synth", "--households", "400", "--start", "2022-01-01", "--end", "2023-12-31",
                              "--seed", "9", "--out", str(out), "--scenario", "flood", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert (out / "households.csv").exists() and (out / "truth.parquet").exists() and (out / "policy.yaml").exists()
    res = runner.invoke(app, ["validate", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["calibration", str(out)])
    expected = 0 if report(out)["ok"].all() else 1  # a 400-household flood panel may miss a tolerance
    assert res.exit_code == expected, res.output
    assert "persons per alleviated household" in res.output
    assert (out / "regions.csv").exists() and (out / "member_status.csv").exists()


def test_synth_rejects_bad_dates(tmp_path):
    res = runner.invoke(app, ["synth", "--start", "2024-13-01", "--out", str(tmp_path / "x")])
    assert res.exit_code != 0
    assert "YYYY-MM-DD" in res.output
    res = runner.invoke(app, ["synth", "--start", "2024-01-01", "--end", "2023-01-01", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_calibration_of_a_missing_dir_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["calibration", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "does not exist" in res.output
