"""County by county: a panel simulated one county at a time, each from its own random stream.

``riskmodel synth --partitioned`` writes the contract's partitioned layout
(``households/county=370321/part-0.parquet``, …; ``truth.parquet`` one row group per county) while
only one county's simulation is in memory — each in a process of its own — so peak memory follows
the largest county, not the panel.
Which village each household lives in and which county a flood hits are drawn first from a
separate stream; household ids are the same seeded permutation as a single-stream panel's;
people, claims and events are numbered on from the previous county. Same config → the same
files; the panel differs from the single-stream one of the same seed (other random streams).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskmodel.contract import Policy, atomic_dir
from riskmodel.contract.io import TRUTH_FILE, replaceable_panel_dir
from riskmodel.contract.policy import POLICY_FILE
from riskmodel.contract.writers import write_county, write_table
from riskmodel.contract.schema import TABLES
from riskmodel.progress import Progress, no_progress
from riskmodel.synth.config import SynthConfig
from riskmodel.synth.engine import CountyLayout, county_layout, simulate
from riskmodel.synth.observable import observable_oracle
from riskmodel.synth.regions import region_names
from riskmodel.synth.tables import _Ids, build_tables, household_ids
from riskmodel.synth.truth import to_arrow as truth_to_arrow
from riskmodel.synth.truth import truth_schema

PART = "part-0.parquet"


@dataclass(frozen=True)
class County:
    code: str
    tables: dict[str, pd.DataFrame]   # the county's rows of each table (regions: once, beside)
    truth: pd.DataFrame
    policy: Policy


def counties(config: SynthConfig, progress: Progress = no_progress) -> Iterator[County]:
    """Simulate and tabulate each county in turn (nothing of a previous county is kept);
    ``progress("counties", done, total)`` after each."""
    return _each_county(config, progress, lambda *county: _county(config, *county))


def _each_county(config: SynthConfig, progress: Progress, work: Callable) -> Iterator:
    """``work(layout, c, ids, id_widths, offsets) -> (result, next offsets)`` for each county with
    households, in order (people, claims and events are numbered on from the previous county);
    yields the results. ``layout`` holds only county ``c``'s households."""
    layout = county_layout(config)
    H = config.households
    numbers = household_ids(H, config.seed)
    widths = (max(6, len(str(H))), max(7, len(str(4 * H))))  # household and person id digits
    offsets = {"member": 0, "claim": 0, "event": 0}
    C = len(layout.regions.county_code)
    for c in range(C):
        rows = layout.households(c)
        if rows.stop > rows.start:
            result, offsets = work(layout.of_county(c), c, numbers[rows], widths, offsets)
            yield result
            del result
        progress("counties", c + 1, C)


def _county(config: SynthConfig, layout: CountyLayout, c: int, numbers: np.ndarray, widths: tuple[int, int],
            offsets: dict[str, int]) -> tuple[County, dict[str, int]]:
    """One county's tables and truth, people, claims and events numbered on from ``offsets``;
    returns the offsets for the next county too."""
    sim = simulate(config, no_progress, layout, c)
    tables, truth = build_tables(sim, config.seed, _Ids(numbers, *widths, dict(offsets)))
    del tables["regions"]
    months = sim.truth["month_day"].astype("datetime64[D]")
    truth["p_identified_26w_observable"] = observable_oracle(tables, sim.policy, months, config.seed).reshape(-1)
    following = {"member": offsets["member"] + len(sim.members["hh"]),
                 "claim": offsets["claim"] + len(tables["medical_claims"]),
                 "event": offsets["event"] + len(tables["events"])}
    return County(str(layout.regions.county_code[c]), tables, truth, sim.policy), following


@dataclass(frozen=True)
class _Written:
    """What a county's process hands back once its partitions are on disk."""

    truth: pa.Table
    policy: Policy
    empty: dict[str, pd.DataFrame]   # the columns of each table the county has no row of


def _write_county(config: SynthConfig, out_dir: Path, layout: CountyLayout, c: int, numbers: np.ndarray,
                  widths: tuple[int, int], offsets: dict[str, int]) -> tuple[_Written, dict[str, int]]:
    county, following = _county(config, layout, c, numbers, widths, offsets)
    write_county(county.tables, out_dir, county.code)
    empty = {name: df.iloc[:0] for name, df in county.tables.items() if not len(df)}
    return _Written(truth_to_arrow(county.truth), county.policy, empty), following


def regions_table(config: SynthConfig) -> pd.DataFrame:
    return region_names(county_layout(config).regions, config.seed)


def write_partitioned(config: SynthConfig, out_dir: str | Path, progress: Progress = no_progress, *,
                      isolated: bool = True) -> Path:
    """Generate county by county into ``out_dir`` (replaced atomically): each table a folder of
    county partitions, ``regions.parquet``, ``policy.yaml`` and ``truth.parquet`` (one file,
    written a county at a time as row groups).

    ``isolated`` simulates each county in a process of its own, one at a time, so that the peak is
    the largest county's: in one process, memory crept up county after county (docs/calibration.md)
    and was not found. The files are the same either way. As with any multiprocessing, a script
    that calls this with ``isolated`` needs the ``if __name__ == "__main__":`` guard. A folder
    holding other files than a panel's is refused before any work (``replaceable_panel_dir``)."""
    out_dir = replaceable_panel_dir(out_dir)
    policy, empty = None, {}
    with atomic_dir(out_dir) as tmp, _county_runner(isolated) as run:
        truth = pq.ParquetWriter(tmp / TRUTH_FILE, truth_schema(), compression="zstd")
        try:
            for written in _each_county(config, progress, lambda *county: run(_write_county, config, tmp, *county)):
                truth.write_table(written.truth)
                policy = written.policy
                for name, df in written.empty.items():
                    empty.setdefault(name, df)
        finally:
            truth.close()
        for name, df in empty.items():  # a table without any row stays one empty file (its columns declared)
            if not (tmp / name).exists():
                write_table(df, tmp / f"{name}.parquet", TABLES[name])
        write_table(regions_table(config), tmp / "regions.parquet", TABLES["regions"])
        (tmp / POLICY_FILE).write_text((policy or Policy.default()).to_yaml(), encoding="utf-8")
    return out_dir


@contextmanager
def _county_runner(isolated: bool) -> Iterator[Callable]:
    """Call a county's work here, or in a fresh process per county (forkserver: the parent's threads,
    such as a progress bar's, are not forked; the generator's modules are imported once)."""
    if not isolated:
        yield lambda fn, *args: fn(*args)
        return
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows: a fresh interpreter each time
        context = multiprocessing.get_context("spawn")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(max_workers=1, mp_context=context, max_tasks_per_child=1) as pool:
        yield lambda fn, *args: _result(pool.submit(fn, *args))


class CountyProcessError(RuntimeError):
    """A county's process died without an answer (killed, out of memory, or the main-module trap)."""


def _result(future):
    try:
        return future.result()
    except BrokenProcessPool as e:
        raise CountyProcessError(
            "a county's process ended abruptly: out of memory, or a script that calls write_partitioned "
            "without `if __name__ == '__main__':` (each county's process imports the main script again; "
            "see multiprocessing's 'safe importing of main module'), or pass isolated=False") from e
