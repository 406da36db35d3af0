"""build_features: point-in-time, one row per eligible household, equal to the naive reference."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmodel.contract import Panel
from riskmodel.features import build_features, feature_names

from .handmade import AS_OF, frames
from .randpanel import END, START, drop_future, drop_future_panel, random_frames, random_panel
from .reference import reference_features

AS_OF_DATES = ["2021-02-01", "2022-12-31", "2023-03-15", "2024-02-29", "2024-06-30", "2025-01-31"]


def assert_matches_reference(panel: Panel, as_of) -> None:
    fast = build_features(panel, as_of)
    slow = reference_features(panel, as_of)
    assert fast["household_id"].tolist() == slow["household_id"].tolist()
    assert fast["region_code"].tolist() == slow["region_code"].tolist()
    for name in feature_names():
        a, b = fast[name].to_numpy(), slow[name].to_numpy(dtype=np.float64)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=f"{name} as of {as_of}")


@pytest.fixture(scope="module")
def handmade() -> Panel:
    return Panel.from_frames(frames())


@pytest.fixture(scope="module", params=[1, 2, 3])
def random(request) -> Panel:
    return random_panel(request.param, households=40)


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_fast_pipeline_matches_the_naive_reference_on_random_panels(random, as_of):
    assert_matches_reference(random, as_of)


@pytest.mark.parametrize("as_of", [AS_OF, "2024-06-15", "2024-07-01", "2022-06-30", "2024-12-31"])
def test_fast_pipeline_matches_the_naive_reference_on_the_handmade_panel(handmade, as_of):
    assert_matches_reference(handmade, as_of)


def test_fast_pipeline_matches_the_naive_reference_on_generator_output(synth_panel):
    ids = synth_panel.households["household_id"].sort_values().iloc[:150]
    small = synth_panel.subset(ids)
    cut = small.cutoff()
    for as_of in (cut - pd.Timedelta(days=400), cut - pd.Timedelta(days=30)):
        assert_matches_reference(small, as_of)


def test_handmade_values_worked_by_hand(handmade):
    out = build_features(handmade, AS_OF).set_index("household_id")
    assert out.index.tolist() == ["H1", "H2", "H3"]  # H4 open monitoring object, H5 registered later
    h1, h2, h3 = out.loc["H1"], out.loc["H2"], out.loc["H3"]
    # H1: the head died in March; spouse, child, parent and a grandchild born in February remain
    assert h1["hh_size"] == 4 and h1["members_left_12m"] == 1 and h1["earner_death_12m"] == 1
    # April 2024 is the only reported month of Apr–Jun (May arrives in July): 1135 yuan × 12 / 4
    assert h1["income_pc_3m"] == pytest.approx(1135 * 12 / 4)
    assert h1["income_months_since_report"] == 2
    # the inpatient claim on the as-of day counts; the one reported after it does not
    assert h1["oop_3m"] == 8000 and h1["inpatient_stays_12m"] == 2 and h1["oop_12m"] == 10300
    assert h1["dibao_active"] == 0 and h1["dibao_ended_12m"] == 1 and h1["days_since_dibao_ended"] == 61
    assert h1["disability_grade_min"] == 2 and h1["disaster_severity_max_12m"] == 3
    assert h1["days_since_adverse_event"] == 0  # disaster reported on the as-of day
    assert h1["monitored_before"] == 1
    # H2: no income rows at all; the spouse leaves after the as-of date, so still counts; the
    # child joining later does not; the job loss reported later is unknown
    assert np.isnan(h2["income_pc_12m"]) and h2["income_months_unreported_12m"] == 12
    assert h2["hh_size"] == 2 and h2["elderly_only"] == 1 and h2["students_college"] == 0
    assert h2["job_loss_12m"] == 0 and h2["public_job_active"] == 1
    # H3: brand new, nothing but a head
    assert h3["hh_size"] == 1 and h3["days_registered"] == 7 and np.isnan(h3["income_pc_3m"])


def test_output_shape_types_and_order(handmade):
    out = build_features(handmade, AS_OF)
    assert list(out.columns) == ["household_id", "region_code", *feature_names()]
    assert out["household_id"].is_monotonic_increasing and out["household_id"].is_unique
    assert all(out[name].dtype == np.float64 for name in feature_names())
    assert out.index.equals(pd.RangeIndex(len(out)))


def test_brand_new_households_without_any_history_get_valid_rows():
    panel = Panel.from_frames({
        "households": pd.DataFrame([{"household_id": "N1", "region_code": "530102001001", "household_type": "general",
                                     "poverty_exit_year": "", "registered_on": "2024-05-01"}]),
        "members": pd.DataFrame([{"member_id": "N1a", "household_id": "N1", "relation": "head", "sex": "F",
                                  "birth_year": "1988", "education": "senior", "in_school": "none",
                                  "labor_skill": "ordinary", "joined_on": "2024-05-01"}]),
    })
    out = build_features(panel, "2024-05-01")
    assert len(out) == 1
    row = out.iloc[0]
    assert row["hh_size"] == 1 and row["labor_capable"] == 1 and row["days_registered"] == 0
    assert np.isnan(row["income_pc_12m"]) and np.isnan(row["days_since_eliminated"])
    assert len(build_features(panel, "2024-04-30")) == 0  # not registered yet: no row, no error


def test_empty_panel_gives_an_empty_table_with_all_columns():
    panel = Panel.from_frames({"households": pd.DataFrame(columns=["household_id", "region_code", "household_type",
                                                                    "poverty_exit_year", "registered_on"]),
                               "members": pd.DataFrame(columns=["member_id", "household_id", "relation", "sex",
                                                                "birth_year", "education", "in_school",
                                                                "labor_skill", "joined_on"])})
    out = build_features(panel, "2024-01-01")
    assert len(out) == 0 and list(out.columns) == ["household_id", "region_code", *feature_names()]


def test_uses_exactly_what_panel_as_of_shows(random):
    for as_of in AS_OF_DATES:
        pd.testing.assert_frame_equal(build_features(random, as_of), build_features(random.as_of(as_of), as_of))


@lru_cache(maxsize=None)
def _pool_panel(seed: int) -> tuple[dict, Panel]:
    frames_ = random_frames(seed, households=25)
    return frames_, Panel.from_frames(frames_)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 5),
    day=st.integers(0, (END - START).days),
    keep_a=st.floats(0, 1),
    keep_b=st.floats(0, 1),
    drop_seed=st.integers(0, 2**32 - 1),
)
def test_features_as_of_t_ignore_records_reported_later(seed, day, keep_a, keep_b, drop_seed):
    """Truncating or adding records the office could not see at t never changes features at t."""
    as_of = START + pd.Timedelta(days=day)
    _, full = _pool_panel(seed)
    expected = build_features(full, as_of)
    for keep, salt in ((keep_a, 1), (keep_b, 2), (0.0, 3)):
        variant = drop_future_panel(full, as_of, keep, drop_seed + salt)
        pd.testing.assert_frame_equal(build_features(variant, as_of), expected, check_exact=True)


def test_dropping_later_records_keeps_random_panels_valid():
    """The property test's variants skip re-validation; check once that they would pass it."""
    frames_, full = _pool_panel(0)
    for as_of in ("2022-01-01", "2023-07-15"):
        Panel.from_frames(drop_future(frames_, as_of, 0.5, 11))
        variant = drop_future_panel(full, as_of, 0.5, 11)
        assert len(variant.households) < len(full.households)


def test_a_record_counts_from_its_reported_on_day_not_before():
    """The boundary the property test relies on: reported on t is known at t, a day later is not."""
    raw = frames()
    claims = raw["medical_claims"].copy()
    claims.loc[claims["claim_id"] == "C1", "reported_on"] = "2024-07-01"
    late = Panel.from_frames({**raw, "medical_claims": claims})
    on_time = Panel.from_frames(raw)
    oop = lambda panel, t: build_features(panel, t).set_index("household_id").loc["H1", "oop_3m"]  # noqa: E731
    assert oop(on_time, AS_OF) == 8000
    assert oop(late, AS_OF) == 0
    assert oop(late, "2024-07-01") == 8000


def test_one_household_panel_is_cheap(handmade):
    """Per-call overhead matters for the API (one household per request); a loose guard only,
    the figure itself is printed by bench/bench_features.py."""
    one = handmade.subset(["H1"])
    build_features(one, AS_OF)
    import time

    start = time.perf_counter()
    for _ in range(5):
        build_features(one, AS_OF)
    assert (time.perf_counter() - start) / 5 < 0.5


@pytest.mark.parametrize("change", ["yaml has one more", "yaml lacks one"])
def test_pipeline_and_features_yaml_must_name_the_same_columns(handmade, monkeypatch, change):
    import riskmodel.features.build as build

    names = feature_names()
    declared = [*names, "not_computed"] if change == "yaml has one more" else names[1:]
    monkeypatch.setattr(build, "feature_names", lambda: declared)
    expected = "only in yaml \\['not_computed'\\]" if change == "yaml has one more" else f"only computed \\['{names[0]}'\\]"
    with pytest.raises(RuntimeError, match=expected):
        build_features(handmade, AS_OF)
