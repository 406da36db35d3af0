"""Outcome labels: eligibility, identification within the horizon, maturity, training tables."""

from riskmodel.labels.outcome import DEFAULT_HORIZON_WEEKS, eligible, eligible_households, outcomes
from riskmodel.labels.training import as_of_dates, training_table

__all__ = ["DEFAULT_HORIZON_WEEKS", "as_of_dates", "eligible", "eligible_households", "outcomes", "training_table"]
