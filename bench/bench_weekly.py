"""Weekly run benchmark: the real end-to-end `riskmodel weekly` on a generated panel.

    .venv/bin/python bench/bench_weekly.py [--households 50000] [--partitioned] [--panel DIR]
                                           [--workers 0|N[,M]] [--train-households 20000]
                                           [--scenario flood] [--work DIR] [--memory-limit-gb G]
                                           [--database-url postgresql+psycopg://HOST/DB]

Every stage runs as the CLI a deployment runs, each in its own process:

1. ``riskmodel synth``: the weekly panel, ``--households`` × 2021–2024 (seed 7, ``--scenario``;
   the flood hits 8 weeks before the end, so the run should alert), Parquet; with
   ``--partitioned`` county by county (``households/county=…/``). ``--panel DIR`` uses an existing
   panel instead (e.g. one written by ``riskmodel synth --partitioned``).
2. ``riskmodel train``: a real calibrated LightGBM (``training/fast.yaml``, cut-off 2023-12-31)
   on a separate baseline panel of ``--train-households`` (seed 11), registered in a private
   MLflow store under the work folder with its training reference sample.
3. ``riskmodel weekly PANEL --as-of 2024-12-30 --model models:/riskmodel/<v>``: on a partitioned
   panel county by county (a plain loop in one process with ``--workers 0``; with ``--workers N``
   a real Dask deployment — ``dask scheduler`` and N ``dask worker`` processes of one thread, with
   ``--memory-limit-gb`` each — and ``--scheduler``), lists, explanations, drift against the
   model's training reference, XLSX/CSV/JSON, rows in a new, empty store for each run (SQLite, or a
   database of its own on the PostgreSQL server ``--database-url`` names). ``--workers 1,2`` runs both
   and prints the scaling ratio.

Peak memory is the largest resident set of any process of the run (the weekly CLI, the
scheduler, every worker), sampled with psutil over the process tree every 0.1 s; the stage
timings come from the run's ``run_summary.json``. Each weekly run's figures are appended to
``WORK/results.json``; a run at another size with the same workers is compared with it (peak
memory independent of the province's size: within 10 %). Targets (issue 18): at 1M households
on 2 cores, weekly run ≤ 60 s and peak ≤ 4 GB; 1 → 2 workers time ratio ≥ 1.7. Panels and the
trained model are kept in ``--work`` (default: a temporary folder) and reused when present.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST = ROOT / "training" / "fast.yaml"
AS_OF = "2024-12-30"
CUTOFF = "2023-12-31"
TARGET_S = 60.0
TARGET_GB = 4.0
TARGET_HOUSEHOLDS = 1_000_000
SCALING_GOAL = 1.7
SAME_PEAK = 0.10


def riskmodel_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("riskmodel")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "riskmodel"]


def run(args: list[str], env: dict, cwd: Path, label: str, limit_gb: float | None = None,
        ) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS of that process in GB, stdout).

    ``limit_gb`` caps the child's address space (``RLIMIT_AS``): past it the child fails with
    a MemoryError instead of waking the kernel's OOM killer on a shared machine.
    """
    print(f"$ {shlex.join(args)}", flush=True)

    def cap() -> None:
        if limit_gb:
            size = int(limit_gb * 1e9)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=err, preexec_fn=cap)
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.stderr.write(stdout[-3000:] + stderr[-3000:])
        raise SystemExit(f"{label} failed with exit code {proc.returncode}")
    peak_gb = usage.ru_maxrss * 1024 / 1e9  # Linux: KiB
    print(f"  {label}: {wall:.1f} s, peak memory {peak_gb:.2f} GB", flush=True)
    return wall, peak_gb, stdout


class TreePeak:
    """The peak resident set of every descendant process (``VmHWM``, the kernel's own high-water
    mark, read every ``every`` s while the process lives), with a label per process; ``total``: the
    largest sum of their resident sets (and this process's) at one reading, in GB."""

    def __init__(self, every: float = 0.1):
        import threading

        self.peaks: dict[int, tuple[float, str]] = {}
        self.total = 0.0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            self.sample(me)
            self._stop.wait(self._every)

    def sample(self, me) -> None:
        import psutil

        total = me.memory_info().rss
        for child in me.children(recursive=True):
            try:
                status = Path(f"/proc/{child.pid}/status").read_text()
                kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
                label = " ".join(child.cmdline()[1:4])[:60]
                total += child.memory_info().rss
            except (OSError, StopIteration, psutil.Error):
                continue
            old = self.peaks.get(child.pid, (0.0, label))
            self.peaks[child.pid] = (max(old[0], kb * 1024 / 1e9), label)
        self.total = max(self.total, total / 1e9)

    def reset(self) -> None:
        self.peaks.clear()
        self.total = 0.0

    def top(self) -> tuple[float, str]:
        return max(self.peaks.values(), default=(0.0, "none"))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def deployment_dask_env() -> dict[str, str]:
    """The Dask settings deploy/compose.yaml gives its workers (the deployment this bench mirrors)."""
    import yaml

    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text("utf-8"))["services"]
    return {k: str(v) for k, v in services["worker"]["environment"].items() if k.startswith("DASK_")}


class Cluster:
    """A real Dask deployment on this machine: ``dask scheduler`` and ``dask worker`` processes."""

    def __init__(self, workers: int, env: dict, work: Path, memory_limit_gb: float | None):
        self.file = work / f"scheduler-{workers}.json"
        self.file.unlink(missing_ok=True)
        dask = [str(Path(sys.executable).with_name("dask"))]
        self.procs = [subprocess.Popen(dask + ["scheduler", "--scheduler-file", str(self.file), "--port", "0",
                                               "--no-dashboard"], env=env, cwd=work,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        limit = f"{memory_limit_gb}GB" if memory_limit_gb else "0"
        worker_env = {**env, **deployment_dask_env()}
        while not self.file.exists():
            time.sleep(0.2)
        self.procs.append(subprocess.Popen(dask + ["worker", "--scheduler-file", str(self.file), "--nworkers",
                                                   str(workers), "--nthreads", "1", "--memory-limit", limit,
                                                   "--no-dashboard"], env=worker_env, cwd=work,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(scheduler_file=str(self.file), timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
            self.address = client.scheduler.address

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def fresh_store(work: Path, workers: int, server_url: str | None) -> str:
    """A new, empty store for one run: replacing a week that an earlier run stored (of another size
    or worker count) first deletes its rows, which is not this run's work. SQLite: a file in
    ``work``; ``server_url`` (PostgreSQL): a database of its own on that server, made anew."""
    if server_url is None:
        db = work / f"store-{workers}.db"
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        return f"sqlite:///{db}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"riskmodel_bench_weekly_{workers}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def weekly_run(rm, panel: Path, model_uri: str, env: dict, work: Path, workers: int, limit_gb: float | None,
               tree: TreePeak, server_url: str | None = None) -> dict:
    """One ``riskmodel weekly`` (on a fresh cluster of ``workers`` workers, or a plain loop): figures."""
    out_dir = work / f"weekly-{workers}"
    shutil.rmtree(out_dir, ignore_errors=True)
    env = {**env, "RISKMODEL_DATABASE_URL": fresh_store(work, workers, server_url)}
    cluster = Cluster(workers, env, work, limit_gb) if workers else None
    tree.reset()
    try:
        args = rm + ["weekly", str(panel), "--as-of", AS_OF, "--out", str(out_dir), "--model", model_uri]
        if cluster is not None:
            args += ["--scheduler", cluster.address]
        label = f"weekly run ({f'{workers} Dask worker(s)' if workers else 'plain loop over counties'})"
        wall, cli_peak, _ = run(args, env, work, label, None if workers else limit_gb)
        import psutil

        tree.sample(psutil.Process())
        peak, who = tree.top()
        others = sorted(tree.peaks.values(), reverse=True)[:4]
    finally:
        if cluster is not None:
            cluster.close()
    summary = json.loads((out_dir / AS_OF / "run_summary.json").read_text("utf-8"))
    return {"wall_s": wall, "peak_gb": max(peak, cli_peak), "peak_process": who if peak >= cli_peak else "weekly CLI",
            "cli_peak_gb": cli_peak, "processes": others, "eligible": summary["eligible"], "listed": summary["listed"],
            "partitions": summary["partitions"], "timings": summary["timings_s"], "alert": summary["drift"]["alert"],
            "out": str(out_dir)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=50_000)
    ap.add_argument("--train-households", type=int, default=20_000)
    ap.add_argument("--scenario", default="flood")
    ap.add_argument("--partitioned", action="store_true", help="generate the panel county by county")
    ap.add_argument("--panel", type=Path, default=None, help="an existing panel (its household count: --households)")
    ap.add_argument("--workers", default="0", help="0: plain loop in one process; N or N,M: Dask workers")
    ap.add_argument("--work", type=Path, default=None, help="folder for panels, model and outputs (kept)")
    ap.add_argument("--memory-limit-gb", type=float, default=None,
                    help="memory limit per Dask worker; address-space cap of a one-process run")
    ap.add_argument("--database-url", default=None,
                    help="a PostgreSQL server URL: each run stores its week in a new database there "
                         "(default: a new SQLite file per run)")
    args = ap.parse_args()

    work = (args.work or Path(tempfile.mkdtemp(prefix="bench_weekly_"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    store = work / f"model-{args.train_households}"
    store.mkdir(exist_ok=True)
    env = {**os.environ, "RISKMODEL_MLFLOW_TRACKING_URI": f"sqlite:///{store / 'mlflow.db'}",
           "RISKMODEL_MLFLOW_ARTIFACT_ROOT": str(store / "mlartifacts"),
           "RISKMODEL_ALIAS_LOG": str(store / "alias_history.jsonl"),
           "PYTHONWARNINGS": "ignore",
           "PYTHONPATH": str(ROOT / "src")}
    rm = riskmodel_cmd()

    panel = args.panel.resolve() if args.panel else work / (
        f"panel-{args.households}-{args.scenario}" + ("-partitioned" if args.partitioned else ""))
    if not panel.exists():
        run(rm + ["synth", "--households", str(args.households), "--start", "2021-01-01", "--end", "2024-12-31",
                  "--seed", "7", "--scenario", args.scenario, "--out", str(panel)]
            + (["--partitioned"] if args.partitioned else []), env, work, "synth (weekly panel)",
            args.memory_limit_gb)
    else:
        print(f"weekly panel reused: {panel}")
    partitioned = (panel / "households").is_dir()

    version_file = store / "version.txt"
    if not version_file.exists():
        train_panel = work / f"train-{args.train_households}"
        if not train_panel.exists():
            run(rm + ["synth", "--households", str(args.train_households), "--start", "2021-01-01", "--end",
                      "2024-12-31", "--seed", "11", "--out", str(train_panel)], env, work, "synth (training panel)")
        run(rm + ["train", str(train_panel), "--cutoff", CUTOFF, "--config", str(FAST)], env, work,
            "train (fast.yaml, with the training reference)")
        version_file.write_text(_registered_version(env), "utf-8")
    model_uri = f"models:/riskmodel/{version_file.read_text('utf-8').strip()}"

    tree = TreePeak()
    results = {}
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            results[workers] = weekly_run(rm, panel, model_uri, env, work, workers, args.memory_limit_gb, tree,
                                          args.database_url)
    finally:
        tree.stop()
    millions = args.households / 1e6
    print(f"\n{args.households:,} households ({'county-partitioned' if partitioned else 'one file per table'}), "
          f"as of {AS_OF}; model {model_uri}; {os.cpu_count()} cores")
    for workers, r in results.items():
        how = f"{workers} Dask worker(s) of 1 thread" if workers else "plain loop, one process"
        print(f"\n[{how}] {r['eligible']:,} eligible, {r['listed']:,} listed, {r['partitions']} partitions, "
              f"drift alert={r['alert']}")
        for k, v in r["timings"].items():
            print(f"  {k:24s} {v:8.2f} s")
        print(f"  wall {r['wall_s']:.1f} s (process start, imports and model load included); "
              f"{r['wall_s'] / millions:.1f} s per million households")
        print(f"  outside the steps above {r['wall_s'] - r['timings']['total']:.1f} s: process start and imports, "
              "publishing (the store's rows in one transaction, the folder swap) and the MLflow log")
        print(f"  peak memory of any process {r['peak_gb']:.2f} GB ({r['peak_process']}); weekly CLI "
              f"{r['cli_peak_gb']:.2f} GB")
        print("  largest processes: " + "; ".join(f"{gb:.2f} GB {label}" for gb, label in r["processes"]))
        scale = "" if args.households == TARGET_HOUSEHOLDS else f" (measured at {millions:g}M, target is for 1M)"
        print(f"  target ≤ {TARGET_S:.0f} s at 1M: ratio {r['wall_s'] / TARGET_S:.2f}{scale}")
        print(f"  target ≤ {TARGET_GB:.0f} GB peak per process: ratio {r['peak_gb'] / TARGET_GB:.2f}")
    if 1 in results and 2 in results:
        ratio = results[1]["wall_s"] / results[2]["wall_s"]
        print(f"\nscaling 1 → 2 workers: {results[1]['wall_s']:.1f} s / {results[2]['wall_s']:.1f} s = "
              f"{ratio:.2f}× (goal ≥ {SCALING_GOAL}×: ratio to goal {ratio / SCALING_GOAL:.2f})")
        one, two = results[1], results[2]
        score = one["timings"]["score"] / two["timings"]["score"]
        rest = [r["wall_s"] - r["timings"]["score"] for r in (one, two)]
        # what two workers can do for the whole run: the score step's own ratio, the rest unchanged
        bound = one["wall_s"] / (two["timings"]["score"] + rest[0])
        print(f"  the score step (the counties on the workers) {one['timings']['score']:.1f} → "
              f"{two['timings']['score']:.1f} s = {score:.2f}×; the rest of the run (start-up, lists, the "
              f"store's rows, files, publishing) {rest[0]:.1f} → {rest[1]:.1f} s; with that rest as it was "
              f"with one worker, two give at most {bound:.2f}×")
    _compare_sizes(work / "results.json", args.households, results)
    print(f"outputs kept in {work}")
    return 0


def _compare_sizes(path: Path, households: int, results: dict) -> None:
    """Append this run's figures to ``path`` and compare the peak with other sizes' (same workers)."""
    saved = json.loads(path.read_text("utf-8")) if path.exists() else {}
    for workers, r in results.items():
        saved[f"{households}/{workers}"] = {k: r[k] for k in ("wall_s", "peak_gb", "eligible")}
    path.write_text(json.dumps(saved, indent=1), "utf-8")
    for workers, r in results.items():
        for key, other in sorted(saved.items()):
            n, w = (int(x) for x in key.split("/"))
            if w != workers or n == households:
                continue
            change = r["peak_gb"] / other["peak_gb"] - 1
            per = (r["wall_s"] / households) / (other["wall_s"] / n)
            print(f"{households / 1e6:g}M vs {n / 1e6:g}M households ({workers} workers): peak {r['peak_gb']:.2f} vs "
                  f"{other['peak_gb']:.2f} GB ({change:+.1%}; goal within ±{SAME_PEAK:.0%}: "
                  f"{'met' if abs(change) <= SAME_PEAK else 'not met'}); time per million {per:.2f}× the other's")


def _registered_version(env: dict) -> str:
    """The latest registered version in the bench's private store."""
    code = ("from riskmodel.training.lifecycle import models_job; "
            "print(max(int(r['version']) for r in models_job()['versions']))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())
