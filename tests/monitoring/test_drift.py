import numpy as np
import pandas as pd
import pytest

from riskmodel.monitoring.drift import DriftThresholds, compute_drift, deterministic_sample, psi
from riskmodel.monitoring.weekly import WeeklyConfig
from riskmodel.monitoring.weekly import drift_of as weekly_drift_of

AS_OF = pd.Timestamp("2024-12-30")  # 8 weeks after the generator's default shock date


def test_psi_is_an_effect_size_near_zero_for_the_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=200_000), rng.normal(size=200_000)
    assert psi(a, b) < 0.01
    assert psi(a, b + 0.5) > 0.2


def test_psi_gives_zeros_their_own_bin_and_counts_missing_values():
    ref = np.r_[np.zeros(9_900), np.ones(100)]           # a rare event: 1 %
    assert psi(ref, np.r_[np.zeros(9_880), np.ones(120)]) < 0.01
    assert psi(ref, np.r_[np.zeros(7_000), np.ones(3_000)]) > 0.2
    assert psi(np.r_[ref, np.full(100, np.nan)], np.r_[ref, np.full(3_000, np.nan)]) > 0.2


def frames(years_later: float, n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    income = rng.lognormal(np.log(9000), 0.5, n) * 1.07 ** years_later
    return pd.DataFrame({"household_id": [f"H{i}" for i in range(n)], "income_pc_12m": income,
                         "days_registered": 400 + 365 * years_later + rng.integers(0, 300, n),
                         "probability": rng.beta(1, 30, n)})


def test_ordinary_income_growth_and_the_calendar_are_not_drift():
    line = {2023: 7000, 2024: 7490}.get
    result = compute_drift(frames(0), frames(1, seed=1), features=["income_pc_12m", "days_registered"],
                           risk_types={}, as_of="2024-06-03", reference_as_of="2023-06-03", line=line)
    per = result.per_feature.set_index("feature")
    assert per.loc["income_pc_12m", "psi"] < 0.05 and not per.loc["income_pc_12m", "drifted"]
    assert per.loc["days_registered", "clock"] and not per.loc["days_registered", "drifted"]
    assert not result.summary["alert"]
    # without normalising by the line, seven percent growth reads as drift
    raw = compute_drift(frames(0), frames(1, seed=1), features=["income_pc_12m"], risk_types={},
                        as_of="2024-06-03", reference_as_of="2023-06-03", line=line, money=[])
    assert raw.per_feature["psi"].iloc[0] > psi(frames(0)["income_pc_12m"], frames(0, seed=1)["income_pc_12m"])


def test_a_reference_with_dates_is_cut_to_the_same_season():
    ref = pd.concat([frames(0).assign(as_of="2023-06-05"), frames(0, seed=2).assign(as_of="2023-12-04")])
    ref.loc[ref["as_of"] == "2023-12-04", "income_pc_12m"] *= 3  # winter is different
    result = compute_drift(ref, frames(0, seed=3), features=["income_pc_12m"], risk_types={}, as_of="2023-06-12",
                           line=lambda y: 7000.0)
    assert result.summary["rows"]["reference"] == 20_000
    assert not result.summary["alert"]


def test_deterministic_sample_is_the_same_rows_every_time():
    f = frames(0)
    a, b = deterministic_sample(f, 1000), deterministic_sample(f.iloc[::-1], 1000)
    assert sorted(a["household_id"]) == sorted(b["household_id"]) and len(a) == 1000


@pytest.mark.parametrize("rows", [40, 400])
def test_partitions_added_up_sample_the_rows_the_whole_frame_samples(rows):
    import dataclasses

    from riskmodel.monitoring.drift import CurrentStats, DriftBins, FeatureBins

    f = frames(0).iloc[:300]
    f = f.iloc[np.argsort(f["household_id"].astype(str).to_numpy(), kind="stable")].reset_index(drop=True)
    plan = DriftBins({"income_pc_12m": FeatureBins.of(f["income_pc_12m"].to_numpy())}, frozenset(), frozenset(),
                     7000.0, rows)
    whole = CurrentStats.of(f, plan)
    parts = [CurrentStats.of(f.iloc[i::3], plan) for i in range(3)]
    added = parts[2] + parts[0] + parts[1]
    unhashed = [dataclasses.replace(p, hashes=None) for p in parts]  # recomputed when a part has none
    for got in (added, unhashed[1] + unhashed[2] + unhashed[0]):
        pd.testing.assert_frame_equal(got.sample, whole.sample.reset_index(drop=True))
        assert got.histograms["income_pc_12m"].psi_counts.tolist() == whole.histograms["income_pc_12m"].psi_counts.tolist()
    assert len(added.sample) == min(rows, 300)


@pytest.fixture(scope="module")
def scenarios():
    from riskmodel.contract import Panel
    from riskmodel.synth import generate

    out = {}
    for name in ("baseline", "flood", "epidemic", "factory_closure"):
        r = generate(households=2000, start="2021-01-01", end="2024-12-31", seed=7, scenario=name)
        out[name] = Panel(**r.tables, policy=r.policy)
    return out


def drift_of(panel, scorer, t):
    return weekly_drift_of(panel, scorer, t, WeeklyConfig())


@pytest.mark.parametrize("scenario,risk_type", [("flood", "disaster"), ("epidemic", "illness"),
                                                ("factory_closure", "employment")])
def test_a_shock_week_raises_the_alert_naming_its_risk_type(scenarios, scorer, scenario, risk_type):
    summary = drift_of(scenarios[scenario], scorer, AS_OF)
    assert summary["alert"], summary["reasons"]
    assert risk_type in {s["risk_type"] for s in summary["shocks"]}


def test_the_quiet_baseline_week_does_not_alert(scenarios, scorer):
    summary = drift_of(scenarios["baseline"], scorer, AS_OF)
    assert not summary["alert"], summary["reasons"]
    assert summary["share_drifted"] < DriftThresholds().share_drifted


def test_baseline_weeks_through_a_year_of_seasons_rarely_alert(scenarios, scorer):
    weeks = pd.date_range("2024-01-01", "2024-12-30", freq="28D")  # 14 weeks, rainy season included
    alerts = [t for t in weeks if drift_of(scenarios["baseline"], scorer, t)["alert"]]
    assert len(alerts) <= 1, alerts


def test_the_summary_names_drifted_features_with_their_risk_types(scenarios, scorer):
    summary = drift_of(scenarios["flood"], scorer, AS_OF)
    assert isinstance(summary["share_drifted"], float)
    drifted = {d["feature"]: d for d in summary["drifted_features"]}
    assert drifted["disaster_12m"]["risk_type"] == "disaster" and drifted["disaster_12m"]["risk_type_zh"] == "因灾"


def test_exact_sum_is_the_exact_sum_of_the_floats_whatever_their_scale():
    from fractions import Fraction

    from riskmodel.monitoring.drift import exact_sum

    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(size=5_000) * 1e4, rng.exponential(size=500) * 1e-9,
                        [-3.5, 1e300, -1e300, 5e-324, -0.0, np.nan]])
    assert exact_sum(x) == sum(Fraction(float(v)) for v in x if v == v)
    halves = exact_sum(x[:2_000]) + exact_sum(x[2_000:])
    assert halves == exact_sum(x[::-1])  # parts add up to the same sum in any order
    assert exact_sum(np.array([np.nan])) == 0


@pytest.mark.parametrize("values", [
    [3.0, -2.0, 7.0, np.nan, 0.0],                        # counts: whole numbers, summed as integers
    [2.0 ** 51, 2.0 ** 51 - 1, -5.0],                    # whole numbers near float64's exact range
    [2.0 ** 52, 2.0 ** 52, 1.0],                         # whole, but their partial sums are not exact in float64
    [1e300, 1e300, -1e300, 3.0],
], ids=["counts", "near-2^52", "past-2^53", "huge"])
def test_exact_sum_of_whole_numbers_is_exact_at_every_scale(values):
    from fractions import Fraction

    from riskmodel.monitoring.drift import exact_sum

    x = np.array(values, dtype=float)
    assert exact_sum(x) == sum(Fraction(float(v)) for v in x if v == v)
    assert exact_sum(x[:1]) + exact_sum(x[1:]) == exact_sum(x[::-1])
