"""Outcome labels: eligibility, identification within the horizon, maturity (training tables: ``riskmodel.training.tables``)."""

from riskmodel.labels.outcome import eligible, eligible_households, outcomes

__all__ = ["eligible", "eligible_households", "outcomes"]
