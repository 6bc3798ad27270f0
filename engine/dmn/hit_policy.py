"""Turning the matched rules of a decision table into its result, per hit policy.

Result shapes follow Camunda 8 (dmn-scala): single-result policies give the output value
(one output) or a context keyed by output name (several outputs); multi-result policies give
a list of those; COLLECT with an aggregation gives a number. The no-match case is handled by
the caller (null, or the outputs' default entries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.dmn.errors import DecisionError
from engine.dmn.model import Aggregation, DecisionTable, HitPolicy, Output

# One matched rule: its id and its evaluated outputs keyed by output name.
Match = tuple[str, dict[str, Any]]
PriorityResolver = Callable[[Output], tuple[Any, ...]]


def apply_hit_policy(
    decision_id: str,
    table: DecisionTable,
    matches: Sequence[Match],
    priorities: PriorityResolver,
) -> Any:
    policy = table.hit_policy
    if policy is HitPolicy.UNIQUE:
        if len(matches) > 1:
            rule_ids = ", ".join(f"'{rule_id}'" for rule_id, _ in matches)
            raise DecisionError(
                decision_id,
                f"hit policy UNIQUE allows one matching rule, but rules {rule_ids} matched",
                rule_id=matches[1][0],
            )
        return _shape(table, matches[0][1])
    if policy is HitPolicy.FIRST:
        return _shape(table, matches[0][1])
    if policy is HitPolicy.ANY:
        first_id, first = matches[0]
        for rule_id, outputs in matches[1:]:
            if outputs != first:
                raise DecisionError(
                    decision_id,
                    f"hit policy ANY requires matching rules to agree, but rule '{rule_id}' "
                    f"gives {outputs} and rule '{first_id}' gives {first}",
                    rule_id=rule_id,
                )
        return _shape(table, first)
    if policy is HitPolicy.PRIORITY:
        return _shape(table, _by_priority(table, matches, priorities)[0][1])
    if policy is HitPolicy.OUTPUT_ORDER:
        return [_shape(table, outputs) for _, outputs in _by_priority(table, matches, priorities)]
    if policy is HitPolicy.RULE_ORDER or table.aggregation is None:
        return [_shape(table, outputs) for _, outputs in matches]
    return _aggregate(decision_id, table.aggregation, table, matches)


def _shape(table: DecisionTable, outputs: dict[str, Any]) -> Any:
    if len(table.outputs) == 1:
        return next(iter(outputs.values()))
    return dict(outputs)


def _by_priority(
    table: DecisionTable, matches: Sequence[Match], priorities: PriorityResolver
) -> list[Match]:
    orders = [(output_key(output), priorities(output)) for output in table.outputs]

    def rank(match: Match) -> tuple[int, ...]:
        # A value missing from the output's list ranks after every listed value; ties keep
        # rule order because sorted() is stable.
        ranks = []
        for key, order in orders:
            value = match[1].get(key)
            ranks.append(order.index(value) if value in order else len(order))
        return tuple(ranks)

    return sorted(matches, key=rank)


def _aggregate(
    decision_id: str, aggregation: Aggregation, table: DecisionTable, matches: Sequence[Match]
) -> Any:
    if aggregation is Aggregation.COUNT:
        return len(matches)
    numbers: list[int | float] = []
    for rule_id, outputs in matches:
        value = _shape(table, outputs)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DecisionError(
                decision_id,
                f"aggregation {aggregation.value} needs numbers, but the output is {value!r}",
                rule_id=rule_id,
            )
        numbers.append(value)
    if aggregation is Aggregation.SUM:
        result: int | float = sum(numbers)
    elif aggregation is Aggregation.MIN:
        result = min(numbers)
    else:
        result = max(numbers)
    return int(result) if isinstance(result, float) and result.is_integer() else result


def output_key(output: Output) -> str:
    """The name a single output's value goes under in a result context."""
    return output.name or output.label or output.id
