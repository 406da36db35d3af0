"""A panel of a few thousand households matches the published figures within stated tolerances."""

from __future__ import annotations

import pytest

from riskmodel.synth import generate
from riskmodel.synth.calibration import COLUMNS, report


@pytest.fixture(scope="module")
def calibration_table():
    return report(generate(households=4000, start="2021-01-01", end="2024-12-31", seed=11))


def test_report_has_every_figure_with_a_source(calibration_table):
    assert list(calibration_table.columns) == COLUMNS
    figures = " ".join(calibration_table["figure"])
    for needle in ("persons per alleviated household", "disabled share of alleviated people",
                   "per-capita income, alleviated, 2021", "per-capita income, alleviated, 2022",
                   "identification rate, alleviated", "identification rate, general",
                   "illness as main risk type", "oracle median lead time"):
        assert needle in figures
    assert calibration_table["source"].str.len().gt(10).all()


def test_every_figure_within_tolerance(calibration_table):
    bad = calibration_table.loc[~calibration_table["ok"]]
    lines = [f"{r.figure}: generated {r.generated:.4g}, target {r.target:.4g} ± {r.tolerance:.3g}"
             for r in bad.itertuples()]
    assert not lines, "\n".join(lines)


def test_report_reads_a_data_dir(synth_dir):
    table = report(synth_dir)
    assert len(table) >= 15
    assert table.loc[table["figure"].str.startswith("persons per alleviated"), "ok"].all()
