"""What each kind of element does, as a table by element kind (as Zeebe's BPMN processors are).

The lifecycle (`engine.core.lifecycle`) does what every element does: input and output
mappings, event subscriptions, lifecycle records, flows, termination. At three points it asks
the processor of the element's kind:

- `activate`: the element's own behaviour once it is ACTIVATED, prepared before anything is
  written (a FEEL failure leaves an incident and a clean retry point), returned as a step;
- `completed`: where the token goes once the element is COMPLETED;
- `terminating`: what else ends with the element, before it is TERMINATED.

A task-like element with a `zeebe:taskDefinition` hands out a job whatever its kind (message
throw events, script and business-rule tasks run by workers): `JobFirst` says so once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from engine.api import InvalidArgument
from engine.core.element_lookup import definition_of
from engine.core.expressions import ExpressionFailure, evaluate, evaluate_string
from engine.core.state import ElementInstance
from engine.definitions.bpmn_model import FlowNode, ProcessModel
from engine.definitions.element_kind import ElementKind

if TYPE_CHECKING:
    from engine.core.bpmn import Bpmn

Step = Callable[[], None]


def _nothing() -> None:
    """A waiting element: a message, timer, signal or worker completes it later."""


class ElementProcessor(Protocol):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step: ...

    def completed(
        self,
        core: Bpmn,
        instance: ElementInstance,
        node: FlowNode,
        scope: ElementInstance,
        flows: tuple[str, ...] | None,
    ) -> None: ...

    def terminating(self, core: Bpmn, instance: ElementInstance) -> None: ...


class FlowElement:
    """Completes at once and passes its token on; the base every processor refines."""

    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        key = instance.key
        return lambda: core.complete(key)

    def completed(
        self,
        core: Bpmn,
        instance: ElementInstance,
        node: FlowNode,
        scope: ElementInstance,
        flows: tuple[str, ...] | None,
    ) -> None:
        core.flow.leave(instance, node, scope, flows)

    def terminating(self, core: Bpmn, instance: ElementInstance) -> None:
        return None


class WaitState(FlowElement):
    """Waits for what completes it: a message, a timer, a signal, a worker."""

    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        return _nothing


class JobFirst(FlowElement):
    """A job when the element has a task definition, otherwise the element's own behaviour."""

    def __init__(self, otherwise: FlowElement) -> None:
        self.otherwise = otherwise

    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        if node.task_definition is not None:
            return core.tasks.prepare_job(instance, node, context)
        return self.otherwise.activate(core, instance, node, context)

    def completed(
        self,
        core: Bpmn,
        instance: ElementInstance,
        node: FlowNode,
        scope: ElementInstance,
        flows: tuple[str, ...] | None,
    ) -> None:
        self.otherwise.completed(core, instance, node, scope, flows)

    def terminating(self, core: Bpmn, instance: ElementInstance) -> None:
        self.otherwise.terminating(core, instance)


class ExclusiveGateway(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        key = instance.key
        flow = core.flow.choose_exclusive_flow(definition_of(core.s, instance), node, context)
        return lambda: core.complete(key, (flow,))


class InclusiveGateway(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        key = instance.key
        flows = core.flow.choose_inclusive_flows(definition_of(core.s, instance), node, context)
        return lambda: core.complete(key, flows)


class ThrowEvent(FlowElement):
    """Intermediate throw and end events: a signal broadcast, an error thrown to its catcher, a
    job (message throw), or nothing but passing on."""

    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        key = instance.key
        if node.event_type == "SIGNAL":
            name = evaluate_string(node.signal_name, context, core.w.now, "signal name")

            def throw_signal() -> None:
                # the signal carries the throw event's own variables (its input mappings)
                local = dict(core.s.variables.get(key, {}))
                core.events.broadcast_signal(name, local, instance.tenant_id)
                if key in core.s.elements:
                    core.complete(key)

            return throw_signal
        if node.kind == ElementKind.END_EVENT and node.event_type == "ERROR":
            assert node.error is not None
            code = node.error.error_code
            catcher = core.events.find_error_catcher(instance.flow_scope_key, code)
            if catcher is None:
                raise ExpressionFailure(
                    f"Expected to throw an error event with the code '{code}', but it was not "
                    "caught. No error events are available in the scope.",
                    "UNHANDLED_ERROR_EVENT",
                )
            return lambda: core.events.catch_error(catcher, {})
        if node.task_definition is not None:
            return core.tasks.prepare_job(instance, node, context)
        return super().activate(core, instance, node, context)


class EndEvent(ThrowEvent):
    def completed(
        self,
        core: Bpmn,
        instance: ElementInstance,
        node: FlowNode,
        scope: ElementInstance,
        flows: tuple[str, ...] | None,
    ) -> None:
        if node.event_type == "TERMINATE":
            for child in sorted(scope.children):
                core.terminate(child)
        super().completed(core, instance, node, scope, flows)


class ScriptTask(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        if node.script is not None:
            key = instance.key
            expression, result_variable = node.script
            result = evaluate(expression, context, core.w.now)
            return lambda: core.complete_with(key, {result_variable: result})
        return JobFirst(WaitState()).activate(core, instance, node, context)


class BusinessRuleTask(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        if node.called_decision is not None:
            return core.tasks.prepare_decision(instance, node, context)
        return JobFirst(WaitState()).activate(core, instance, node, context)


class UserTask(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        if node.user_task and node.user_task.camunda_user_task:
            return core.tasks.prepare_user_task(instance, node, context)
        return core.tasks.prepare_job(instance, node, context)


class SubProcess(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        definition = definition_of(core.s, instance)
        key = instance.key

        def enter() -> None:
            core.activate(definition, node.start_event_id, key)

        return enter


class EventSubProcess(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        definition = definition_of(core.s, instance)
        key = instance.key
        trigger = core.events.take_over(key, node.start_event_id) or {}

        def start_event_sub_process() -> None:
            core.activate(definition, node.start_event_id, key, trigger, triggered=True)

        return start_event_sub_process


class CallActivity(FlowElement):
    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        return core.tasks.prepare_call_activity(instance, node, context)

    def terminating(self, core: Bpmn, instance: ElementInstance) -> None:
        if instance.called_child_key > 0:
            core.terminate(instance.called_child_key)


class ProcessRoot(FlowElement):
    """The process instance itself: started by `Lifecycle.create_process_instance`, completed
    when no token is left in it; its ending may let a buffered message start the next one."""

    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        raise AssertionError("a process instance is activated by create_process_instance")

    def terminating(self, core: Bpmn, instance: ElementInstance) -> None:
        core.lifecycle.process_ending(instance)


class MultiInstanceBody(FlowElement):
    """Activated by `MultiInstanceBodies`; completes like the activity it wraps."""

    def activate(
        self, core: Bpmn, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Step:
        raise AssertionError("a multi-instance body is activated by MultiInstanceBodies")


ELEMENT_PROCESSORS: Mapping[ElementKind, ElementProcessor] = {
    ElementKind.PROCESS: ProcessRoot(),
    ElementKind.MULTI_INSTANCE_BODY: MultiInstanceBody(),
    ElementKind.SUB_PROCESS: JobFirst(SubProcess()),
    ElementKind.EVENT_SUB_PROCESS: JobFirst(EventSubProcess()),
    ElementKind.CALL_ACTIVITY: JobFirst(CallActivity()),
    ElementKind.START_EVENT: JobFirst(FlowElement()),
    ElementKind.BOUNDARY_EVENT: JobFirst(FlowElement()),
    ElementKind.INTERMEDIATE_CATCH_EVENT: JobFirst(WaitState()),
    ElementKind.INTERMEDIATE_THROW_EVENT: ThrowEvent(),
    ElementKind.END_EVENT: EndEvent(),
    ElementKind.EXCLUSIVE_GATEWAY: ExclusiveGateway(),
    ElementKind.INCLUSIVE_GATEWAY: InclusiveGateway(),
    ElementKind.PARALLEL_GATEWAY: JobFirst(FlowElement()),
    ElementKind.EVENT_BASED_GATEWAY: JobFirst(WaitState()),
    ElementKind.TASK: JobFirst(FlowElement()),
    ElementKind.MANUAL_TASK: JobFirst(FlowElement()),
    ElementKind.SERVICE_TASK: JobFirst(WaitState()),
    ElementKind.SEND_TASK: JobFirst(WaitState()),
    ElementKind.RECEIVE_TASK: JobFirst(WaitState()),
    ElementKind.SCRIPT_TASK: ScriptTask(),
    ElementKind.BUSINESS_RULE_TASK: BusinessRuleTask(),
    ElementKind.USER_TASK: UserTask(),
}


# by plain text too: an instance's kind is the text its records carry, and this lookup is on
# every activation, completion and termination
_BY_TEXT: dict[str, ElementProcessor] = {kind.value: p for kind, p in ELEMENT_PROCESSORS.items()}


def processor_for(kind: str) -> ElementProcessor:
    return _BY_TEXT[kind]


def refuse_unprocessed_kinds(resource_name: str, model: ProcessModel) -> None:
    """A deployment is refused, naming the element, if the model holds a kind no processor
    runs: an instance must never reach an element it cannot activate."""
    for node in model.nodes.values():
        if node.kind not in ELEMENT_PROCESSORS:
            raise InvalidArgument(
                f"'{resource_name}': element '{node.id}' of kind '{node.kind}' cannot be run "
                "by this engine"
            )
