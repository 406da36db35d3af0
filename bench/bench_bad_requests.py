"""How long one pathological request holds the event loop, and how big its answer is.

A score body with 100,000 unknown keys (1.3 MB) is validated the way ``/v1/score`` does it
(``riskmodel.serving.errors.validated``) while a ticker on the same loop sleeps 1 ms at a
time; the longest gap between ticks is the loop stall. Prints the figures.

    PYTHONPATH=src python bench/bench_bad_requests.py
"""

from __future__ import annotations

import asyncio
import json
import time

from fastapi.exceptions import RequestValidationError

from riskmodel.serving.errors import validate_now, validated
from riskmodel.serving.schemas import EXAMPLE_HOUSEHOLD, HouseholdPayload


def body() -> bytes:
    p = json.loads(json.dumps(EXAMPLE_HOUSEHOLD))
    p["household"].update({f"k{i}": 1 for i in range(100_000)})
    return json.dumps(p).encode()


async def stall(data: bytes) -> tuple[float, float, int]:
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker():
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    try:
        await validated(HouseholdPayload, data)
    except RequestValidationError as exc:
        answer = json.dumps({"detail": list(exc.errors())}).encode()
    took = time.perf_counter() - start
    done.set()
    await task
    return took, max(gaps), len(answer)


def main() -> None:
    data = body()
    start = time.perf_counter()
    try:
        validate_now(HouseholdPayload, data)
    except RequestValidationError:
        pass
    print(f"body {len(data) / 1e6:.2f} MB, 100,000 unknown keys")
    print(f"validation alone: {1000 * (time.perf_counter() - start):.0f} ms")
    took, gap, size = asyncio.run(stall(data))
    print(f"through validated(): {1000 * took:.0f} ms, longest event-loop gap {1000 * gap:.0f} ms, "
          f"answer {size:,} bytes")


if __name__ == "__main__":
    main()
