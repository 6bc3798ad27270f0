"""Deploy-time FEEL syntax check: Zeebe refuses a process whose expressions do not parse, so a
typo is reported at deploy (naming resource, element and expression) instead of as an incident.

feelin has no parse-only entry point; evaluating with no variables reports syntax errors and
nothing else (missing variables are null in FEEL), so that is what runs here.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.api import InvalidArgument
from engine.definitions.bpmn_model import FlowNode, ProcessModel


def _node_expressions(node: FlowNode) -> Iterator[tuple[str, str]]:
    for mapping in (*node.inputs, *node.outputs):
        yield f"mapping '{mapping.target}'", mapping.source
    if node.task_definition is not None:
        yield "job type", node.task_definition.type
        yield "job retries", node.task_definition.retries
    if node.called_decision is not None:
        yield "decisionId", node.called_decision[0]
    if node.script is not None:
        yield "script", node.script[0]
    if node.user_task is not None:
        spec = node.user_task
        yield "assignee", spec.assignee
        yield "candidateGroups", spec.candidate_groups
        yield "candidateUsers", spec.candidate_users
        yield "dueDate", spec.due_date
        yield "followUpDate", spec.follow_up_date
        yield "priority", spec.priority
        yield "formId", spec.form_id
    if node.called_element is not None:
        yield "processId", node.called_element.process_id
    if node.multi_instance is not None:
        mi = node.multi_instance
        yield "inputCollection", mi.input_collection
        yield "outputElement", mi.output_element
        yield "completionCondition", mi.completion_condition
    if node.timer is not None:
        yield "timer", node.timer.expression
    if node.message is not None:
        yield "message name", node.message.name
        yield "correlationKey", node.message.correlation_key
    if node.signal_name:
        yield "signal name", node.signal_name


def check_feel_syntax(model: ProcessModel, resource_name: str) -> None:
    from engine.feel import FeelError, feel

    evaluator = feel()
    items: list[tuple[str, str, str]] = [
        (node.id, what, text)
        for node in model.nodes.values()
        for what, text in _node_expressions(node)
    ]
    items += [(flow.id, "condition", flow.condition) for flow in model.flows.values()]
    for element_id, what, text in items:
        expression = text.strip()
        if not expression.startswith("="):
            continue
        try:
            evaluator.evaluate(expression[1:], {}, now_ms=0)
        except FeelError as error:
            if error.cause.startswith("syntax error"):
                raise InvalidArgument(
                    f"'{resource_name}': {what} of '{element_id}' is not valid FEEL "
                    f"'{expression[1:]}': {error.cause}"
                ) from None
