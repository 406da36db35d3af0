"""The evaluation notebook (model vs rule vs oracle, lead time, subgroups) runs top to bottom."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
import pytest

pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_evaluation.ipynb"


def test_evaluation_notebook_executes(training_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("RISKMODEL_NOTEBOOK_DATA", str(training_dir))
    monkeypatch.setenv("RISKMODEL_NOTEBOOK_CONFIG", str(ROOT / "training" / "fast.yaml"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    for expected in ("Rule screen", "Oracle (truth)", "median_lead_weeks", "household_type=alleviated", "lift"):
        assert expected in text, expected
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
    assert "95 % interval" in text  # per-date figures with bootstrap intervals, not one number
