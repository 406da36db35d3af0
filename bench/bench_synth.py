"""Benchmark: generate and write a synthetic panel (default 100,000 households × 4 years, target ≤ 60 s
on 2 cores); with ``--partitioned``, county by county, and the peak memory against the 4 GB target
(the goal is a 10M-household panel in ≤ 4 GB; peak memory should not grow with the panel).

Prints wall time of the simulation and of writing, peak memory (resident set, from
``resource.getrusage``) and the ratios to the targets. Usage:
    .venv/bin/python bench/bench_synth.py [--households 100000] [--partitioned] [--out DIR]
Runs that may exceed 6 GB belong under ``flock /work/bigmem.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from riskmodel.synth import SynthConfig, generate, write
from riskmodel.synth.partitioned import write_partitioned

TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 4096.0


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--partitioned", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    cfg = SynthConfig(households=args.households, start="2021-01-01", end="2024-12-31", seed=7,
                      partitioned=args.partitioned)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "panel"
        t0 = time.perf_counter()
        if args.partitioned:
            write_partitioned(cfg, out)
            t1 = t2 = time.perf_counter()
            rows = f"{cfg.n_counties} counties"
        else:
            result = generate(cfg)
            t1 = time.perf_counter()
            write(result, out, "parquet")
            t2 = time.perf_counter()
            rows = ", ".join(f"{k} {len(v):,}" for k, v in result.tables.items()) + f"; truth {len(result.truth):,}"
        size = _size(out)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    total = t2 - t0
    print(f"households          {args.households:,} × 48 months{' (county by county)' if args.partitioned else ''}")
    print(f"rows                {rows}")
    if args.partitioned:
        print(f"simulate + write    {total:6.1f} s   ({size / 1e6:.0f} MB)")
    else:
        print(f"simulate            {t1 - t0:6.1f} s")
        print(f"write (parquet)     {t2 - t1:6.1f} s   ({size / 1e6:.0f} MB)")
    print(f"total               {total:6.1f} s   target {TARGET_SECONDS:.0f} s per 100,000 households   "
          f"ratio {total / TARGET_SECONDS / (args.households / 100_000):.2f}")
    print(f"peak memory (RSS)   {peak_mb:6.0f} MB   target {TARGET_PEAK_MB:.0f} MB   ratio {peak_mb / TARGET_PEAK_MB:.2f}")
    return 0 if total <= TARGET_SECONDS * args.households / 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())
