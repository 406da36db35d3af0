"""Writing contract tables: one file per table, or a county-partitioned folder; always atomic.

Files appear complete or not at all (a temp file in the same folder, then a rename; a whole
data directory through ``atomic_dir``). The partitioned layout (contract v1.1) puts each
table's rows under ``TABLE/county=XXXXXX/part-0.parquet``, county being the first six digits of
the household's region code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from riskmodel.atomic import atomic_dir, atomic_path
from riskmodel.contract.columns import arrow_text, positions
from riskmodel.contract.schema import COUNTY_DIGITS, KINDS, TABLES, Table

PART_FILE = "part-0.parquet"


def _iso(s: pd.Series, fmt: str) -> pd.Series:
    """Dates as ISO text, formatting each distinct date once (strftime per cell is slow)."""
    codes, uniques = pd.factorize(pd.to_datetime(s), use_na_sentinel=True)
    text = np.asarray(pd.DatetimeIndex(uniques).strftime(fmt), dtype=object)
    out = np.full(len(codes), None, dtype=object)
    known = codes >= 0
    out[known] = text[codes[known]]
    return pd.Series(out, index=s.index)


def to_file_frame(table: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Typed frame → the file representation (ISO strings for dates and months, text for the rest)."""
    out = {}
    for col in table.columns:
        if col.name not in df:
            continue
        s, kind = df[col.name], KINDS[col.kind]
        if kind.text_format:
            out[col.name] = _iso(s, kind.text_format)
        elif kind.file_type == "string":
            out[col.name] = s.astype(object).where(s.notna(), None)
        else:
            out[col.name] = s
    return pd.DataFrame(out)


_FILE_TYPES = {"string": pa.string(), "float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_()}


def _arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _FILE_TYPES[KINDS[c.kind].file_type]) for c in table.columns])


def write_table(df: pd.DataFrame, path: Path, table: Table) -> None:
    """Write one table atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    frame = to_file_frame(table, df)
    with atomic_path(path) as tmp:
        schema = _arrow_schema(table)
        if path.suffix != ".parquet":
            # money to the fen, as the CSV files offices exchange carry it
            for col in table.columns:
                if col.kind == "float" and col.name in frame:
                    frame[col.name] = frame[col.name].round(2)
        arrow = pa.Table.from_pandas(frame, schema=pa.schema([schema.field(c) for c in frame.columns]),
                                     preserve_index=False)
        if path.suffix == ".parquet":
            pq.write_table(arrow, str(tmp), compression="zstd")
        else:
            pacsv.write_csv(arrow, str(tmp), pacsv.WriteOptions(quoting_style="needed"))


def partition_path(data_dir: str | Path, table: str, county: str) -> Path:
    """Where a county's rows of a partitioned table live: ``TABLE/county=XXXXXX/part-0.parquet``."""
    return Path(data_dir) / table / f"county={county}" / PART_FILE


def row_counties(tables: dict[str, pd.DataFrame], name: str) -> np.ndarray:
    """The county (first six digits of the household's region code) of each row of table ``name``.

    Rows whose household or member is not in ``tables`` get None.
    """
    if TABLES[name].partition_by == "region_code":
        return np.asarray(pc_prefix(tables[name]["region_code"]), dtype=object)
    hh_county = np.append(np.asarray(pc_prefix(tables["households"]["region_code"]), dtype=object), None)
    return hh_county[_household_rows(tables, name)]  # -1 (unknown): the appended None


def row_county_numbers(tables: dict, name: str) -> np.ndarray:
    """``row_counties`` as numbers, without a Python object per row: the county's six digits as an
    integer, -1 where the region code does not start with six digits, -2 where it is unknown."""
    if TABLES[name].partition_by == "region_code":
        return county_numbers(tables[name]["region_code"])
    hh_county = np.append(county_numbers(tables["households"]["region_code"]), -2)
    return hh_county[_household_rows(tables, name)]


def _household_rows(tables: dict, name: str) -> np.ndarray:
    """Each row's household's position in ``households`` (through its member for member tables), -1 if unknown."""
    df, hh = tables[name], tables["households"]
    if TABLES[name].partition_by == "household_id":
        return positions(df["household_id"], hh["household_id"])
    members = tables["members"]
    member_hh = np.append(positions(members["household_id"], hh["household_id"]), -1)
    return member_hh[positions(df["member_id"], members["member_id"])]


def county_numbers(codes) -> np.ndarray:
    """The first six digits of each region code as an integer (-1: not six digits, -2: missing)."""
    text = arrow_text(codes)
    prefix = pc.utf8_slice_codeunits(text, 0, COUNTY_DIGITS)
    digits = np.asarray(pc.fill_null(pc.match_substring_regex(prefix, rf"^\d{{{COUNTY_DIGITS}}}$"), False)
                        .to_numpy(zero_copy_only=False), dtype=bool)
    out = np.full(len(text), -1, dtype=np.int64)
    if digits.any():
        out[digits] = np.asarray(pc.cast(prefix.filter(pa.array(digits)), pa.int64()).to_numpy(zero_copy_only=False))
    out[np.asarray(pc.is_null(text).to_numpy(zero_copy_only=False), dtype=bool)] = -2
    return out


def pc_prefix(codes) -> list:
    """The county digits of each region code (None where missing)."""
    return pc.utf8_slice_codeunits(arrow_text(codes), 0, COUNTY_DIGITS).to_pylist()


def write_county(tables: dict[str, pd.DataFrame], out_dir: str | Path, county: str) -> None:
    """Write one county's rows of each table into its partitions (the generator writes county by county).

    ``tables`` holds only that county's rows; an empty table writes nothing.
    """
    for name, df in tables.items():
        if len(df):
            path = partition_path(out_dir, name, county)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_table(df, path, TABLES[name])


def write_panel(panel_tables: dict[str, pd.DataFrame], out_dir: Path, *, fmt: str = "parquet",
                partitioned: bool = False) -> None:
    """Write contract tables into an existing folder (use inside ``atomic_dir``).

    ``partitioned=True`` writes each non-empty table as a county-partitioned folder (Parquet
    only); an empty table stays one (empty) file, so that its columns are still declared. Every
    row must belong to a household of ``panel_tables`` (its county decides the partition).
    """
    if partitioned and fmt != "parquet":
        raise ValueError("the partitioned layout is Parquet only")
    for name, df in panel_tables.items():
        if not partitioned or not len(df):
            write_table(df, Path(out_dir) / f"{name}.{fmt}", TABLES[name])
            continue
        county = row_counties(panel_tables, name)
        if any(c is None for c in county):
            raise ValueError(f"{name}: rows whose household is not in households cannot be partitioned")
        for c in sorted(set(county)):
            write_county({name: df.loc[county == c]}, out_dir, c)
