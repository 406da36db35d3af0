"""Reading and writing contract tables, and the typed ``Panel`` every later stage consumes.

Reading accepts CSV (UTF-8 with or without BOM, or GB18030 as Excel on a Chinese-locale
machine writes it) and Parquet. Writing is atomic: files appear complete or not at all.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskmodel import RiskmodelWarning
from riskmodel.contract.policy import Policy, load_policy
from riskmodel.contract.schema import TABLES, Table
from riskmodel.contract.validate import (
    ID_DTYPE,
    ContractError,
    Problem,
    Problems,
    check_tables,
    coerce_table,
    empty_frame,
)

TRUTH_FILE = "truth.parquet"


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8/gb18030", data, 0, 1, "undecodable")


def find_table_file(data_dir: Path, name: str) -> Path | None:
    found = [p for p in (data_dir / f"{name}.csv", data_dir / f"{name}.parquet") if p.exists()]
    if len(found) > 1:
        raise ContractError(_one(Problem(name, None, None, None, "duplicate_file",
                                         f"both {name}.csv and {name}.parquet exist")))
    return found[0] if found else None


def _one(p: Problem) -> Problems:
    ps = Problems()
    ps.add(p)
    return ps


def read_raw(path: Path, table: str) -> pd.DataFrame:
    """The file as it is: CSV as strings (empty cells stay empty strings), Parquet as typed."""
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path).to_pandas(
                date_as_object=False, types_mapper={pa.string(): ID_DTYPE, pa.large_string(): ID_DTYPE}.get
            )
        text = _decode(path)
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except UnicodeDecodeError:
        raise ContractError(_one(Problem(table, None, None, None, "undecodable",
                                         f"{path.name} is neither UTF-8 nor GB18030 text"))) from None
    except ContractError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many kinds for a broken file
        raise ContractError(_one(Problem(table, None, None, None, "unreadable",
                                         f"{path.name}: {type(exc).__name__}: {exc}"))) from None


@dataclass(frozen=True)
class Panel:
    """All contract tables of one data directory, typed; the truth table is deliberately absent."""

    households: pd.DataFrame
    members: pd.DataFrame
    income: pd.DataFrame
    medical_claims: pd.DataFrame
    assistance: pd.DataFrame
    events: pd.DataFrame
    monitoring: pd.DataFrame
    policy: Policy

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in TABLES}

    def cutoff(self) -> pd.Timestamp:
        """The data's cut-off: the latest ``reported_on`` of any fact table (or registration)."""
        dates = [df["reported_on"].max() for name, df in self.tables().items()
                 if TABLES[name].fact and len(df)]
        dates.append(self.households["registered_on"].max())
        dates = [d for d in dates if pd.notna(d)]
        if not dates:
            raise ValueError("the panel has no dated records")
        return max(dates)

    def as_of(self, t: str | pd.Timestamp) -> Panel:
        """What the monitoring office could know at ``t`` (the point-in-time rule).

        Fact tables keep rows with ``reported_on <= t``; households registered by ``t``;
        members who joined by ``t``, with departures after ``t`` not yet known.
        """
        t = pd.Timestamp(t)
        out = {name: df.loc[(df["reported_on"] <= t).to_numpy()] for name, df in self.tables().items()
               if TABLES[name].fact}
        out["households"] = self.households.loc[(self.households["registered_on"] <= t).to_numpy()]
        mem = self.members.loc[(self.members["joined_on"] <= t).to_numpy()]
        later = (mem["left_on"] > t).to_numpy()
        if later.any():
            mem = mem.copy()
            mem.loc[later, "left_on"] = pd.NaT
            mem.loc[later, "left_reason"] = np.nan
        out["members"] = mem
        return replace(self, **out)

    def subset(self, household_ids) -> Panel:
        """The same panel restricted to some households (for partitioned work)."""
        ids = pd.Index(household_ids)
        out = {}
        for name, df in self.tables().items():
            if "household_id" in df:
                out[name] = df.loc[df["household_id"].isin(ids).to_numpy()]
        keep_members = set(out["members"]["member_id"])
        out["medical_claims"] = self.medical_claims.loc[self.medical_claims["member_id"].isin(keep_members).to_numpy()]
        return replace(self, **out)

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], policy: Policy | None = None,
                    *, check: bool = True) -> Panel:
        """Build a panel from in-memory raw frames (API payloads, tests), validating like files."""
        problems = Problems()
        typed = {}
        for name, table in TABLES.items():
            raw = frames.get(name)
            if raw is None:
                typed[name] = empty_frame(table)
                continue
            df, _extra = coerce_table(table, pd.DataFrame(raw), problems)
            typed[name] = df
        if check:
            check_tables(typed, problems)
        if problems:
            raise ContractError(problems)
        return cls(**typed, policy=policy or Policy.default())


@dataclass
class Report:
    """Outcome of validating a data directory."""

    problems: Problems
    warnings: list[str]
    rows: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "valid": self.ok,
            "problem_count": self.problems.total,
            "problems": [p.as_dict() for p in self.problems.examples],
            "counts": [{"table": t, "column": c, "rule": r, "rows": n}
                       for (t, c, r), n in self.problems.counts.items()],
            "warnings": self.warnings,
            "rows": self.rows,
        }


def _read_all(data_dir: Path) -> tuple[dict[str, pd.DataFrame], Problems, list[str], dict[str, int]]:
    problems = Problems()
    notes: list[str] = []
    typed: dict[str, pd.DataFrame] = {}
    rows: dict[str, int] = {}
    if not data_dir.is_dir():
        raise FileNotFoundError(f"data directory {data_dir} does not exist")
    for name, table in TABLES.items():
        try:
            path = find_table_file(data_dir, name)
            if path is None:
                if table.required:
                    problems.add(Problem(name, None, None, None, "missing_table",
                                         f"{name}.csv or {name}.parquet is required"))
                else:
                    notes.append(f"{name}: no file, treated as empty")
                typed[name] = empty_frame(table)
                rows[name] = 0
                continue
            raw = read_raw(path, name)
        except ContractError as err:
            for p in err.problems.examples:
                problems.add(p)
            typed[name] = empty_frame(table)
            rows[name] = 0
            continue
        df, extra = coerce_table(table, raw, problems)
        if extra:
            notes.append(f"{name}: extra columns ignored: {', '.join(map(str, extra))}")
        typed[name] = df
        rows[name] = len(raw)
    check_tables(typed, problems)
    return typed, problems, notes, rows


def validate_dir(data_dir: str | Path) -> Report:
    """Check every table and rule of a data directory; never raises for bad data."""
    data_dir = Path(data_dir)
    typed, problems, notes, rows = _read_all(data_dir)
    try:
        load_policy(data_dir)
    except ValueError as exc:
        problems.add(Problem("policy", None, None, None, "unreadable", str(exc)))
    return Report(problems, notes, rows)


def load(data_dir: str | Path) -> Panel:
    """Load and validate a data directory; raise ``ContractError`` listing every problem."""
    data_dir = Path(data_dir)
    typed, problems, notes, _rows = _read_all(data_dir)
    if problems:
        raise ContractError(problems)
    for note in notes:
        if "extra columns" in note:
            warnings.warn(note, RiskmodelWarning, stacklevel=2)
    return Panel(**typed, policy=load_policy(data_dir))


def load_truth(data_dir: str | Path) -> pd.DataFrame | None:
    """The generator's ground truth, for evaluation only (None for real data)."""
    path = Path(data_dir) / TRUTH_FILE
    if not path.exists():
        return None
    return pd.read_parquet(path)


# --- writing -------------------------------------------------------------------------------

def to_file_frame(table: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Typed frame → the file representation (ISO strings for dates and months in CSV)."""
    out = {}
    for col in table.columns:
        if col.name not in df:
            continue
        s = df[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif col.kind == "month":
            out[col.name] = pd.to_datetime(s).dt.strftime("%Y-%m")
        elif col.kind in ("enum", "id", "str", "region_code"):
            out[col.name] = s.astype(object).where(s.notna(), None)
        else:
            out[col.name] = s
    return pd.DataFrame(out)


def _arrow_schema(table: Table) -> pa.Schema:
    kinds = {"id": pa.string(), "str": pa.string(), "region_code": pa.string(), "enum": pa.string(),
             "date": pa.string(), "month": pa.string(), "float": pa.float64(), "int": pa.int64(),
             "bool": pa.bool_()}
    return pa.schema([pa.field(c.name, kinds[c.kind]) for c in table.columns])


def write_table(df: pd.DataFrame, path: Path, table: Table) -> None:
    """Write one table atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    frame = to_file_frame(table, df)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix == ".parquet":
            schema = _arrow_schema(table)
            arrow = pa.Table.from_pandas(frame, schema=pa.schema([schema.field(c) for c in frame.columns]),
                                         preserve_index=False)
            pq.write_table(arrow, tmp, compression="zstd")
        else:
            frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n", float_format="%.2f")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class atomic_dir:
    """Context manager yielding a temp folder that replaces ``target`` on success only."""

    def __init__(self, target: str | Path):
        self.target = Path(target)

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", dir=self.target.parent))
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_panel(panel_tables: dict[str, pd.DataFrame], out_dir: Path, *, fmt: str = "parquet") -> None:
    """Write contract tables into an existing folder (use inside ``atomic_dir``)."""
    for name, df in panel_tables.items():
        write_table(df, Path(out_dir) / f"{name}.{fmt}", TABLES[name])
