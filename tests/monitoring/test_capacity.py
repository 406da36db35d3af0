import pandas as pd
import pytest

from riskmodel.monitoring.capacity import Capacity, list_sizes, resolve_capacity


def eligible(counts: dict[str, int], probability: float = 0.1) -> pd.DataFrame:
    rows = [(f"{t}{i:03d}", p) for t, n in counts.items() for i in range(n) for p in [probability]]
    return pd.DataFrame({"region_code": [r for r, _ in rows], "probability": [p for _, p in rows]})


def sizes(counts, cap):
    return list_sizes(eligible(counts), cap).set_index("township_code")["capacity"].to_dict()


def test_default_share_rounds_up_so_every_township_gets_a_visit():
    got = sizes({"530102001": 100, "530102002": 101, "530103001": 3}, Capacity(share=0.02))
    assert got == {"530102001": 2, "530102002": 3, "530103001": 1}


def test_a_township_override_is_visits_per_week_but_never_more_than_eligible():
    got = sizes({"530102001": 100, "530102002": 5}, Capacity(share=0.02, townships={"530102001": 7, "530102002": 50}))
    assert got == {"530102001": 7, "530102002": 5}


def test_a_county_total_is_split_over_its_townships_by_eligible_households():
    counts = {"530102001": 300, "530102002": 100, "530102003": 100, "530103001": 100}
    got = sizes(counts, Capacity(share=0.02, counties={"530102": 11}))
    assert got["530102001"] + got["530102002"] + got["530102003"] == 11
    assert got["530102001"] == 7  # 6.6 → 7 by the largest remainder
    assert got["530103001"] == 2  # other counties keep the default share


def test_a_county_total_leaves_townships_with_their_own_number_alone():
    counts = {"530102001": 100, "530102002": 100}
    got = sizes(counts, Capacity(share=0.02, counties={"530102": 10}, townships={"530102001": 4}))
    assert got == {"530102001": 4, "530102002": 6}


def test_risk_allocation_gives_more_visits_where_more_households_are_at_risk():
    frame = pd.concat([eligible({"530102001": 100}, 0.3), eligible({"530102002": 100}, 0.1)])
    out = list_sizes(frame, Capacity(counties={"530102": 8}, allocate="risk")).set_index("township_code")
    assert out.loc["530102001", "capacity"] == 6 and out.loc["530102002", "capacity"] == 2


def test_config_file_round_trip_and_clear_errors(tmp_path):
    path = tmp_path / "capacity.yaml"
    path.write_text("share: 0.05\ncounties:\n  '530102': 40\ntownships:\n  '530102001': {visits_per_week: 12}\n", "utf-8")
    cap = resolve_capacity(path, default_share=0.02)
    assert cap == Capacity(share=0.05, counties={"530102": 40}, townships={"530102001": 12})
    path.write_text("share: 0.05\ntownships:\n  '5301': 3\n", "utf-8")
    with pytest.raises(ValueError, match="capacity.yaml: townships key '5301' must be a 9-digit region code"):
        resolve_capacity(path, default_share=0.02)
    with pytest.raises(ValueError, match="unknown keys"):
        Capacity.from_mapping({"shares": 0.1})
    with pytest.raises(ValueError, match="whole number"):
        Capacity.from_mapping({"counties": {"530102": -1}})


def test_the_shipped_default_config_loads():
    from pathlib import Path

    cap = Capacity.load(Path(__file__).parents[2] / "serving" / "capacity.yaml")
    assert 0 < cap.share <= 0.1


def test_cooldown_default_and_per_county_from_the_capacity_file(tmp_path):
    path = tmp_path / "capacity.yaml"
    path.write_text('cooldown_weeks: 10\ncounties:\n  "530102": {visits_per_week: 12, cooldown_weeks: 4}\n'
                    '  "530103": {cooldown_weeks: 0}\n', "utf-8")
    cap = Capacity.load(path)
    assert cap.counties == {"530102": 12}  # a county with only a cool-down keeps the share rule
    assert cap.cooldown.weeks(pd.Series(["530102", "530103", "530104"])).tolist() == [4, 0, 10]
    assert Capacity().cooldown.default_weeks == 13
    path.write_text('counties:\n  "530102": {cooldown_weeks: -1}\n', "utf-8")
    with pytest.raises(ValueError, match=r"counties\[530102\]\.cooldown_weeks: cool-down must be a whole number"):
        Capacity.load(path)
    path.write_text('townships:\n  "530102001": {cooldown_weeks: 3}\n', "utf-8")
    with pytest.raises(ValueError, match=r"townships\[530102001\]: unknown keys \['cooldown_weeks'\]"):
        Capacity.load(path)


@pytest.mark.parametrize(("raw", "message"), [
    ({"share": 0}, "share: Input should be greater than 0, got 0"),
    ({"share": 1.5}, "share: Input should be less than or equal to 1, got 1.5"),
    ({"allocate": "all"}, "allocate: Input should be 'eligible' or 'risk', got 'all'"),
    ({"counties": {"530102": 1.5}}, "counties[530102].visits_per_week: must be a whole number of visits ≥ 0, got 1.5"),
    ({"counties": {"530102": True}}, "counties[530102].visits_per_week: must be a whole number of visits ≥ 0, got True"),
    ({"counties": {"5301": 3}}, "counties key '5301' must be a 6-digit region code"),
    ({"counties": "all of them"}, "counties: Input should be a valid dictionary, got 'all of them'"),
    ({"cooldown_weeks": 2.5}, "cooldown_weeks: cool-down must be a whole number of weeks ≥ 0, got 2.5"),
    ({"counties": {"530102": {"visits": 3}}},
     "counties[530102]: unknown keys ['visits'] (allowed: visits_per_week, cooldown_weeks)"),
    ([1, 2], "must be a mapping of capacity settings, got list"),
])
def test_each_rule_of_the_capacity_file_is_a_clear_error_naming_the_key(raw, message):
    with pytest.raises(ValueError) as caught:
        Capacity.from_mapping(raw)
    assert str(caught.value) == f"capacity: {message}"


def test_capacity_is_a_frozen_validated_model():
    from pydantic import ValidationError

    cap = Capacity(counties={"530102": 3})
    with pytest.raises(ValidationError, match="frozen"):
        cap.share = 0.5
    with pytest.raises(ValidationError, match="must be a 9-digit region code"):
        Capacity(townships={"53010200": 3})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Capacity(share=2)
