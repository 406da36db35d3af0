"""A tiny hand-made panel that follows the contract: three households, every table.

Used by tests (valid baseline to corrupt one rule at a time), by API request examples and
by the docs. Values are written as a CSV file holds them (text); ids are made up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskmodel.contract.schema import TABLES

_ROWS: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {
    "households": (
        ("household_id", "region_code", "household_type", "poverty_exit_year", "relocated", "registered_on"),
        [
            ("H001", "370303101001", "alleviated", "2016", "false", "2021-01-04"),
            ("H002", "370303101002", "general", "", "true", "2021-01-04"),
            ("H003", "370303102001", "alleviated", "2019", "", "2021-03-01"),
        ],
    ),
    "regions": (
        ("region_code", "name", "level", "parent_code"),
        [
            ("370303", "示例区", "county", ""),
            ("370303101", "东山街道", "township", "370303"),
            ("370303102", "西河镇", "township", "370303"),
            ("370303101001", "东山社区", "village", "370303101"),
            ("370303101002", "北坡村", "village", "370303101"),
            ("370303102001", "西河村", "village", "370303102"),
        ],
    ),
    "members": (
        ("member_id", "household_id", "relation", "sex", "birth_year", "education", "in_school",
         "labor_skill", "joined_on", "left_on", "left_reason"),
        [
            ("M001", "H001", "head", "M", "1958", "primary", "none", "ordinary", "2021-01-04", "", ""),
            ("M002", "H001", "spouse", "F", "1960", "none", "none", "weak", "2021-01-04", "2023-05-10", "death"),
            ("M003", "H001", "grandchild", "M", "2012", "primary", "compulsory", "none", "2021-01-04", "", ""),
            ("M004", "H002", "head", "F", "1975", "junior", "none", "skilled", "2021-01-04", "", ""),
            ("M005", "H002", "child", "M", "2003", "senior", "college", "ordinary", "2021-01-04", "2024-02-01", "migration"),
            ("M006", "H003", "head", "M", "1949", "none", "none", "none", "2021-03-01", "", ""),
            ("M007", "H003", "grandchild", "F", "2022", "none", "none", "none", "2022-06-15", "", ""),
        ],
    ),
    "member_status": (
        ("member_id", "effective_on", "in_school", "labor_skill", "reported_on"),
        [
            ("M001", "2023-03-01", "none", "weak", "2023-03-10"),
            ("M005", "2023-07-01", "none", "skilled", "2023-08-15"),
        ],
    ),
    "income": (
        ("household_id", "month", "wage", "business", "property", "transfer", "reported_on"),
        [
            ("H001", "2023-01", "800", "-120.5", "0", "300", "2023-03-15"),
            ("H001", "2023-02", "650", "0", "0", "300", "2023-04-10"),
            ("H002", "2023-01", "3200", "450", "120", "0", "2023-01-31"),
            ("H003", "2023-01", "0", "80", "35.5", "210", "2023-02-20"),
        ],
    ),
    "medical_claims": (
        ("claim_id", "member_id", "service_date", "kind", "diagnosis_group", "total_cost", "reimbursed",
         "out_of_pocket", "reported_on"),
        [
            ("C001", "M002", "2023-03-02", "inpatient", "cancer", "42000", "30500", "11500", "2023-03-20"),
            ("C002", "M006", "2023-04-11", "outpatient_chronic", "cardio", "620.4", "400", "220.9", "2023-04-11"),
            ("C003", "M001", "2023-06-01", "outpatient", "acute_other", "80", "0", "80", "2023-06-20"),
        ],
    ),
    "assistance": (
        ("household_id", "member_id", "program", "start_date", "end_date", "monthly_amount", "reported_on"),
        [
            ("H001", "", "dibao", "2023-05-01", "", "350", "2023-05-20"),
            ("H001", "M002", "medical_relief", "2023-04-01", "", "5000", "2023-04-05"),
            ("H003", "M006", "disability_living", "2022-01-01", "2023-12-31", "90", "2022-01-10"),
        ],
    ),
    "events": (
        ("event_id", "household_id", "member_id", "event_type", "event_date", "severity", "loss_amount",
         "reported_on"),
        [
            ("E001", "H001", "M002", "chronic_registered", "2023-03-25", "", "", "2023-04-01"),
            ("E002", "H003", "M006", "disability_certified", "2021-11-02", "2", "", "2021-11-20"),
            ("E003", "H002", "", "disaster", "2023-07-30", "3", "15000", "2023-08-05"),
        ],
    ),
    "monitoring": (
        ("household_id", "identified_on", "category", "risk_types", "eliminated_on", "reported_on"),
        [
            ("H001", "2023-04-12", "unstable", "illness;labor", "2023-11-20", "2023-04-15"),
            ("H003", "2023-09-01", "marginal", "disability", "", "2023-09-03"),
        ],
    ),
}


def example_tables() -> dict[str, pd.DataFrame]:
    """Fresh copies of the example tables as text frames (as a CSV file holds them)."""
    return {name: pd.DataFrame(rows, columns=list(columns), dtype=object)
            for name, (columns, rows) in _ROWS.items()}


def _typed_for_parquet(name: str, df: pd.DataFrame) -> pa.Table:
    """A text frame as another tool would write Parquet: numbers and booleans typed where they parse."""
    table = TABLES.get(name)
    arrays, names = [], []
    for column in df.columns:
        # example-sized frames only: a plain list comprehension is clearest here
        values = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v == "" else str(v)
                  for v in df[column]]
        kind = table.column(column).kind if table is not None and column in table.names else "str"
        array = pa.array(values, type=pa.string())
        if kind in ("float", "int", "bool"):
            target = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}[kind]
            try:
                array = array.cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # keep it as text: the loader reports the type problem
        arrays.append(array)
        names.append(str(column))
    return pa.Table.from_arrays(arrays, names=names)


def write_tables(tables: dict[str, pd.DataFrame], data_dir: str | Path, fmt: str = "csv",
                 *, encoding: str = "utf-8") -> Path:
    """Write text frames as one file per table (tests and examples; not atomic)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if fmt == "csv":
            df.to_csv(data_dir / f"{name}.csv", index=False, encoding=encoding, lineterminator="\n")
        elif fmt == "parquet":
            pq.write_table(_typed_for_parquet(name, df), data_dir / f"{name}.parquet")
        else:
            raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    return data_dir
