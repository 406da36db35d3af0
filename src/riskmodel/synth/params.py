"""Published figures the generator is calibrated to, each with its source and year.

docs/calibration.md explains every figure; ``calibration.report`` compares a generated panel
against the ``TARGETS`` here. Figures that are modelling assumptions (not published) say so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    value: float
    source: str


# --- incomes -----------------------------------------------------------------------------
#: Per-capita net income of poverty-lifted people (脱贫人口人均纯收入), yuan/year.
ALLEVIATED_INCOME = {
    2020: Figure(10_740, "State Council LGOP / NRRA, 2020 (脱贫人口人均纯收入 10,740元)"),
    2021: Figure(12_550, "NRRA, 2021 (脱贫人口人均纯收入 12,550元)"),
    2022: Figure(14_342, "NRRA, 2022 (脱贫人口人均纯收入 14,342元)"),
}
#: Growth used to extrapolate after the last published year: rural disposable income of
#: poverty-lifted counties (脱贫县农村居民人均可支配收入) 15,111 (2022) → 16,396 (2023) → 17,522 (2024).
ALLEVIATED_GROWTH_AFTER = {
    2023: Figure(16_396 / 15_111, "NBS, 2023: 脱贫县农村居民人均可支配收入 16,396元 vs 15,111元 (+8.5%)"),
    2024: Figure(17_522 / 16_396, "NBS, 2024: 脱贫县农村居民人均可支配收入 17,522元 vs 16,396元 (+6.9%)"),
}
ALLEVIATED_GROWTH_LATER = Figure(1.06, "assumption: ~6% a year after 2024 (trend of the figures above)")

#: Per-capita disposable income of rural residents (全国农村居民人均可支配收入), yuan/year.
GENERAL_INCOME = {
    2020: Figure(17_131, "NBS statistical communiqué 2020"),
    2021: Figure(18_931, "NBS statistical communiqué 2021"),
    2022: Figure(20_133, "NBS statistical communiqué 2022"),
    2023: Figure(21_691, "NBS statistical communiqué 2023"),
    2024: Figure(23_119, "NBS statistical communiqué 2024"),
}
GENERAL_GROWTH_LATER = Figure(1.065, "assumption: ~6.5% a year after 2024 (2023–2024 trend)")

#: Average monthly income of migrant workers (外出农民工月均收入), yuan.
MIGRANT_MONTHLY_WAGE = {
    2020: Figure(4_549, "NBS 农民工监测调查报告 2020 (外出农民工 4,549元)"),
    2021: Figure(5_013, "NBS 农民工监测调查报告 2021 (外出农民工 5,013元)"),
}

# --- households and people ---------------------------------------------------------------
PERSONS_PER_ALLEVIATED_HH = Figure(
    157_000 / 86_000,
    "Zibo (Shandong), registered poor: 86,000 households / 157,000 people → 1.83 persons per household",
)
PERSONS_PER_GENERAL_HH = Figure(
    2.62, "7th national census 2020: 2.62 persons per family household (全国平均每个家庭户 2.62人)",
)
DISABLED_SHARE_ALLEVIATED = Figure(
    0.238, "Jinan (Shandong): 23.8% of registered poor people disabled",
)
DISABLED_SHARE_GENERAL = Figure(
    0.0634, "2nd national sample survey on disability 2006: 6.34% of the population",
)
ELDERLY_SHARE_ALLEVIATED = Figure(
    0.50, "assumption from Shandong reports that most remaining poor were elderly "
          "(老弱病残); we target about half of alleviated people aged 60+",
)

# --- health ------------------------------------------------------------------------------
INPATIENT_RATE = Figure(
    0.18, "NHC statistical bulletin 2021: 24.7 crore admissions / 14.1 crore people ≈ 17.5 per 100 a year",
)
INPATIENT_COST = Figure(
    11_002, "NHC statistical bulletin 2021: average inpatient cost per stay in hospitals 11,002.3元 "
            "(county hospitals are cheaper, 次均 ~ 7,000–8,000)",
)
REIMBURSED_SHARE_GENERAL = Figure(
    0.58, "NHSA 2021: resident insurance pays 69.3% within the policy range; ~58% of total cost actually",
)
REIMBURSED_SHARE_ALLEVIATED = Figure(
    0.80, "triple protection (基本医保+大病保险+医疗救助) for poverty-lifted people: ~80% (NHSA guidance 2021)",
)

# --- identification ----------------------------------------------------------------------
IDENTIFIED_RATE_ALLEVIATED = Figure(
    0.025, "Shandong mid-2022: 56,100 monitoring objects among 1.9 million supported people "
           "(≈3% cumulative over ~2 years) → a few percent a year",
)
IDENTIFIED_RATE_GENERAL = Figure(
    0.004, "well under 1% a year among general households (issue #2; our assumption: 0.4%, accepted 0.1–0.7%)",
)
ILLNESS_MAIN_SHARE = Figure(
    0.44, "national re-checks (国家防返贫监测排查) 2022: illness the main risk of 44% of monitoring objects",
)
