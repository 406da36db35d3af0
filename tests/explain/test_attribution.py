"""An income shortfall is explained by its causes: 其他 only when nothing recorded accounts for it."""

from __future__ import annotations

from types import SimpleNamespace as Spec

import numpy as np
import pytest

from riskmodel.contract import RISK_TYPES
from riskmodel.explain import AttributionPlan, cause_weights, explained_sums
from riskmodel.features import feature_names, feature_specs

COL = {code: j for j, code in enumerate(RISK_TYPES)}
NAMES = ["income_level", "wage_change", "medical", "labor_gap", "unexplained", "month", "disabled"]
SPECS = {
    "income_level": Spec(risk_type="other", explain="by_cause", cause=0),
    "wage_change": Spec(risk_type="employment", explain="fixed", cause=-1),
    "medical": Spec(risk_type="illness", explain="fixed", cause=1),
    "labor_gap": Spec(risk_type="labor", explain="fixed", cause=1),
    "unexplained": Spec(risk_type="other", explain="fixed", cause=1),
    "month": Spec(risk_type="other", explain="context", cause=0),
    "disabled": Spec(risk_type="disability", explain="fixed", cause=0),
}
PLAN = AttributionPlan(NAMES, SPECS)
# three households: wages fell 3,000; a 1,000 medical burden and a 3,000 labour gap; nothing recorded
X = np.array([
    [5000.0, -3000.0, 0.0, 0.0, 0.0, 6.0, 0.0],
    [5000.0, 200.0, 1000.0, 3000.0, 0.0, 6.0, 0.0],
    [5000.0, np.nan, 0.0, 0.0, 0.0, 6.0, 0.0],
])
# the income level pushes each up by 1.0; the month by 0.4; household 2 has a disabled member (0.2)
CONTRIB = np.array([
    [1.0, 0.1, 0.0, 0.0, 0.0, 0.4, 0.0, -5.0],
    [1.0, 0.0, 0.1, 0.0, 0.0, 0.4, 0.2, -5.0],
    [1.0, 0.0, 0.0, 0.0, 0.0, 0.4, 0.0, -5.0],
])


def test_cause_weights_follow_the_yuan_each_cause_costs():
    w = cause_weights(X, PLAN)
    assert w[0, COL["employment"]] == pytest.approx(1.0)           # a fall in wages: -(-3000)
    assert w[1, COL["illness"]] == pytest.approx(0.25)            # 1,000 of 4,000
    assert w[1, COL["labor"]] == pytest.approx(0.75)
    assert w[1, COL["employment"]] == 0                            # wages rose: no evidence
    assert w[2, COL["other"]] == pytest.approx(1.0)                # nothing recorded: 其他
    assert np.allclose(w.sum(axis=1), 1.0)


def test_an_income_level_is_credited_to_the_causes_and_totals_are_kept():
    sums = explained_sums(CONTRIB, X, PLAN)
    assert np.argmax(sums[0]) == COL["employment"]
    assert np.argmax(sums[1]) == COL["labor"]
    assert np.argmax(sums[2]) == COL["other"]
    assert np.allclose(sums.sum(axis=1), CONTRIB[:, :-1].sum(axis=1))  # the bias is dropped, nothing else


def test_context_is_split_like_the_households_own_reasons():
    sums = explained_sums(CONTRIB, X, PLAN)
    # household 1: employment 1.0 + 0.1 before the month's 0.4, which all goes to it
    assert sums[0, COL["employment"]] == pytest.approx(1.5)
    assert sums[0, COL["other"]] == pytest.approx(0.0)
    # household 2: positive reasons illness 0.35, labour 0.75, disability 0.2 share the month's 0.4
    before = {"illness": 0.35, "labor": 0.75, "disability": 0.2}
    for code, v in before.items():
        assert sums[1, COL[code]] == pytest.approx(v + 0.4 * v / sum(before.values()))


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="columns"):
        explained_sums(CONTRIB[:, :3], X, PLAN)


def test_every_by_cause_feature_has_causes_to_be_split_over():
    specs = feature_specs()
    causes = {s.risk_type for s in specs if s.cause}
    # the causes the issue names, and 其他 for the shortfall none of them accounts for
    assert {"employment", "business", "labor", "illness", "education", "disaster", "accident", "other"} <= causes
    plan = AttributionPlan(feature_names(), {s.name: s for s in specs})
    assert plan.by_cause.any() and plan.context.any()
