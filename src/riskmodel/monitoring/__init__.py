"""The weekly run: capacity-sized risk lists per county and township, drift and performance reports."""

from riskmodel.monitoring.backfill import run_backfill
from riskmodel.monitoring.capacity import Capacity, list_sizes
from riskmodel.monitoring.drift import DriftThresholds, compute_drift
from riskmodel.monitoring.performance import DecayThresholds
from riskmodel.monitoring.weekly import WeeklyConfig, run_weekly

__all__ = ["Capacity", "DecayThresholds", "DriftThresholds", "WeeklyConfig", "compute_drift", "list_sizes",
           "run_backfill", "run_weekly"]
