"""Training configuration (``training/*.yaml``): windows, model parameters and the promotion gate."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from riskmodel.config_file import read_yaml
from riskmodel.listing.policy import CAPACITY_SHARE, HORIZON_WEEKS


#: Small, strongly regularised trees: positives are rare (a few per thousand household-weeks) and
#: bigger trees memorise them. On two 20k-household demo panels (seeds 42 and 7) this recipe
#: with 24 fit dates raised PR-AUC from 0.032/0.043 (31 leaves, 12 dates) to 0.063/0.063,
#: above the logistic baseline on the same windows (0.057/0.047); see docs/evaluation.md.
LIGHTGBM_DEFAULTS = {"learning_rate": 0.03, "num_leaves": 7, "min_data_in_leaf": 200, "feature_fraction": 0.7,
                     "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 10.0}


class GateConfig(BaseModel):
    """When a challenger may replace the champion (evaluated on the same window)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: challenger PR-AUC ≥ champion PR-AUC × (1 − tolerance)
    pr_auc_tolerance: float = Field(0.05, ge=0, le=1)
    #: challenger recall@k ≥ champion recall@k × (1 − tolerance)
    recall_tolerance: float = Field(0.05, ge=0, le=1)
    #: challenger ECE ≤ max(ece_max, champion ECE + ece_tolerance)
    ece_max: float = Field(0.03, ge=0)
    ece_tolerance: float = Field(0.01, ge=0)
    #: a subgroup "collapses" if its recall@k falls below champion × (1 − this)
    subgroup_collapse: float = Field(0.5, ge=0, le=1)
    #: subgroups with fewer positives (in the champion's window) are not judged
    min_subgroup_positives: int = Field(20, ge=1)


class TrainConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_weeks: int = Field(HORIZON_WEEKS, ge=1)
    #: spacing of as-of dates in the fit and calibration windows
    step_weeks: int = Field(4, ge=1)
    #: as-of dates in the fit window (the earliest are dropped if the data is shorter)
    fit_periods: int = Field(24, ge=1)
    #: as-of dates in the calibration window, after the fit window
    calibration_periods: int = Field(3, ge=1)
    #: weeks from the last fit date to the first calibration date (None: the horizon), so that no
    #: identification counts as a positive in both windows (a shorter gap makes calibration
    #: re-learn the fit window's positives: over-confident top scores)
    calibration_gap_weeks: int | None = Field(None, ge=1)
    #: fit dates need this much data before them, counted from the first month the income survey
    #: covers (``Panel.data_start``): the 12-month windows (income, claims, events) are then whole.
    #: The year-earlier income windows are means over the months reported, so where the data does
    #: not reach they are missing (NaN, marked), not biased; 104 weeks would keep 2 of 24 fit dates
    #: on a four-year panel (training/experiments/lookback.py)
    min_lookback_weeks: int = Field(52, ge=0)
    calibration: Literal["isotonic", "platt"] = "isotonic"
    #: length of the evaluation window (as-of dates after the training cut-off) and its spacing
    eval_weeks: int = Field(12, ge=0)
    eval_step_weeks: int = Field(4, ge=1)
    #: spacing of the as-of grid for lead times (the contract says weekly)
    lead_step_weeks: int = Field(1, ge=1)
    capacity_share: float = Field(CAPACITY_SHARE, gt=0, le=1)
    #: bootstrap resamples of households for the per-date metrics' intervals (0: point values only)
    bootstrap_replicates: int = Field(0, ge=0)
    seed: int = 0
    #: at most this many trees; with ``early_stopping_rounds`` > 0 boosting stops once that many more
    #: trees have not lowered the log-loss on the calibration window (0: always ``num_boost_round``)
    num_boost_round: int = Field(300, ge=1)
    early_stopping_rounds: int = Field(30, ge=0)
    lightgbm: dict = Field(default_factory=lambda: dict(LIGHTGBM_DEFAULTS))
    logistic_c: float = Field(1.0, gt=0)
    #: after the back-test, refit the same recipe on all data up to the cut-off and register that
    refit: bool = True
    #: rows of the drift reference sample logged with the model (0: none; see training/reference.py)
    reference_rows: int = Field(50_000, ge=0)
    #: Share of negatives kept on each fit or calibration as-of date; every positive is kept. A
    #: seeded sample, each kept negative weighted 1 / rate, so that the fit and the calibrator see
    #: the full window's rates (docs/evaluation.md, "Training on a sample of negatives"). ``auto``:
    #: all of them when the data has at most ``auto_negatives`` households (any demo panel), else
    #: the rate ``auto_negatives / households`` (about that many negatives a date); a number in
    #: (0, 1]: that rate.
    negative_rate: float | Literal["auto"] = "auto"
    auto_negatives: int = Field(100_000, ge=1)
    #: The back-test evaluates on a seeded sample of this many households when the panel has
    #: more (None: all): per-county capacity shares, PR-AUC and calibration are estimated as well
    #: from 200k households, and a province's weekly lead grid would not fit in memory.
    eval_households: int | None = Field(200_000, ge=1)
    gate: GateConfig = GateConfig()

    @field_validator("negative_rate")
    @classmethod
    def _rate(cls, v):
        if v != "auto" and not 0 < v <= 1:
            raise ValueError("negative_rate must be 'auto' or a rate in (0, 1]")
        return v

    def negative_keep_rate(self, households: int) -> float:
        """The share of negatives to keep for data of ``households`` households (1.0: all, no weights needed)."""
        if self.negative_rate == "auto":
            return 1.0 if households <= self.auto_negatives else self.auto_negatives / households
        return float(self.negative_rate)

    @classmethod
    def load(cls, path: str | Path | None) -> TrainConfig:
        if path is None:
            return cls()
        path = Path(path)
        raw = read_yaml(path) or {}
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"{path}: not a valid training config: {exc}") from None
