"""Run as a child process by tests/engine/test_feel_runtime.py: drives FEEL the way the engine
and the test suite do (first from an executor thread, then from the main thread, an event loop
and a thread pool), creating and dropping a thousand evaluators, then exits normally. Prints one
JSON line with the resident memory after the first hundred evaluators and after the last."""

from __future__ import annotations

import asyncio
import json
import resource
from concurrent.futures import ThreadPoolExecutor

from engine.feel import Feel, feel


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def _use_and_drop(n: int) -> None:
    # Each new evaluator has an empty cache, so each really runs in V8; the inputs repeat, so
    # what memory grows by is the evaluators' own cost, not V8 keeping more distinct garbage.
    a = n % 7
    evaluator = Feel(time_zone="Asia/Shanghai" if n % 10 == 0 else None)
    assert evaluator.evaluate("a * 2 + count(xs)", {"a": a, "xs": [1, 2, 3]}) == a * 2 + 3
    assert evaluator.unary_test(">= 3", a, {}) is (a >= 3)
    evaluator.close()


async def _main() -> dict[str, int]:
    # The order that crashed on processors with memory protection keys: V8 first started on an
    # executor thread, then used and torn down from the main thread.
    await asyncio.to_thread(lambda: feel().evaluate("1 + 1", {}))
    rss: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for n in range(1000):
            if n % 3 == 0:
                _use_and_drop(n)  # on the event loop's thread, the main thread
            elif n % 3 == 1:
                await asyncio.to_thread(_use_and_drop, n)
            else:
                pool.submit(_use_and_drop, n).result()
            if (n + 1) % 100 == 0:
                rss[f"after_{n + 1}_kb"] = _rss_kb()
    return rss


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_main())))
