"""Benchmark: point-in-time features for one as-of date (target: 1M households × 4 years in
≤ 60 s on 2 cores, peak memory ≤ 6 GB), the per-call cost on a one-household panel (the API
scores one household per request; aim ≤ 10 ms) and the speed ratio against the naive
reference implementation of the tests on the same small panel.

Data come from ``riskmodel.synth`` in chunks of ``--chunk`` households (distinct seeds, ids
prefixed per chunk so they stay unique) and are cached as typed Parquet under ``--cache`` so
later runs skip generation. Generation runs in a child process so its memory does not count.
Usage:
    .venv/bin/python bench/bench_features.py [--households 1000000] [--chunk 200000] [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import resource
import sys
import threading
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0
TARGET_PEAK_GB = 6.0
TARGET_ONE_MS = 10.0
TABLE_NAMES = ("households", "members", "income", "medical_claims", "assistance", "events", "monitoring")
ID_COLUMNS = ("household_id", "member_id", "claim_id", "event_id")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Peak resident memory over a block: sampled every 10 ms (and the kernel's high-water mark)."""

    def __enter__(self) -> PeakRSS:
        self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_bytes())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def _generate(cache: Path, households: int, chunk: int, seed: int) -> None:
    """Child process: simulate in chunks, prefix ids per chunk, write typed Parquet to ``cache``."""
    from riskmodel.synth import SynthConfig, generate

    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_NAMES}
    policy = None
    done, i = 0, 0
    while done < households:
        n = min(chunk, households - done)
        t0 = time.perf_counter()
        result = generate(SynthConfig(households=max(n, 10), start="2021-01-01", end="2024-12-31", seed=seed + i))
        policy = result.policy
        for name in TABLE_NAMES:
            df = result.tables[name]
            for col in ID_COLUMNS:
                if col in df:
                    df[col] = (f"c{i:02d}" + df[col]).astype(df[col].dtype)
            parts[name].append(df)
        done += n
        i += 1
        print(f"  generated chunk {i}: {n:,} households in {time.perf_counter() - t0:.0f} s", flush=True)
        del result
        gc.collect()
    tmp = cache.with_name(cache.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        pd.concat(parts[name], ignore_index=True).to_parquet(tmp / f"{name}.parquet", index=False)
        parts[name] = []
    (tmp / "policy.yaml").write_text(policy.to_yaml(), encoding="utf-8")
    os.replace(tmp, cache)


def load_cached(cache: Path):
    """Typed frames as ``riskmodel.contract.load`` gives them (Arrow strings), without re-validating."""
    from riskmodel.contract import Panel, load_policy
    from riskmodel.contract.io import read_raw

    tables = {name: read_raw(cache / f"{name}.parquet", name) for name in TABLE_NAMES}
    return Panel(**tables, policy=load_policy(cache))


def _time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=200_000, help="households per synth run")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--as-of", default=None, help="default: 30 days before the panel's cut-off")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/riskmodel-bench-features"))
    ap.add_argument("--reference-households", type=int, default=200)
    args = ap.parse_args()

    cache = args.cache / f"h{args.households}-c{args.chunk}-s{args.seed}"
    if not cache.exists():
        print(f"generating {args.households:,} households with riskmodel.synth → {cache}", flush=True)
        ctx = mp.get_context("spawn")
        child = ctx.Process(target=_generate, args=(cache, args.households, args.chunk, args.seed))
        child.start()
        child.join()
        if child.exitcode != 0:
            print("generation failed", file=sys.stderr)
            return 2

    from riskmodel.features import build_features

    sys.path.insert(0, str(ROOT / "tests" / "features"))
    from reference import reference_features  # the oracle of the tests

    t0 = time.perf_counter()
    panel = load_cached(cache)
    load_s = time.perf_counter() - t0
    as_of = pd.Timestamp(args.as_of) if args.as_of else panel.cutoff() - pd.Timedelta(days=30)
    rows = {name: len(df) for name, df in panel.tables().items()}
    gc.collect()
    base = _rss_bytes()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        table = build_features(panel, as_of)
        build_s = time.perf_counter() - t0
    peak_gb = mem.peak / 1e9

    ids = panel.households["household_id"].sort_values().iloc[: args.reference_households]
    small = panel.subset(ids)
    one = panel.subset(ids.iloc[:1])
    del panel, table
    gc.collect()
    build_features(one, as_of)  # warm caches (feature specs)
    one_ms = _time(lambda: build_features(one, as_of), 50) * 1000
    fast_small = _time(lambda: build_features(small, as_of), 5)
    ref_small = _time(lambda: reference_features(small, as_of), 1)

    print(f"households          {args.households:,} (synth, chunks of {args.chunk:,}), as of {as_of.date()}")
    print(f"rows                {', '.join(f'{k} {v:,}' for k, v in rows.items())}")
    print(f"load cached panel   {load_s:6.1f} s   (not counted)")
    print(f"build_features      {build_s:6.1f} s   target {TARGET_SECONDS:.0f} s   ratio {build_s / TARGET_SECONDS:.2f}")
    print(f"memory              panel resident {base / 1e9:.2f} GB, peak during build {peak_gb:.2f} GB "
          f"(+{(mem.peak - base) / 1e9:.2f} GB)   target {TARGET_PEAK_GB:.0f} GB   ratio {peak_gb / TARGET_PEAK_GB:.2f}")
    print(f"process peak (RSS)  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB (includes loading)")
    print(f"one household       {one_ms:6.2f} ms per call (best of 50)   target {TARGET_ONE_MS:.0f} ms   "
          f"ratio {one_ms / TARGET_ONE_MS:.2f}")
    print(f"vs naive reference  {len(small.households)} households: fast {fast_small * 1000:.1f} ms, "
          f"reference {ref_small * 1000:.0f} ms, speed ratio {ref_small / fast_small:.0f}×")
    ok = build_s <= TARGET_SECONDS and peak_gb <= TARGET_PEAK_GB and one_ms <= TARGET_ONE_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
