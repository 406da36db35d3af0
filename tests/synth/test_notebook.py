"""The synthetic-panel walkthrough runs top to bottom on the fixture panel."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
import pytest

pytestmark = pytest.mark.slow


NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_synthetic_panel.ipynb"


def test_walkthrough_executes(synth_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("RISKMODEL_SYNTH_DIR", str(synth_dir))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    elapsed = time.perf_counter() - started
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("persons per alleviated household" in str(o.get("data", {})) for o in outputs)
    assert elapsed < 60, f"notebook took {elapsed:.0f} s"
    assert os.environ["RISKMODEL_SYNTH_DIR"] == str(synth_dir)
