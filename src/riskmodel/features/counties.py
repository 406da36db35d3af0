"""Features of a county-partitioned data directory, one county in memory at a time.

A province's panel does not fit one process; a household's features depend only on its own
rows, so building them county by county and stacking the tables gives ``build_features`` of the
whole panel while only the largest county is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.cluster import gather, submit_map
from riskmodel.contract import ContractError, Panel, counties, load
from riskmodel.contract.io import find_table
from riskmodel.contract.validate import Problem, Problems
from riskmodel.features.build import build_features


def is_partitioned(data_dir: str | Path) -> bool:
    """Whether the households table is a county-partitioned folder (then work goes county by county)."""
    source = find_table(Path(data_dir), "households")
    return source is not None and source.partitioned


def county_panels(data_dir: str | Path, *, loader: Callable[..., Panel] = load) -> Iterator[tuple[str, Panel]]:
    """Each county's validated panel in code order; the previous one is released before the next loads."""
    for county in counties(data_dir):
        yield county, loader(data_dir, county=county)


def unique_households(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` unchanged when its household ids are unique, else the ``ContractError`` naming them.

    ``load(county=…)`` checks keys within a county only; a household filed under two counties
    would otherwise be listed twice.
    """
    twice = frame["household_id"].duplicated(keep=False)
    if twice.any():
        raise _in_two_counties(pd.unique(frame.loc[twice, "household_id"].astype(str)))
    return frame


def check_unique_ids(ids: pa.Array, order: np.ndarray, rows: int = 1 << 18) -> None:
    """``unique_households`` of a province's ids given their sort order (``pc.sort_indices``):
    equal ids are neighbours there, compared ``rows`` at a time (no hash table of a province)."""
    twice: list[str] = []
    for i in range(0, max(len(order) - 1, 0), rows):
        run = ids.take(pa.array(order[i:i + rows + 1]))
        same = pc.equal(run.slice(0, len(run) - 1), run.slice(1)).to_numpy(zero_copy_only=False)
        if same.any():
            twice.extend(run.take(pa.array(np.flatnonzero(same))).to_pylist())
    if twice:
        raise _in_two_counties(list(dict.fromkeys(twice)))


def _in_two_counties(household_ids) -> ContractError:
    problems = Problems()
    for hid in household_ids:
        problems.add(Problem("households", None, "household_id", hid, "duplicate_key",
                             "the household is in more than one county partition"))
    return ContractError(problems)


def county_features(data_dir: str | Path, county: str, as_of) -> pd.DataFrame:
    """One county loaded, validated and featured where the task runs (a Dask worker reads its own files)."""
    return build_features(load(data_dir, county=county), as_of)


def features_by_county(data_dir: str | Path, as_of, *, loader: Callable[..., Panel] = load,
                       client=None) -> pd.DataFrame:
    """``build_features(load(data_dir), as_of)`` built one county at a time (same rows, order, dtypes).

    With a ``distributed.Client`` each county is a task on the cluster reading its own partition
    (``data_dir`` must be readable by the workers); only the feature rows come back.
    """
    if client is not None:
        names = counties(data_dir)
        parts = gather(submit_map(client, county_features, [str(data_dir)] * len(names), names,
                                  as_of=pd.Timestamp(as_of)))
    else:
        parts = [build_features(panel, as_of) for _county, panel in county_panels(data_dir, loader=loader)]
    if not parts:
        return build_features(loader(data_dir), as_of)
    table = pd.concat(parts, ignore_index=True)
    order = table["household_id"].astype(str).to_numpy().argsort(kind="stable")
    return unique_households(table.iloc[order].reset_index(drop=True))
