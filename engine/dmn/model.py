"""Immutable model of a deployed DMN resource: its decision requirements graph (DRG)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from engine.dmn.errors import DecisionError

DecisionKind = Literal["DECISION_TABLE", "LITERAL_EXPRESSION"]


class HitPolicy(Enum):
    UNIQUE = "UNIQUE"
    FIRST = "FIRST"
    PRIORITY = "PRIORITY"
    ANY = "ANY"
    COLLECT = "COLLECT"
    RULE_ORDER = "RULE ORDER"
    OUTPUT_ORDER = "OUTPUT ORDER"

    @property
    def single_result(self) -> bool:
        return self in _SINGLE_RESULT


_SINGLE_RESULT = frozenset({HitPolicy.UNIQUE, HitPolicy.FIRST, HitPolicy.PRIORITY, HitPolicy.ANY})


class Aggregation(Enum):
    SUM = "SUM"
    MIN = "MIN"
    MAX = "MAX"
    COUNT = "COUNT"


@dataclass(frozen=True)
class Input:
    id: str
    label: str
    expression: str


@dataclass(frozen=True)
class Output:
    id: str
    label: str
    name: str
    # The allowed values in priority order (PRIORITY / OUTPUT ORDER), as FEEL literals.
    priority_values: tuple[str, ...]
    default_entry: str | None


@dataclass(frozen=True)
class Rule:
    id: str
    index: int  # 1-based, as Zeebe reports ruleIndex
    input_entries: tuple[str, ...]
    output_entries: tuple[str, ...]


@dataclass(frozen=True)
class DecisionTable:
    id: str
    hit_policy: HitPolicy
    aggregation: Aggregation | None
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class LiteralExpression:
    id: str
    text: str


@dataclass(frozen=True)
class Decision:
    id: str
    name: str
    kind: DecisionKind
    required_decisions: tuple[str, ...]
    # Name under which dependent decisions see this decision's result: the decision id, and
    # also the <variable> name when the model declares one.
    variable_name: str | None
    table: DecisionTable | None
    literal: LiteralExpression | None


@dataclass(frozen=True)
class DecisionRequirements:
    id: str
    name: str
    namespace: str
    resource_name: str
    decisions: tuple[Decision, ...]

    def decision(self, decision_id: str) -> Decision:
        for decision in self.decisions:
            if decision.id == decision_id:
                return decision
        raise DecisionError(
            decision_id,
            f"no decision with id '{decision_id}' in decision requirements '{self.id}'",
        )
