"""Published figures the generator is calibrated to, each with its source and year.

docs/calibration.md explains every figure; ``calibration.report`` compares a generated panel
against the ``TARGETS`` here. Figures that are modelling assumptions (not published) say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as _np


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


# =========================================================================================
# Model parameters of the simulation. Unless a source is named these are ASSUMPTIONS chosen
# so that the generated panel meets the published figures above (docs/calibration.md); the
# processes (demography, income, health, shocks, assistance, identification) read them here.
# =========================================================================================
BASIC_PENSION_2020 = Figure(150.0, "城乡居民基础养老金, Shandong minimum ≈ 142 yuan/month (2020); grows with income")

# --- seasonality (index 0 = January), each normalised to mean 1 ---------------------------
WAGE_SEASON = _np.array([1.3, 0.5, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.3])
#: Shandong farming: spring inputs (Mar–Apr), wheat harvest (Jun), maize/peanut harvest (Sep–Oct)
BUSINESS_SEASON = _np.array([0.5, 0.4, -0.3, -0.1, 0.6, 2.8, 0.6, 0.5, 1.8, 2.6, 1.0, 1.0])
PROPERTY_SEASON = _np.array([1.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 2.4])
#: floods, hail and storms concentrate in the rainy season (Jun–Sep)
DISASTER_SEASON = _np.array([0.3, 0.3, 0.4, 0.5, 0.8, 1.5, 3.0, 3.0, 1.4, 0.4, 0.2, 0.2])
for _a in (WAGE_SEASON, BUSINESS_SEASON, PROPERTY_SEASON, DISASTER_SEASON):
    _a /= _a.mean()

# --- health costs ------------------------------------------------------------------------
#: inpatient cost by diagnosis group: median (2020 yuan) of a lognormal with sigma 0.6
INPATIENT_MEDIAN = _np.array([22000, 14000, 11000, 8000, 9000, 5000, 8000, 4500], dtype=float)
#: monthly chronic outpatient cost medians by group (dialysis makes renal expensive)
CHRONIC_OUT_MEDIAN = _np.array([1800, 380, 3200, 320, 300, 300, 320, 300], dtype=float)
#: group mix of chronic conditions (cancer, cardio, renal, mental, …, chronic_other)
CHRONIC_GROUP_P = _np.array([0.05, 0.45, 0.015, 0.10, 0, 0, 0.385, 0])
#: diagnosis mix of inpatient stays (adults, children) by DIAGNOSIS_GROUPS
INPATIENT_GROUP_ADULT = _np.array([.06, .13, .03, .03, .14, 0, .13, .48])
INPATIENT_GROUP_CHILD = _np.array([0, 0, 0, .01, .22, 0, .03, .74])
#: diagnosis mix used to estimate the chance an inpatient stay crosses the push threshold
INPATIENT_GROUP_PUSH = _np.array([.06, .14, .04, .04, .15, .05, .14, .38])
COST_GROWTH = 1.03           # medical costs per year after 2020
DISABILITY_GRADE_P = [.12, .23, .30, .35]   # grades 1–4 among the disabled
DISABILITY_CAPACITY = (0.2, 0.6)            # work capacity left, grade 1–2 / 3–4
CHRONIC_CAPACITY = 0.8                      # work capacity left with a chronic condition

# --- the identification process (hazards of the latent distress s in [0, 1]) ---------------
DISTRESS_CENTER = (0.92, 0.65)   # resources/line where s = 0.5 (alleviated, general)
DISTRESS_WIDTH = 0.12
SELF_DECLARE = (0.010, 0.003)     # monthly, × s (alleviated, general)
SCREEN_FIND = (0.27, 0.055)       # per cadre screening, × s
SCREEN_SPRING = (3, 4, 5)         # each county screens in one of these months every year
SCREEN_AUTUMN = (9, 10, 11)       # … and in one of these with probability SCREEN_AUTUMN_P
SCREEN_AUTUMN_P = 0.6
PUSH_VERIFY = ((0.005, 0.30), (0.002, 0.12))  # p = a + b × s after a pushed event (alleviated, general)
INCOME_ADJUST = (0.92, 0.98)      # latent 2020 income level relative to the published mean
SHOCK_DROP = (0.0, 0.6)           # typical fall of resources/line after a pushed event (for the oracle)
CHRONIC_PUSH = 0.45               # monthly push chance of a renal or cancer chronic patient (oracle)
BASE_PUSH = 0.002                 # other pushes per household and month (oracle)
ELIMINATE_RATIO = 1.25            # resources/line from which a monitored household may be eliminated
ELIMINATE_MONTHLY = 0.25
BURDEN_DECAY = 0.92               # monthly decay of medical and loss burdens (≈ a 12-month sum)
CAUSE_DECAY = 0.95                # monthly decay of the amounts by cause (risk types)
BUSINESS_RECOVERY = 0.08          # monthly recovery of farm income after a failure or disaster
SCREEN_DAYS = (12, 10)            # a screening starts before the month's last 12 days and finds within 10
#: risk types recorded at identification: burdens by cause plus a structural shortfall below
#: STRUCTURAL_LINE × the line (labour, × 1.0 without an able member else × 0.3; other: a + b × it)
STRUCTURAL_LINE = 1.3
STRUCTURAL_LABOR = (1.0, 0.3)
ABLE_CAPACITY = 0.8               # work capacity from which a member counts as able
STRUCTURAL_OTHER = (300, 0.1)
RECORDED_RISK_TYPES = 3           # at most this many risk types, each at least …
RISK_TYPE_KEEP = 0.4              # … this share of the main one's weight
#: category: sudden (突发严重困难户) when the main type is a shock and the year's shock costs exceed
#: this share of income (general households; alleviated ones above the second with the chance)
SUDDEN_SHOCK_SHARE = (0.35, 0.8, 0.3)

# --- shocks (assumptions, tuned to the calibration figures) --------------------------------
JOB_LOSS_YEARLY = (0.07, 0.03)            # migrant, local workers
JOB_LOSS_SEEN = (0.75, 0.3)               # share of job losses the HR department reports (migrant, local)
EPIDEMIC_JOB_LOSS = 1.5
FACTORY_TOWN_SHARE = 0.25                 # factory_closure: share of townships hit
FACTORY_JOB_LOSS = (0.7, 0.3)             # … share of migrant, local workers there who lose their job
BUSINESS_FAILURE_YEARLY = 0.015
BUSINESS_FAILURE_LOSS = 12000             # median loss (2020 yuan)
DISASTER_TOWN_YEARLY = 0.10               # chance a township is hit (before seasonality)
DISASTER_SEVERITY_P = [.55, .30, .12, .03]
FLOOD_SEVERITY_P = [.1, .2, .35, .35]
DISASTER_LOSS = [1500, 5000, 15000, 40000]  # median loss by severity 1–4 (2020 yuan)
DISASTER_LOSS_NONFARM = 0.6
DISASTER_FARM_INCOME_LOSS = 0.12          # share of farm income lost per severity grade
HOUSING_UNSAFE_YEARLY = (0.006, 0.002)    # alleviated, general
WATER_UNSAFE_VILLAGE_YEARLY = 0.003
WATER_LOSS = 2500                         # latent cost of unsafe water (no amount reported)
UNINSURED_YEARLY = (0.004, 0.02)          # found in the January–March enrolment check
UNINSURED_LOSS = 3000
DROPOUT_YEARLY = (0.004, 0.002)
DROPOUT_LOSS = 4000
#: yearly school costs (2020 yuan) of senior high, vocational school and college; halved by 教育资助
SCHOOL_COST = {"senior": 3500.0, "vocational": 2500.0, "college": 16000.0}
#: months out of work after a job loss: base + geometric(1 / mean) (migrant, local, factory closure)
JOB_SPELL = {"migrant": (1, 4), "local": 2, "factory": (6, 4)}
BUSINESS_FAILURE_MIN_INCOME = 50          # farms with a smaller monthly income do not fail visibly
BUSINESS_FAILURE_FACTOR = (-0.3, 0.2)     # farm income after a failure, × the usual (uniform)
BUSINESS_FAILURE_SIGMA = 0.7
DISASTER_HOUSEHOLD_SHARE = (0.1, 0.5)     # households affected in a township hit (uniform) …
FLOOD_HOUSEHOLD_SHARE = (0.5, 0.8)        # … and in the flood scenario's county
DISASTER_LOSS_SIGMA = 0.5
DISASTER_RELIEF_P = 0.5                   # serious (severity 3–4) disasters followed by 临时救助
DISASTER_HOUSE_P = 0.3                    # severity-4 disasters that leave the house unsafe …
DISASTER_HOUSE_LOSS = (20000, 50000)      # … at this loss (uniform)
HOUSING_UNSAFE_LOSS = (15000, 45000)      # other houses found unsafe (uniform)
UNINSURED_STAYS = 0.4                     # the uninsured still uninsured after January's enrolment
UNINSURED_CHECK_MONTHS = 3                # found uninsured in the enrolment check, January to March
DISASTER_SPREAD_DAYS = 3                  # a disaster reaches a township's households within these days
COMPULSORY_SCHOOL_AGES = (7, 15)
#: latent burdens (yuan) by cause that have no reported amount
WATER_BURDEN = 4000
UNINSURED_BURDEN = 5000
DROPOUT_BURDEN = 8000

# --- health (assumptions unless the published figures above are named) ---------------------
EPIDEMIC_INPATIENT = 2.0                  # epidemic scenario: inpatient stays ×
EPIDEMIC_CHRONIC = 1.5                    # … and chronic registrations ×
CHRONIC_ONSET = (0.003, 0.0007)           # yearly: a + b × years over CHRONIC_AGE_FROM
CHRONIC_AGE_FROM = 30                     # chronic onset and prevalence grow with years over this age
CHRONIC_OWN_STAY = 0.6                    # share of a chronic patient's stays for the condition
CANCER_SHARE_CUT = 0.08                   # cancer stays: lower reimbursed share
MEDICAL_RELIEF_FROM = 2000                # out-of-pocket above which 医疗救助 may pay
MEDICAL_RELIEF_P = 0.6
MEDICAL_RELIEF_SHARE = (0.3, 0.6)
CHRONIC_OUTPATIENT_MONTHLY = 0.6          # chance a chronic patient claims in a month
OUTPATIENT_MONTHLY = 0.03                 # ordinary outpatient visits per person and month
OUTPATIENT_COST = 250                     # median (2020 yuan)
DISABILITY_ONSET = (0.0015, 0.00025)      # yearly: a + b × years over DISABILITY_AGE_FROM (× 2 with a chronic condition)
DISABILITY_AGE_FROM = 40
INPATIENT_ADULT_AGE = 15                  # the adult diagnosis mix of inpatient stays from this age
OUTPATIENT_PUSH_DAYS = 365                # the outpatient alert fires at most once in this many days per household
DISABILITY_CARE = 100.0                   # 重度残疾人护理补贴, yuan/month
DISABILITY_LIVING = 90.0                  # 困难残疾人生活补贴, yuan/month
ACCIDENT_YEARLY = 0.006
ACCIDENT_LOSS = 5000                      # median (2020 yuan)
#: yearly inpatient stays of a person: a + b × years over INPATIENT_AGE_FROM (outside an epidemic) …
INPATIENT_YEARLY = (0.05, 0.005)
INPATIENT_AGE_FROM = 35
INPATIENT_CHRONIC = 1.8                   # … × with a chronic condition
INPATIENT_DISABLED = 1.4                  # … × with a disability
#: reimbursed share of a claim (alleviated or monitored or 低保, other households): the mean of a beta
INPATIENT_SHARE = (REIMBURSED_SHARE_ALLEVIATED.value, REIMBURSED_SHARE_GENERAL.value)
CHRONIC_OUTPATIENT_SHARE = (0.80, 0.62)
OUTPATIENT_SHARE = (0.65, 0.5)
ACCIDENT_SHARE = (0.75, 0.5)
#: lognormal sigma of costs around their medians
INPATIENT_COST_SIGMA = 0.6
CHRONIC_OUTPATIENT_SIGMA = 0.5
OUTPATIENT_COST_SIGMA = 0.6
ACCIDENT_LOSS_SIGMA = 0.8
PUSH_COST_GROWTH = 1.2                    # costs above 2020 assumed when estimating the push probability
OUTPATIENT_ACUTE_SHARE = 0.9              # ordinary outpatient claims for acute illness (the rest injuries)
CHRONIC_REGISTRATION_BURDEN = 2000        # latent illness burden a chronic registration adds (yuan)
DISABILITY_BURDEN = 6000.0                # latent disability burden, × (5 − grade) / 2
DISABILITY_CHRONIC = 2.0                  # disability onset × with a chronic condition
DISABILITY_CARE_P = 0.8                   # severe (grade 1–2) disabled who get the care subsidy
DISABILITY_LIVING_P = 0.8                 # poor disabled who get the living subsidy
SICK_MONTHS = {"stay": 1, "cancer_stay": 3, "accident": 2}   # months out of work
ACCIDENT_AGES = (15, 75)
ACCIDENT_INJURY_P = 0.6                   # accidents with an inpatient injury claim
ACCIDENT_RELIEF_P = 0.3                   # accidents followed by 临时救助

# --- reporting lags: days from the event (or service, or month end) until it reaches the data ---
LAG = {
    "claim": (2, 40), "outpatient_claim": (2, 30), "chronic_registered": (10, 60), "disability_certified": (10, 45),
    "accident": (5, 40), "medical_relief": (15, 60), "disability_subsidy": (20, 80), "accident_relief": (20, 70),
    "income_survey": (20, 92), "job_loss": (10, 60), "business_failure": (15, 90), "disaster": (5, 40),
    "disaster_relief": (10, 45), "disaster_house_found": (10, 40), "disaster_house": (5, 30),
    "housing_unsafe": (10, 60), "water_unsafe": (10, 60), "uninsured": (10, 60), "school_dropout": (10, 60),
    "help_dibao": (20, 70), "help_public_job": (30, 90), "public_job": (5, 30), "help_relief": (10, 40),
    "dibao_application": (20, 60), "education_aid": (20, 60), "dividend": (10, 40), "spell": (5, 40),
    "disability_spell": (10, 60), "pension_premium": (10, 60), "death": (3, 30), "death_relief": (15, 60),
    "birth": (7, 60), "monitoring": (0, 10), "event": (5, 40), "one_off": (3, 25),
    "member_status": (5, 60),  # from the yearly collection visit to the record in the system
}
COLLECTION_MONTH = 11                     # 年度信息采集 (member status) in November

# --- households and villages (assumptions) --------------------------------------------------
VILLAGE_SIZE_SIGMA = 0.5                  # households per village ∝ lognormal(0, sigma)
#: registration (建档立卡) of alleviated households: uniform between these dates; general
#: households from this date (or 540 days before the panel, if later) until the panel starts
REGISTERED_ALLEVIATED = ((2014, 4, 1), (2016, 1, 1))
REGISTERED_GENERAL = ((2019, 6, 1), 540)
EXIT_YEAR_P = {2014: .03, 2015: .07, 2016: .30, 2017: .28, 2018: .20, 2019: .08, 2020: .04}  # 脱贫年度
RELOCATED_P = 0.04                        # alleviated households relocated (易地扶贫搬迁)
POLICY_CHANGE_LINE = 1.3                  # policy_change scenario: the monitoring line × from the shock year
REIMBURSED_MAX = 0.97                     # no claim is reimbursed above this share
SHARE_KAPPA = 25.0                        # beta concentration of reimbursed shares around their mean

# --- demography (assumptions) ---------------------------------------------------------------
MORTALITY_GOMPERTZ = (-10.3, 0.094)      # yearly q = exp(a + b × age), capped at 0.6
INFANT_MORTALITY = 0.005
MORTALITY_CHRONIC = 1.6
MORTALITY_SEVERE_DISABILITY = 1.5
FUNERAL_COST = 8000                       # median (2020 yuan)
BIRTH_YEARLY = 0.06                       # women 20–40 (head, spouse, daughter-in-law)
MARRIAGE_YEARLY = 0.09                    # children and grandchildren 22–32
SPLIT_YEARLY = 0.02                       # sons 25+ setting up their own household
MIGRATION_YEARLY = 0.004                  # members 18–40 moving away
LOCAL_MONTHLY_WAGE_2020 = 1800.0          # local work (2020 yuan/month)
#: household sizes 1–6 (alleviated, general)
HOUSEHOLD_SIZE_P = ([.46, .38, .07, .05, .03, .01], [.15, .38, .22, .15, .07, .03])
#: age of the head: normal (mean, sd) of alleviated people living alone, other alleviated, general heads
HEAD_AGE = {"alleviated_alone": (71, 9), "alleviated": (63, 12), "general": (54, 12)}
HEAD_AGE_RANGE = (24, 95)
HEAD_MALE_P = (0.72, 0.84)                # alleviated, general
SPOUSE_P = (0.8, 0.5)                     # the second member is the spouse (head under 80, 80+)
#: relations of the third and later members by a uniform draw u: grandchild for u in [a, b) when
#: the head is 50+, parent for u ≥ b when the head is at most 62, sibling for u ≥ c (else child)
RELATION_DRAW = (0.7, 0.9, 0.97)
GRANDCHILD_HEAD_MIN_AGE = 50
PARENT_HEAD_MAX_AGE = (50, 62)            # second member a parent under this head age; later members
#: ages relative to the head: normal (mean, sd) or uniform (low, high) years
AGE_GAP = {"spouse": (-2, 3), "child": (22, 36), "grandchild": (46, 62), "parent": (22, 30), "sibling": (0, 6)}
DISABILITY_AGE = (0.4, 50.0)              # disability more likely with age: ∝ a + age / b
CHRONIC_PREVALENCE = (0.01, 0.006, 0.45, 1.3)  # a + b × years over CHRONIC_AGE_FROM, capped; × for alleviated people
SCHOOL_TRACK_P = [.2, .5, .3]             # schooling ends after junior high, goes on to senior/college, vocational
WORKING_AGES = (16, 59)
SKILL_WORKING = (0.2, 0.85)               # skilled below a, ordinary below b, else weak
ELDERLY_WORKING_AGES = (60, 75)
SKILL_ELDERLY = (0.3, 0.9)                # ordinary below a, weak below b, else none
MIGRANT_MAX_AGE = 55
MIGRANT_P = (0.35, 0.5)                   # able people working away (alleviated, general)
MIGRANT_WAGE_NOISE = (-0.03, 0.25)        # lognormal (mu, sigma) around the published wage
LOCAL_WORK_P = 0.6                        # other able people with local work …
LOCAL_WAGE_NOISE = (-0.05, 0.3)
ODD_JOBS = (0.4, 600, -0.1, 0.4)          # weak workers with odd jobs: share, median, lognormal mu, sigma
SKILLED_PREMIUM = 1.25
PEOPLE_ROOM = (1.08, 0.03, 64)            # person arrays: n × (a + b × years simulated) + c
#: education by cohort (70+, 45–69, younger): cumulative shares of none, primary, junior, senior, vocational (then college)
EDUCATION_CUTS = {70: [.45, .85, .98, .99, 1.0], 45: [.12, .50, .88, .95, 1.0], 0: [.02, .14, .62, .77, .92]}
MORTALITY_CAP = 0.6
FUNERAL_SIGMA = 0.4
FUNERAL_OTHER_BURDEN = 0.2                # share of the funeral counted as an "other" risk burden
DEATH_PUSH_BELOW_AGE = 60                 # deaths of working-age members are pushed
DEATH_RELIEF = (0.3, (1000, 4000))        # deaths of earners followed by 临时救助, amount (uniform)
BIRTH_AGES = (20, 40)
MATERNITY_SIGMA = 0.4
MATERNITY_SHARE = (0.85, 0.7)
MARRIAGE_AGES = (22, 32)
SPOUSE_BIRTH_GAP = (-1, 4)                # a son's spouse's birth year after his (uniform integers)
SPOUSE_WORKS_P = 0.5
SPLIT_MIN_AGE = 25
MIGRATION_AGES = (18, 40)
HISTORY_DAYS = (30, 3650)                 # certificates older than registration: days before it …
HISTORY_AFTER_BIRTH = 200                 # … and at least this many days after birth

# --- income sources and the survey (assumptions; 2020 yuan a month unless said) ------------------
EARNINGS_SHARE = 0.92                     # wage a household member's earnings give at 2020 levels
FARMING_P = (0.65, 0.7)                   # households that farm (alleviated, general)
FARM_INCOME = (450, -0.1, 0.6, 1.5)       # median × lognormal(mu, sigma) × working adults / 1.5 (at least half one)
FARM_ADULT_AGES = (20, 75)                # ages counted as working adults for farming
PROPERTY_P = 0.45                         # households with property income …
PROPERTY_INCOME = (40, 0.9)               # … median and lognormal sigma
REMITTANCE = (250, 60, 0.7)               # remittances to households with (without) elderly: medians, sigma
ELDERLY_AGE = 60
INCOME_SIGMA = (0.30, 0.42)               # spread of per-capita income around the type's mean (alleviated, general)
#: 低保 households before the panel: a logistic in per-capita income (share, midpoint, scale)
DIBAO_START = ((0.55, 8500), (0.05, 9000), 1500)
DIBAO_START_SHARE = 0.3                   # share of income that is 低保
TEKUN_P = 0.3                             # alone, elderly and unable to work alleviated people in 特困 support
TEKUN_SHARE = 0.45
INCOME_SCALE_RANGE = (0.05, 20)           # bounds of the scaling of sources to the drawn total
GROWTH_BEFORE = 1.08                      # yearly income growth before the first published year
SURVEY_P = (0.9, 0.72)                    # households in the monthly income survey (alleviated, general)
#: survey noise: lognormal (mu, sigma) of wage, property, transfers; business ± 0.15 × |level| + 10
WAGE_NOISE = (-0.01, 0.15)
PROPERTY_NOISE = (-0.02, 0.2)
TRANSFER_NOISE = (-0.005, 0.1)
BUSINESS_NOISE = (0.15, 10)
EDUCATION_AID_SHARE = 0.5                 # share of school costs 教育资助 pays (alleviated or monitored)
SCHOOL_AGES = {"senior": (16, 18), "college": (19, 22)}

# --- assistance (assumptions; amounts in yuan) ---------------------------------------------
DIBAO_TOP_UP = 1.05                       # 低保 tops income up to this × the line …
DIBAO_MONTHLY_RANGE = (150, 1500)         # … within these monthly amounts per household
DIBAO_APPLY_BELOW = 0.85                  # resources/line under which households apply
DIBAO_APPLY_MONTHLY = (0.12, 0.05)        # alleviated or monitored, other households
DIBAO_EXIT_ABOVE = 1.6                    # resources/line without 低保 above which it may end
DIBAO_EXIT_MONTHLY = 0.06
HELP_DIBAO_BELOW = 0.95                   # after identification: 低保 if resources/line below this …
HELP_DIBAO_P = 0.6                        # … with this chance
HELP_PUBLIC_JOB_P = 0.35                  # 公益性岗位 for households with someone able to work
PUBLIC_JOB_MONTHLY = (500, 800)
HELP_TEMPORARY_RELIEF_P = 0.35
TEMPORARY_RELIEF = (1000, 5000)
INSURANCE_FROM = 10000                    # 防贫保险: a year's medical costs above this …
INSURANCE_SHARE = 0.4                     # … paid at this share
EDUCATION_AID_MONTHLY = (400.0, 170.0)    # 教育资助: college, senior high / vocational
SPELLS_FROM_YEAR = 2016                   # programmes in force at the start began after this year's start
DIVIDEND = (0.55, (20, 80))               # alleviated households with a 产业/资产收益分红, monthly yuan (uniform)
DISABILITY_LIVING_START_P = 0.85          # poor disabled receiving the living subsidy at the start
DISABILITY_CARE_START_P = 0.9             # severely disabled receiving the care subsidy at the start
PENSION_PREMIUM_AGES = (16, 59)           # alleviated people whose pension premium is paid (not at school)
PENSION_PREMIUM_MONTHLY = 8.33            # 代缴养老保险 (100 yuan a year)
PENSION_AGE = 60
CHRONIC_START_BURDEN = (2500, (0.25, 0.45))   # latent yearly cost of a chronic condition at the start, out-of-pocket share
HELP_WORKER_AGES = (16, 65)               # household members who can take a 公益性岗位 (labour skill ≤ 2)
PUBLIC_JOB_DAYS = 365
INSURANCE_PAY_P = 0.5                     # 防贫保险 claims paid in a month once due
INSURANCE_PAY_DAYS = (30, 90)             # days from the month's start to the payout
