"""Speed of loading and validating a panel, as a ratio to reading the same files with pyarrow.

Target (issue 18): load + validate ≤ 3× a plain ``pyarrow.parquet.read_table`` of the same
files at 1M households. With ``--data DIR`` it measures an existing data directory (e.g. one
``riskmodel synth`` wrote, either layout); otherwise it builds a contract-valid panel with numpy,
writes it as Parquet (and CSV with ``--csv``, and partitioned by county with ``--partitioned``)
under a temp folder. Each figure is the best of ``--repeat`` runs (the machine is shared).

    .venv/bin/python bench/bench_contract.py --data /tmp/synth100k [--repeat 3]
    .venv/bin/python bench/bench_contract.py --data /work/data/1m --by-county   (a partitioned directory)
    .venv/bin/python bench/bench_contract.py [--households 100000] [--months 48] [--csv] [--partitioned]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from riskmodel.contract import atomic_dir, load, validate_dir, write_panel


def big_panel(n: int, months: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    hid = pd.Series([f"H{i:07d}" for i in range(n)])
    day0 = np.datetime64("2021-01-01")
    alleviated = rng.random(n) < 0.4
    households = pd.DataFrame({
        "household_id": hid,
        "region_code": [f"{370301 + i % 16}{101 + i % 3:03d}{i % 997:03d}" for i in range(n)],  # 16 counties
        "household_type": np.where(alleviated, "alleviated", "general"),
        "poverty_exit_year": pd.Series(rng.integers(2014, 2021, n), dtype="Int64").where(alleviated),
        "relocated": rng.random(n) < 0.05,
        "registered_on": day0 + rng.integers(0, 60, n).astype("timedelta64[D]"),
    })
    size = rng.integers(1, 6, n)
    owner = np.repeat(np.arange(n), size)
    first = np.r_[0, np.cumsum(size)[:-1]]
    is_head = np.zeros(owner.size, bool)
    is_head[first] = True
    m = owner.size
    left = rng.random(m) < 0.05
    members = pd.DataFrame({
        "member_id": [f"M{i:08d}" for i in range(m)],
        "household_id": hid.to_numpy()[owner],
        "relation": np.where(is_head, "head", rng.choice(["spouse", "child", "parent", "grandchild"], m)),
        "sex": rng.choice(["M", "F"], m),
        "birth_year": rng.integers(1935, 2020, m),
        "education": rng.choice(["none", "primary", "junior", "senior"], m),
        "in_school": "none",
        "labor_skill": rng.choice(["ordinary", "weak", "none"], m),
        "joined_on": households["registered_on"].to_numpy()[owner],
        "left_on": pd.Series(np.datetime64("2023-06-01") + rng.integers(0, 300, m).astype("timedelta64[D]")).where(left),
        "left_reason": pd.Series(rng.choice(["death", "marriage", "migration"], m)).where(left),
    })
    month0 = pd.date_range("2021-01-01", periods=months, freq="MS").to_numpy()
    hh_i = np.repeat(np.arange(n), months)
    mo = np.tile(month0, n)
    k = hh_i.size
    month_end = (pd.DatetimeIndex(mo) + pd.offsets.MonthEnd(0)).to_numpy()
    income = pd.DataFrame({
        "household_id": hid.to_numpy()[hh_i], "month": mo,
        "wage": rng.gamma(2, 600, k).round(2), "business": rng.normal(100, 300, k).round(2),
        "property": rng.gamma(1, 20, k).round(2), "transfer": rng.gamma(1, 150, k).round(2),
        "reported_on": month_end + rng.integers(0, 90, k).astype("timedelta64[D]"),
    })
    c = int(1.5 * n)
    cm = rng.integers(0, m, c)
    service = day0 + rng.integers(0, 1400, c).astype("timedelta64[D]")
    total = rng.gamma(1.2, 3000, c).round(2)
    reimb = (total * rng.uniform(0.3, 0.9, c)).round(2)
    claims = pd.DataFrame({
        "claim_id": [f"C{i:08d}" for i in range(c)], "member_id": members["member_id"].to_numpy()[cm],
        "service_date": service, "kind": rng.choice(["inpatient", "outpatient_chronic", "outpatient"], c),
        "diagnosis_group": rng.choice(["cancer", "cardio", "renal", "acute_other"], c),
        "total_cost": total, "reimbursed": reimb, "out_of_pocket": (total - reimb).round(2),
        "reported_on": service + rng.integers(0, 40, c).astype("timedelta64[D]"),
    })
    a = n // 2
    ah = rng.integers(0, n, a)
    start = day0 + rng.integers(0, 1400, a).astype("timedelta64[D]")
    assistance = pd.DataFrame({
        "household_id": hid.to_numpy()[ah], "member_id": pd.Series([None] * a, dtype=object),
        "program": rng.choice(["dibao", "temporary_relief", "public_job"], a), "start_date": start,
        "end_date": pd.Series(start + rng.integers(30, 700, a).astype("timedelta64[D]")).where(rng.random(a) < 0.5),
        "monthly_amount": rng.gamma(2, 200, a).round(2),
        "reported_on": start + rng.integers(0, 30, a).astype("timedelta64[D]"),
    })
    e = n // 2
    eh = rng.integers(0, n, e)
    edate = day0 + rng.integers(0, 1400, e).astype("timedelta64[D]")
    events = pd.DataFrame({
        "event_id": [f"E{i:08d}" for i in range(e)], "household_id": hid.to_numpy()[eh],
        "member_id": pd.Series([None] * e, dtype=object),
        "event_type": rng.choice(["job_loss", "disaster", "accident"], e), "event_date": edate,
        "severity": pd.array(rng.integers(1, 5, e), dtype="Int64"), "loss_amount": rng.gamma(1, 2000, e).round(2),
        "reported_on": edate + rng.integers(0, 20, e).astype("timedelta64[D]"),
    })
    q = max(1, n * 3 // 100)
    qh = rng.choice(n, q, replace=False)
    ident = day0 + rng.integers(100, 1400, q).astype("timedelta64[D]")
    monitoring = pd.DataFrame({
        "household_id": hid.to_numpy()[qh], "identified_on": ident,
        "category": rng.choice(["unstable", "marginal", "sudden"], q),
        "risk_types": rng.choice(["illness", "illness;labor", "disability", "employment"], q),
        "eliminated_on": pd.Series(ident + rng.integers(200, 400, q).astype("timedelta64[D]")).where(rng.random(q) < 0.5),
        "reported_on": ident + rng.integers(0, 10, q).astype("timedelta64[D]"),
    })
    return {"households": households, "members": members, "income": income, "medical_claims": claims,
            "assistance": assistance, "events": events, "monitoring": monitoring}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _best(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds (all threads) of ``repeat`` runs.

    On a shared machine the wall clock depends on the neighbours; CPU seconds much less.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        c0 = _cpu()
        walls.append(min(timeit.repeat(fn, number=1, repeat=1)))
        cpus.append(_cpu() - c0)
    return min(walls), min(cpus)


def _parquet_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*.parquet") if p.name != "truth.parquet" and not p.name.startswith("."))


def measure(data_dir: Path, repeat: int) -> None:
    """Prints pyarrow's read, load and validate_dir times of one data directory, and their ratios."""
    files = _parquet_files(data_dir)
    (read, read_cpu) = _best(lambda: [pq.read_table(f) for f in files], repeat)
    (loading, load_cpu) = _best(lambda: load(data_dir), repeat)
    (validating, validate_cpu) = _best(lambda: validate_dir(data_dir), repeat)
    print(f"{'':<32} {'wall':>9} {'ratio':>7} {'CPU':>9} {'ratio':>7}   (ratio to pyarrow; target ≤ 3×)")
    for label, wall, cpu in (("pyarrow read_table (" + str(len(files)) + " files)", read, read_cpu),
                             ("load (read + validate + type)", loading, load_cpu),
                             ("validate_dir", validating, validate_cpu)):
        print(f"{label:<32} {wall:7.2f} s {wall / read:6.2f}× {cpu:7.2f} s {cpu / read_cpu:6.2f}×")


def measure_by_county(data_dir: Path, repeat: int) -> None:
    """A partitioned directory county by county, as the partitioned runs read it: each county's
    ``load(county=…)`` against reading that county's part files (and the whole-directory files
    read once, e.g. regions), summed over counties; memory is one county's."""
    from riskmodel.contract import counties

    names = counties(data_dir)
    shared = [f for f in _parquet_files(data_dir) if "county=" not in str(f)]
    read = read_cpu = loading = load_cpu = 0.0
    for county in names:
        files = shared + sorted(f for f in _parquet_files(data_dir) if f"county={county}" in str(f))
        wall, cpu = _best(lambda: [pq.read_table(f) for f in files], repeat)
        read, read_cpu = read + wall, read_cpu + cpu
        wall, cpu = _best(lambda: load(data_dir, county=county), repeat)
        loading, load_cpu = loading + wall, load_cpu + cpu
    print(f"{len(names)} counties, one at a time{'':<6} {'wall':>9} {'ratio':>7} {'CPU':>9} {'ratio':>7}"
          "   (ratio to pyarrow; target ≤ 3×)")
    for label, wall, cpu in (("pyarrow read_table", read, read_cpu), ("load(county=…) (read + validate)",
                                                                       loading, load_cpu)):
        print(f"{label:<32} {wall:7.2f} s {wall / read:6.2f}× {cpu:7.2f} s {cpu / read_cpu:6.2f}×")


def _timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<32} {time.perf_counter() - t0:7.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=48)
    ap.add_argument("--csv", action="store_true", help="also time the same panel as CSV")
    ap.add_argument("--partitioned", action="store_true", help="also time the panel partitioned by county")
    ap.add_argument("--data", type=Path, help="measure this data directory instead of building one")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    ap.add_argument("--by-county", action="store_true",
                    help="with --data of a partitioned directory: load county by county (a province's memory)")
    args = ap.parse_args()
    if args.data:
        (measure_by_county if args.by_county else measure)(args.data, args.repeat)
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        return
    tables = _timed("build panel (numpy)", lambda: big_panel(args.households, args.months))
    rows = sum(len(df) for df in tables.values())
    print(f"rows: {rows:,} ({', '.join(f'{k} {len(v):,}' for k, v in tables.items())})")
    with tempfile.TemporaryDirectory(prefix="bench_contract_", dir="/tmp") as tmp:
        layouts = [("parquet", False)] + [("csv", False)] * args.csv + [("parquet", True)] * args.partitioned
        for fmt, partitioned in layouts:
            label = fmt + (" partitioned" if partitioned else "")
            out = Path(tmp) / label.replace(" ", "-")
            with atomic_dir(out) as staging:
                _timed(f"write {label}", lambda: write_panel(tables, staging, fmt=fmt, partitioned=partitioned))
            t0 = time.perf_counter()
            report = validate_dir(out)
            dt = time.perf_counter() - t0
            assert report.ok, report.problems.summary_lines()[:10]
            print(f"{'validate_dir ' + label:<32} {dt:7.2f} s   ({rows / dt:,.0f} rows/s)")
            if fmt == "parquet":
                measure(out, args.repeat)
            else:
                _timed(f"load {label}", lambda: load(out))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
