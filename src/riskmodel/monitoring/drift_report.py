"""Adapter: the drift comparison rendered as an Evidently 0.7 report (HTML and JSON).

One verdict: the report's stat test (``riskmodel_psi``) returns the PSI the alert computed on
every row (``DriftResult.per_feature``; the score's from the summary) — it does not recompute
PSI on the report's sample, where values near the threshold flip — so the report and
``drift/summary.json`` name the same drifted columns. The report shows the columns an operator
reads: every drifted feature, then the highest PSI up to ``DriftThresholds.evidently_columns``,
plus ``score`` (the probability); all of them are in ``drift/features.csv``. Its distributions
are drawn from a deterministic sample (``DriftThresholds.evidently_rows`` rows per side, the
smallest hashes of household id). Evidently stamps its HTML with time-based ids; they are
replaced by sequential ones so a rerun writes identical bytes.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.atomic import atomic_path
from riskmodel.monitoring.drift import DriftResult, DriftThresholds, deterministic_sample, psi

STATTEST = "riskmodel_psi"
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_METRIC_VAR = re.compile(rb"metric_[0-9a-f]{32}")


#: column → PSI computed by the alert on all rows, for the report being rendered (one at a time).
_ALERT_PSI: dict[str, float] = {}


def _register() -> None:
    from evidently.legacy.calculations.stattests.registry import StatTest, _registered_stat_tests, register_stattest
    from evidently.legacy.core import ColumnType

    if STATTEST in _registered_stat_tests:
        return

    def _psi(reference: pd.Series, current: pd.Series, feature_type, threshold: float):
        value = _ALERT_PSI.get(str(reference.name))
        if value is None:  # a column the alert did not compute: PSI on the report's rows
            value = psi(reference.to_numpy(dtype=float), current.to_numpy(dtype=float))
        return value, value >= threshold

    test = StatTest(name=STATTEST, display_name="PSI (reference deciles)",
                    allowed_feature_types=[ColumnType.Numerical], default_threshold=0.2)
    register_stattest(test, _psi)


def _pin_ids(html: bytes) -> bytes:
    seen: dict[bytes, bytes] = {}

    def sub(prefix: bytes, make):
        def repl(m):
            key = m.group(0)
            if key not in seen:
                seen[key] = make(len(seen))
            return seen[key]
        return repl

    html = _UUID.sub(sub(b"", lambda i: f"00000000-0000-4000-8000-{i:012x}".encode()), html)
    return _METRIC_VAR.sub(sub(b"metric_", lambda i: f"metric_{i:032x}".encode()), html)


@dataclass(frozen=True)
class EvidentlyFiles:
    """The report's two files and its own counts (made where the run has a free core, written by the run)."""

    html: bytes
    json: str
    counts: dict


def evidently_report(result: DriftResult, features: list[str], out_dir: Path,
                     thresholds: DriftThresholds = DriftThresholds()) -> dict:
    """Write ``report.html`` and ``report.json`` into ``out_dir``; returns the report's own counts."""
    return write_report(evidently_files(result, features, thresholds), out_dir)


def write_report(files: EvidentlyFiles, out_dir: Path) -> dict:
    """``report.html`` and ``report.json`` into ``out_dir``; returns the report's own counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / "report.html") as tmp:
        tmp.write_bytes(files.html)
    (out_dir / "report.json").write_text(files.json, encoding="utf-8")
    return files.counts


def evidently_files(result: DriftResult, features: list[str],
                    thresholds: DriftThresholds = DriftThresholds()) -> EvidentlyFiles:
    """The Evidently report of ``result`` as files' contents (pure: a Dask worker can make it)."""
    with warnings.catch_warnings():  # evidently 0.7 touches numpy.core at import (DeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

    _register()
    ref = result.normalised(deterministic_sample(result.reference, thresholds.evidently_rows), "reference")
    cur = result.normalised(deterministic_sample(result.current, thresholds.evidently_rows), "current")
    clock = set(result.summary.get("clock_features_ignored", []))
    # Evidently refuses a column that is empty on either side; clock features never alert
    usable = [f for f in features if f not in clock and ref[f].notna().any() and cur[f].notna().any()]
    per = result.per_feature.set_index("feature")
    order = sorted(usable, key=lambda f: (not bool(per.at[f, "drifted"]), -float(np.nan_to_num(per.at[f, "psi"])), f))
    n_drifted = int(sum(bool(per.at[f, "drifted"]) for f in usable))
    cols = order[:max(thresholds.evidently_columns, n_drifted)]

    def frame(df: pd.DataFrame) -> pd.DataFrame:
        out = df[cols].astype(float).reset_index(drop=True)
        if "probability" in df:
            out["score"] = df["probability"].to_numpy(dtype=float)
        return out

    r, c = frame(ref), frame(cur)
    _ALERT_PSI.clear()
    _ALERT_PSI.update({f: float(per.at[f, "psi"]) for f in cols})
    if result.summary.get("score_psi") is not None:
        _ALERT_PSI["score"] = float(result.summary["score_psi"])
    definition = DataDefinition(numerical_columns=list(r.columns))
    report = Report([DataDriftPreset(method=STATTEST, threshold=thresholds.feature_psi,
                                     drift_share=thresholds.share_drifted)])
    with warnings.catch_warnings():  # evidently divides by zero counts in its summaries
        warnings.simplefilter("ignore", RuntimeWarning)
        snapshot = report.run(current_data=Dataset.from_pandas(c, data_definition=definition),
                              reference_data=Dataset.from_pandas(r, data_definition=definition))
    with tempfile.TemporaryDirectory(prefix="evidently-") as folder:  # Evidently saves HTML to a path only
        path = Path(folder) / "report.html"
        snapshot.save_html(str(path))
        html = _pin_ids(path.read_bytes())
    counts = {}
    for m in snapshot.dict()["metrics"]:
        if m["metric_name"].startswith("DriftedColumnsCount"):
            counts = {"count": float(m["value"]["count"]), "share": float(m["value"]["share"])}
    drifted_features = counts.get("count", 0.0) - float("score" in r and _ALERT_PSI.get("score", 0.0)
                                                         >= thresholds.score_psi)
    return EvidentlyFiles(html, snapshot.json(), {
            "rows": {"reference": int(len(r)), "current": int(len(c))}, "drifted_columns": counts,
            "columns": int(r.shape[1]), "left_out_empty": [f for f in features if f not in clock and f not in usable],
            "left_out_quiet": len(usable) - len(cols),
            "agrees_with_alert": bool(int(drifted_features) == int(result.summary.get("n_drifted", -1))),
            "sampled": bool(len(r) < result.summary["rows"]["reference"] or len(c) < result.summary["rows"]["current"])})


def report_sample(result: DriftResult, thresholds: DriftThresholds = DriftThresholds()) -> DriftResult:
    """``result`` with both sides cut to the rows the report draws (``evidently_files`` makes the
    same report from it): what a cluster task is sent instead of a reference of up to
    ``reference_rows`` rows (a remote worker's network share, not a memory saving measured here)."""
    return replace(result, reference=deterministic_sample(result.reference, thresholds.evidently_rows),
                   current=deterministic_sample(result.current, thresholds.evidently_rows))
