"""The documented Dask deployment (deploy/compose.yaml), exercised with real processes.

The scheduler, the two workers and the weekly job run the very commands the compose file gives
(service host names and mounts mapped to this machine), as separate processes on loopback; the
week they write must equal the single-process run of the same command without ``--scheduler``.
Docker itself is not needed: the commands are what a deployment runs inside its containers.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
FAST = ROOT / "training" / "fast.yaml"
AS_OF = "2024-12-30"
#: files of a week that must not depend on where it was computed
WEEK_FILES = ["risk_list.json", "risk_list.csv"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local(command: str, *, port: int, data: Path, out: Path) -> list[str]:
    """A compose command as a local argv: service hosts → loopback, mounts → folders."""
    command = (command.replace("tcp://scheduler:8786", f"tcp://127.0.0.1:{port}")
               .replace("--host 0.0.0.0 --port 8786", f"--host 127.0.0.1 --port {port}")
               .replace("--dashboard-address :8787", "--dashboard-address 127.0.0.1:0")
               .replace("${AS_OF}", AS_OF).replace("/data", str(data)).replace("/weekly", str(out)))
    argv = shlex.split(command)
    tools = {"riskmodel": [sys.executable, "-m", "riskmodel"], "dask": [str(Path(sys.executable).with_name("dask"))]}
    return tools[argv[0]] + argv[1:]


def wait_for_workers(address: str, n: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout=timeout) as client:
        client.wait_for_workers(n, timeout=timeout)


def test_the_compose_commands_run_the_week_on_a_cluster_like_one_process(tmp_path):
    services = yaml.safe_load(COMPOSE.read_text("utf-8"))["services"]
    assert {"postgres", "mlflow", "scheduler", "worker", "api", "weekly"} <= set(services)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    # a container starts without it; a Dask nanny started earlier in this test process may have set it here
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    demo = subprocess.run([sys.executable, "-m", "riskmodel", "demo", "--no-serve", "--households", "2000",
                           "--start", "2021-01-01", "--end", "2024-12-31", "--config", str(FAST), "--out", "demo"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    data = tmp_path / "demo" / "data"

    port = free_port()
    cluster = [subprocess.Popen(local(services["scheduler"]["command"], port=port, data=data, out=tmp_path),
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1)
        worker_env = {**env, **{k: str(v) for k, v in services["worker"]["environment"].items()
                                if k.startswith("DASK_")}}  # the service's Dask settings, not its URLs
        for _ in range(services["worker"]["deploy"]["replicas"]):
            cluster.append(subprocess.Popen(local(services["worker"]["command"], port=port, data=data, out=tmp_path),
                                            cwd=tmp_path, env=worker_env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
        wait_for_workers(f"tcp://127.0.0.1:{port}", services["worker"]["deploy"]["replicas"])
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}") as client:  # the nanny left glibc's malloc to its defaults
            assert set(client.run(lambda name: __import__("os").environ.get(name), "MALLOC_TRIM_THRESHOLD_").values()) == {None}
        on_cluster = local(services["weekly"]["command"], port=port, data=data, out=tmp_path / "cluster")
        assert "--scheduler" in on_cluster
        run = subprocess.run(on_cluster + ["--no-store"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    finally:
        for proc in reversed(cluster):
            proc.terminate()
        for proc in cluster:
            proc.wait(timeout=30)

    alone = on_cluster[:on_cluster.index("--scheduler")] + on_cluster[on_cluster.index("--scheduler") + 2:]
    alone[alone.index("--out") + 1] = str(tmp_path / "alone")
    run = subprocess.run(alone + ["--no-store"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    for name in WEEK_FILES:
        assert (tmp_path / "cluster" / AS_OF / name).read_bytes() == (tmp_path / "alone" / AS_OF / name).read_bytes()
    books = sorted(p.name for p in (tmp_path / "cluster" / AS_OF / "xlsx").glob("*.xlsx"))
    assert books and books == sorted(p.name for p in (tmp_path / "alone" / AS_OF / "xlsx").glob("*.xlsx"))
