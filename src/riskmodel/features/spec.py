"""The declarative side of features: ``features/*.yaml`` at the top of the repository.

The package reads them through ``riskmodel/definitions`` (a link to ``features/``), so the
files a reader sees in the tree are the ones the code uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from riskmodel.contract.schema import RISK_TYPES


@dataclass(frozen=True)
class RiskType:
    code: str
    zh: str
    en: str
    measures: tuple[str, ...]


def _read(name: str):
    return yaml.safe_load(resources.files("riskmodel").joinpath("definitions", name).read_text("utf-8"))


@lru_cache(maxsize=1)
def risk_types() -> dict[str, RiskType]:
    """The one risk-type map: code → Chinese/English name and suggested measures."""
    raw = _read("risk_types.yaml")
    unknown = set(raw) - set(RISK_TYPES)
    missing = set(RISK_TYPES) - set(raw)
    if unknown or missing:
        raise ValueError(f"risk_types.yaml must list exactly the contract's codes; unknown {sorted(unknown)}, missing {sorted(missing)}")
    return {code: RiskType(code, raw[code]["zh"], raw[code]["en"], tuple(raw[code]["measures"])) for code in RISK_TYPES}


@dataclass(frozen=True)
class FeatureSpec:
    """One model feature as ``features.yaml`` declares it."""

    name: str
    zh: str
    en: str
    source: str
    window: str
    risk_type: str


_SPEC_KEYS = ("name", "zh", "en", "source", "window", "risk_type")


@lru_cache(maxsize=1)
def feature_specs() -> tuple[FeatureSpec, ...]:
    """The feature definitions, in output order, checked against the contract."""
    from riskmodel.contract.schema import TABLES

    raw = _read("features.yaml")
    if not isinstance(raw, list):
        raise ValueError("features.yaml must be a list of feature definitions")
    specs: list[FeatureSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        keys = set(entry) if isinstance(entry, dict) else set()
        if keys != set(_SPEC_KEYS):
            raise ValueError(f"features.yaml entry {i}: needs exactly the keys {', '.join(_SPEC_KEYS)}; got {sorted(keys)}")
        spec = FeatureSpec(**{k: str(entry[k]) for k in _SPEC_KEYS})
        if spec.name in seen:
            raise ValueError(f"features.yaml entry {i}: feature {spec.name!r} is defined twice")
        if spec.risk_type not in RISK_TYPES:
            raise ValueError(f"features.yaml entry {i} ({spec.name}): risk_type {spec.risk_type!r} is not a contract code ({', '.join(RISK_TYPES)})")
        if spec.source not in TABLES:
            raise ValueError(f"features.yaml entry {i} ({spec.name}): source {spec.source!r} is not a contract table")
        seen.add(spec.name)
        specs.append(spec)
    return tuple(specs)


def feature_names() -> list[str]:
    """Feature column names in the order ``build_features`` emits them."""
    return [s.name for s in feature_specs()]


def feature_risk_types() -> dict[str, str]:
    """Feature name → the risk type code it speaks for (explanations sum by these)."""
    return {s.name: s.risk_type for s in feature_specs()}
