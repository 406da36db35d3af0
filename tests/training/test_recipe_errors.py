"""A recipe LightGBM refuses ends with a message naming the setting, not a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from riskmodel.training.model import CalibratedLightGBM, RecipeError

FAST = Path(__file__).resolve().parents[2] / "training" / "fast.yaml"
BAD = {"min_data_in_leaf": 1, "min_sum_hessian_in_leaf": 0}


def test_lightgbm_split_check_becomes_a_recipe_error_naming_the_setting():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(500, 3)), columns=list("abc"))
    y = (rng.random(500) < 0.05).astype(float)
    with pytest.raises(RecipeError, match=r"lightgbm\.min_data_in_leaf: 1 \(use at least 20\)") as caught:
        CalibratedLightGBM(BAD, 50).fit(X, y, list("abc"))
    assert "Check failed" in str(caught.value)  # LightGBM's own words are kept, after the explanation


def test_train_with_such_a_recipe_exits_with_the_message(synth_dir, tmp_path):
    from typer.testing import CliRunner

    from riskmodel.cli.app import app

    recipe = yaml.safe_load(FAST.read_text("utf-8"))
    recipe["lightgbm"] = {**recipe["lightgbm"], "num_leaves": 1}  # refused by LightGBM on any data
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(recipe), "utf-8")
    r = CliRunner().invoke(app, ["train", str(synth_dir), "--config", str(path)])
    assert r.exit_code == 2, r.output
    assert "lightgbm.num_leaves: 1 (use at least 2)" in r.output and "Traceback" not in r.output
    assert not isinstance(r.exception, RecipeError)  # handled, not raised through the CLI


def test_a_cutoff_after_the_data_is_refused_naming_both_dates():
    from riskmodel.training.pipeline import training_cutoff

    assert training_cutoff(None, "2024-12-31") == pd.Timestamp("2024-12-31")
    assert training_cutoff("2024-12-31 18:00", "2024-12-31") == pd.Timestamp("2024-12-31 18:00")  # the same day
    with pytest.raises(ValueError, match=r"cut-off 2025-01-01 is after the data's newest record \(2024-12-31\)"):
        training_cutoff("2025-01-01", pd.Timestamp("2024-12-31"))
    assert training_cutoff("2021-01-01", "2024-12-31", "2021-01-01") == pd.Timestamp("2021-01-01")
    with pytest.raises(ValueError, match=r"cut-off 2020-12-31 is before the data starts \(2021-01-01\)"):
        training_cutoff("2020-12-31", "2024-12-31", pd.Timestamp("2021-01-01"))


@pytest.mark.parametrize("layout", ["single", "parts"])
@pytest.mark.parametrize(("cutoff", "says"), [("2030-01-01", "is after the data's newest record (2024-12-"),
                                              ("2010-01-01", "is before the data starts (2021-01-01)")])
def test_train_refuses_a_cutoff_outside_the_data_before_any_fit(synth_dir, synth_parts_dir, layout, cutoff, says):
    from typer.testing import CliRunner

    from riskmodel.cli.app import app

    data = synth_dir if layout == "single" else synth_parts_dir
    r = CliRunner().invoke(app, ["train", str(data), "--cutoff", cutoff, "--config", str(FAST)])
    assert r.exit_code == 2, r.output
    assert f"error: cut-off {cutoff} {says}" in r.output
    assert "Traceback" not in r.output and "registered" not in r.output
