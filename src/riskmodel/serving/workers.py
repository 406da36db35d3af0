"""Several server processes on one port, each with its own listening socket (``SO_REUSEPORT``).

uvicorn's (and gunicorn's) workers share one listening socket, and whichever worker wakes first
accepts every connection waiting. Clients that open their keep-alive connections together — a
gateway's pool, a load generator — then land them all on one worker: in three runs of 2,000
requests at 200/s over 16 connections (``bench/bench_serving.py``'s client), the busier of two
uvicorn workers did 79 %, 88 % and 99.8 % of the work. With a socket per worker the kernel spreads new
connections over the workers by a hash of their addresses, whoever is awake.

Linux only (elsewhere ``SO_REUSEPORT`` does not spread connections); ``riskmodel serve`` falls
back to uvicorn's own workers there.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from typing import Any

log = logging.getLogger("riskmodel.serving")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def reuse_port_supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A bound, listening TCP socket with ``SO_REUSEPORT`` (others may bind the same port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def configure_logging() -> None:
    """The service's log lines (route, status, latency, key id) on stderr, in every process."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def _serve(app: str, sock: socket.socket, options: dict[str, Any]) -> None:
    """One worker process: uvicorn on its own socket (module level: the spawn start method pickles it)."""
    import uvicorn

    configure_logging()
    config = uvicorn.Config(app, **options)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(app: str, *, host: str, port: int, workers: int, **options: Any) -> int:
    """Serve ``app`` (an import string) from ``workers`` processes until SIGINT/SIGTERM; the exit code.

    A worker that dies is started again, on a new socket; one that fails at startup (the app
    cannot load) stops them all. ``options`` go to ``uvicorn.Config`` (``factory=True``, log levels…).
    """
    # uvicorn's exit code for a worker that failed before serving: it would fail again
    from uvicorn.config import STARTUP_FAILURE

    sockets = [listening_socket(host, port)]
    port = sockets[0].getsockname()[1]  # port 0: every worker on the port the first one got
    sockets += [listening_socket(host, port) for _ in range(workers - 1)]
    spawn = multiprocessing.get_context("spawn")

    def start(i: int):
        proc = spawn.Process(target=_serve, args=(app, sockets[i], options), name=f"riskmodel-worker-{i}")
        proc.start()
        log.info("worker %d started (pid %s) on %s:%d", i, proc.pid, host, port)
        return proc

    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    procs = [start(i) for i in range(workers)]
    try:
        while not stop.wait(0.5):
            for i, proc in enumerate(procs):
                if proc.is_alive():
                    continue
                if proc.exitcode == STARTUP_FAILURE:
                    log.error("worker %d failed to start; stopping", i)
                    stop.set()
                    code = 1
                    break
                log.warning("worker %d (pid %s) exited with %s; starting it again", i, proc.pid, proc.exitcode)
                # a fresh socket: while the new worker loads, new connections go to the live ones
                # (those already queued on the old socket are reset, so their clients retry at once)
                sockets[i].close()
                sockets[i] = listening_socket(host, port)
                procs[i] = start(i)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
