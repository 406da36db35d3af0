"""One verdict: the Evidently report shows the alert's own statistics, on a small sample."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.monitoring.drift import DriftThresholds, compute_drift
from riskmodel.monitoring.drift_report import evidently_report

FEATURES = [f"x{i}" for i in range(8)]


def frames(shift: float, n: int = 40_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = {f: rng.normal(shift, 1, n) for f in FEATURES}
    return pd.DataFrame({"household_id": [f"H{i}" for i in range(n)], **out, "probability": rng.beta(1, 30, n)})


def test_the_report_names_the_same_drifted_columns_as_the_alert_even_on_a_tiny_sample(tmp_path):
    # every feature moved by just under the drift line on all rows (PSI ≈ 0.17); PSI recomputed on
    # 300 sampled rows is biased upwards and would call several of them drifted
    thresholds = DriftThresholds(evidently_rows=300, evidently_columns=len(FEATURES))
    result = compute_drift(frames(0.0), frames(0.4, seed=1), features=FEATURES, risk_types={},
                           as_of="2024-06-03", reference_as_of="2023-06-03", line=lambda y: 1.0,
                           thresholds=thresholds)
    psis = result.per_feature["psi"]
    assert psis.between(0.1, thresholds.feature_psi).all() and result.summary["n_drifted"] == 0
    report = evidently_report(result, FEATURES, tmp_path, thresholds)
    assert report["rows"] == {"reference": 300, "current": 300} and report["sampled"]
    assert report["drifted_columns"]["count"] == 0 and report["agrees_with_alert"]


def test_the_report_keeps_every_drifted_column_and_only_the_loudest_quiet_ones(tmp_path):
    ref, cur = frames(0.0), frames(0.0, seed=1)
    cur["x0"] += 1.0
    cur["x1"] += 0.9
    thresholds = DriftThresholds(evidently_rows=2_000, evidently_columns=3)
    result = compute_drift(ref, cur, features=FEATURES, risk_types={}, as_of="2024-06-03",
                           reference_as_of="2023-06-03", line=lambda y: 1.0, thresholds=thresholds)
    report = evidently_report(result, FEATURES, tmp_path, thresholds)
    assert result.summary["n_drifted"] == 2 and report["drifted_columns"]["count"] == 2
    assert report["columns"] == 3 + 1 and report["left_out_quiet"] == len(FEATURES) - 3  # + score
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "x0" in html and "x1" in html


def test_the_report_from_its_own_sample_is_the_same_report():
    """A cluster task gets only the rows the report draws (``report_sample``): the same files."""
    from riskmodel.monitoring.drift_report import evidently_files, report_sample

    thresholds = DriftThresholds(evidently_rows=500, evidently_columns=4)
    cur = frames(0.0, seed=1)
    cur["x2"] += 0.8
    result = compute_drift(frames(0.0), cur, features=FEATURES, risk_types={}, as_of="2024-06-03",
                           reference_as_of="2023-06-03", line=lambda y: 1.0, thresholds=thresholds)
    small = report_sample(result, thresholds)
    assert len(small.reference) == len(small.current) == 500 < len(result.reference)
    whole, cut = evidently_files(result, FEATURES, thresholds), evidently_files(small, FEATURES, thresholds)
    assert (cut.html, cut.json, cut.counts) == (whole.html, whole.json, whole.counts)
    assert cut.counts["sampled"] and cut.counts["rows"] == {"reference": 500, "current": 500}
