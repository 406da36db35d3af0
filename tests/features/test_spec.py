"""features.yaml: the declarative definitions the pipeline and the explanations share."""

from riskmodel.contract import RISK_TYPES, TABLES
from riskmodel.features import build_features, feature_names, feature_risk_types, feature_specs
from riskmodel.features.spec import risk_types


def test_every_feature_is_described_in_both_languages_with_a_contract_source_and_risk_type():
    specs = feature_specs()
    assert len(specs) >= 60
    for s in specs:
        assert s.zh.strip() and s.en.strip(), s.name
        assert s.source in TABLES, s.name
        assert s.risk_type in RISK_TYPES, s.name
        assert s.window.strip(), s.name


def test_names_are_unique_and_risk_types_cover_names():
    names = feature_names()
    assert len(names) == len(set(names))
    assert list(feature_risk_types()) == names
    assert set(feature_risk_types().values()) <= set(risk_types())


def test_the_issue_risk_types_each_have_a_feature():
    spoken_for = set(feature_risk_types().values())
    for code in ("illness", "disability", "education", "disaster", "accident", "business", "employment",
                 "labor", "housing", "water", "schooling", "insurance", "other"):
        assert code in spoken_for, code


def test_pipeline_emits_exactly_the_declared_columns_in_order():
    from .handmade import AS_OF, frames
    from riskmodel.contract import Panel

    out = build_features(Panel.from_frames(frames()), AS_OF)
    assert list(out.columns) == ["household_id", "region_code", *feature_names()]
