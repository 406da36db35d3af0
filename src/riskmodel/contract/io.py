"""Reading contract tables from a data directory, in either layout, into a checked ``Panel``.

Reading accepts CSV (UTF-8 with or without BOM, or GB18030 as Excel on a Chinese-locale
machine writes it) and Parquet, one file per table or (contract v1.1) a folder of Parquet
files partitioned by county (``households/county=370321/part-0.parquet``). The rules apply to
each table as a whole; ``load(data_dir, county=...)`` reads one county's rows only, so that a
province is processed county by county in bounded memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from riskmodel import RiskmodelWarning
from riskmodel.contract.coerce import as_text, true_where
from riskmodel.contract.columns import arrow_text
from riskmodel.memory import release_arrow_memory
from riskmodel.contract.panel import Panel
from riskmodel.contract.plausible import text_problems
from riskmodel.contract.policy import POLICY_FILE, Policy, load_policy
from riskmodel.contract.schema import COUNTY_DIGITS, TABLES
from riskmodel.contract.validate import (
    ID_DTYPE,
    ContractError,
    Problem,
    Problems,
    check_tables,
    coerce_all,
)
from riskmodel.contract.writers import (  # noqa: F401  (the writers' public names, where callers found them)
    PART_FILE,
    county_numbers,
    atomic_dir,
    partition_path,
    row_counties,
    row_county_numbers,
    to_file_frame,
    write_county,
    write_panel,
    write_table,
)

TRUTH_FILE = "truth.parquet"
#: Tables read at once larger than this hand Arrow's freed decoding buffers back to the OS; a
#: county's (tens of MB) are kept for the next county to reuse (``riskmodel.memory``).
RELEASE_AFTER_BYTES = 256 << 20
_CJK = re.compile("[\u4e00-\u9fff]")
_COUNTY_DIR = re.compile(r"county=(\d{6})")


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


def _read_csv(data: bytes) -> pa.Table:
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
    return arrow


@dataclass(frozen=True)
class Source:
    """Where a table's rows are: one file, or county partitions (``parts``: county → part files)."""

    name: str
    path: Path
    parts: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def partitioned(self) -> bool:
        return self.path.is_dir()


def _one(p: Problem) -> Problems:
    ps = Problems()
    ps.add(p)
    return ps


def find_table(data_dir: Path, name: str, county: str | None = None) -> Source | None:
    """The table's file or partitioned folder; ``ContractError`` if there are two or the folder is malformed.

    ``county``: only that county's folder is looked into (a run loads each county on its own:
    every load lists the table's folder, not every county's); ``parts`` then holds that county
    and, when it has no folder, the first county's (its columns stand for an empty table).
    """
    found = [p for p in (data_dir / f"{name}.csv", data_dir / f"{name}.parquet", data_dir / name) if p.exists()]
    if len(found) > 1:
        raise ContractError(_one(Problem(name, None, None, None, "duplicate_file",
                                         "more than one of " + ", ".join(p.name for p in found) + " exists")))
    if not found:
        return None
    path = found[0]
    if not path.is_dir():
        return Source(name, path)
    folders: dict[str, os.DirEntry] = {}
    with os.scandir(path) as entries:  # the entries' types come with the listing: no stat per entry
        for entry in sorted(entries, key=lambda e: e.name):
            if _not_data(entry):
                continue
            match = _COUNTY_DIR.fullmatch(entry.name)
            if not match or not entry.is_dir():
                raise _unreadable(name, f"{name}/{entry.name}: a partitioned table holds only county=XXXXXX "
                                        "folders (six digits) of Parquet files")
            folders[match.group(1)] = entry
    wanted = list(folders) if county is None else [county] if county in folders else list(folders)[:1]
    return Source(name, path, {key: _part_files(name, folders[key]) for key in wanted})


def _part_files(name: str, folder: os.DirEntry) -> list[Path]:
    """A county folder's Parquet files; anything else in it (but markers) makes the table unreadable."""
    with os.scandir(folder.path) as listing:
        entries = sorted((e for e in listing if not _not_data(e)), key=lambda e: e.name)
    other = [e for e in entries if not (e.is_file() and e.name.lower().endswith(".parquet"))]
    if other:  # read nothing rather than leave a file's rows out
        raise _unreadable(name, f"{name}/{folder.name}/{other[0].name}: a county partition holds only Parquet "
                                "files (part-0.parquet, …); move this out of the data directory")
    if not entries:
        raise _unreadable(name, f"{name}/{folder.name}: the folder holds no Parquet file (a county without rows "
                                "of this table has no folder)")
    return [Path(e.path) for e in entries]


def _not_data(entry: os.DirEntry | Path) -> bool:
    """A writer's temp file or marker (``.part-0.parquet…``, ``_SUCCESS``, ``_metadata``), skipped as
    Arrow's and Spark's readers skip them."""
    return entry.name.startswith((".", "_"))


def _unreadable(table: str, message: str) -> ContractError:
    return ContractError(_one(Problem(table, None, None, None, "unreadable", message)))


def replaceable_panel_dir(out_dir: str | Path) -> Path:
    """``out_dir`` if a generated panel may replace it: missing, empty, or holding only a panel's own
    files (contract tables as files or county folders, ``policy.yaml``, ``truth.parquet``, hidden
    temp folders). A folder holding anything else is refused (``FileExistsError`` naming it): writing
    a panel replaces the folder whole, and ``--out ~/data`` must not delete someone's files."""
    out = Path(out_dir)
    if not out.exists():
        return out
    if not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder; give a new or empty folder for the panel")
    own = {POLICY_FILE, TRUTH_FILE} | {f"{t}{ext}" for t in TABLES for ext in ("", ".parquet", ".csv")}
    other = sorted(p.name for p in out.iterdir() if p.name not in own and not p.name.startswith("."))
    if other:
        shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        raise FileExistsError(f"{out} holds files that are not a panel's ({shown}); writing a panel replaces the "
                              "folder whole: give a new or empty folder, or move them out")
    return out


def find_table_file(data_dir: Path, name: str) -> Path | None:
    """The table's file or folder (see ``find_table``)."""
    source = find_table(Path(data_dir), name)
    return None if source is None else source.path


def _read_file(path: Path, table: str, data_dir: Path) -> pa.Table:
    """One file as Arrow: CSV as text (empty cells stay empty strings), Parquet as typed."""
    where = str(path.relative_to(data_dir)) if path.is_relative_to(data_dir) else path.name
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path, read_dictionary=_as_dictionaries(path, table))
        return _read_csv(_utf8(path.read_bytes()))
    except _Undecodable as err:
        raise ContractError(_one(Problem(
            table, None, None, None, "undecodable",
            f"{where} is neither UTF-8 nor GB18030 text (first bad byte at offset {err.offset},"
            f" line {err.line}); save it again as CSV UTF-8"))) from None
    except Exception as exc:  # pyarrow raises many kinds for a broken file
        raise ContractError(_one(Problem(table, None, None, None, "unreadable",
                                         f"{where}: {type(exc).__name__}: {str(exc).strip()}"))) from None


#: Column kinds whose text is only ever parsed or looked up, never kept as text: Parquet's own
#: dictionaries are read as they are (no strings built, each distinct value checked once).
_DICTIONARY_KINDS = ("enum", "date", "month")


def _as_dictionaries(path: Path, table: str) -> list[str]:
    """Text columns of a Parquet file to read as dictionaries (enums, dates and months)."""
    if table not in TABLES:
        return []
    schema = pq.read_schema(path)
    wanted = {c.name for c in TABLES[table].columns if c.kind in _DICTIONARY_KINDS}
    return [f.name for f in schema if f.name in wanted and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]


def read_raw(path: Path, table: str) -> pd.DataFrame:
    """The file as it is, as pandas: CSV as strings (empty cells stay empty strings), Parquet as typed."""
    frame = _read_file(Path(path), table, Path(path).parent).to_pandas(
        date_as_object=False, types_mapper={pa.string(): ID_DTYPE, pa.large_string(): ID_DTYPE}.get)
    release_arrow_memory()  # the file's decoded buffers, copied into the frame
    return frame


@dataclass
class _Read:
    """A table as read: its rows, and for a partitioned table each row's county and part file."""

    table: pa.Table
    county: np.ndarray | None = None
    files: list[tuple[int, str]] = field(default_factory=list)
    """(first row, part file relative to the data directory), in row order."""


def _disagreeing_part(pieces: list[pa.Table], files: list[tuple[int, str]]) -> str | None:
    """Which part's column types cannot join the parts before it, and which column (None if none alone)."""
    schema = pieces[0].schema
    for piece, (_start, file) in zip(pieces[1:], files[1:]):
        try:
            schema = pa.unify_schemas([schema, piece.schema], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            column = next((f.name for f in piece.schema if f.name in schema.names
                           and not _joins(schema.field(f.name), f)), None)
            where = f", column {column}: {piece.schema.field(column).type} where the parts before it have " \
                    f"{schema.field(column).type}" if column else f": {exc}"
            return f"{file}{where} (every part of a table has the same column types)"
    return None


def _joins(a: pa.Field, b: pa.Field) -> bool:
    try:
        pa.unify_schemas([pa.schema([a]), pa.schema([b.with_name(a.name)])], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def _read_source(source: Source, data_dir: Path, county: str | None) -> _Read:
    if not source.partitioned:
        return _Read(_read_file(source.path, source.name, data_dir))
    pieces, counties, files, start = [], [], [], 0
    for key, paths in source.parts.items():
        if county is not None and key != county:
            continue
        for path in paths:
            piece = _read_file(path, source.name, data_dir)
            pieces.append(piece)
            counties.append(np.full(piece.num_rows, int(key), dtype=np.int64))  # keys are six digits
            files.append((start, str(path.relative_to(data_dir))))
            start += piece.num_rows
    if not pieces:  # that county has no rows of this table: its columns from any part
        first = next(iter(p for ps in source.parts.values() for p in ps), None)
        schema = pq.read_schema(first) if first is not None else pa.schema([])
        return _Read(schema.empty_table(), np.empty(0, dtype=np.int64), [])
    try:
        table = pa.concat_tables(pieces, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _unreadable(source.name, _disagreeing_part(pieces, files) or
                          f"{source.name}/: parts disagree on column types: {exc}") from None
    return _Read(table, np.concatenate(counties), files)


def counties(data_dir: str | Path) -> list[str]:
    """The counties (first six digits of region codes) that have households, sorted.

    From the partition folders when households is partitioned — ``ContractError`` if rows would be
    read by no county's load (``unclaimed_rows``); else from the households file's ``region_code``
    column (codes that are not 12 digits are left out: the validator reports them).
    """
    data_dir = Path(data_dir)
    source = find_table(data_dir, "households")
    if source is None:
        raise ContractError(_one(Problem("households", None, None, None, "missing_table",
                                         "households.csv, households.parquet or households/ is required")))
    if source.partitioned:
        problems = unclaimed_rows(data_dir, source)
        if problems:
            raise ContractError(problems)
        return sorted(source.parts)
    codes = _read_file(source.path, "households", data_dir)
    if "region_code" not in codes.column_names:
        return []
    text = _stripped_text(codes.column("region_code"))
    good = pc.fill_null(pc.match_substring_regex(text, r"^\d{12}$"), False)
    found = pc.unique(pc.utf8_slice_codeunits(text.filter(good), 0, COUNTY_DIGITS))
    return sorted(found.to_pylist())


def unclaimed_rows(data_dir: Path, households: Source) -> Problems:
    """Rows that no ``load(data_dir, county=...)`` reads, with households partitioned (``households``).

    A county-by-county run reads each county's folders and, of a single-file table, the rows of its
    households; a table's ``county=XXXXXX`` folder where households has none, or a single file's row
    whose household (member) lies in no county, would be left out silently, though the whole
    table's load names those rows (``references``, ``wrong_partition``). Regions are exempt: a
    county's names without households leave nothing out. Only folders are listed, and key columns
    read for single-file tables; a table that cannot be read is left to the county loads to report.
    """
    problems = Problems()
    keys = set(households.parts)
    claimed: dict[str, pa.Array | None] = {}
    for name, table in TABLES.items():
        by = table.partition_by
        if name == "households" or by == "region_code":
            continue
        try:
            source = find_table(data_dir, name)
        except ContractError:
            continue
        if source is None:
            continue
        if source.partitioned:
            for key in sorted(set(source.parts) - keys):
                problems.add(Problem(name, None, None, None, "wrong_partition",
                                     f"{name}/county={key}: households/ has no county={key} folder, so no county's "
                                     "load reads these rows (every row lies in its household's county partition)"))
            continue
        parent = "households" if by == "household_id" else "members"
        if parent not in claimed:
            claimed[parent] = _claimed_ids(data_dir, parent, claimed)
        own = _key_column(source, by, data_dir)
        if own is None or claimed[parent] is None:
            continue  # a column or file the county loads report
        empty = true_where(pc.equal(pc.fill_null(own, ""), ""))
        unknown = ~empty & ~true_where(pc.is_in(own, value_set=claimed[parent]))
        problems.add_rows(name, by, "required", empty, None)
        problems.add_rows(name, by, "references", unknown, _shown(own),
                          f"not found in {parent}.{by} of any county (no county's load reads this row)")
    return problems


def _key_column(source: Source, column: str, data_dir: Path) -> pa.Array | None:
    """A table's key column as stripped text, over all its files (None: a file or the column cannot be read)."""
    columns = _key_columns(source, (column,), data_dir)
    return None if columns is None else columns[0]


def _key_columns(source: Source, columns: tuple[str, ...], data_dir: Path) -> list[pa.Array] | None:
    """``_key_column`` of several columns, each file read once."""
    paths = [p for ps in source.parts.values() for p in ps] if source.partitioned else [source.path]
    pieces: list[list] = [[] for _ in columns]
    for path in paths:
        try:
            table = (pq.read_table(path, columns=list(columns)) if path.suffix == ".parquet"
                     else _read_file(path, source.name, data_dir).select(list(columns)))
        except (ContractError, KeyError, pa.ArrowException, OSError):
            return None
        for got, name in zip(pieces, columns):
            got.extend(_stripped_text(table.column(name)).chunks)
    return [pa.concat_arrays(got) if got else pa.array([], pa.string()) for got in pieces]


def _claimed_ids(data_dir: Path, parent: str, claimed: dict) -> pa.Array | None:
    """The household ids of every county, or the member ids of their members (None: unreadable)."""
    try:
        source = find_table(data_dir, parent)
    except ContractError:
        return None
    if source is None:
        return pa.array([], pa.string())
    if parent == "households" or source.partitioned:
        return _key_column(source, "household_id" if parent == "households" else "member_id", data_dir)
    if "households" not in claimed:
        claimed["households"] = _claimed_ids(data_dir, "households", claimed)
    households, both = claimed["households"], _key_columns(source, ("member_id", "household_id"), data_dir)
    if households is None or both is None:
        return None
    members, owners = both
    return members.filter(pc.fill_null(pc.is_in(owners, value_set=households), False))


def _shown(values: pa.Array) -> pa.Array:
    """``values`` with those shaped like personal data left out (never echoed)."""
    personal = text_problems(values).get("pseudonymous_id")
    if personal is None or not personal.any():
        return values
    return pc.if_else(pa.array(personal), pa.scalar(None, values.type), values)


def _raw_ids(table: pa.Table, column: str) -> pa.ChunkedArray:
    return _stripped_text(table.column(column))


def _stripped_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A raw key column as stripped text; missing where a value is not text (nested, not UTF-8),
    which the column's own rules name when the table is coerced."""
    return pc.utf8_trim_whitespace(as_text(column)[0])


def _county_rows(name: str, read: _Read, county: str, kept: dict[str, pa.Table]) -> pa.Table:
    """The rows of a single-file table that belong to ``county`` (through households and members)."""
    table = read.table
    by = TABLES[name].partition_by
    if by not in table.column_names:
        return table  # a missing column is reported by the validator
    if by == "region_code":
        keep = pc.starts_with(_raw_ids(table, "region_code"), county)
    elif by == "household_id":
        if name == "households":
            keep = pc.starts_with(_raw_ids(table, "region_code"), county)
        else:
            hh = kept.get("households")
            ids = _raw_ids(hh, "household_id") if hh is not None and "household_id" in hh.column_names else pa.array([], pa.string())
            keep = pc.is_in(_raw_ids(table, "household_id"), value_set=ids)
    else:
        mem = kept.get("members")
        ids = _raw_ids(mem, "member_id") if mem is not None and "member_id" in mem.column_names else pa.array([], pa.string())
        keep = pc.is_in(_raw_ids(table, "member_id"), value_set=ids)
    return table.filter(pc.fill_null(keep, False))


def _check_partitions(typed: dict[str, pd.DataFrame], reads: dict[str, _Read], problems: Problems,
                      unusable: set[str]) -> None:
    """Every row of a partitioned table lies in its household's county partition.

    Loading one county, when every household read has that county's code (which is the households'
    own check), a row read from the same county can lie in a wrong partition only by naming a
    household the county does not hold, which ``references`` reports: its rows are not looked up.
    """
    county = _households_county(typed, reads, unusable)
    for name, read in reads.items():
        if read.county is None or name in unusable or not len(typed[name]):
            continue
        if TABLES[name].partition_by != "region_code" and not {"households", "members"} <= (set(typed) - unusable):
            continue
        if TABLES[name].partition_by != "region_code" and county is not None and bool((read.county == county).all()):
            continue
        expected = row_county_numbers(typed, name)  # -2: the household is unknown (another rule's problem)
        bad = (expected != -2) & (expected != read.county)
        by_code = name == "households" or TABLES[name].partition_by == "region_code"
        column = "region_code" if by_code else TABLES[name].partition_by
        problems.add_rows(name, column, "wrong_partition", bad, typed[name][column],
                          "the code's first six digits are not the county=XXXXXX folder the row lies in" if by_code
                          else "the row lies in another county's partition than its household's")


def _households_county(typed: dict[str, pd.DataFrame], reads: dict[str, _Read], unusable: set[str]) -> int | None:
    """The one county every household was read from and whose code every household has, else None."""
    read = reads.get("households")
    if read is None or read.county is None or "households" in unusable or not len(read.county):
        return None
    county = int(read.county[0])
    if not (read.county == county).all() or not (county_numbers(typed["households"]["region_code"]) == county).all():
        return None
    return county


def _locate(problems: Problems, reads: dict[str, _Read]) -> Problems:
    """Row numbers of partitioned tables counted within their part file, which is named."""
    if not any(r.files for r in reads.values()):
        return problems
    out = Problems(counts=dict(problems.counts))
    for p in problems.examples:
        read = reads.get(p.table)
        if read is None or not read.files or p.row is None:
            out.examples.append(p)
            continue
        starts = [start for start, _ in read.files]
        i = int(np.searchsorted(starts, p.row - 1, side="right")) - 1
        start, file = read.files[i]
        out.examples.append(replace(p, row=p.row - start, file=file))
    return out


def _read_all(data_dir: Path, county: str | None = None
              ) -> tuple[dict[str, pd.DataFrame], Problems, list[str], dict[str, int]]:
    problems = Problems()
    if not data_dir.is_dir():
        what = "is not a folder" if data_dir.exists() else "does not exist"
        raise FileNotFoundError(f"data directory {data_dir} {what}")
    raws: dict[str, pa.Table | None] = {}
    reads: dict[str, _Read] = {}
    unreadable: set[str] = set()
    for name in TABLES:
        try:
            source = find_table(data_dir, name, county)
            if source is None:
                raws[name] = None
                continue
            read = _read_source(source, data_dir, county)
            if county is not None and not source.partitioned:
                read = _Read(_county_rows(name, read, county, raws))
            reads[name] = read
            raws[name] = read.table
        except ContractError as err:
            problems.extend(err.problems)
            raws[name] = pa.table({})
            unreadable.add(name)
    if sum(t.nbytes for t in raws.values() if t is not None) > RELEASE_AFTER_BYTES:
        release_arrow_memory()  # a whole panel's decoding buffers; a county's are reused by the next
    typed, notes, unusable = coerce_all(raws, problems, unreadable=unreadable, nonempty=("households", "members"))
    rows = {name: 0 if raws[name] is None else raws[name].num_rows for name in TABLES}
    del raws
    check_tables(typed, problems, unusable=unusable, unique_checked=True)
    _check_partitions(typed, reads, problems, unusable)
    return typed, _locate(problems, reads), notes, rows


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


def validate_dir(data_dir: str | Path) -> Report:
    """Check every table and rule of a data directory (either layout); never raises for bad data."""
    data_dir = Path(data_dir)
    typed, problems, notes, rows = _read_all(data_dir)
    try:
        load_policy(data_dir)
    except ValueError as exc:
        problems.add(Problem("policy", None, None, None, "unreadable", str(exc)))
    return Report(problems, notes, rows)


def load(data_dir: str | Path, *, county: str | None = None) -> Panel:
    """Load and validate a data directory; raise ``ContractError`` listing every problem.

    ``county`` (six digits, one of ``counties(data_dir)``) loads only that county's rows: its
    partitions, or the rows of single-file tables whose household is in it. The rules are
    checked on those rows; uniqueness across counties is ``validate_dir``'s (the whole table).
    """
    data_dir = Path(data_dir)
    if county is not None and not (isinstance(county, str) and re.fullmatch(r"\d{6}", county)):
        raise ValueError(f"county must be six digits (a county code), not {county!r}")
    typed, problems, notes, _rows = _read_all(data_dir, county)
    try:
        policy = load_policy(data_dir)
    except ValueError as exc:
        problems.add(Problem("policy", None, None, None, "unreadable", str(exc)))
    if problems:
        raise ContractError(problems)
    _warn_extra(notes)
    return Panel(**typed, policy=policy)


def _warn_extra(notes: list[str]) -> None:
    for note in notes:
        if "extra columns" in note:
            warnings.warn(note, RiskmodelWarning, stacklevel=3)


def load_truth(data_dir: str | Path, household_ids=None) -> pd.DataFrame | None:
    """The generator's ground truth, for evaluation only (None for real data); ``household_ids``: only theirs."""
    path = Path(data_dir) / TRUTH_FILE
    if not path.exists():
        return None
    if household_ids is None:
        return pd.read_parquet(path)
    ids = pa.array([str(h) for h in household_ids], type=pa.string())
    return pq.read_table(path, filters=pc.field("household_id").isin(ids)).to_pandas()
