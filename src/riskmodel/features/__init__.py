"""Point-in-time features: one row per eligible household as of a date (features/features.yaml)."""

from riskmodel.features.build import build_features
from riskmodel.features.spec import FeatureSpec, feature_names, feature_risk_types, feature_specs, risk_types

__all__ = ["FeatureSpec", "build_features", "feature_names", "feature_risk_types", "feature_specs", "risk_types"]
