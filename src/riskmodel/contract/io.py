"""Reading and writing contract tables, and the typed ``Panel`` every later stage consumes.

Reading accepts CSV (UTF-8 with or without BOM, or GB18030 as Excel on a Chinese-locale
machine writes it) and Parquet. Writing is atomic: files appear complete or not at all.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from riskmodel import RiskmodelWarning
from riskmodel.contract.columns import Columns, release_arrow_memory
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
    missing_columns,
)

TRUTH_FILE = "truth.parquet"
_CJK = re.compile("[\u4e00-\u9fff]")


class _Undecodable(Exception):
    def __init__(self, offset: int, line: int):
        self.offset, self.line = offset, line


def _utf8(data: bytes) -> bytes:
    """UTF-8 bytes of a CSV file: UTF-8 (BOM or not) first, else GB18030 (Excel on Chinese Windows).

    A file that is clearly UTF-8 (CJK text decoded fine before the first bad byte) but has a
    broken byte is an error rather than GB18030: decoding it as GB18030 would silently turn
    its Chinese text into nonsense.
    """
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    prefix = data[:first_bad].decode("utf-8")
    clearly_utf8 = len(_CJK.findall(prefix, 0, 10_000)) >= 2
    if not clearly_utf8:
        try:
            return data.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError:
            pass
    raise _Undecodable(first_bad, data.count(b"\n", 0, first_bad) + 1)


def _read_csv(data: bytes) -> pd.DataFrame:
    """All cells as text (empty cells stay empty strings), with Arrow's multi-threaded parser."""
    header = next(csv.reader(io.StringIO(data[: data.find(b"\n") if b"\n" in data else len(data)]
                                         .decode("utf-8"))), None)
    if not header:
        raise ValueError("the file is empty (no header row)")
    seen = [name for i, name in enumerate(header) if name in header[:i]]
    if seen:
        raise ValueError(f"duplicate column names in the header: {', '.join(seen)}")
    arrow = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=True),
        # Excel quotes cells with line breaks (remarks); keep them inside the value
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        ),
    )
    return arrow.to_pandas(types_mapper={pa.string(): ID_DTYPE, pa.large_string(): ID_DTYPE}.get)


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
            frame = pq.read_table(path).to_pandas(
                date_as_object=False, types_mapper={pa.string(): ID_DTYPE, pa.large_string(): ID_DTYPE}.get
            )
            release_arrow_memory()  # the file's decoded buffers, copied into the frame
            return frame
        return _read_csv(_utf8(path.read_bytes()))
    except _Undecodable as err:
        raise ContractError(_one(Problem(
            table, None, None, None, "undecodable",
            f"{path.name} is neither UTF-8 nor GB18030 text (first bad byte at offset {err.offset},"
            f" line {err.line}); save it again as CSV UTF-8"))) from None
    except Exception as exc:  # pandas/pyarrow raise many kinds for a broken file
        raise ContractError(_one(Problem(table, None, None, None, "unreadable",
                                         f"{path.name}: {type(exc).__name__}: {str(exc).strip()}"))) from None


def _rows(df: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """``df[keep]``, without a copy when every row is kept (the API's one-household case)."""
    mask = keep.to_numpy()
    return df if mask.all() else df.loc[mask]


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
    #: Each table's ``Columns`` (arrays read once); a new panel (``replace``) starts empty.
    _columns: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict:  # the arrays are views of the frames: never ship them twice
        return {**{f.name: getattr(self, f.name) for f in fields(self)}, "_columns": {}}

    def __getattr__(self, name: str):
        # only reached for a table ``from_columns`` left unbuilt: build its frame on first use
        columns = self.__dict__.get("_columns", {}).get(name) if name in TABLES else None
        if columns is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        frame = columns.frame
        object.__setattr__(self, name, frame)
        return frame

    def columns(self, name: str) -> Columns:
        """Table ``name``'s columns as arrays, each read from its frame once (see ``Columns``)."""
        hit = self._columns.get(name)
        if hit is None:
            hit = self._columns[name] = Columns(getattr(self, name))
        return hit

    @classmethod
    def from_columns(cls, tables: dict[str, Columns], policy: Policy) -> Panel:
        """A panel of already typed and checked tables (the API's payloads), their arrays kept.

        A table's frame is built the first time it is read: scoring reads only ``columns()``,
        and six small frames cost more than scoring the household they describe.
        """
        if set(tables) != set(TABLES):
            raise ValueError(f"from_columns needs every contract table, got {sorted(tables)}")
        panel = object.__new__(cls)
        object.__setattr__(panel, "policy", policy)
        object.__setattr__(panel, "_columns", dict(tables))
        return panel

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
        members who joined by ``t``, with departures after ``t`` not yet known. Likewise an
        assistance spell ending after ``t`` is still ongoing at ``t`` (``end_date`` empty) and a
        monitoring risk eliminated after ``t`` is still open (``eliminated_on`` empty).
        """
        t = pd.Timestamp(t)
        out = {name: _rows(df, df["reported_on"] <= t) for name, df in self.tables().items()
               if TABLES[name].fact}
        for name, column in (("assistance", "end_date"), ("monitoring", "eliminated_on")):
            later = (out[name][column] > t).to_numpy()
            if later.any():
                out[name] = out[name].copy()
                out[name].loc[later, column] = pd.NaT
        out["households"] = _rows(self.households, self.households["registered_on"] <= t)
        mem = _rows(self.members, self.members["joined_on"] <= t)
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
        """Build a panel from in-memory raw frames (API payloads, tests), validating like files.

        Frames may hold file-like text or already typed columns. Raises ``ContractError``;
        extra columns warn (``RiskmodelWarning``) and are dropped; unknown table names are an error.
        """
        unknown = sorted(set(frames) - set(TABLES))
        if unknown:
            raise ValueError(f"unknown tables {unknown}; contract tables are {list(TABLES)}")
        problems = Problems()
        typed, notes, unusable = _coerce_all(
            {name: (None if frames.get(name) is None else pd.DataFrame(frames[name])) for name in TABLES},
            problems,
        )
        if check:
            check_tables(typed, problems, unusable=unusable)
        if problems:
            raise ContractError(problems)
        _warn_extra(notes)
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


def _coerce_all(
    raws: dict[str, pd.DataFrame | None], problems: Problems, *, unreadable: set[str] = frozenset(),
) -> tuple[dict[str, pd.DataFrame], list[str], set[str]]:
    """Typed frames, notes (extra columns, absent optional tables) and unusable table names.

    ``raws[name]`` is None for a table with no data (absent file or frame); ``unreadable``
    tables were already reported and load empty.
    """
    typed: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    unusable: set[str] = set(unreadable)
    for name, table in TABLES.items():
        raw = raws.get(name)
        if name in unreadable:
            typed[name] = empty_frame(table)
            continue
        if raw is None:
            if table.required:
                problems.add(Problem(name, None, None, None, "missing_table",
                                     f"{name}.csv or {name}.parquet is required"))
                unusable.add(name)
            else:
                notes.append(f"{name}: no file, treated as empty")
            typed[name] = empty_frame(table)
            continue
        if missing_columns(table, raw.columns):
            unusable.add(name)
        typed[name], extra = coerce_table(table, raw, problems)
        if extra:
            notes.append(f"{name}: extra columns ignored: {', '.join(extra)}")
    return typed, notes, unusable


def _warn_extra(notes: list[str]) -> None:
    for note in notes:
        if "extra columns" in note:
            warnings.warn(note, RiskmodelWarning, stacklevel=3)


def _read_all(data_dir: Path) -> tuple[dict[str, pd.DataFrame], Problems, list[str], dict[str, int]]:
    problems = Problems()
    if not data_dir.is_dir():
        what = "is not a folder" if data_dir.exists() else "does not exist"
        raise FileNotFoundError(f"data directory {data_dir} {what}")
    raws: dict[str, pd.DataFrame | None] = {}
    unreadable: set[str] = set()
    for name in TABLES:
        try:
            path = find_table_file(data_dir, name)
            raws[name] = None if path is None else read_raw(path, name)
        except ContractError as err:
            problems.extend(err.problems)
            raws[name] = pd.DataFrame()
            unreadable.add(name)
    typed, notes, unusable = _coerce_all(raws, problems, unreadable=unreadable)
    check_tables(typed, problems, unusable=unusable)
    rows = {name: 0 if raws[name] is None else len(raws[name]) for name in TABLES}
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
    try:
        policy = load_policy(data_dir)
    except ValueError as exc:
        problems.add(Problem("policy", None, None, None, "unreadable", str(exc)))
    if problems:
        raise ContractError(problems)
    _warn_extra(notes)
    return Panel(**typed, policy=policy)


def load_truth(data_dir: str | Path) -> pd.DataFrame | None:
    """The generator's ground truth, for evaluation only (None for real data)."""
    path = Path(data_dir) / TRUTH_FILE
    if not path.exists():
        return None
    return pd.read_parquet(path)


# --- writing -------------------------------------------------------------------------------

def _iso(s: pd.Series, fmt: str) -> pd.Series:
    """Dates as ISO text, formatting each distinct date once (strftime per cell is slow)."""
    codes, uniques = pd.factorize(pd.to_datetime(s), use_na_sentinel=True)
    text = np.asarray(pd.DatetimeIndex(uniques).strftime(fmt), dtype=object)
    out = np.full(len(codes), None, dtype=object)
    known = codes >= 0
    out[known] = text[codes[known]]
    return pd.Series(out, index=s.index)


def to_file_frame(table: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Typed frame → the file representation (ISO strings for dates and months in CSV)."""
    out = {}
    for col in table.columns:
        if col.name not in df:
            continue
        s = df[col.name]
        if col.kind in ("date", "month"):
            out[col.name] = _iso(s, "%Y-%m-%d" if col.kind == "date" else "%Y-%m")
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
        schema = _arrow_schema(table)
        if path.suffix != ".parquet":
            # money to the fen, as the CSV files offices exchange carry it
            for col in table.columns:
                if col.kind == "float" and col.name in frame:
                    frame[col.name] = frame[col.name].round(2)
        arrow = pa.Table.from_pandas(frame, schema=pa.schema([schema.field(c) for c in frame.columns]),
                                     preserve_index=False)
        if path.suffix == ".parquet":
            pq.write_table(arrow, tmp, compression="zstd")
        else:
            pacsv.write_csv(arrow, tmp, pacsv.WriteOptions(quoting_style="needed"))
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
