"""The FEEL runtime: one V8 isolate per process, driven only from its own thread, with limits.

These tests would have caught the crash of issue 10: evaluators created and dropped from several
threads in one process, and the process exiting normally afterwards (checked by its exit code,
since a crash at exit leaves no failed assertion behind)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from py_mini_racer import MiniRacer

from engine.feel import Feel, FeelError
from engine.feel.bundle import read_bundle
from engine.feel.runtime import FeelRuntime

REPO = Path(__file__).resolve().parents[2]


def test_a_thousand_evaluators_from_many_threads_exit_cleanly_with_flat_memory() -> None:
    child = subprocess.run(
        [sys.executable, "-m", "tests.engine.feel_runtime.churn"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, (
        f"exit code {child.returncode} (negative: killed by that signal)\n{child.stderr[-3000:]}"
    )
    rss = json.loads(child.stdout.strip().splitlines()[-1])
    print("resident memory (kB) after n evaluators:", rss)
    # V8's heap settles over the first few hundred evaluations; after that, more evaluators (one
    # isolate for all of them) must not cost memory: the second 500 add under 5 %.
    assert rss["after_1000_kb"] - rss["after_500_kb"] < rss["after_500_kb"] * 0.05
    assert rss["after_1000_kb"] - rss["after_100_kb"] < rss["after_100_kb"] * 0.15


def test_v8_is_driven_only_from_the_runtime_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_init = MiniRacer.__init__
    real_call = MiniRacer.call

    def init(self: MiniRacer, *args: Any, **kwargs: Any) -> None:
        seen.append(threading.current_thread().name)
        real_init(self, *args, **kwargs)

    def call(self: MiniRacer, *args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(MiniRacer, "__init__", init)
    monkeypatch.setattr(MiniRacer, "call", call)
    runtime = FeelRuntime(read_bundle())
    payload = json.dumps({"expression": "1 + 1", "variables": {}, "nowMs": 0, "timeZone": None})

    def use() -> str:
        return runtime.call("evaluateJson", payload, time_limit_s=1, memory_limit_bytes=64 << 20)

    async def from_the_loop() -> str:
        return use()

    replies = [use(), asyncio.run(from_the_loop())]
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies += list(pool.map(lambda _: use(), range(4)))
    assert all(json.loads(reply)["value"] == 2 for reply in replies)
    assert set(seen) == {"feel-v8"}
    assert len(seen) == 1 + len(replies)


def test_an_expression_that_builds_a_huge_list_stops_at_the_memory_limit() -> None:
    evaluator = Feel(timeout_seconds=10, memory_limit_bytes=32 * 1024 * 1024)
    expression = "for i in 1..100000000 return i"
    for _ in range(2):  # stopped each time: a limit is not cached as the expression's result
        with pytest.raises(FeelError, match="stopped at the memory limit of 32 MB") as caught:
            evaluator.evaluate(expression, {})
        assert caught.value.expression == expression
    assert evaluator.cache_misses == 2
    # the isolate is usable at once, also for a large but legitimate list
    assert evaluator.evaluate("count(for i in 1..100000 return i)", {}) == 100_000
    assert evaluator.evaluate("1 + 1", {}) == 2
