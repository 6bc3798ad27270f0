"""FEEL evaluation with feelin running in one embedded V8 context (mini-racer).

Failure semantics follow Zeebe 8.8 (feel-scala): FEEL itself has no errors, "if something
goes wrong, return null" — a missing variable or context entry, a failed function call or an
incomparable operand make (part of) the result null and are reported as warnings. Whether a
null is acceptable is the caller's decision (a sequence-flow condition or a mapping raises
an incident, an optional property does not), so `evaluate` returns None in those cases and
`evaluate_detailed` also hands back the warnings for the incident message. Only what Zeebe
rejects before evaluating — a syntax error —, a failed `assert()` (an incident in Zeebe) and
an expression stopped at the time or memory limit (a `for` over 1..100000000, a huge list) raise
FeelError, whose message names the expression and the limit; a sequence flow, mapping or
property then raises an incident on its element, and the runtime goes on serving.

Every `Feel` is a light front-end (its own cache, time zone and limits) over the process's one
V8 runtime (engine/feel/runtime.py explains why there is exactly one, on its own thread).

Where feelin 8.2 differs from feel-scala, the bundle closes the gap without forking feelin:
- Zeebe's extension functions `is defined`, `get or else`, `assert` and `last day of month`
  are context functions (camunda-extensions.js).
- `*`, `/`, `<`, `<=`, `>`, `>=` are rewritten along feelin's own parse tree into calls of
  context functions (operator-rewrite.js, zeebe-operators.js), which multiply and divide
  durations (duration-arithmetic.js) and make a comparison of different types null with a
  NOT_COMPARABLE warning (typed-comparison.js); all other operand pairs go back to feelin.
- DMN input entries (`>= 3`, `[1..5]`, `"a"`) whose endpoint has another type than the input
  are null and do not match (unary-test-guard.js), as a comparison there is feelin's own.
Remaining known gaps: unary minus of a duration (`-duration("PT1H")`) is null, and
`between`/`in` against values of another type keep feelin's answer.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.feel.errors import FeelError
from engine.feel.runtime import (
    FeelRuntime,
    RuntimeFailure,
    RuntimeLimitExceeded,
    shared_runtime,
)

# Any dash-only or empty input entry matches every value, as in Camunda's DMN engine.
_ANY_VALUE_TESTS = frozenset({"", "-"})
_CLOCK_FUNCTIONS = ("now", "today")
# Keys embed the variables; large documents would make the cache a memory sink for little gain.
_MAX_CACHED_PAYLOAD_CHARS = 16_384
# The documented limits of one evaluation (README, docs/limits): the expressions of a process
# take well under a millisecond and a few kB; these leave room for large variable documents.
DEFAULT_TIME_LIMIT_S = 1.0
DEFAULT_MEMORY_LIMIT_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class FeelWarning:
    """Why (part of) an expression evaluated to null, e.g. NO_VARIABLE_FOUND."""

    type: str
    message: str


@dataclass(frozen=True)
class FeelResult:
    value: Any
    warnings: tuple[FeelWarning, ...]


class Feel:
    """A FEEL evaluator: its own result cache over the shared runtime; safe across threads."""

    def __init__(
        self,
        *,
        time_zone: str | None = None,
        timeout_seconds: float = DEFAULT_TIME_LIMIT_S,
        memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
        cache_size: int = 4096,
    ) -> None:
        self._time_zone = time_zone
        self._timeout_seconds = timeout_seconds
        self._memory_limit_bytes = memory_limit_bytes
        self._cache_size = cache_size
        self._lock = threading.Lock()
        try:
            self._runtime: FeelRuntime | None = shared_runtime()
        except RuntimeFailure as failure:
            raise FeelError("<none>", str(failure)) from None
        # feelin 8.2 exposes no separate compile step (evaluate() parses every time), so the
        # cache memoises whole results. That is sound because FEEL is pure: the result depends
        # only on the expression, the variables and — for now()/today() — the clock and zone,
        # all of which are in the key. Syntax errors are cached the same way; an evaluation
        # stopped at a limit is not (it depends on the machine as much as on the expression).
        self._cache: OrderedDict[str, _Outcome] = OrderedDict()
        self.cache_hits = 0
        self.cache_misses = 0
        if time_zone is not None:
            try:
                self.evaluate("now()", {}, now_ms=0)
            except FeelError as exc:
                raise ValueError(f"unknown time zone {time_zone!r}: {exc.cause}") from None

    def evaluate(
        self, expression: str, variables: Mapping[str, Any], *, now_ms: int | None = None
    ) -> Any:
        """Evaluate `expression` (without the leading '='); JSON-compatible result."""
        return self.evaluate_detailed(expression, variables, now_ms=now_ms).value

    def evaluate_detailed(
        self, expression: str, variables: Mapping[str, Any], *, now_ms: int | None = None
    ) -> FeelResult:
        request = {"expression": expression, "variables": variables}
        return self._run("evaluateJson", expression, request, now_ms).result()

    def unary_test(
        self,
        test: str,
        input_value: Any,
        variables: Mapping[str, Any],
        *,
        now_ms: int | None = None,
    ) -> bool:
        """Whether `input_value` satisfies the DMN input entry `test` ('-' or '' match all)."""
        if test.strip() in _ANY_VALUE_TESTS:
            return True
        request = {"test": test, "input": input_value, "variables": variables}
        # A test that cannot be decided (null, e.g. comparing a string with a number) does not
        # match, as in Camunda's DMN engine.
        return self._run("unaryTestJson", test, request, now_ms).result().value is True

    def close(self) -> None:
        """Drops this front-end's cache; the shared runtime lives as long as the process."""
        with self._lock:
            self._runtime = None
            self._cache.clear()

    def _run(
        self, function: str, expression: str, request: dict[str, Any], now_ms: int | None
    ) -> _Outcome:
        if not isinstance(expression, str):
            raise FeelError(repr(expression), "expression must be a string")
        if now_ms is not None and (isinstance(now_ms, bool) or not isinstance(now_ms, int)):
            raise FeelError(expression, f"now_ms must be epoch milliseconds, got {now_ms!r}")
        request["nowMs"] = now_ms
        request["timeZone"] = self._time_zone
        payload = _encode(expression, request)
        cacheable = len(payload) <= _MAX_CACHED_PAYLOAD_CHARS and (
            now_ms is not None or not any(f in expression for f in _CLOCK_FUNCTIONS)
        )
        key = f"{function}:{payload}"
        with self._lock:
            if self._runtime is None:
                raise FeelError(expression, "the FEEL runtime has been closed")
            if cacheable and (cached := self._cache.get(key)) is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return cached
            self.cache_misses += 1
            runtime = self._runtime
        # Outside the lock: the runtime serialises calls itself, and cache hits of other threads
        # need not wait behind a long evaluation.
        outcome = self._call(runtime, function, expression, payload)
        if outcome.limited:
            return outcome
        with self._lock:
            if cacheable:
                self._cache[key] = outcome
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return outcome

    def _call(self, runtime: FeelRuntime, function: str, expression: str, payload: str) -> _Outcome:
        try:
            raw = runtime.call(
                function,
                payload,
                time_limit_s=self._timeout_seconds,
                memory_limit_bytes=self._memory_limit_bytes,
            )
        except RuntimeLimitExceeded as exc:
            return _Outcome(expression, None, str(exc), limited=True)
        except RuntimeFailure as exc:
            return _Outcome(expression, None, f"the FEEL runtime failed: {exc}", limited=True)
        reply = json.loads(raw)
        if not reply["ok"]:
            position = reply.get("position") or {}
            where = f" at position {position['from']}" if "from" in position else ""
            kind = "syntax error" if reply.get("syntax") else "evaluation failed"
            return _Outcome(expression, None, f"{kind}{where}: {reply['message']}")
        warnings = tuple(FeelWarning(str(w["type"]), str(w["message"])) for w in reply["warnings"])
        return _Outcome(expression, (json.dumps(reply["value"]), warnings), None)


@dataclass(frozen=True)
class _Outcome:
    expression: str
    # The value is kept serialised so that every caller gets its own copy: a cached list or
    # dict handed out twice could otherwise be mutated behind the cache's back.
    success: tuple[str, tuple[FeelWarning, ...]] | None
    failure: str | None
    # stopped by a limit or a runtime failure: never cached
    limited: bool = False

    def result(self) -> FeelResult:
        if self.success is None:
            raise FeelError(self.expression, self.failure or "unknown failure")
        value_json, warnings = self.success
        return FeelResult(json.loads(value_json), warnings)


def _encode(expression: str, request: dict[str, Any]) -> str:
    try:
        return json.dumps(request, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise FeelError(expression, f"variables are not JSON-compatible: {exc}") from None
