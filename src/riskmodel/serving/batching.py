"""Dynamic batching of single-household score requests, on the event loop's own thread.

Scoring one household has a fixed cost (building a panel, the contract's cross-row checks,
the feature pipeline, LightGBM, reasons) far above the cost of each extra household.
A request's job is queued and a flush is scheduled for the loop's next turn, so every
request that arrived with it is scored in the same call; while a batch is being scored the
loop is busy, the requests arriving meanwhile wait in the socket buffers and all of them make
the next batch. An idle server scores a request at once (no waiting window).

Why not a worker thread: the event loop and a scoring thread share one GIL. Measured with
``bench/bench_serving.py``, the thread held it while scoring and the loop waited for it to
parse the next requests, so under load the requests queued before the batcher and batches
stayed at one or two households. Each request still gets its own result, its own 422 errors
and the one model version its batch was scored with.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class _Job:
    payload: object
    default_as_of: dt.date
    future: asyncio.Future


class ScoreBatcher:
    """Scores whatever single requests are waiting, up to ``max_batch`` at once, one household once a batch.

    ``score(payloads, prefix, default_as_of) -> list[result]`` scores a list of payloads in
    one go (``prefix`` is the 422 ``loc`` of the list's items) and raises ``PayloadError``
    when any payload breaks the contract; the batcher then scores that batch's requests one
    by one, so each request gets only its own errors. ``submit`` is called on the event loop.
    """

    def __init__(self, score: Callable[[Sequence, list, dt.date], list], max_batch: int = 32):
        self.score = score
        self.max_batch = max(1, int(max_batch))
        self._pending: deque[_Job] = deque()
        self._scheduled = False
        self.batches = 0
        self.requests = 0

    def submit(self, payload, default_as_of: dt.date) -> asyncio.Future:
        """Queue one payload; the future resolves to its result or raises its error."""
        loop = asyncio.get_running_loop()
        job = _Job(payload, default_as_of, loop.create_future())
        self._pending.append(job)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush, loop)  # after the requests already ready to run on this turn
        return job.future

    def stop(self) -> None:
        """Score what is still queued (the app's shutdown)."""
        while self._pending:
            self._score(self._take())

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        jobs = self._take()
        if self._pending:  # more than a batch waits (or a household twice): the rest on the next turn
            self._scheduled = True
            loop.call_soon(self._flush, loop)
        if jobs:
            self._score(jobs)

    def _take(self) -> list[_Job]:
        """The next batch: queued jobs in order, a household once, at most ``max_batch``."""
        jobs, later, seen = [], [], set()
        while self._pending and len(jobs) < self.max_batch:
            job = self._pending.popleft()
            if job.future.done():  # the client went away
                continue
            hid = job.payload.household.household_id
            if hid in seen:
                later.append(job)
            else:
                seen.add(hid)
                jobs.append(job)
        self._pending.extendleft(reversed(later))
        return jobs

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
            except Exception as exc:  # noqa: BLE001 - handed to the waiting requests
                for job in group:
                    self._fail(job, exc)
                continue
            for job, result in zip(group, results):
                if not job.future.done():
                    job.future.set_result(result)

    def _each(self, group: list[_Job], day: dt.date) -> None:
        for job in group:
            try:
                result = self.score([job.payload], ["body"], day)[0]
            except Exception as exc:  # noqa: BLE001
                self._fail(job, exc)
                continue
            if not job.future.done():
                job.future.set_result(result)

    @staticmethod
    def _fail(job: _Job, exc: BaseException) -> None:
        if not job.future.done():
            job.future.set_exception(exc)
