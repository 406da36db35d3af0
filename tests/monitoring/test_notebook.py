import pytest
from pathlib import Path

import nbformat
from nbclient import NotebookClient

pytestmark = pytest.mark.slow


NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "02_drift.ipynb"


def test_drift_notebook_runs_and_shows_a_quiet_baseline_and_an_alerting_flood(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMODEL_NB_HOUSEHOLDS", "1500")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "baseline → no alert" in printed
    assert "flood → ['shock: households with a recent disaster" in printed
    assert "baseline → no regional alert" in printed
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert images >= 3  # per-feature PSI, regional shares, a distribution
