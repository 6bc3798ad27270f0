"""Evaluating a decision of a DRG with FEEL, keeping the trace Zeebe reports.

Required decisions are evaluated first (each once, depth first) and their results are visible
to the requiring decision under the required decision's id, as in Camunda 8. The trace lists
every evaluated decision, required ones before the requested one, with the evaluated inputs
and matched rules that Zeebe's EvaluateDecision response and DECISION_EVALUATION records carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.dmn.errors import DecisionError
from engine.dmn.hit_policy import Match, apply_hit_policy, output_key
from engine.dmn.model import (
    Decision,
    DecisionKind,
    DecisionRequirements,
    DecisionTable,
    HitPolicy,
    LiteralExpression,
    Output,
)
from engine.feel import Feel, FeelError, feel


@dataclass(frozen=True)
class DecisionTrace:
    decision_id: str
    decision_name: str
    kind: DecisionKind
    output: Any
    # {"inputId", "inputName", "inputValue"} per input, in table order.
    evaluated_inputs: tuple[dict[str, Any], ...]
    # {"ruleId", "ruleIndex" (1-based), "evaluatedOutputs": [{"outputId", "outputName",
    # "outputValue"}]} per matched rule (for FIRST only the first).
    matched_rules: tuple[dict[str, Any], ...]

    @property
    def decision_type(self) -> DecisionKind:
        """Zeebe's name for `kind`."""
        return self.kind


@dataclass(frozen=True)
class DecisionResult:
    output: Any
    traces: tuple[DecisionTrace, ...]


def evaluate_decision(
    drg: DecisionRequirements,
    decision_id: str,
    variables: Mapping[str, Any],
    *,
    now_ms: int | None = None,
) -> DecisionResult:
    evaluator = _Evaluator(drg, dict(variables), now_ms, feel())
    output = evaluator.evaluate(drg.decision(decision_id))
    return DecisionResult(output=output, traces=tuple(evaluator.traces))


class _Evaluator:
    def __init__(
        self,
        drg: DecisionRequirements,
        variables: dict[str, Any],
        now_ms: int | None,
        engine: Feel,
    ) -> None:
        self._drg = drg
        self._variables = variables
        self._now_ms = now_ms
        self._feel = engine
        self._results: dict[str, Any] = {}
        self.traces: list[DecisionTrace] = []

    def evaluate(self, decision: Decision) -> Any:
        if decision.id in self._results:
            return self._results[decision.id]
        context = dict(self._variables)
        for required_id in decision.required_decisions:
            required = self._drg.decision(required_id)
            result = self.evaluate(required)
            context[required.id] = result
            if required.variable_name:
                context[required.variable_name] = result
        if decision.table is not None:
            trace = _TableEvaluation(decision, decision.table, context, self).run()
        elif decision.literal is not None:
            trace = self._literal(decision, decision.literal, context)
        else:  # the parser never builds such a decision
            raise DecisionError(decision.id, "decision has no decision logic")
        self.traces.append(trace)
        self._results[decision.id] = trace.output
        return trace.output

    def _literal(
        self, decision: Decision, literal: LiteralExpression, context: dict[str, Any]
    ) -> DecisionTrace:
        output = self.expression(decision.id, literal.text, context, "literal expression")
        return DecisionTrace(decision.id, decision.name, decision.kind, output, (), ())

    def expression(
        self,
        decision_id: str,
        text: str,
        context: dict[str, Any],
        what: str,
        rule_id: str | None = None,
    ) -> Any:
        try:
            return self._feel.evaluate(text, context, now_ms=self._now_ms)
        except FeelError as exc:
            raise DecisionError(decision_id, f"{what}: {exc}", rule_id=rule_id) from None

    def test(
        self, decision_id: str, rule_id: str, entry: str, value: Any, context: dict[str, Any]
    ) -> bool:
        try:
            return self._feel.unary_test(entry, value, context, now_ms=self._now_ms)
        except FeelError as exc:
            raise DecisionError(decision_id, f"input entry: {exc}", rule_id=rule_id) from None


class _TableEvaluation:
    def __init__(
        self,
        decision: Decision,
        table: DecisionTable,
        context: dict[str, Any],
        evaluator: _Evaluator,
    ) -> None:
        self._decision = decision
        self._table = table
        self._context = context
        self._evaluator = evaluator

    def run(self) -> DecisionTrace:
        decision, table, context = self._decision, self._table, self._context
        values = [
            self._evaluator.expression(
                decision.id, item.expression, context, f"input expression of '{item.id}'"
            )
            for item in table.inputs
        ]
        evaluated_inputs = tuple(
            {"inputId": item.id, "inputName": item.label, "inputValue": value}
            for item, value in zip(table.inputs, values, strict=True)
        )
        matches: list[Match] = []
        matched_rules: list[dict[str, Any]] = []
        for rule in table.rules:
            if not all(
                self._evaluator.test(decision.id, rule.id, entry, value, context)
                for entry, value in zip(rule.input_entries, values, strict=True)
            ):
                continue
            outputs = {
                output_key(output): self._output_entry(rule.id, output, text)
                for output, text in zip(table.outputs, rule.output_entries, strict=True)
            }
            matches.append((rule.id, outputs))
            matched_rules.append(
                {
                    "ruleId": rule.id,
                    "ruleIndex": rule.index,
                    "evaluatedOutputs": [
                        {
                            "outputId": output.id,
                            "outputName": output_key(output),
                            "outputValue": outputs[output_key(output)],
                        }
                        for output in table.outputs
                    ],
                }
            )
            if table.hit_policy is HitPolicy.FIRST:
                break
        if matches:
            output = apply_hit_policy(decision.id, table, matches, self._priorities)
        else:
            output = self._defaults()
        return DecisionTrace(
            decision.id,
            decision.name,
            decision.kind,
            output,
            evaluated_inputs,
            tuple(matched_rules),
        )

    def _output_entry(self, rule_id: str, output: Output, text: str) -> Any:
        if not text:
            return None
        return self._evaluator.expression(
            self._decision.id, text, self._context, f"output entry of '{output.id}'", rule_id
        )

    def _defaults(self) -> Any:
        # No rule matched: null, unless outputs declare default entries (DMN 1.3).
        defaults = {
            output_key(output): self._evaluator.expression(
                self._decision.id,
                output.default_entry,
                self._context,
                f"default output entry of '{output.id}'",
            )
            for output in self._table.outputs
            if output.default_entry
        }
        if not defaults:
            return None
        if len(defaults) == 1:
            return next(iter(defaults.values()))
        return defaults

    def _priorities(self, output: Output) -> tuple[Any, ...]:
        return tuple(
            self._evaluator.expression(
                self._decision.id, literal, {}, f"output values of '{output.id}'"
            )
            for literal in output.priority_values
        )
