"""Decision evaluation through `engine.dmn`, written as DECISION_EVALUATION records (EVALUATED or
FAILED) for business rule tasks and for the EvaluateDecision command."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from engine.api import EvaluatedDecision
from engine.core.expressions import ExpressionFailure
from engine.core.records import Intent, ValueType
from engine.core.state import DecisionDefinition, ElementInstance
from engine.core.writer import RecordWriter


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _traces(result: Any) -> list[dict[str, Any]]:
    """engine.dmn's traces as Zeebe's `evaluatedDecisions` entries."""
    converted: list[dict[str, Any]] = []
    for trace in getattr(result, "traces", None) or []:
        converted.append(
            {
                "decisionId": trace.decision_id,
                "decisionName": trace.decision_name,
                "decisionType": str(_plain(trace.decision_type)),
                "decisionOutput": json.dumps(trace.output, ensure_ascii=False, default=str),
                "output": trace.output,
                "evaluatedInputs": [dict(i) for i in trace.evaluated_inputs],
                "matchedRules": [dict(r) for r in trace.matched_rules],
            }
        )
    return converted


def to_evaluated(
    trace: dict[str, Any], state_decision: DecisionDefinition | None
) -> EvaluatedDecision:
    return EvaluatedDecision(
        decision_id=str(trace.get("decisionId", "")),
        decision_name=str(trace.get("decisionName", "")),
        decision_key=state_decision.key if state_decision else -1,
        decision_version=state_decision.version if state_decision else -1,
        decision_type=str(trace.get("decisionType", "DECISION_TABLE")),
        output=trace.get("output", trace.get("decisionOutput")),
        evaluated_inputs=tuple(trace.get("evaluatedInputs", ()) or ()),
        matched_rules=tuple(trace.get("matchedRules", ()) or ()),
    )


def run_decision(
    writer: RecordWriter,
    decision: DecisionDefinition,
    variables: dict[str, Any],
    instance: ElementInstance | None,
) -> tuple[Any, list[dict[str, Any]], str, str]:
    """Evaluates and records; returns (output, traces, failed decision id, failure message)."""
    from engine.dmn import DecisionError, evaluate_decision

    drg = writer.state.drgs[decision.drg_key]
    output: Any = None
    traces: list[dict[str, Any]] = []
    failure, failed_id = "", ""
    try:
        result = evaluate_decision(drg.model, decision.decision_id, variables, now_ms=writer.now)
        output = result.output
        traces = _traces(result)
    except DecisionError as error:
        failure = str(error)
        failed_id = str(getattr(error, "decision_id", "") or decision.decision_id)
    value: dict[str, Any] = {
        "decisionKey": decision.key,
        "decisionId": decision.decision_id,
        "decisionName": decision.name,
        "decisionVersion": decision.version,
        "decisionRequirementsKey": decision.drg_key,
        "decisionRequirementsId": decision.drg_id,
        "decisionOutput": json.dumps(output, ensure_ascii=False),
        "evaluatedDecisions": json.loads(json.dumps(traces, default=str)),
        "failedDecisionId": failed_id,
        "evaluationFailureMessage": failure,
        "processInstanceKey": instance.process_instance_key if instance else -1,
        "elementInstanceKey": instance.key if instance else -1,
        "elementId": instance.element_id if instance else "",
        "bpmnProcessId": instance.bpmn_process_id if instance else "",
        "processDefinitionKey": instance.process_definition_key if instance else -1,
        "tenantId": decision.tenant_id,
    }
    intent = Intent.FAILED if failure else Intent.EVALUATED
    writer.event(ValueType.DECISION_EVALUATION, intent, writer.new_key(), value)
    return output, traces, failed_id, failure


def evaluate_decision_for(
    writer: RecordWriter, decision_id: str, context: dict[str, Any], instance: ElementInstance
) -> Any:
    decision = writer.state.latest_decision(decision_id, instance.tenant_id)
    if decision is None:
        raise ExpressionFailure(
            f"Expected to evaluate decision '{decision_id}', but no decision found for id "
            f"'{decision_id}'",
            "CALLED_DECISION_ERROR",
        )
    output, _, failed_id, failure = run_decision(writer, decision, context, instance)
    if failure:
        raise ExpressionFailure(
            f"Expected to evaluate decision '{decision_id}', but failed to evaluate decision "
            f"'{failed_id}': {failure}",
            "DECISION_EVALUATION_ERROR",
        )
    return output
