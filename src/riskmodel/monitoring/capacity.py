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

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from riskmodel.contract.regions import COUNTY_DIGITS, TOWNSHIP_DIGITS, county_of, township_of
from riskmodel.listing import CAPACITY_SHARE, top_count
from riskmodel.listing.followup import DEFAULT_COOLDOWN_WEEKS, Cooldown

ALLOCATE = ("eligible", "risk")


@dataclass(frozen=True)
class Capacity:
    """Visits per week: a default share plus per-county and per-township overrides."""

    share: float = CAPACITY_SHARE
    counties: dict[str, int] = field(default_factory=dict)
    townships: dict[str, int] = field(default_factory=dict)
    allocate: str = "eligible"
    cooldown: Cooldown = Cooldown()

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError(f"capacity: share must be in (0, 1], got {self.share}")
        if self.allocate not in ALLOCATE:
            raise ValueError(f"capacity: allocate must be one of {ALLOCATE}, got {self.allocate!r}")
        for level, table, digits in (("counties", self.counties, COUNTY_DIGITS),
                                     ("townships", self.townships, TOWNSHIP_DIGITS)):
            for code, visits in table.items():
                if not (isinstance(code, str) and len(code) == digits and code.isdigit()):
                    raise ValueError(f"capacity: {level} key {code!r} must be a {digits}-digit region code")
                if not isinstance(visits, (int, np.integer)) or isinstance(visits, bool) or visits < 0:
                    raise ValueError(f"capacity: {level}[{code}] must be a whole number of visits ≥ 0, got {visits!r}")

    @classmethod
    def from_mapping(cls, raw: dict | None, *, default_share: float = CAPACITY_SHARE) -> Capacity:
        raw = dict(raw or {})
        unknown = set(raw) - {"share", "counties", "townships", "allocate", "cooldown_weeks"}
        if unknown:
            raise ValueError(f"capacity: unknown keys {sorted(unknown)} "
                             "(allowed: share, counties, townships, allocate, cooldown_weeks)")
        cooldown: dict[str, int] = {}

        def visits(level: str) -> dict[str, int]:
            table = raw.get(level) or {}
            if not isinstance(table, dict):
                raise ValueError(f"capacity: {level} must map region codes to visits per week")
            out = {}
            for code, value in table.items():
                if isinstance(value, dict):  # {visits_per_week: n, cooldown_weeks: w}
                    extra = set(value) - {"visits_per_week", "cooldown_weeks"}
                    if extra or (level == "townships" and "cooldown_weeks" in value):
                        raise ValueError(f"capacity: {level}[{code}]: unknown keys {sorted(extra or {'cooldown_weeks'})}"
                                         " (allowed: visits_per_week" + (", cooldown_weeks)" if level == "counties"
                                                                         else ")"))
                    if "cooldown_weeks" in value:
                        cooldown[str(code)] = value["cooldown_weeks"]
                    if "visits_per_week" not in value:
                        continue
                    value = value["visits_per_week"]
                out[str(code)] = value
            return out

        return cls(share=float(raw.get("share", default_share)), counties=visits("counties"),
                   townships=visits("townships"), allocate=str(raw.get("allocate", "eligible")),
                   cooldown=Cooldown(raw.get("cooldown_weeks", DEFAULT_COOLDOWN_WEEKS), cooldown))

    @classmethod
    def load(cls, path: str | Path, *, default_share: float = CAPACITY_SHARE) -> Capacity:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"{path.name}: not valid YAML: {exc}") from None
        try:
            return cls.from_mapping(raw, default_share=default_share)
        except ValueError as exc:
            raise ValueError(f"{path.name}: {str(exc).removeprefix('capacity: ')}") from None

    def as_dict(self) -> dict:
        return {"share": self.share, "allocate": self.allocate, "counties": dict(sorted(self.counties.items())),
                "townships": dict(sorted(self.townships.items())), "cooldown": self.cooldown.as_dict()}


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
    codes = eligible["region_code"].astype(str)
    frame = pd.DataFrame({"township_code": township_of(codes).to_numpy(),
                          "probability": eligible["probability"].to_numpy(dtype=float)})
    g = frame.groupby("township_code", sort=True)
    out = pd.DataFrame({"eligible": g.size(), "expected": g["probability"].sum()}).reset_index()
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
