"""Benchmark: generate and write 100,000 households × 4 years (target ≤ 60 s on 2 cores).

Prints wall time of the simulation and of writing, peak memory (resident set, from
``resource.getrusage``) and the ratio to the target. Usage:
    .venv/bin/python bench/bench_synth.py [--households 100000] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from riskmodel.synth import SynthConfig, generate, write

TARGET_SECONDS = 60.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    cfg = SynthConfig(households=args.households, start="2021-01-01", end="2024-12-31", seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "panel"
        t0 = time.perf_counter()
        result = generate(cfg)
        t1 = time.perf_counter()
        write(result, out, "parquet")
        t2 = time.perf_counter()
        size = sum(p.stat().st_size for p in out.iterdir())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    rows = {name: len(df) for name, df in result.tables.items()}
    total = t2 - t0
    print(f"households          {args.households:,} × 48 months")
    print(f"rows                {', '.join(f'{k} {v:,}' for k, v in rows.items())}; truth {len(result.truth):,}")
    print(f"simulate            {t1 - t0:6.1f} s")
    print(f"write (parquet)     {t2 - t1:6.1f} s   ({size / 1e6:.0f} MB)")
    print(f"total               {total:6.1f} s   target {TARGET_SECONDS:.0f} s   ratio {total / TARGET_SECONDS:.2f}")
    print(f"peak memory (RSS)   {peak_mb:6.0f} MB")
    return 0 if total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
