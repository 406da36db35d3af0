"""Dynamic batching of single-household score requests.

Scoring one household costs a fixed ~10 ms (building a panel, the contract's cross-row
checks, the feature pipeline, LightGBM) plus well under a millisecond per extra household.
Under load, requests that arrive while a batch is being scored wait in a queue and are
scored together in the next batch, so the fixed cost is shared; when the service is idle a
request is scored at once (no waiting window is added). Each request still gets its own
result, its own 422 errors and the one model version its batch was scored with.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

@dataclass
class _Job:
    payload: object
    default_as_of: dt.date
    future: Future = field(default_factory=Future)


class ScoreBatcher:
    """One worker thread that scores whatever single requests are waiting, up to ``max_batch`` at once.

    ``score(payloads, prefix, default_as_of) -> list[result]`` scores a list of payloads in
    one go (``prefix`` is the 422 ``loc`` of the list's items) and raises ``PayloadError``
    when any payload breaks the contract; the batcher then scores that batch's requests one
    by one, so each request gets only its own errors.
    """

    def __init__(self, score: Callable[[Sequence, list, dt.date], list], max_batch: int = 32):
        self.score = score
        self.max_batch = max(1, int(max_batch))
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.requests = 0

    def submit(self, payload, default_as_of: dt.date) -> Future:
        """Queue one payload; the future resolves to its result or raises its error."""
        job = _Job(payload, default_as_of)
        self._ensure_started()
        self._queue.put(job)
        return job.future

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="riskmodel-score-batcher", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the queued requests, then stop the worker."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        carry: list[_Job] = []  # a household already in the batch waits for the next one
        stop = False
        while not stop or carry:
            jobs, later = [], []
            seen: set[str] = set()
            pending = carry or ([] if stop else [self._queue.get()])
            carry = []
            while True:
                for job in pending:
                    if job is None:
                        stop = True
                        continue
                    hid = job.payload.household.household_id
                    if hid in seen or len(jobs) >= self.max_batch:
                        later.append(job)
                    else:
                        seen.add(hid)
                        jobs.append(job)
                if stop or len(jobs) >= self.max_batch:
                    break
                try:
                    pending = [self._queue.get_nowait()]
                except queue.Empty:
                    break
            carry = later
            if jobs:
                self._score(jobs)

    def _score(self, jobs: list[_Job]) -> None:
        from riskmodel.serving.payload import PayloadError

        self.batches += 1
        self.requests += len(jobs)
        by_day: dict[dt.date, list[_Job]] = {}
        for job in jobs:
            by_day.setdefault(job.default_as_of, []).append(job)
        for day, group in by_day.items():
            try:
                if len(group) == 1:
                    results = self.score([group[0].payload], ["body"], day)
                else:
                    results = self.score([j.payload for j in group], ["body", "households"], day)
            except PayloadError as err:
                if len(group) == 1:
                    self._fail(group[0], err)
                else:  # someone's payload is bad: score each alone, so each gets only its own errors
                    self._each(group, day)
                continue
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting requests
                for job in group:
                    self._fail(job, exc)
                continue
            for job, result in zip(group, results):
                job.future.set_result(result)

    def _each(self, group: list[_Job], day: dt.date) -> None:
        for job in group:
            try:
                job.future.set_result(self.score([job.payload], ["body"], day)[0])
            except BaseException as exc:  # noqa: BLE001
                self._fail(job, exc)

    @staticmethod
    def _fail(job: _Job, exc: BaseException) -> None:
        if not job.future.done():
            job.future.set_exception(exc)

