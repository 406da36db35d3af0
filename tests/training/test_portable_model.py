"""The logged pyfunc serves without the source tree: riskmodel travels with the model.

A fresh interpreter gets on its path only the distributions the model's own
``requirements.txt`` names (and what they require, from their metadata) — not riskmodel, not the
test's virtual environment — then loads the model folder and scores its example. Offline, the
same check a fresh ``mlflow models serve --env-manager virtualenv`` environment makes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.mlflow_store import isolated_mlflow

pytestmark = pytest.mark.slow


def _closure(requirements: list[str]) -> set[str]:
    """Distribution names of the requirements and, recursively, what they require (no extras)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [Requirement(r).name for r in requirements]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def _site_with_only(dists: set[str], site: Path) -> None:
    """Symlink the top-level modules and metadata of ``dists`` into ``site``."""
    site.mkdir()
    for name in dists:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        root = Path(dist.locate_file(""))
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            src = root / top
            if src.exists() and not (site / top).exists() and not top.endswith(".pth") and top != "__pycache__":
                (site / top).symlink_to(src)


def _tiny_scorer():
    from riskmodel.features import feature_names
    from riskmodel.scoring import Scorer
    from riskmodel.training.model import CalibratedLightGBM

    names = feature_names()
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, len(names))), columns=names)
    y = (X[names[0]] + rng.normal(size=3000) > 2).astype(float)
    model = CalibratedLightGBM({"num_leaves": 4, "min_data_in_leaf": 50}, 20).fit(X, y, names)
    model.calibrate(X, y)
    return Scorer(model, model_name="riskmodel", capacity_share=0.02, meta={"training_cutoff": "2024-03-31"})


def test_the_model_loads_and_scores_with_only_its_logged_requirements(tmp_path):
    from riskmodel.training.lifecycle import _log_model
    from riskmodel.training.pyfunc import example_records
    from riskmodel.training.tracking import MlflowSession, download_model

    with isolated_mlflow(tmp_path):
        from riskmodel.settings import get_settings

        settings = get_settings()
        with MlflowSession(settings) as s, s.start_run("portable", kind="training"):
            version = _log_model(_tiny_scorer(), settings)
        local = download_model(f"models:/riskmodel/{version}", tmp_path / "m", settings)
    requirements = [line.strip() for line in (local / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    assert not [r for r in requirements if r.lower().startswith("riskmodel")]  # it comes as code, not from PyPI
    assert (local / "code" / "riskmodel" / "scoring").is_dir()
    site = tmp_path / "site"
    _site_with_only(_closure(requirements), site)
    example = tmp_path / "example.json"
    example_records().to_json(example, orient="split", index=False, force_ascii=False)
    out = tmp_path / "out.json"
    code = f"""
import sys
assert not [p for p in sys.path if "site-packages" in p]  # -S: the standard library only
sys.path.append({str(site)!r})
import importlib.util
assert importlib.util.find_spec("riskmodel") is None, "riskmodel must not be importable before loading"
import mlflow.pyfunc, pandas as pd, json
m = mlflow.pyfunc.load_model({str(local)!r})
records = pd.read_json({str(example)!r}, orient="split", dtype=False)
scored = m.predict(records, params={{"as_of": "2024-06-30", "explain": 2}})
import riskmodel
json.dump({{"riskmodel": riskmodel.__file__, "rank": scored["rank"].tolist(),
           "explained": int(scored["risk_types"].notna().sum())}}, open({str(out)!r}, "w"))
"""
    done = subprocess.run([sys.executable, "-S", "-E", "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(out.read_text())
    assert Path(result["riskmodel"]).is_relative_to(local / "code")
    assert result["rank"] == [1, 2, 3] and result["explained"] == 2
