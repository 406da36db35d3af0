"""The generator's public entry points: generate (pure), write (atomic), generate_to (both)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from riskmodel.contract import Policy, atomic_dir, write_panel
from riskmodel.contract.io import TRUTH_FILE, replaceable_panel_dir
from riskmodel.contract.policy import POLICY_FILE
from riskmodel.progress import Progress, no_progress
from riskmodel.synth.config import SynthConfig
from riskmodel.synth.engine import simulate
from riskmodel.synth.observable import observable_oracle
from riskmodel.synth.tables import build_tables
from riskmodel.synth.truth import to_arrow as truth_to_arrow



@dataclass(frozen=True)
class SynthResult:
    """A generated panel: typed contract frames, the truth table and the policy it was made under."""

    config: SynthConfig
    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    policy: Policy


def generate(config: SynthConfig | None = None, *, progress: Progress = no_progress, **overrides) -> SynthResult:
    """Simulate a panel. Same config → identical frames. ``progress("months", done, total)`` is called per
    month (``progress("counties", done, total)`` per county of a partitioned panel)."""
    config = config or SynthConfig()
    if overrides:
        config = SynthConfig(**{**config.model_dump(), **overrides})
    if config.partitioned:
        return _by_county(config, progress)
    sim = simulate(config, progress)
    tables, truth = build_tables(sim, config.seed)
    months = sim.truth["month_day"].astype("datetime64[D]")
    truth["p_identified_26w_observable"] = observable_oracle(tables, sim.policy, months, config.seed).reshape(-1)
    return SynthResult(config, tables, truth, sim.policy)


def _by_county(config: SynthConfig, progress: Progress) -> SynthResult:
    """The county-by-county panel in memory (the same rows ``write_partitioned`` writes)."""
    from riskmodel.synth.partitioned import counties, regions_table

    parts = list(counties(config, progress))
    names = parts[0].tables.keys()
    tables = {name: pd.concat([p.tables[name] for p in parts], ignore_index=True) for name in names}
    tables["regions"] = regions_table(config)
    truth = pd.concat([p.truth for p in parts], ignore_index=True)
    return SynthResult(config, tables, truth, parts[0].policy)


def write(result: SynthResult, out_dir: str | Path, fmt: str = "parquet") -> Path:
    """Write tables, ``policy.yaml`` and ``truth.parquet`` into ``out_dir`` (replaced atomically; a
    folder holding other files is refused: ``replaceable_panel_dir``)."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be parquet or csv, not {fmt!r}")
    out_dir = replaceable_panel_dir(out_dir)
    with atomic_dir(out_dir) as tmp:
        write_panel(result.tables, tmp, fmt=fmt)
        (tmp / POLICY_FILE).write_text(result.policy.to_yaml(), encoding="utf-8")
        pq.write_table(truth_to_arrow(result.truth), tmp / TRUTH_FILE, compression="zstd")
    return out_dir


def generate_to(out_dir: str | Path, *, fmt: str = "parquet", progress: Progress = no_progress, **config) -> Path:
    """Generate a panel from keyword config (``households=…, scenario=…``) and write it to ``out_dir``."""
    result = generate(SynthConfig(**config), progress=progress)
    return write(result, out_dir, fmt)
