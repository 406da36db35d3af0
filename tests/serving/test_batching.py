"""Dynamic batching: requests that wait are scored together, each gets only its own result or error."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest

from riskmodel.serving.batching import ScoreBatcher
from riskmodel.serving.payload import PayloadError

DAY = dt.date(2024, 6, 30)


def _payload(hid: str, bad: bool = False):
    return SimpleNamespace(household=SimpleNamespace(household_id=hid), bad=bad)


class FakeScorer:
    """Records each call; ``during_first`` runs inside the first call (requests arriving meanwhile)."""

    def __init__(self, during_first=None):
        self.calls: list[tuple[list[str], list]] = []
        self.during_first = during_first

    def __call__(self, payloads, prefix, day):
        ids = [p.household.household_id for p in payloads]
        self.calls.append((ids, prefix))
        if len(self.calls) == 1 and self.during_first:
            self.during_first()
        bad = [i for i, p in enumerate(payloads) if p.bad]
        if bad:
            raise PayloadError([{"loc": [*prefix, *([] if len(prefix) == 1 else [i])], "msg": "bad", "type": "x"}
                                for i in bad])
        return [{"household_id": hid, "day": day.isoformat(), "batch": len(ids)} for hid in ids]


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


async def _submit_all(batcher, payloads):
    return await asyncio.gather(*(batcher.submit(p, DAY) for p in payloads), return_exceptions=True)


def test_requests_that_arrive_together_are_scored_together_in_order():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer, max_batch=32)
    results = _run(_submit_all(batcher, [_payload(f"H{i}") for i in range(5)]))
    assert [r["household_id"] for r in results] == [f"H{i}" for i in range(5)]
    assert scorer.calls == [([f"H{i}" for i in range(5)], ["body", "households"])]
    assert batcher.batches == 1 and batcher.requests == 5


def test_requests_arriving_while_a_batch_is_scored_make_the_next_batch():
    later = []
    scorer = FakeScorer(during_first=lambda: later.extend(
        batcher.submit(_payload(f"H{i}"), DAY) for i in range(1, 4)))
    batcher = ScoreBatcher(scorer)

    async def main():
        first = await batcher.submit(_payload("H0"), DAY)
        return first, await asyncio.gather(*later)

    first, rest = _run(main())
    assert first["batch"] == 1 and [r["batch"] for r in rest] == [3, 3, 3]
    assert [c[0] for c in scorer.calls] == [["H0"], ["H1", "H2", "H3"]]


def test_a_lone_request_is_scored_alone_with_single_request_locations():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)
    assert _run(_submit_all(batcher, [_payload("H1")]))[0]["batch"] == 1
    assert scorer.calls == [(["H1"], ["body"])]


def test_batches_never_exceed_max_batch():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer, max_batch=2)
    results = _run(_submit_all(batcher, [_payload(f"H{i}") for i in range(5)]))
    assert [r["household_id"] for r in results] == [f"H{i}" for i in range(5)]
    assert [len(c[0]) for c in scorer.calls] == [2, 2, 1]


def test_the_same_household_twice_goes_into_separate_batches():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)
    results = _run(_submit_all(batcher, [_payload("H1"), _payload("H1"), _payload("H2")]))
    assert [r["household_id"] for r in results] == ["H1", "H1", "H2"]
    assert [c[0] for c in scorer.calls] == [["H1", "H2"], ["H1"]]


def test_one_bad_payload_fails_only_its_own_request_with_single_request_locations():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)
    ok1, bad, ok3 = _run(_submit_all(batcher, [_payload("H1"), _payload("H2", bad=True), _payload("H3")]))
    assert ok1["household_id"] == "H1" and ok3["household_id"] == "H3"
    assert isinstance(bad, PayloadError)
    assert bad.errors[0]["loc"] == ["body"]  # as if the request had been scored alone


def test_an_unexpected_error_reaches_every_request_of_its_batch():
    def broken(payloads, prefix, day):
        raise RuntimeError("model exploded")

    batcher = ScoreBatcher(broken)
    errors = _run(_submit_all(batcher, [_payload("H1"), _payload("H2")]))
    assert all(isinstance(e, RuntimeError) and "exploded" in str(e) for e in errors)


def test_stop_scores_what_is_still_queued():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)

    async def main():
        futures = [batcher.submit(_payload(f"H{i}"), DAY) for i in range(3)]
        batcher.stop()  # before the loop turns: the app's shutdown
        assert all(f.done() for f in futures)
        return [f.result()["household_id"] for f in futures]

    assert _run(main()) == ["H0", "H1", "H2"]


def test_a_request_whose_client_left_is_not_scored():
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer)

    async def main():
        gone = batcher.submit(_payload("H1"), DAY)
        gone.cancel()
        return await batcher.submit(_payload("H2"), DAY)

    assert _run(main())["household_id"] == "H2"
    assert scorer.calls == [(["H2"], ["body"])]


@pytest.mark.parametrize("n", [1, 40])
def test_every_request_gets_an_answer(n):
    scorer = FakeScorer()
    batcher = ScoreBatcher(scorer, max_batch=16)
    results = _run(_submit_all(batcher, [_payload(f"H{i}") for i in range(n)]))
    assert [r["household_id"] for r in results] == [f"H{i}" for i in range(n)]
