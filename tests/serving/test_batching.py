"""Dynamic batching: requests that wait are scored together, each gets only its own result or error."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest

from riskmodel.serving.batching import ScoreBatcher
from riskmodel.serving.payload import PayloadError

DAY = dt.date(2024, 6, 30)


def _payload(hid: str, bad: bool = False):
    return SimpleNamespace(household=SimpleNamespace(household_id=hid), bad=bad)


class FakeScorer:
    """Records each call; the first call blocks until released, so later requests queue up."""

    def __init__(self):
        self.calls: list[tuple[list[str], list]] = []
        self.release = threading.Event()
        self.first_started = threading.Event()

    def __call__(self, payloads, prefix, day):
        ids = [p.household.household_id for p in payloads]
        self.calls.append((ids, prefix))
        if len(self.calls) == 1:
            self.first_started.set()
            assert self.release.wait(10)
        bad = [i for i, p in enumerate(payloads) if p.bad]
        if bad:
            raise PayloadError([{"loc": [*prefix, *([] if len(prefix) == 1 else [i])], "msg": "bad", "type": "x"}
                                for i in bad])
        return [{"household_id": hid, "day": day.isoformat(), "batch": len(ids)} for hid in ids]


def _queue_behind_first(batcher: ScoreBatcher, scorer: FakeScorer, payloads):
    first = batcher.submit(_payload("H0"), DAY)
    assert scorer.first_started.wait(10)
    futures = [batcher.submit(p, DAY) for p in payloads]
    scorer.release.set()
    return first, futures


def test_requests_waiting_behind_a_batch_are_scored_together():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer, max_batch=32)
    first, futures = _queue_behind_first(batcher, scorer, [_payload(f"H{i}") for i in range(1, 6)])
    assert first.result(10)["batch"] == 1
    results = [f.result(10) for f in futures]
    batcher.stop()
    assert [r["household_id"] for r in results] == [f"H{i}" for i in range(1, 6)]
    assert [c[0] for c in scorer.calls] == [["H0"], ["H1", "H2", "H3", "H4", "H5"]]
    assert scorer.calls[1][1] == ["body", "households"]
    assert batcher.batches == 2 and batcher.requests == 6


def test_batches_never_exceed_max_batch():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer, max_batch=2)
    _first, futures = _queue_behind_first(batcher, scorer, [_payload(f"H{i}") for i in range(1, 6)])
    assert [f.result(10)["household_id"] for f in futures] == [f"H{i}" for i in range(1, 6)]
    batcher.stop()
    assert [len(c[0]) for c in scorer.calls] == [1, 2, 2, 1]


def test_the_same_household_twice_goes_into_separate_batches():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)
    _first, futures = _queue_behind_first(batcher, scorer, [_payload("H1"), _payload("H1"), _payload("H2")])
    assert [f.result(10)["household_id"] for f in futures] == ["H1", "H1", "H2"]
    batcher.stop()
    assert [c[0] for c in scorer.calls] == [["H0"], ["H1", "H2"], ["H1"]]


def test_one_bad_payload_fails_only_its_own_request_with_single_request_locations():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)
    _first, futures = _queue_behind_first(batcher, scorer, [_payload("H1"), _payload("H2", bad=True), _payload("H3")])
    assert futures[0].result(10)["household_id"] == "H1"
    assert futures[2].result(10)["household_id"] == "H3"
    with pytest.raises(PayloadError) as err:
        futures[1].result(10)
    batcher.stop()
    assert err.value.errors[0]["loc"] == ["body"]  # as if the request had been scored alone


def test_an_unexpected_error_reaches_every_request_of_its_batch():
    def broken(payloads, prefix, day):
        raise RuntimeError("model exploded")

    batcher = ScoreBatcher(broken)
    future = batcher.submit(_payload("H1"), DAY)
    with pytest.raises(RuntimeError, match="exploded"):
        future.result(10)
    batcher.stop()


def test_stop_finishes_queued_requests():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)
    first = batcher.submit(_payload("H0"), DAY)
    assert scorer.first_started.wait(10)
    queued = batcher.submit(_payload("H1"), DAY)
    stopper = threading.Thread(target=batcher.stop)
    stopper.start()
    scorer.release.set()
    stopper.join(10)
    assert first.result(1)["household_id"] == "H0"
    assert queued.result(1)["household_id"] == "H1"
