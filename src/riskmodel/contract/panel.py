"""The typed ``Panel`` every later stage consumes, and what it shows as of a date.

A panel holds every contract table, typed as ``load`` documents; an optional table that was
absent is an empty typed frame (never None), so that no consumer needs a special case.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from riskmodel import RiskmodelWarning
from riskmodel.contract.columns import Columns, as_columns, id_text, positions, positions_at
from riskmodel.contract.policy import Policy
from riskmodel.contract.schema import TABLES
from riskmodel.contract.validate import ContractError, Problems, check_tables, coerce_all, empty_frame

#: Member attributes that ``member_status`` updates.
STATUS_COLUMNS = ("in_school", "labor_skill")


def _rows(df: pd.DataFrame, keep: pd.Series | np.ndarray) -> pd.DataFrame:
    """``df[keep]``, without a copy when every row is kept (the API's one-household case)."""
    mask = np.asarray(keep)
    return df if mask.all() else df.loc[mask]


#: What ``subset`` takes as a column of ids as it is (anything else iterable is listed first).
ID_LIKE = (pd.Series, pd.Index, pd.api.extensions.ExtensionArray, np.ndarray, list)


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
    #: Optional tables of contract v1.1 (absent: empty typed frames). A factory, not a class-level
    #: default, so that ``from_columns`` panels still build these frames lazily in ``__getattr__``.
    regions: pd.DataFrame = field(default_factory=lambda: None)
    member_status: pd.DataFrame = field(default_factory=lambda: None)
    #: Each table's ``Columns`` (arrays read once); a new panel (``replace``) starts empty.
    _columns: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("regions", "member_status"):
            if self.__dict__.get(name) is None:
                object.__setattr__(self, name, empty_frame(TABLES[name]))

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

    def data_start(self) -> pd.Timestamp | None:
        """The start of the data: the first month the income survey covers (look-back windows
        reach no further back); without income rows, the first registration; None if neither."""
        first = self.income["month"].min() if len(self.income) else pd.NaT
        if pd.isna(first):
            first = self.households["registered_on"].min()
        return None if pd.isna(first) else pd.Timestamp(first)

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
        monitoring risk eliminated after ``t`` is still open (``eliminated_on`` empty); a
        member_status row counts only once it is effective (``effective_on <= t``).
        """
        t = pd.Timestamp(t)
        out = {name: _rows(df, (df["reported_on"] <= t).to_numpy()) for name, df in self.tables().items()
               if TABLES[name].fact}
        status = out["member_status"]
        out["member_status"] = _rows(status, (status["effective_on"] <= t).to_numpy())
        for name, column in (("assistance", "end_date"), ("monitoring", "eliminated_on")):
            later = (out[name][column] > t).to_numpy()
            if later.any():
                out[name] = out[name].copy()
                out[name].loc[later, column] = pd.NaT
        out["households"] = _rows(self.households, (self.households["registered_on"] <= t).to_numpy())
        mem = _rows(self.members, (self.members["joined_on"] <= t).to_numpy())
        later = (mem["left_on"] > t).to_numpy()
        if later.any():
            mem = mem.copy()
            mem.loc[later, "left_on"] = pd.NaT
            mem.loc[later, "left_reason"] = np.nan
        out["members"] = mem
        return replace(self, **out)

    def subset(self, household_ids) -> Panel:
        """The same panel restricted to some households (for partitioned work); regions stay whole."""
        ids = household_ids if isinstance(household_ids, (pa.Array, pa.ChunkedArray)) else id_text(
            household_ids if isinstance(household_ids, ID_LIKE) else list(household_ids))  # numbers as their text
        out = {}
        for name, df in self.tables().items():
            if "household_id" in df:
                out[name] = df.loc[positions(df["household_id"], ids) >= 0]
        keep_members = out["members"]["member_id"]
        for name in ("medical_claims", "member_status"):
            df = getattr(self, name)
            out[name] = df.loc[positions(df["member_id"], keep_members) >= 0] if len(df) else df
        return replace(self, **out)

    def member_attributes(self, t: str | pd.Timestamp | None = None) -> pd.DataFrame:
        """Members with ``in_school`` and ``labor_skill`` as known at ``t`` (default: every row counts).

        See ``member_attributes``; on a panel already cut with ``as_of(t)``, ``t`` may be left out.
        """
        return member_attributes(self.members, self.member_status, t)

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
        typed, notes, unusable = coerce_all(
            {name: (None if frames.get(name) is None else pd.DataFrame(frames[name])) for name in TABLES}, problems,
            nonempty=())  # in memory an empty table is a valid (if useless) panel; files need rows
        if check:
            check_tables(typed, problems, unusable=unusable, unique_checked=True)
        if problems:
            raise ContractError(problems)
        for note in notes:
            if "extra columns" in note:
                warnings.warn(note, RiskmodelWarning, stacklevel=2)
        return cls(**typed, policy=policy or Policy.default())


def latest_status(member_ids, status, t: str | pd.Timestamp | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which ``member_status`` row holds each member's attributes as of ``t``: (member rows, status rows).

    ``member_ids``: the members' id column; ``status``: the member_status table (frame or
    ``Columns``). The row used is the one with the largest ``effective_on`` among rows with
    ``reported_on <= t`` and ``effective_on <= t`` (``t`` None: all rows); members without such a
    row are left out. Plain arrays, so that the API's one-household panels build no frame.
    """
    none = np.zeros(0, dtype=np.intp)
    status = as_columns(status)
    if not len(status) or not len(member_ids):
        return none, none
    effective = np.asarray(status["effective_on"], dtype="datetime64[ns]")
    if t is None:
        idx = np.arange(len(status))
    else:
        t64 = np.datetime64(pd.Timestamp(t).to_datetime64(), "ns")
        idx = np.flatnonzero((np.asarray(status["reported_on"], dtype="datetime64[ns]") <= t64) & (effective <= t64))
    member = positions_at(status["member_id"], idx, member_ids)
    found = member >= 0
    idx, member = idx[found], member[found]
    if not len(idx):
        return none, none
    # the last row per member after sorting by effective date ((member, effective_on) is unique)
    order = np.lexsort((effective[idx].view(np.int64), member))
    idx, member = idx[order], member[order]
    last = np.append(member[1:] != member[:-1], True)
    return member[last], idx[last]


def member_attributes(members: pd.DataFrame, member_status: pd.DataFrame,
                      t: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Each member's attributes as of ``t``: the latest ``member_status`` row, else the ``members`` row.

    The latest row is ``latest_status``'. Returns a copy of ``members`` (same rows, order and
    index) with ``in_school`` and ``labor_skill`` replaced, and ``status_on``: the
    ``effective_on`` of the row used (NaT where the values are the registration's, which the
    contract calls stale). Features use this rule (``latest_status``) rather than reading
    ``members.in_school`` directly.
    """
    out = members.copy()
    out["status_on"] = pd.Series(np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]"), index=out.index)
    found, rows = latest_status(members["member_id"], member_status, t)
    if not len(found):
        return out
    for name in STATUS_COLUMNS:
        values = out[name].to_numpy(copy=True) if not isinstance(out[name].dtype, pd.CategoricalDtype) else None
        if values is None:  # categorical: replace codes (same categories in both tables)
            codes = out[name].cat.codes.to_numpy(copy=True)
            codes[found] = member_status[name].cat.codes.to_numpy()[rows]
            out[name] = pd.Categorical.from_codes(codes, dtype=out[name].dtype)
        else:
            values[found] = member_status[name].to_numpy()[rows]
            out[name] = values
    status_on = out["status_on"].to_numpy(copy=True)
    status_on[found] = np.asarray(member_status["effective_on"], dtype="datetime64[ns]")[rows]
    out["status_on"] = status_on
    return out
