"""Benchmark: generate and write a synthetic panel (default 100,000 households × 4 years, target ≤ 60 s
on 2 cores); with ``--partitioned``, county by county, and the peak memory against the 4 GB target
(the goal is a 10M-household panel in ≤ 4 GB; peak memory should not grow with the panel).

Prints wall time of the simulation and of writing, peak memory and the ratios to the targets.
A partitioned panel simulates each county in a process of its own: the peak is that of the largest
process (``VmHWM`` of this process and of each county's, read every 0.2 s), and the run's total
(the resident sets of all its processes at once, sampled as often) is printed beside it. Usage:
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

from bench_weekly import TreePeak  # the process-tree sampler of the weekly bench (bench/ is on the path)

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
    tree = TreePeak(every=0.2)
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
    tree.stop()
    own_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux: KiB
    peak_mb = max(own_gb, tree.top()[0]) * 1e9 / 2**20
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
    print(f"peak memory (RSS)   {peak_mb:6.0f} MB   target {TARGET_PEAK_MB:.0f} MB   ratio {peak_mb / TARGET_PEAK_MB:.2f}"
          "   (the largest process)")
    print(f"all processes       {tree.total * 1e9 / 2**20:6.0f} MB   at once, at most (sampled)")
    return 0 if total <= TARGET_SECONDS * args.households / 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())
