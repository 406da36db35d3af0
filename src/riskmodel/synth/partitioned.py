"""County by county: a panel simulated one county at a time, each from its own random stream.

``riskmodel synth --partitioned`` writes the contract's partitioned layout
(``households/county=370321/part-0.parquet``, …; ``truth.parquet`` one row group per county) while
only one county's simulation is in memory, so peak memory follows the largest county, not the panel.
Which village each household lives in and which county a flood hits are drawn first from a
separate stream; household ids are the same seeded permutation as a single-stream panel's;
people, claims and events are numbered on from the previous county. Same config → the same
files; the panel differs from the single-stream one of the same seed (other random streams).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from riskmodel.contract import Policy, atomic_dir
from riskmodel.contract.io import TRUTH_FILE
from riskmodel.contract.policy import POLICY_FILE
from riskmodel.contract.writers import write_county, write_table
from riskmodel.contract.schema import TABLES
from riskmodel.progress import Progress, no_progress
from riskmodel.synth.config import SynthConfig
from riskmodel.synth.engine import county_layout, simulate
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
    layout = county_layout(config)
    H = config.households
    numbers = household_ids(H, config.seed)
    width_h, width_m = max(6, len(str(H))), max(7, len(str(4 * H)))
    offsets = {"member": 0, "claim": 0, "event": 0}
    C = len(layout.regions.county_code)
    for c in range(C):
        rows = layout.households(c)
        if rows.stop > rows.start:
            sim = simulate(config, no_progress, layout, c)
            ids = _Ids(numbers[rows], width_h, width_m, dict(offsets))
            tables, truth = build_tables(sim, config.seed, ids)
            del tables["regions"]
            months = sim.truth["month_day"].astype("datetime64[D]")
            truth["p_identified_26w_observable"] = observable_oracle(tables, sim.policy, months,
                                                                     config.seed).reshape(-1)
            offsets["member"] += len(sim.members["hh"])
            offsets["claim"] += len(tables["medical_claims"])
            offsets["event"] += len(tables["events"])
            yield County(str(layout.regions.county_code[c]), tables, truth, sim.policy)
            del sim, tables, truth
        progress("counties", c + 1, C)


def regions_table(config: SynthConfig) -> pd.DataFrame:
    return region_names(county_layout(config).regions, config.seed)


def write_partitioned(config: SynthConfig, out_dir: str | Path, progress: Progress = no_progress) -> Path:
    """Generate county by county into ``out_dir`` (replaced atomically): each table a folder of
    county partitions, ``regions.parquet``, ``policy.yaml`` and ``truth.parquet`` (one file,
    written a county at a time as row groups)."""
    out_dir = Path(out_dir)
    policy, empty = None, {}
    with atomic_dir(out_dir) as tmp:
        truth = pq.ParquetWriter(tmp / TRUTH_FILE, truth_schema(), compression="zstd")
        try:
            for county in counties(config, progress):
                policy = county.policy
                write_county(county.tables, tmp, county.code)
                truth.write_table(truth_to_arrow(county.truth))
                for name, df in county.tables.items():
                    if not len(df):
                        empty.setdefault(name, df)
        finally:
            truth.close()
        for name, df in empty.items():  # a table without any row stays one empty file (its columns declared)
            if not (tmp / name).exists():
                write_table(df, tmp / f"{name}.parquet", TABLES[name])
        write_table(regions_table(config), tmp / "regions.parquet", TABLES["regions"])
        (tmp / POLICY_FILE).write_text((policy or Policy.default()).to_yaml(), encoding="utf-8")
    return out_dir
