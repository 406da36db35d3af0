"""The README's main command, end to end on a small panel (without the final foreground serve)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
import pytest

pytestmark = pytest.mark.slow


FAST = Path(__file__).parents[2] / "training" / "fast.yaml"


def test_demo_generates_trains_promotes_and_writes_the_weekly_lists(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "riskmodel", "demo", "--no-serve", "--households", "4000",
         "--start", "2021-01-01", "--end", "2024-12-31", "--config", str(FAST), "--out", "demo"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    week = tmp_path / "demo" / "weekly" / "2024-12-30"
    books = sorted((week / "xlsx").glob("*.xlsx"))
    assert books, "one Excel list per county"
    sheet = load_workbook(books[0], read_only=True).worksheets[0]
    assert any("户" in str(c.value) or "风险" in str(c.value) for row in sheet.iter_rows(max_row=3) for c in row)
    report = json.loads((tmp_path / "demo" / "evaluation.json").read_text("utf-8"))
    assert {"lightgbm", "logistic", "rule"} <= set(report["models"])
    assert 0 < report["models"]["lightgbm"]["pr_auc"] <= 1
    assert "champion" in proc.stdout
    key_line = next(line for line in proc.stdout.splitlines() if line.startswith("demo API key"))
    assert key_line.split()[-1].startswith("rk_")
    assert "curl -s -H 'X-API-Key: rk_" in proc.stdout
