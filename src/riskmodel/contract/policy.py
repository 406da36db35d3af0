"""Per-year policy parameters (policy.yaml): monitoring lines and department alert thresholds."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskmodel.config_file import read_yaml

POLICY_FILE = "policy.yaml"


class DeptAlerts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    inpatient_oop_alleviated: float = Field(5000, ge=0)
    inpatient_oop_general: float = Field(20000, ge=0)
    outpatient_oop_monthly: float = Field(500, ge=0)
    education_fees: float = Field(10000, ge=0)


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    monitoring_line: dict[int, float]
    dept_alerts: DeptAlerts = DeptAlerts()
    identification_days_max: int = Field(15, ge=1)
    elimination_min_months: int = Field(6, ge=0)

    def line(self, year: int) -> float:
        """Monitoring line for ``year``; outside the table, the nearest year's line."""
        years = sorted(self.monitoring_line)
        if year in self.monitoring_line:
            return float(self.monitoring_line[year])
        nearest = years[0] if year < years[0] else years[-1] if year > years[-1] else max(y for y in years if y < year)
        return float(self.monitoring_line[nearest])

    @classmethod
    def default(cls) -> Policy:
        """The shipped default (parsed once: the API builds a panel per request)."""
        return _default_policy()

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(), sort_keys=False, allow_unicode=True)


@lru_cache(maxsize=1)
def _default_policy() -> Policy:
    text = resources.files("riskmodel.contract").joinpath("default_policy.yaml").read_text("utf-8")
    return Policy.model_validate(yaml.safe_load(text))


def load_policy(data_dir: str | Path) -> Policy:
    """The data directory's ``policy.yaml`` if present, else the shipped default."""
    path = Path(data_dir) / POLICY_FILE
    if not path.exists():
        return Policy.default()
    raw = read_yaml(path)
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{path.name} breaks the policy format: {exc}") from None
