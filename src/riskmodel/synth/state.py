"""The simulation's typed state: what every process reads and changes, with readable names.

Arrays are indexed by household (``Households``, ``Support``, ``Burdens``, ``Process``) or by
person (``People``; only the first ``n`` of ``capacity`` slots are in use). Money is yuan;
latent amounts of the income model are at 2020 prices, scaled by the growth index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import numpy as np

NONE = np.iinfo(np.int32).max  # "no date" in day-number arrays


@dataclass
class Calendar:
    """Simulated months: a burn-in year before the panel and a few months after its end."""

    month_day: np.ndarray = None  # first day of each month (day number)
    month_len: np.ndarray = None  # days in the month
    month_year: np.ndarray = None
    month_moy: np.ndarray = None  # 1–12
    months: int = 0  # panel months (T)
    burn_in: int = 0  # months simulated before the panel's start (B)
    growth: dict[bool, np.ndarray] = None  # income level relative to 2020, alleviated (True) / general
    line: np.ndarray = None  # monitoring line in force each month, yuan per person per year
    start_day: int = 0
    end_day: int = 0
    shock_day: int = 0
    shock_month: int = 0


@dataclass
class Households:
    village: np.ndarray = None
    township: np.ndarray = None
    county: np.ndarray = None
    alleviated: np.ndarray = None
    registered: np.ndarray = None  # day the household entered the system
    exit_year: np.ndarray = None
    relocated: np.ndarray = None
    dissolved: np.ndarray = None  # every member has left
    head: np.ndarray = None    # person index of the registered head
    farming: np.ndarray = None
    business_base: np.ndarray = None   # latent monthly farm income (2020 prices)
    property_base: np.ndarray = None
    transfer_base: np.ndarray = None   # remittances and other transfers
    business_factor: np.ndarray = None  # 1 = normal; falls after failures and disasters, recovers
    income_scale: np.ndarray = None
    target_income_pc: np.ndarray = None

    @property
    def n(self) -> int:
        return len(self.alleviated)


@dataclass
class People:
    """Person arrays with spare capacity for births and in-marriages."""

    n: int = 0
    capacity: int = 0
    household: np.ndarray = None
    relation: np.ndarray = None
    sex: np.ndarray = None
    birth_year: np.ndarray = None
    education: np.ndarray = None
    in_school: np.ndarray = None  # as recorded at registration
    labor_skill: np.ndarray = None  # as recorded at registration
    joined: np.ndarray = None
    left: np.ndarray = None
    left_reason: np.ndarray = None
    disability_grade: np.ndarray = None  # 0 none, 1 most severe … 4
    chronic: np.ndarray = None
    chronic_group: np.ndarray = None
    school_track: np.ndarray = None  # 0 stops after compulsory, 1 senior high → college, 2 vocational
    earnings: np.ndarray = None  # latent monthly earnings when working (2020 prices)
    migrant: np.ndarray = None
    months_out_of_work: np.ndarray = None  # job loss
    months_sick: np.ndarray = None  # illness, accident
    work_capacity: np.ndarray = None  # share of earnings left after disability / chronic illness
    uninsured: np.ndarray = None
    disability_living: np.ndarray = None  # monthly subsidy, yuan
    disability_living_start: np.ndarray = None
    disability_care: np.ndarray = None
    disability_care_start: np.ndarray = None
    pension_premium_start: np.ndarray = None

    #: fill of new slots when the arrays grow (others repeat the last slot, as before)
    _DATE_FIELDS = ("left", "disability_living_start", "disability_care_start", "pension_premium_start")

    def present(self) -> np.ndarray:
        return np.flatnonzero(self.left[: self.n] == NONE)

    def grow(self, k: int) -> None:
        if self.n + k <= self.capacity:
            return
        extra = max(k, self.capacity // 4)
        for f in fields(self):
            arr = getattr(self, f.name)
            if not isinstance(arr, np.ndarray) or arr.shape[0] != self.capacity:
                continue
            fill = False if arr.dtype == np.dtype(bool) else NONE if f.name in self._DATE_FIELDS else arr[-1]
            setattr(self, f.name, np.concatenate([arr, np.full(extra, fill, dtype=arr.dtype)]))
        self.capacity += extra


@dataclass
class Support:
    """Assistance spells in force and payments on their way (household level)."""

    dibao: np.ndarray = None  # monthly 低保 at 2020 prices
    dibao_start: np.ndarray = None
    dibao_amount: np.ndarray = None  # as granted (0: initial spells, amount from the level)
    tekun: np.ndarray = None
    tekun_start: np.ndarray = None
    public_job: np.ndarray = None
    public_job_start: np.ndarray = None
    public_job_end: np.ndarray = None
    dividend: np.ndarray = None
    paid_insurance_year: np.ndarray = None
    due: np.ndarray = None  # (month, household) one-off payments arriving


@dataclass
class Burdens:
    medical: np.ndarray = None  # decayed ~12-month sum of medical out-of-pocket
    losses: np.ndarray = None  # decayed ~12-month sum of other losses
    by_cause: np.ndarray = None  # (household, risk type) decayed amounts: what built the hardship


@dataclass
class Process:
    """The identification process: who is monitored, screening calendar, pushes this month."""

    monitored: np.ndarray = None
    row: np.ndarray = None  # monitoring row of the open spell
    identified_day: np.ndarray = None
    last_outpatient_push: np.ndarray = None
    screening: np.ndarray = None  # (county, month) bool
    push_probability: dict = None  # P(inpatient push) by alleviated?
    pushes: list = field(default_factory=list)


def day(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def jan_first(years: np.ndarray) -> np.ndarray:
    """Day numbers of 1 January of each year."""
    return (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def mid_year(years: np.ndarray) -> np.ndarray:
    """Day numbers of mid-year (day 182) of each year: a birthday when only the year is known."""
    return jan_first(years) + 181


def annual_to_monthly(p):
    return 1.0 - np.power(1.0 - np.clip(p, 0, 0.999), 1.0 / 12.0)
