"""How many households each office can visit in a week, and so how long each list is.

Lists are drawn per township (乡镇): the township office does the visits. The default size is
a share of the township's eligible households (rounded up, so every township with eligible
households gets at least one visit). A township can be given its own number of visits per
week; a county can be given a total, which is split over its townships that have no number of
their own, in proportion to their eligible households (or to their expected number of
households at risk, ``allocate: risk``) by largest remainders. The county list is the union
of its township lists.

The same file sets the cool-down after a visit found a household 无风险 (``cooldown_weeks``,
default 13; per county as ``counties: {"530102": {cooldown_weeks: 8}}``), see
``riskmodel.listing.followup``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import core_schema

from riskmodel.config_file import read_yaml
from riskmodel.contract.columns import ID_DTYPE
from riskmodel.contract.regions import COUNTY_DIGITS, TOWNSHIP_DIGITS, county_of, township_of
from riskmodel.listing import CAPACITY_SHARE, top_count
from riskmodel.listing.followup import DEFAULT_COOLDOWN_WEEKS, Cooldown

ALLOCATE = ("eligible", "risk")


class _Rule:
    """A pydantic-core constraint whose failure is one error with this module's wording (the
    file's readers see "must be a 9-digit region code", not pydantic's pattern)."""

    def __init__(self, inner: core_schema.CoreSchema, rule: str, message: str):
        self.inner, self.rule, self.message = inner, rule, message

    def __get_pydantic_core_schema__(self, source, handler) -> core_schema.CoreSchema:
        return core_schema.custom_error_schema(self.inner, self.rule, custom_error_message=self.message)


def _code(digits: int) -> _Rule:
    return _Rule(core_schema.str_schema(pattern=rf"^[0-9]{{{digits}}}$"), "region_code",
                 f"must be a {digits}-digit region code")


CountyCode = Annotated[str, _code(COUNTY_DIGITS)]
TownshipCode = Annotated[str, _code(TOWNSHIP_DIGITS)]
#: Visits per week: a whole number ≥ 0 (1.5 and true are not).
Visits = Annotated[int, _Rule(core_schema.int_schema(strict=True, ge=0), "whole_number",
                              "must be a whole number of visits ≥ 0")]
CooldownWeeks = Annotated[int, _Rule(core_schema.int_schema(strict=True, ge=0), "whole_number",
                                     "cool-down must be a whole number of weeks ≥ 0")]


class Capacity(BaseModel):
    """Visits per week: a default share plus per-county and per-township overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    share: float = Field(default=CAPACITY_SHARE, gt=0, le=1, allow_inf_nan=False)
    counties: dict[CountyCode, Visits] = Field(default_factory=dict)
    townships: dict[TownshipCode, Visits] = Field(default_factory=dict)
    allocate: Literal["eligible", "risk"] = "eligible"
    cooldown: Cooldown = Cooldown()

    @classmethod
    def from_mapping(cls, raw: dict | None, *, default_share: float = CAPACITY_SHARE) -> Capacity:
        """The capacity file's mapping (``serving/capacity.yaml``) as a ``Capacity``; ``ValueError``
        naming the key and the rule if it is not one."""
        if raw is not None and not isinstance(raw, dict):
            raise ValueError(f"capacity: must be a mapping of capacity settings, got {type(raw).__name__}")
        try:
            return CapacityFile.model_validate({"share": default_share, **(raw or {})}).capacity()
        except ValidationError as exc:
            raise ValueError(f"capacity: {_problems(exc)}") from None

    @classmethod
    def load(cls, path: str | Path, *, default_share: float = CAPACITY_SHARE) -> Capacity:
        path = Path(path)
        raw = read_yaml(path)
        try:
            return cls.from_mapping(raw, default_share=default_share)
        except ValueError as exc:
            raise ValueError(f"{path.name}: {str(exc).removeprefix('capacity: ')}") from None

    def as_dict(self) -> dict:
        return {"share": self.share, "allocate": self.allocate, "counties": dict(sorted(self.counties.items())),
                "townships": dict(sorted(self.townships.items())), "cooldown": self.cooldown.as_dict()}


def _entry(value: Any) -> Any:
    """A bare number of visits is short for ``{visits_per_week: n}``."""
    return value if isinstance(value, dict) else {"visits_per_week": value}


class _TownshipEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    visits_per_week: Visits


class _CountyEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    visits_per_week: Visits | None = None
    """None: the county keeps the share rule (an entry with only a cool-down)."""
    cooldown_weeks: CooldownWeeks | None = None


class CapacityFile(BaseModel):
    """``serving/capacity.yaml`` as written: a share, a default cool-down, the allocation rule and
    per-county (visits, cool-down) and per-township (visits) entries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    share: float = Field(default=CAPACITY_SHARE, gt=0, le=1, allow_inf_nan=False)
    cooldown_weeks: CooldownWeeks = DEFAULT_COOLDOWN_WEEKS
    allocate: Literal["eligible", "risk"] = "eligible"
    counties: dict[CountyCode, Annotated[_CountyEntry, BeforeValidator(_entry)]] | None = None
    townships: dict[TownshipCode, Annotated[_TownshipEntry, BeforeValidator(_entry)]] | None = None

    def capacity(self) -> Capacity:
        counties, townships = self.counties or {}, self.townships or {}
        return Capacity(share=self.share, allocate=self.allocate,
                        counties={c: e.visits_per_week for c, e in counties.items() if e.visits_per_week is not None},
                        townships={t: e.visits_per_week for t, e in townships.items()},
                        cooldown=Cooldown(self.cooldown_weeks, {c: e.cooldown_weeks for c, e in counties.items()
                                                                if e.cooldown_weeks is not None}))


def _where(loc: tuple) -> str:
    """``counties[530102].cooldown_weeks`` from a pydantic location."""
    out = ""
    for i, part in enumerate(loc):
        if i == 1 and loc[0] in ("counties", "townships"):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _problems(exc: ValidationError) -> str:
    """The errors of one validation as sentences naming the key and the rule."""
    unknown: dict[tuple, list[str]] = {}
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
        elif loc[-1:] == ("[key]",):
            lines.append(f"{loc[0]} key {loc[1]!r} {err['msg']}")
        else:
            lines.append(f"{_where(loc)}: {err['msg']}, got {err['input']!r}")
    for parent, names in unknown.items():
        model = CapacityFile if not parent else _CountyEntry if parent[0] == "counties" else _TownshipEntry
        where = f"{_where(parent)}: " if parent else ""
        lines.append(f"{where}unknown keys {sorted(names)} (allowed: {', '.join(model.model_fields)})")
    return "; ".join(lines)


def resolve_capacity(capacity, *, default_share: float) -> Capacity:
    """``None`` (settings default), a path to a YAML file, a mapping or a ``Capacity``."""
    if capacity is None:
        return Capacity(share=default_share)
    if isinstance(capacity, Capacity):
        return capacity
    if isinstance(capacity, dict):
        return Capacity.from_mapping(capacity, default_share=default_share)
    return Capacity.load(capacity, default_share=default_share)


def _largest_remainder(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split ``total`` whole visits by ``weights``, never above ``caps`` (ties: first township)."""
    out = np.zeros(len(weights), dtype=np.int64)
    remaining = int(min(total, caps.sum()))
    open_ = caps > 0
    while remaining > 0 and open_.any():
        w = np.where(open_, weights, 0.0)
        if w.sum() <= 0:
            w = open_.astype(float)
        quota = remaining * w / w.sum()
        base = np.minimum(np.floor(quota).astype(np.int64), caps - out)
        out += base
        left = remaining - int(base.sum())
        if left > 0:
            frac = np.where(open_ & (out < caps), quota - np.floor(quota), -1.0)
            order = np.lexsort((np.arange(len(frac)), -frac))
            for i in order[:left]:
                if frac[i] < 0:
                    break
                out[i] += 1
        remaining = int(min(total, caps.sum())) - int(out.sum())
        open_ = out < caps
    return out


def list_sizes(eligible: pd.DataFrame, capacity: Capacity) -> pd.DataFrame:
    """Visits per township this week.

    ``eligible``: one row per eligible household with ``region_code`` and ``probability``.
    Returns one row per township: ``county_code, township_code, eligible, capacity, source``
    (``share``, ``township`` or ``county``), sorted by township code. A list never exceeds the
    township's eligible households.
    """
    # Arrow strings until grouped: no Python string per household of a province
    codes = eligible["region_code"].astype(ID_DTYPE)
    frame = pd.DataFrame({"township_code": township_of(codes).array,
                          "probability": eligible["probability"].to_numpy(dtype=float)})
    g = frame.groupby("township_code", sort=True)
    out = pd.DataFrame({"eligible": g.size(), "expected": g["probability"].sum()}).reset_index()
    out["township_code"] = out["township_code"].astype(object)
    out.insert(0, "county_code", county_of(out["township_code"]))
    n = out["eligible"].to_numpy(dtype=np.int64)
    size = np.array([top_count(capacity.share, k) for k in n], dtype=np.int64)
    source = np.full(len(out), "share", dtype=object)

    own = out["township_code"].map(capacity.townships)
    has_own = own.notna().to_numpy()
    size[has_own] = own[has_own].astype(np.int64).to_numpy()
    source[has_own] = "township"

    for county, total in capacity.counties.items():
        members = (out["county_code"] == county).to_numpy()
        if not members.any():
            continue
        fixed = members & has_own
        free = members & ~has_own
        rest = max(int(total) - int(np.minimum(size[fixed], n[fixed]).sum()), 0)
        weights = (out["expected"] if capacity.allocate == "risk" else out["eligible"]).to_numpy(dtype=float)
        size[free] = _largest_remainder(rest, weights[free], n[free])
        source[free] = "county"

    out["capacity"] = np.minimum(size, n)
    out["source"] = source
    return out[["county_code", "township_code", "eligible", "capacity", "source"]]
