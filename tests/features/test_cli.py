"""``riskmodel features DATA_DIR --as-of D --out FILE``: on hand-made odd data and on generator output."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.contract import load
from riskmodel.features import build_features, feature_names

from .handmade import AS_OF, frames

runner = CliRunner()


@pytest.fixture
def handmade_dir(tmp_path):
    """The odd-but-valid panel as CSV files, as an office would export them."""
    data = tmp_path / "county"
    data.mkdir()
    for name, df in frames().items():
        df.to_csv(data / f"{name}.csv", index=False)
    return data


def test_writes_one_row_per_eligible_household(handmade_dir, tmp_path):
    out = tmp_path / "out" / "features.parquet"
    result = runner.invoke(app, ["features", str(handmade_dir), "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert list(table.columns) == ["household_id", "region_code", *feature_names()]
    assert table["household_id"].tolist() == ["H1", "H2", "H3"]
    expected = build_features(load(handmade_dir), AS_OF)
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    h2 = table.set_index("household_id").loc["H2"]
    assert h2["income_months_unreported_12m"] == 12 and h2["hh_size"] == 2  # no income rows; leaver still a member
    assert table.set_index("household_id").loc["H1", "oop_3m"] == 8000  # claim on the as-of day


def test_runs_on_generator_output(synth_dir, tmp_path):
    panel = load(synth_dir)
    as_of = (panel.cutoff() - pd.Timedelta(days=60)).strftime("%Y-%m-%d")
    out = tmp_path / "synth.parquet"
    result = runner.invoke(app, ["features", str(synth_dir), "--as-of", as_of, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) > 0.5 * len(panel.households)
    assert table["household_id"].is_unique
    assert table["income_pc_12m"].notna().mean() > 0.5


def test_rejects_a_malformed_date(handmade_dir, tmp_path):
    result = runner.invoke(app, ["features", str(handmade_dir), "--as-of", "30/06/2024", "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_invalid_data_exits_1_naming_the_problem_and_writes_nothing(handmade_dir, tmp_path):
    members = pd.read_csv(handmade_dir / "members.csv", dtype=str, keep_default_na=False)
    members.loc[0, "joined_on"] = "2024-13-01"
    members.to_csv(handmade_dir / "members.csv", index=False)
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["features", str(handmade_dir), "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 1
    assert "members" in result.output and "joined_on" in result.output
    assert not out.exists()
