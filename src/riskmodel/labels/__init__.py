"""Outcome labels: eligibility, identification within the horizon, maturity, training tables."""

from riskmodel.labels.outcome import eligible, eligible_households, outcomes
from riskmodel.labels.training import as_of_dates, training_table

__all__ = ["as_of_dates", "eligible", "eligible_households", "outcomes", "training_table"]
