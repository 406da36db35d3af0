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
