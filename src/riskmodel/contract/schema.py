"""The input data contract (../shared/contract.md, v1.1) as one data structure.

Everything that reads or writes contract tables uses these definitions: the loader and
validator, the synthetic generator, the API request models and the generated docs. Each column
kind is described once (``KINDS``): how it is documented, loaded and written, and its plausible
range, so that no reader or writer keeps its own chain of ``if kind == ...``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["id", "str", "date", "month", "float", "int", "bool", "enum", "region_code"]

#: Plausible ranges (contract v1.1): every date and month lies in these bounds (inclusive).
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
#: Amounts are finite and below this many yuan (in absolute value: business income may be negative).
AMOUNT_LIMIT = 1e9


@dataclass(frozen=True)
class Kind:
    """How one column kind is documented, loaded (pandas dtype) and stored in files."""

    name: str
    doc: str
    """The type as the docs name it."""
    loaded: str
    """The pandas dtype ``load`` gives it, as the docs name it."""
    dtype: str
    """pandas dtype name (``category`` for enums: the categories are the column's values)."""
    file_type: Literal["string", "float64", "int64", "bool"]
    """Arrow type when written; dates and months are written as ISO text."""
    text_format: str | None = None
    """``strftime`` format of dates and months in files."""


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("id", "id (text)", "`string[pyarrow]`", "string[pyarrow]", "string"),
    Kind("str", "text", "`string[pyarrow]`", "string[pyarrow]", "string"),
    Kind("region_code", "digits", "`string[pyarrow]`", "string[pyarrow]", "string"),
    Kind("enum", "one of", "`category` (the listed values)", "category", "string"),
    Kind("date", "date `YYYY-MM-DD`", "`datetime64[ns]`", "datetime64[ns]", "string", "%Y-%m-%d"),
    Kind("month", "month `YYYY-MM`", "`datetime64[ns]` (first day of the month)", "datetime64[ns]", "string",
         "%Y-%m"),
    Kind("float", "number", "`float64`", "float64", "float64"),
    Kind("int", "integer", "`Int64`", "Int64", "int64"),
    Kind("bool", "true/false", "`bool`", "bool", "bool"),
)}


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool = True
    """The column must be present in the file."""
    nullable: bool = False
    """Values may be empty (only for optional columns, or conditionally required ones)."""
    values: tuple[str, ...] = ()
    """Allowed values of an ``enum`` column."""
    values_zh: tuple[str, ...] = ()
    """Chinese names of ``values``, in the same order (for docs and lists)."""
    min: float | None = None
    max: float | None = None
    unique: bool = False
    references: tuple[str, str] | None = None
    """(table, column) this column must exist in."""
    default: object = None
    """Value used when an optional column is absent or empty."""
    digits: tuple[int, ...] = (12,)
    """Allowed lengths of a ``region_code`` column (6 county, 9 township, 12 village)."""
    zh: str = ""
    doc: str = ""

    @property
    def kind_spec(self) -> Kind:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    """Columns that together are unique (besides single ``unique`` columns)."""
    required: bool = True
    """The file must exist in a data directory."""
    fact: bool = True
    """Fact tables carry ``reported_on`` and obey the point-in-time rule."""
    event_date: str | None = None
    """Column that ``reported_on`` may never precede."""
    partition_by: Literal["household_id", "member_id", "region_code"] = "household_id"
    """How a row finds its county partition: through its household, its member, or its own code."""
    doc: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


HOUSEHOLD_TYPES = ("alleviated", "general")
HOUSEHOLD_TYPES_ZH = ("脱贫户", "一般农户")
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
RELATIONS_ZH = ("户主", "配偶", "子女", "父母", "孙子女", "兄弟姐妹", "其他")
SEXES = ("M", "F")
SEXES_ZH = ("男", "女")
EDUCATION = ("none", "primary", "junior", "senior", "vocational", "college")
EDUCATION_ZH = ("文盲或半文盲", "小学", "初中", "高中", "中专/职高", "大专及以上")
IN_SCHOOL = ("none", "preschool", "compulsory", "senior", "vocational", "college")
IN_SCHOOL_ZH = ("非在校生", "学前教育", "义务教育", "普通高中", "中等职业教育", "高等教育")
LABOR_SKILLS = ("skilled", "ordinary", "weak", "none")
LABOR_SKILLS_ZH = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力", "无劳动力")
LEFT_REASONS = ("death", "marriage", "split", "migration")
LEFT_REASONS_ZH = ("死亡", "婚出", "分户", "迁出")
CLAIM_KINDS = ("inpatient", "outpatient_chronic", "outpatient")
CLAIM_KINDS_ZH = ("住院", "门诊慢特病", "普通门诊")
DIAGNOSIS_GROUPS = (
    "cancer", "cardio", "renal", "mental", "injury", "maternity", "chronic_other", "acute_other",
)
DIAGNOSIS_GROUPS_ZH = (
    "恶性肿瘤", "心脑血管疾病", "肾病", "精神疾病", "外伤", "生育", "其他慢性病", "其他急性病",
)
PROGRAMS = (
    "dibao", "tekun", "temporary_relief", "medical_relief", "disability_living",
    "disability_care", "education_aid", "public_job", "pension_premium", "poverty_insurance",
    "industry_dividend",
)
PROGRAMS_ZH = (
    "农村低保", "特困供养", "临时救助", "医疗救助", "困难残疾人生活补贴", "重度残疾人护理补贴",
    "教育资助", "公益性岗位", "代缴养老保险", "防贫保险理赔", "产业/资产收益分红",
)
#: Programmes paid once, on start_date (monthly_amount is the whole amount).
ONE_OFF_PROGRAMS = ("temporary_relief", "medical_relief", "poverty_insurance")
EVENT_TYPES = (
    "disability_certified", "chronic_registered", "death", "job_loss", "business_failure",
    "disaster", "accident", "housing_unsafe", "water_unsafe", "school_dropout", "uninsured",
    "birth",
)
EVENT_TYPES_ZH = (
    "残疾认定", "门诊慢特病认定", "成员死亡", "失业/务工中断", "产业经营失败", "自然灾害受灾",
    "意外事故", "住房鉴定为C/D级", "饮水不安全", "义务教育阶段辍学", "未参加基本医保", "新增人口",
)
CATEGORIES = ("unstable", "marginal", "sudden")
CATEGORY_ZH = {"unstable": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden": "突发严重困难户"}
#: Official risk types (风险类型), in the contract's order.
RISK_TYPES = (
    "illness", "disability", "education", "disaster", "accident", "business", "employment",
    "labor", "housing", "water", "schooling", "insurance", "other",
)
MIN_BIRTH_YEAR = FIRST_DATE.year
REGION_LEVELS = ("county", "township", "village")
REGION_LEVELS_ZH = ("县级", "乡级", "村级")
#: Digits of a code at each level: 1–6 county, 1–9 township, 1–12 village.
REGION_DIGITS = {"county": 6, "township": 9, "village": 12}
#: The first six digits of a region code: the partition key of the partitioned layout.
COUNTY_DIGITS = REGION_DIGITS["county"]
EXIT_YEARS = (2014, 2020)

_id = lambda name, zh="", **kw: Column(name, "id", zh=zh, **kw)  # noqa: E731
_hh_ref = ("households", "household_id")
_member_ref = ("members", "member_id")
_reported = Column("reported_on", "date", zh="上报日期", doc="date the record reached the system")

HOUSEHOLDS = Table(
    "households", "农户",
    (
        _id("household_id", "户编号", unique=True),
        Column("region_code", "region_code", zh="区划代码", doc="12-digit village code"),
        Column("household_type", "enum", values=HOUSEHOLD_TYPES, values_zh=HOUSEHOLD_TYPES_ZH,
               zh="农户类型"),
        Column("poverty_exit_year", "int", nullable=True, min=EXIT_YEARS[0], max=EXIT_YEARS[1],
               zh="脱贫年度", doc="required if alleviated"),
        Column("relocated", "bool", required=False, nullable=True, default=False, zh="易地搬迁"),
        Column("registered_on", "date", zh="纳入系统日期", doc="date the household entered the data system"),
    ),
    fact=False,
    doc="One row per household, pseudonymous.",
)

REGIONS = Table(
    "regions", "行政区划",
    (
        Column("region_code", "region_code", unique=True, digits=(6, 9, 12), zh="区划代码",
               doc="county (6 digits), township (9) or village (12)"),
        Column("name", "str", zh="名称", doc="Chinese name (县/镇/乡/街道/村/社区), not empty"),
        Column("level", "enum", values=REGION_LEVELS, values_zh=REGION_LEVELS_ZH, zh="级别",
               doc="must match the code's length"),
        Column("parent_code", "region_code", nullable=True, digits=(6, 9), zh="上级区划代码",
               doc="the enclosing township (village) or county (township), present in regions; "
                   "empty for a county"),
    ),
    required=False,
    fact=False,
    partition_by="region_code",
    doc="Names for the codes (optional), so that lists and pages can say 某某镇 rather than a number. "
        "When present, every households.region_code is a village in it.",
)

MEMBERS = Table(
    "members", "家庭成员",
    (
        _id("member_id", "成员编号", unique=True),
        _id("household_id", "户编号", references=_hh_ref),
        Column("relation", "enum", values=RELATIONS, values_zh=RELATIONS_ZH, zh="与户主关系",
               doc="exactly one head row per household (a head who left keeps the row)"),
        Column("sex", "enum", values=SEXES, values_zh=SEXES_ZH, zh="性别"),
        Column("birth_year", "int", min=MIN_BIRTH_YEAR, zh="出生年份",
               doc="upper bound: the current year"),
        Column("education", "enum", values=EDUCATION, values_zh=EDUCATION_ZH, zh="文化程度"),
        Column("in_school", "enum", values=IN_SCHOOL, values_zh=IN_SCHOOL_ZH, zh="在校生情况",
               doc="as recorded at registration; member_status updates it"),
        Column("labor_skill", "enum", values=LABOR_SKILLS, values_zh=LABOR_SKILLS_ZH, zh="劳动技能",
               doc="as recorded at registration; member_status updates it"),
        Column("joined_on", "date", zh="加入日期"),
        Column("left_on", "date", required=False, nullable=True, zh="离开日期",
               doc="empty while still a member"),
        Column("left_reason", "enum", values=LEFT_REASONS, values_zh=LEFT_REASONS_ZH, required=False, nullable=True,
               zh="离开原因", doc="required if left_on"),
    ),
    fact=False,
    doc="One row per person ever in a household; a person who leaves keeps the row, with left_on.",
)

MEMBER_STATUS = Table(
    "member_status", "成员信息动态更新",
    (
        _id("member_id", "成员编号", references=_member_ref),
        Column("effective_on", "date", zh="生效日期", doc="date from which the values hold"),
        Column("in_school", "enum", values=IN_SCHOOL, values_zh=IN_SCHOOL_ZH, zh="在校生情况"),
        Column("labor_skill", "enum", values=LABOR_SKILLS, values_zh=LABOR_SKILLS_ZH, zh="劳动技能"),
        _reported,
    ),
    key=("member_id", "effective_on"),
    required=False,
    event_date="effective_on",
    partition_by="member_id",
    doc="Yearly re-collection (年度信息采集) and other updates of member attributes that change (optional). "
        "As of t a member's attributes are those of the latest row with reported_on <= t and "
        "effective_on <= t, else the members row.",
)

INCOME = Table(
    "income", "收入",
    (
        _id("household_id", "户编号", references=_hh_ref),
        Column("month", "month", zh="月份"),
        Column("wage", "float", min=0, zh="工资性收入"),
        Column("business", "float", zh="生产经营性收入(净)", doc="net of production costs; may be negative"),
        Column("property", "float", min=0, zh="财产性收入"),
        Column("transfer", "float", min=0, zh="转移性收入"),
        _reported,
    ),
    key=("household_id", "month"),
    required=False,
    event_date="month",
    doc="One row per household and month surveyed or reported; months may be missing. "
        "reported_on is on or after the month's last day; a correction is a new load, not a second row.",
)

MEDICAL_CLAIMS = Table(
    "medical_claims", "医保结算",
    (
        _id("claim_id", "结算编号", unique=True),
        _id("member_id", "成员编号", references=_member_ref),
        Column("service_date", "date", zh="就诊日期"),
        Column("kind", "enum", values=CLAIM_KINDS, values_zh=CLAIM_KINDS_ZH, zh="类别"),
        Column("diagnosis_group", "enum", values=DIAGNOSIS_GROUPS, values_zh=DIAGNOSIS_GROUPS_ZH,
               zh="病种组"),
        Column("total_cost", "float", min=0, zh="总费用"),
        Column("reimbursed", "float", min=0, zh="报销金额"),
        Column("out_of_pocket", "float", min=0, zh="个人自付"),
        _reported,
    ),
    required=False,
    event_date="service_date",
    partition_by="member_id",
    doc="One row per settled claim; total_cost = reimbursed + out_of_pocket (±1 yuan).",
)

ASSISTANCE = Table(
    "assistance", "帮扶与救助",
    (
        _id("household_id", "户编号", references=_hh_ref),
        _id("member_id", "成员编号", required=False, nullable=True, references=_member_ref),
        Column("program", "enum", values=PROGRAMS, values_zh=PROGRAMS_ZH, zh="项目",
               doc="one-off programmes: " + ", ".join(ONE_OFF_PROGRAMS)),
        Column("start_date", "date", zh="开始日期"),
        Column("end_date", "date", required=False, nullable=True, zh="结束日期", doc="empty = ongoing"),
        Column("monthly_amount", "float", min=0, zh="月金额",
               doc="yuan per month; one-off programmes: the whole amount, paid on start_date"),
        _reported,
    ),
    required=False,
    event_date="start_date",
    doc="One row per spell of a programme for a household (or one member).",
)

EVENTS = Table(
    "events", "部门推送事件",
    (
        _id("event_id", "事件编号", unique=True),
        _id("household_id", "户编号", references=_hh_ref),
        _id("member_id", "成员编号", required=False, nullable=True, references=_member_ref),
        Column("event_type", "enum", values=EVENT_TYPES, values_zh=EVENT_TYPES_ZH, zh="事件类型"),
        Column("event_date", "date", zh="事件日期"),
        Column("severity", "int", required=False, nullable=True, min=1, max=4, zh="等级",
               doc="disability grade (1 most severe) or damage grade (4 most severe)"),
        Column("loss_amount", "float", required=False, nullable=True, min=0, zh="损失金额"),
        _reported,
    ),
    required=False,
    event_date="event_date",
    doc="Events pushed by departments (部门推送).",
)

MONITORING = Table(
    "monitoring", "监测对象记录",
    (
        _id("household_id", "户编号", references=_hh_ref),
        Column("identified_on", "date", zh="识别认定日期"),
        Column("category", "enum", values=CATEGORIES,
               values_zh=tuple(CATEGORY_ZH[c] for c in CATEGORIES), zh="监测类别"),
        Column("risk_types", "str", zh="风险类型", doc="';'-separated risk type codes, main first"),
        Column("eliminated_on", "date", required=False, nullable=True, zh="风险消除日期",
               doc="empty while the risk is open"),
        _reported,
    ),
    required=False,
    event_date="identified_on",
    doc="Households identified as monitoring objects by the existing process: the outcome.",
)

TABLES: dict[str, Table] = {
    t.name: t for t in (HOUSEHOLDS, REGIONS, MEMBERS, MEMBER_STATUS, INCOME, MEDICAL_CLAIMS, ASSISTANCE, EVENTS,
                        MONITORING)
}
FACT_TABLES = tuple(name for name, t in TABLES.items() if t.fact)


@dataclass(frozen=True)
class Rule:
    """A contract rule, by id, as validation messages and the docs name it."""

    id: str
    text: str
    tables: tuple[str, ...] = field(default=())


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("missing_table", "households and members files must exist"),
        Rule("no_rows", "households and members have at least one row", ("households", "members")),
        Rule("missing_column", "required columns must be present"),
        Rule("required", "a required value must not be empty (nor only spaces)"),
        Rule("type", "values must parse as the column's type (ISO dates, YYYY-MM months, finite numbers, integers "
                     "within ±2^53); a Parquet column of nested values (lists, structs, maps) or of bytes that are not "
                     "UTF-8 text has each such row named"),
        Rule("plausible_range", "dates and months lie in 1900-01-01..2100-12-31; amounts are below 10^9 yuan"),
        Rule("allowed_values", "enum columns take only the listed values"),
        Rule("min", "values must be at or above the minimum (money non-negative)"),
        Rule("max", "values must be at or below the maximum"),
        Rule("unique", "identifier columns must be unique"),
        Rule("key_unique", "key columns are unique together: (household_id, month) in income, "
             "(member_id, effective_on) in member_status", ("income", "member_status")),
        Rule("references", "foreign keys must exist in the referenced table"),
        Rule("region_code", "region codes are digits: 12 in households, 6, 9 or 12 in regions",
             ("households", "regions")),
        Rule("pseudonymous_id", "identifiers are pseudonymous: never shaped like a resident ID number "
             "or a mobile phone number"),
        Rule("visible_text", "identifiers and names have no control, zero-width or other invisible characters"),
        Rule("exit_year_if_alleviated", "alleviated households need poverty_exit_year",
             ("households",)),
        Rule("birth_year_future", "birth_year must not be after the current year", ("members",)),
        Rule("one_head", "exactly one head row per household", ("households", "members")),
        Rule("left_after_joined", "left_on must not be before joined_on", ("members",)),
        Rule("left_reason_with_left_on", "left_reason is required when left_on is set",
             ("members",)),
        Rule("reported_after_event", "reported_on is never before the event date",
             ("member_status", "medical_claims", "assistance", "events", "monitoring")),
        Rule("reported_after_month_end", "income reported_on is on or after the month's last day",
             ("income",)),
        Rule("cost_balance", "total_cost = reimbursed + out_of_pocket (±1 yuan)",
             ("medical_claims",)),
        Rule("reimbursed_le_total", "reimbursed ≤ total_cost", ("medical_claims",)),
        Rule("end_after_start", "end_date must not be before start_date", ("assistance",)),
        Rule("member_in_household", "member_id must belong to the row's household",
             ("assistance", "events")),
        Rule("risk_type_codes", "risk_types are ';'-separated known codes", ("monitoring",)),
        Rule("eliminated_after_identified", "eliminated_on must not be before identified_on",
             ("monitoring",)),
        Rule("region_level", "level matches the code's length (6 county, 9 township, 12 village)", ("regions",)),
        Rule("region_parent", "parent_code is the enclosing region (the code's first 9 or 6 digits), present "
             "in regions; empty only for a county", ("regions",)),
        Rule("region_known", "when regions is present, every household's region_code is a village in it",
             ("households",)),
        Rule("undecodable", "CSV must be UTF-8 (with or without BOM) or GB18030"),
        Rule("unreadable", "the file must be a readable CSV or Parquet file (policy.yaml: the policy format)"),
        Rule("duplicate_file", "one file (or one partitioned folder) per table"),
        Rule("wrong_partition", "a row of a partitioned table lies in its household's county partition"),
    )
}
