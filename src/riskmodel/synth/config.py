"""Configuration of one synthetic panel: size, period, seed, scenario and region layout."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scenario = Literal["baseline", "flood", "epidemic", "factory_closure", "policy_change"]
SCENARIOS: tuple[str, ...] = ("baseline", "flood", "epidemic", "factory_closure", "policy_change")

#: Default distance of the scenario shock before the panel's end (a weekly run shortly after sees it).
SHOCK_BEFORE_END = dt.timedelta(weeks=8)
#: households per county when the number of counties is not given
HOUSEHOLDS_PER_COUNTY = 15_000
#: the largest panel simulated in one stream (all of it in memory at once)
SINGLE_STREAM_MAX = 5_000_000


class SynthConfig(BaseModel):
    """Everything that determines a panel; same config → byte-identical files."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    households: int = Field(2000, ge=10, le=50_000_000)
    """Up to 5 million in one stream (its simulation is held whole); up to 50 million partitioned."""
    start: dt.date = dt.date(2021, 1, 1)
    end: dt.date = dt.date(2024, 12, 31)
    seed: int = Field(7, ge=0)
    scenario: Scenario = "baseline"
    shock_date: dt.date | None = None
    """When the scenario's shock begins; default 8 weeks before ``end``."""
    counties: int | None = Field(None, ge=1, le=99)
    """Counties in the panel; default grows with the panel (1 per ~15,000 households, 2–8)."""
    townships_per_county: int = Field(8, ge=1, le=99)
    villages_per_township: int = Field(12, ge=1, le=999)
    alleviated_share: float = Field(0.35, gt=0, lt=1)
    """Share of 脱贫户 among panel households (the panel over-samples them, as monitoring does)."""
    partitioned: bool = False
    """Simulate county by county, each with its own random stream, so that memory is bounded by the
    largest county (``riskmodel synth --partitioned``). Same seed → the same files, but not the same
    panel as the single-stream default; counties default to one per ~15,000 households (up to 99)."""

    @model_validator(mode="after")
    def _check(self) -> SynthConfig:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (self.end.year - self.start.year) * 12 + self.end.month - self.start.month < 5:
            raise ValueError("the panel must span at least six months")
        if self.households > SINGLE_STREAM_MAX and not self.partitioned:
            raise ValueError(f"{self.households} households need --partitioned (one stream holds at most "
                             f"{SINGLE_STREAM_MAX:,} in memory)")
        if self.start.year < 2015:
            raise ValueError("start must be 2015 or later (the registration system's era)")
        if self.shock_date is not None and not (self.start <= self.shock_date <= self.end):
            raise ValueError(f"shock_date {self.shock_date} must lie between start and end")
        return self

    @property
    def shock(self) -> dt.date:
        return self.shock_date or max(self.start, self.end - SHOCK_BEFORE_END)

    @property
    def n_counties(self) -> int:
        if self.counties is not None:
            return self.counties
        cap = 99 if self.partitioned else 8
        return int(min(cap, max(2, round(self.households / HOUSEHOLDS_PER_COUNTY))))
