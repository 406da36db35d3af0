"""The Dask cluster a job runs on: an existing scheduler, a local cluster it starts, or none.

The weekly run and training share it: partitions (counties) are tasks that read their own files.
"""

from __future__ import annotations

import os
import pickle
import traceback
import uuid
from contextlib import contextmanager


#: Dask settings for the workers a run starts itself. Dask's nanny starts workers with
#: ``MALLOC_TRIM_THRESHOLD_=65536``; setting it at all also fixes glibc's mmap threshold, so every
#: array over 128 KiB is mapped and unmapped page by page. A county's many short-lived arrays then
#: cost ~1.4× the CPU of a plain loop (measured: README, issue 18); the run hands freed memory back
#: itself once a worker has grown past ``county_week.RELEASE_ABOVE_BYTES``. Deployments set the same
#: (``DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON`` in deploy/compose.yaml).
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


#: Seconds to wait for an existing scheduler to answer before the run stops with ``SchedulerUnreachable``.
CONNECT_TIMEOUT_S = 30


class ClusterError(RuntimeError):
    """The Dask cluster lost the run's work (a worker killed, most often for memory; the scheduler
    gone; a task cancelled): the run stops having published nothing."""


@contextmanager
def cluster_errors():
    """Dask's own failures inside the block raised as one ``ClusterError`` naming what happened
    (the commands print it as one line instead of Dask's traceback)."""
    try:
        yield
    except BaseException as exc:  # FutureCancelledError is an asyncio.CancelledError: not an Exception
        if not type(exc).__module__.startswith("distributed."):
            raise
        raise ClusterError(f"the Dask cluster lost the run's work ({type(exc).__name__}: {exc}); nothing was "
                           "published. A worker killed for memory needs fewer workers per machine or more memory "
                           "each (a county is in memory at once)") from None


def local_cores() -> int:
    """Cores this process may run on (its CPU affinity, as a container or ``taskset`` sets it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SchedulerUnreachable(ValueError):
    """The ``--scheduler`` address given does not answer (a usage error: the commands report it
    as they report a bad option, without a traceback)."""


def dask_client(scheduler, workers: int = 0):
    """(client, whether this run opened it): an address is connected to, a client used as is;
    without either, ``workers`` > 0 starts that many local worker processes of one thread (a
    ``LocalCluster`` on this machine, closed with the client) and 0 means a plain loop."""
    if scheduler is None and workers:
        if workers < 0:
            raise ValueError(f"workers: {workers}; give 0 (a plain loop) or more")
        if workers > (cores := local_cores()):
            raise ValueError(f"--workers {workers}: this machine runs {cores} at once (a local worker is a process "
                             f"of one thread holding a county in memory: more only cost memory); give at most "
                             f"{cores}, or --scheduler for a cluster of several machines")
        import dask
        from distributed import Client

        with dask.config.set(WORKER_CONFIG):  # read when the nannies spawn their workers
            return Client(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None), True
    if scheduler is None:
        return None, False
    if not isinstance(scheduler, str):
        return scheduler, False
    from distributed import Client

    timeout = CONNECT_TIMEOUT_S
    try:
        return Client(scheduler, timeout=timeout), True
    except (OSError, TimeoutError) as exc:  # nothing answers there, or not in time
        raise SchedulerUnreachable(f"no Dask scheduler answered at {scheduler} within {timeout:g} s "
                                   f"({type(exc).__name__}: {exc}); check --scheduler and that the scheduler "
                                   "runs and this machine may reach it") from None


def submit(client, fn, *args, **kwargs):
    """``client.submit(fn, *args, **kwargs)`` (never ``pure``), the task's own exception returned
    to this process rather than raised on the worker: a worker logs a failed task with its
    exception's text ("Compute Failed"), and a contract error's text names rows and values, which
    no log may hold. ``result``, ``in_order`` and ``gather`` raise it here."""
    return client.submit(_task, fn, *args, key=_key(fn), pure=False, **kwargs)


def submit_map(client, fn, *iterables, **kwargs) -> list:
    """``client.map`` as ``submit`` does ``client.submit``."""
    calls = len(iterables[0]) if iterables else 0
    return client.map(_task, [fn] * calls, *iterables, key=[_key(fn) for _ in range(calls)], pure=False,
                      **kwargs) if calls else []


def _key(fn) -> str:
    """The task's name as the dashboard shows it: the function's, not the wrapper's."""
    return f"{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex}"


class TaskFailed:
    """A task's exception, carried back as its result (see ``submit``)."""

    def __init__(self, error: Exception):
        # where it failed, without the message (frames hold code, not data)
        self.frames = "".join(traceback.format_tb(error.__traceback__)) if error.__traceback__ else ""
        try:  # what cannot travel back is named by its type and text
            pickle.dumps(error)
        except Exception:  # noqa: BLE001 - any pickling failure
            error = RuntimeError(f"{type(error).__name__}: {error}")
        self.error = error


class WorkerTraceback(Exception):
    """The worker's frames of a task that failed, chained under its exception."""


def _task(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every task error travels back as a value
        return TaskFailed(exc)


def result(future):
    """A ``submit``ted task's result; its exception raised here (chained to the worker's frames)."""
    value = future.result()
    if isinstance(value, TaskFailed):
        raise value.error from WorkerTraceback(value.frames)
    return value


def gather(futures: list) -> list:
    """Every result, in order (``result`` of each)."""
    return list(in_order(list(futures)))


def in_order(futures: list):
    """The futures' results in submission order, each forgotten by the cluster once read (the
    list's slot is cleared, so a province's results are not all held by the scheduler)."""
    for i in range(len(futures)):
        yield result(futures[i])
        futures[i] = None


def preload(client, modules: tuple[str, ...]) -> list:
    """Import ``modules`` on every worker now, as tasks (futures; keep them until the first real
    task): a fresh worker's imports then overlap what the caller does meanwhile (loading the
    model) instead of following it."""
    return [client.submit(_import, modules, workers=[w], allow_other_workers=False, pure=False)
            for w in client.scheduler_info()["workers"]]


def _import(modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)
