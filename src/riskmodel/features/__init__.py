"""Point-in-time features: one row per eligible household as of a date (features/features.yaml)."""

from riskmodel.features.build import FeatureArrays, build_features, feature_arrays
from riskmodel.features.spec import FeatureSpec, feature_names, feature_risk_types, feature_specs, risk_types

__all__ = ["FeatureArrays", "FeatureSpec", "build_features", "feature_arrays", "feature_names", "feature_risk_types", "feature_specs", "risk_types"]
