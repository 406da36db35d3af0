"""``riskmodel serve --workers N``: one socket per worker, connections spread over the workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from riskmodel.serving.workers import listening_socket, reuse_port_supported

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="SO_REUSEPORT spreads connections on Linux only")


def _get_pid(sock: socket.socket) -> int:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return int(data.split(b"\r\n\r\n", 1)[1])


def _pids(port: int, connections: int) -> list[int]:
    """Open all the connections first (a burst, as a client pool does), then ask each who answers."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(connections)]
    try:
        return [_get_pid(s) for s in socks]
    finally:
        for s in socks:
            s.close()


def _wait(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _pids(port, 1)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing answers on port {port}")


def test_sockets_with_reuse_port_share_a_port():
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = listening_socket("127.0.0.1", port)
    try:
        assert second.getsockname()[1] == port
    finally:
        first.close()
        second.close()


def test_workers_share_the_connections_restart_and_stop_on_sigterm():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    code = ("import sys; from riskmodel.serving.workers import run_workers; "
            f"sys.exit(run_workers('pid_app:app', host='127.0.0.1', port={port}, workers=2, log_level='warning'))")
    runner = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    try:
        _wait(port)
        time.sleep(1)  # both workers up (the first answer may come before the second listens)
        pids = _pids(port, 40)
        counts = Counter(pids)
        assert len(counts) == 2, counts
        assert min(counts.values()) >= 5, counts  # Binomial(40, ½) below 5: about 1 in 10 million

        victim = pids[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                now = set(_pids(port, 40))
            except OSError:  # a connection queued on the dead worker's socket is reset
                now = set()
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the killed worker was not replaced")

        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=60) == 0, runner.stderr.read()
        for pid in now:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


def test_a_worker_that_cannot_start_stops_them_all():
    code = ("import sys; from riskmodel.serving.workers import run_workers; "
            "sys.exit(run_workers('no_such_module:app', host='127.0.0.1', port=0, workers=2, log_level='critical'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "failed to start" in done.stderr
