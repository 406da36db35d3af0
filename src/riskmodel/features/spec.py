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


#: How a feature's contribution is attributed to risk types (``explain`` in features.yaml):
#: ``fixed`` to its own ``risk_type``; ``by_cause`` (an income or resources level, assistance,
#: history: says *that* a household is short, not *why*) split over the risk types in proportion
#: to the household's ``cause`` features; ``context`` (calendar, data coverage) split like the
#: household's other reasons.
EXPLAIN_MODES = ("fixed", "by_cause", "context")


@dataclass(frozen=True)
class FeatureSpec:
    """One model feature as ``features.yaml`` declares it."""

    name: str
    zh: str
    en: str
    source: str
    window: str
    risk_type: str
    explain: str = "fixed"
    cause: int = 0
    """+1: the value (yuan per person a year) is a shortfall evidencing ``risk_type``; −1: its negative is."""
    monotone: int = 0
    """LightGBM monotone constraint: −1 risk never rises with the value, +1 never falls."""


_SPEC_KEYS = ("name", "zh", "en", "source", "window", "risk_type")
_OPTIONAL_KEYS = ("explain", "cause", "monotone")


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
        if not set(_SPEC_KEYS) <= keys <= set(_SPEC_KEYS) | set(_OPTIONAL_KEYS):
            raise ValueError(f"features.yaml entry {i}: needs the keys {', '.join(_SPEC_KEYS)} (optional "
                             f"{', '.join(_OPTIONAL_KEYS)}); got {sorted(keys)}")
        spec = FeatureSpec(**{k: str(entry[k]) for k in _SPEC_KEYS}, explain=str(entry.get("explain", "fixed")),
                           cause=int(entry.get("cause", 0)), monotone=int(entry.get("monotone", 0)))
        if spec.explain not in EXPLAIN_MODES:
            raise ValueError(f"features.yaml entry {i} ({spec.name}): explain {spec.explain!r} is not one of "
                             f"{', '.join(EXPLAIN_MODES)}")
        if spec.cause not in (-1, 0, 1) or spec.monotone not in (-1, 0, 1):
            raise ValueError(f"features.yaml entry {i} ({spec.name}): cause and monotone must be -1, 0 or 1")
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
    """Feature column names in the order ``build_features`` emits them (a new list each call)."""
    return list(_names())


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    """Read from the (cached) specs once, not per call: the API asks for them once per request."""
    return tuple(s.name for s in feature_specs())


def feature_risk_types() -> dict[str, str]:
    """Feature name → the risk type code it speaks for (explanations sum by these)."""
    return {s.name: s.risk_type for s in feature_specs()}
