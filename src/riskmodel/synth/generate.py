"""The generator's public entry points: generate (pure), write (atomic), generate_to (both)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskmodel.contract import Policy, atomic_dir, write_panel
from riskmodel.contract.io import TRUTH_FILE
from riskmodel.contract.policy import POLICY_FILE
from riskmodel.contract.schema import TABLES
from riskmodel.synth.config import SynthConfig
from riskmodel.synth.engine import simulate
from riskmodel.synth.observable import observable_oracle
from riskmodel.synth.tables import build_tables
from riskmodel.synth.truth import to_arrow as truth_to_arrow

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SynthResult:
    """A generated panel: typed contract frames, the truth table and the policy it was made under."""

    config: SynthConfig
    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    policy: Policy
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Generated v1.1 tables the installed contract package does not know yet (written beside)."""


def generate(config: SynthConfig | None = None, *, progress: Progress | None = None, **overrides) -> SynthResult:
    """Simulate a panel. Same config → identical frames. ``progress(done, total)`` is called per month."""
    config = config or SynthConfig()
    if overrides:
        config = SynthConfig(**{**config.model_dump(), **overrides})
    if config.partitioned:
        return _by_county(config, progress)
    sim = simulate(config, progress)
    tables, truth = build_tables(sim, config.seed)
    months = sim.truth["month_day"].astype("datetime64[D]")
    truth["p_identified_26w_observable"] = observable_oracle(tables, sim.policy, months, config.seed).reshape(-1)
    known = {name: df for name, df in tables.items() if name in TABLES}
    extra = {name: df for name, df in tables.items() if name not in TABLES}
    return SynthResult(config, known, truth, sim.policy, extra)


def _by_county(config: SynthConfig, progress: Progress | None) -> SynthResult:
    """The county-by-county panel in memory (the same rows ``write_partitioned`` writes)."""
    from riskmodel.synth.partitioned import counties, regions_table

    parts = list(counties(config, progress))
    names = parts[0].tables.keys()
    tables = {name: pd.concat([p.tables[name] for p in parts], ignore_index=True) for name in names}
    tables["regions"] = regions_table(config)
    truth = pd.concat([p.truth for p in parts], ignore_index=True)
    known = {name: df for name, df in tables.items() if name in TABLES}
    extra = {name: df for name, df in tables.items() if name not in TABLES}
    return SynthResult(config, known, truth, parts[0].policy, extra)


def write(result: SynthResult, out_dir: str | Path, fmt: str = "parquet") -> Path:
    """Write tables, ``policy.yaml`` and ``truth.parquet`` into ``out_dir`` (replaced atomically)."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be parquet or csv, not {fmt!r}")
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        write_panel(result.tables, tmp, fmt=fmt)
        for name, df in result.extra.items():
            _write_plain(df, tmp / f"{name}.{fmt}")
        (tmp / POLICY_FILE).write_text(result.policy.to_yaml(), encoding="utf-8")
        pq.write_table(truth_to_arrow(result.truth), tmp / TRUTH_FILE, compression="zstd")
    return out_dir


def _write_plain(df: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        out = df.copy()
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.strftime("%Y-%m-%d")
        out.to_csv(path, index=False, lineterminator="\n")
    else:
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, compression="zstd")


def generate_to(out_dir: str | Path, *, fmt: str = "parquet", progress: Progress | None = None, **config) -> Path:
    """Generate a panel from keyword config (``households=…, scenario=…``) and write it to ``out_dir``."""
    result = generate(SynthConfig(**config), progress=progress)
    return write(result, out_dir, fmt)
