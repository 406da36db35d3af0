"""Contributions are summed through the one risk-type map; the shown ones follow the list policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.contract import RISK_TYPES
from riskmodel.explain import reasons, risk_type_matrix, sum_by_risk_type
from riskmodel.features import feature_names, feature_risk_types
from riskmodel.features.spec import risk_types


def test_every_feature_maps_to_exactly_one_official_risk_type():
    m = risk_type_matrix(feature_names(), feature_risk_types())
    assert m.shape == (len(feature_names()), len(RISK_TYPES))
    assert (m.sum(axis=1) == 1).all()


def test_contributions_are_summed_by_risk_type_and_bias_is_dropped():
    names = ["a", "b", "c"]
    types = {"a": "illness", "b": "illness", "c": "labor"}
    contrib = np.array([[0.5, 0.25, -0.1, 9.0], [0.0, -0.2, 0.3, 9.0]])
    out = sum_by_risk_type(contrib, names, types)
    assert list(out.columns) == list(RISK_TYPES)
    assert out.loc[0, "illness"] == pytest.approx(0.75)
    assert out.loc[0, "labor"] == pytest.approx(-0.1)
    assert out.loc[1, "labor"] == pytest.approx(0.3)
    assert out.drop(columns=["illness", "labor"]).to_numpy().sum() == 0  # bias 9.0 is nowhere


def test_unknown_risk_type_is_an_error():
    with pytest.raises(ValueError, match="outside the contract"):
        risk_type_matrix(["x"], {"x": "bad_luck"})
    with pytest.raises(ValueError, match="columns"):
        sum_by_risk_type(np.zeros((1, 2)), ["a", "b"], {})


def test_reasons_list_positive_types_largest_first_with_their_measures():
    by_type = pd.DataFrame([[0.1, 0.0, 0.7] + [0.0] * (len(RISK_TYPES) - 3),
                            [-0.2] + [0.0] * (len(RISK_TYPES) - 1)], columns=list(RISK_TYPES))
    measures = {code: rt.measures for code, rt in risk_types().items()}
    out = reasons(by_type, measures)
    assert out.loc[0, "risk_types"] == [RISK_TYPES[2], RISK_TYPES[0]]
    assert out.loc[0, "contributions"] == {RISK_TYPES[2]: 0.7, RISK_TYPES[0]: 0.1}
    # the list policy's measures: the first two of each shown type, main type first
    assert out.loc[0, "measures"] == [*measures[RISK_TYPES[2]][:2], *measures[RISK_TYPES[0]][:2]]
    assert out.loc[1, "risk_types"] == ["other"]        # nothing pushes up: still a reason to show
    assert out.loc[1, "contributions"] == {RISK_TYPES[0]: -0.2}
