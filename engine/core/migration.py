"""Process instance migration, as Zeebe 8.8 defines it (docs.camunda.io, Concepts > "Process
instance migration"; gateway `MigrateProcessInstance`): a running instance moves to another
process definition (typically the next version of its process) without being restarted.

Every active element instance needs a mapping to an element of the same type in the same flow
scope. Jobs, user tasks, incidents and variables stay as they are (nothing is re-evaluated); the
subscriptions of catch events follow their mapping: a mapped catch event keeps its timer or
subscription, an unmapped one in the source is closed, and one in the target that no mapping
points to is opened. The whole plan is validated before anything is written (all or nothing);
refusals use Zeebe's rejection texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from engine.access.rules import Action
from engine.api import FailedPrecondition, InvalidArgument, MappingInstruction, NotFound
from engine.core import record_values as values
from engine.core.command_base import CommandBase, rejected
from engine.core.element_records import element_value
from engine.core.expressions import ExpressionFailure, evaluate_string
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance, ProcessDefinition
from engine.definitions.bpmn_model import FlowNode, ProcessModel
from engine.definitions.element_kind import ElementKind

# Zeebe 8.8's ProcessInstanceMigrationPreconditions, restricted to the element kinds we run.
_SUPPORTED_KINDS = {
    ElementKind.PROCESS,
    ElementKind.SERVICE_TASK,
    ElementKind.USER_TASK,
    ElementKind.SUB_PROCESS,
    ElementKind.CALL_ACTIVITY,
    ElementKind.INTERMEDIATE_CATCH_EVENT,
    ElementKind.RECEIVE_TASK,
    ElementKind.EVENT_SUB_PROCESS,
    ElementKind.EXCLUSIVE_GATEWAY,
    ElementKind.EVENT_BASED_GATEWAY,
    ElementKind.BUSINESS_RULE_TASK,
    ElementKind.SCRIPT_TASK,
    ElementKind.SEND_TASK,
    ElementKind.MULTI_INSTANCE_BODY,
}
_CATCH_EVENT_TYPES = {"MESSAGE", "TIMER", "SIGNAL"}
_BOUNDARY_EVENT_TYPES = {"MESSAGE", "TIMER", "SIGNAL", "ERROR"}
_EVENT_SUB_PROCESS_START_TYPES = {"MESSAGE", "TIMER", "SIGNAL", "ERROR"}


def _refused(kind: type[InvalidArgument | FailedPrecondition | NotFound], message: str) -> Any:
    code = {InvalidArgument: "INVALID_ARGUMENT", FailedPrecondition: "INVALID_STATE"}.get(
        kind, "NOT_FOUND"
    )
    return kind(rejected("MIGRATE", code, message))


class MigrationCommands(CommandBase):
    def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mappings: Sequence[MappingInstruction],
    ) -> None:
        self.authorize(Action.MIGRATE_PROCESS_INSTANCE)
        key = process_instance_key
        root = self.s.elements.get(key)
        if root is None or root.element_type != ElementKind.PROCESS or not root.is_active:
            raise _refused(
                NotFound,
                "Expected to migrate process instance but no process instance found with key "
                f"'{key}'",
            )
        target = self.s.processes.get(target_process_definition_key)
        if target is None or target.tenant_id != root.tenant_id:
            raise _refused(
                NotFound,
                "Expected to migrate process instance to process definition but no process "
                f"definition found with key '{target_process_definition_key}'",
            )
        source = self.s.processes[root.process_definition_key]
        plan = self._validate(root, source, target, mappings)
        self._apply(root, source, target, plan)

    # -- validation ------------------------------------------------------------------------------
    def _validate(
        self,
        root: ElementInstance,
        source: ProcessDefinition,
        target: ProcessDefinition,
        mappings: Sequence[MappingInstruction],
    ) -> dict[str, str]:
        key = root.key
        counts: dict[str, int] = {}
        for mapping in mappings:
            counts[mapping.source_element_id] = counts.get(mapping.source_element_id, 0) + 1
        duplicates = [element_id for element_id, n in counts.items() if n > 1]
        if duplicates:
            raise _refused(
                InvalidArgument,
                f"Expected to migrate process instance '{key}' but the mapping instructions "
                f"contain duplicate source element ids '[{', '.join(duplicates)}]'.",
            )
        for mapping in mappings:
            for side, element_id, model in (
                ("source", mapping.source_element_id, source.model),
                ("target", mapping.target_element_id, target.model),
            ):
                if element_id != model.id and element_id not in model.nodes:
                    raise _refused(
                        InvalidArgument,
                        f"Expected to migrate process instance '{key}' but mapping instructions "
                        f"contain a non-existing {side} element id '{element_id}'. Elements "
                        f"provided in mapping instructions must exist in the {side} process "
                        "definition.",
                    )
        started = self.s.message_started_by_instance.get(key)
        if started is not None and source.bpmn_process_id != target.bpmn_process_id:
            tenant, _, correlation_key = started
            if (tenant, target.bpmn_process_id, correlation_key) in self.s.message_started:
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but target process "
                    f"definition '{target.key}' has an active instance triggered by a message "
                    f"start event with correlation key '{correlation_key}'. Only one instance "
                    "per correlation key is allowed for message start events.",
                )
        plan = {m.source_element_id: m.target_element_id for m in mappings}
        plan[source.bpmn_process_id] = target.bpmn_process_id
        self._check_event_sub_processes(root, source.model, source.model.id, "active process")
        self._check_event_sub_processes(root, target.model, target.model.id, "target process")
        self._check_resubscription(
            key, root, source.model, target.model, target.bpmn_process_id, plan
        )
        for instance in self._active_instances(root):
            self._check_instance(root, instance, source, target, plan)
        return plan

    def _check_instance(
        self,
        root: ElementInstance,
        instance: ElementInstance,
        source: ProcessDefinition,
        target: ProcessDefinition,
        plan: dict[str, str],
    ) -> None:
        key = root.key
        element_id = instance.element_id
        node = source.model.node(element_id)
        kind = instance.element_type
        if kind not in _SUPPORTED_KINDS:
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{key}' but active element with id "
                f"'{element_id}' has an unsupported type. The migration of a {kind} is not "
                "supported.",
            )
        if kind == ElementKind.INTERMEDIATE_CATCH_EVENT:
            if node.event_type not in _CATCH_EVENT_TYPES:
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but active element with id "
                    f"'{element_id}' is intermediate catch event of type '{node.event_type}'. "
                    "Migrating active intermediate catch event of this type is not possible "
                    "yet.",
                )
            if _follows_event_based_gateway(source.model, node):
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but active element with id "
                    f"'{element_id}' is an intermediate catch event attached to an event-based "
                    "gateway. Migrating active events attached to an event-based gateway is "
                    "not possible yet.",
                )
        target_id = plan.get(element_id)
        if target_id is None:
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{key}' but no mapping instruction "
                f"defined for active element with id '{element_id}'. Elements cannot be "
                "migrated without a mapping.",
            )
        target_node = target.model.nodes.get(target_id)
        scope = self.s.elements[instance.flow_scope_key]
        is_inner = scope.element_type == ElementKind.MULTI_INSTANCE_BODY
        target_kind = ElementKind.PROCESS if target_node is None else target_node.kind
        if target_node is not None and target_node.multi_instance and not is_inner:
            target_kind = ElementKind.MULTI_INSTANCE_BODY
        if kind != target_kind:
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{key}' but active element with id "
                f"'{element_id}' and type '{kind}' is mapped to an element with id "
                f"'{target_id}' and different type '{target_kind}'. Elements must be mapped to "
                "elements of the same type.",
            )
        assert target_node is not None
        if kind == ElementKind.USER_TASK:
            self._check_user_task(key, instance, node, target_id, target_node)
        expected_scope = plan.get(scope.element_id, scope.element_id)
        actual_scope = target_id if is_inner else target_node.scope_id
        if expected_scope != actual_scope:
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{key}' but the flow scope of active "
                f"element with id '{element_id}' is changed. The flow scope of the active "
                f"element is expected to be '{expected_scope}' but was '{actual_scope}'. The "
                "flow scope of an element cannot be changed during migration yet.",
            )
        loops = (node.multi_instance, target_node.multi_instance)
        if (
            kind == ElementKind.MULTI_INSTANCE_BODY
            and loops[0]
            and loops[1]
            and loops[0].sequential != loops[1].sequential
        ):
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{key}' but active element with id "
                f"'{element_id}' has a different loop characteristics than the target "
                f"element with id '{target_id}'. Both elements must have either sequential "
                "or parallel loop characteristics.",
            )
        if kind == ElementKind.SUB_PROCESS:
            self._check_event_sub_processes(root, source.model, element_id, "active process")
            self._check_event_sub_processes(root, target.model, target_id, "target process")
        if not is_inner:
            for side, model, of_id in (
                ("active", source.model, element_id),
                ("target", target.model, target_id),
            ):
                kinds = sorted(
                    {
                        model.node(b).event_type
                        for b in model.boundary_events.get(of_id, ())
                        if model.node(b).event_type not in _BOUNDARY_EVENT_TYPES
                    }
                )
                if kinds:
                    raise _refused(
                        FailedPrecondition,
                        f"Expected to migrate process instance '{key}' but {side} element with "
                        f"id '{of_id}' has one or more boundary events of types "
                        f"'{','.join(kinds)}'. Migrating {side} elements with boundary events "
                        "of these types is not possible yet.",
                    )
        self._check_catch_events(key, instance, source.model, target.model, target_id, plan)
        self._check_resubscription(key, instance, source.model, target.model, target_id, plan)

    def _check_resubscription(
        self,
        key: int,
        instance: ElementInstance,
        source: ProcessModel,
        target: ProcessModel,
        target_id: str,
        plan: dict[str, str],
    ) -> None:
        """Zeebe cannot open a message subscription for a name the element instance is already
        subscribed to (the old one closes asynchronously there): such catch events must be
        mapped instead of re-created."""
        held = {self.s.subscriptions[k].message_name for k in instance.subscription_keys}
        if not held or instance.state != Intent.ELEMENT_ACTIVATED:
            return
        mapped = {
            plan[e.id] for e in _catch_events(source, instance.element_id, instance) if e.id in plan
        }
        context = self.bpmn.variables.visible(instance.key)
        for event in _catch_events(target, target_id, instance):
            if event.message is None or event.id == target_id or event.id in mapped:
                continue
            try:
                name = evaluate_string(event.message.name, context, self.w.now, "message name")
            except ExpressionFailure:
                continue  # an incident when the subscription is opened, as at activation
            if name in held:
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but active element with id "
                    f"'{instance.element_id}' attempts to subscribe to a message it is already "
                    f"subscribed to with name '{name}'. Migrating active elements that "
                    "subscribe to a message they are already subscribed to is not possible "
                    "yet. Please provide a mapping instruction to message catch event with id "
                    f"'{event.id}' to migrate the respective message subscription.",
                )

    def _check_user_task(
        self,
        key: int,
        instance: ElementInstance,
        node: FlowNode,
        target_id: str,
        target_node: FlowNode,
    ) -> None:
        def implementation(spec: FlowNode) -> str:
            camunda = spec.user_task is not None and spec.user_task.camunda_user_task
            return "zeebe user task" if camunda else "job worker"

        source_kind, target_kind = implementation(node), implementation(target_node)
        if source_kind != target_kind:
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{key}' but active user task with id "
                f"'{instance.element_id}' and implementation '{source_kind}' is mapped to an "
                f"user task with id '{target_id}' and different implementation "
                f"'{target_kind}'. Elements must be mapped to elements of the same "
                "implementation.",
            )

    def _check_event_sub_processes(
        self, root: ElementInstance, model: ProcessModel, scope_id: str, side: str
    ) -> None:
        kinds = sorted(
            {
                model.node(esp.start_event_id).event_type
                for esp in model.event_sub_processes(scope_id)
                if model.node(esp.start_event_id).event_type not in _EVENT_SUB_PROCESS_START_TYPES
            }
        )
        if kinds:
            raise _refused(
                FailedPrecondition,
                f"Expected to migrate process instance '{root.key}' but {side} with id "
                f"'{scope_id}' has one or more event subprocesses with start events of types "
                f"'{','.join(kinds)}'. Migrating event subprocesses with start events of these "
                "types is not possible yet.",
            )

    def _check_catch_events(
        self,
        key: int,
        instance: ElementInstance,
        source: ProcessModel,
        target: ProcessModel,
        target_id: str,
        plan: dict[str, str],
    ) -> None:
        source_events = _catch_events(source, instance.element_id, instance)
        target_events = {e.id: e for e in _catch_events(target, target_id, instance)}
        by_target: dict[str, list[str]] = {}
        for event in source_events:
            mapped = plan.get(event.id)
            if mapped is None:
                continue
            own = event.id == instance.element_id
            if own:
                # the element is its own catch event: it may not change what it waits for
                mapped = target_id
            elif mapped not in target_events:
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but active element with id "
                    f"'{instance.element_id}' is mapped to an element with id '{target_id}' and "
                    f"has a catch event with id '{event.id}' that is mapped to a catch event "
                    f"with id '{mapped}'. These mappings detach the catch event from the "
                    "element in the target process. Catch events must stay attached to the "
                    "same element instance.",
                )
            mapped_event = target.node(mapped)
            if event.event_type != mapped_event.event_type:
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but active element with id "
                    f"'{instance.element_id}' has a catch event with id '{event.id}' that is "
                    f"mapped to a catch event with id '{mapped}'. These catch events have "
                    f"different event types: '{event.event_type}' and "
                    f"'{mapped_event.event_type}'. The event type of a catch event "
                    "cannot be changed by process instance migration. Please ensure the event "
                    "type of the catch event remains the same or remove the mapping "
                    "instruction for these catch events.",
                )
            if not own:
                by_target.setdefault(mapped, []).append(event.id)
        for mapped, event_ids in sorted(by_target.items()):
            if len(event_ids) > 1:
                raise _refused(
                    FailedPrecondition,
                    f"Expected to migrate process instance '{key}' but active element with id "
                    f"'{instance.element_id}' has a catch event attached that is mapped to a "
                    f"catch event with id '{mapped}'. There are multiple mapping instructions "
                    f"that target this catch event: {_quoted(sorted(event_ids))}. Catch "
                    "events cannot be merged by process instance migration. Please ensure the "
                    "mapping instructions target a catch event only once.",
                )

    def _active_instances(self, root: ElementInstance) -> list[ElementInstance]:
        """The element instances of the process instance, breadth first as Zeebe migrates them
        (the called instances of call activities are not part of it)."""
        found: list[ElementInstance] = []
        level = [root]
        while level:
            children = [
                self.s.elements[child] for parent in level for child in sorted(parent.children)
            ]
            found.extend(children)
            level = children
        return found

    # -- applying --------------------------------------------------------------------------------
    def _apply(
        self,
        root: ElementInstance,
        source: ProcessDefinition,
        target: ProcessDefinition,
        plan: dict[str, str],
    ) -> None:
        instances = self._active_instances(root)
        self.w.event(
            ValueType.PROCESS_INSTANCE_MIGRATION,
            Intent.MIGRATED,
            root.key,
            {
                "processInstanceKey": root.key,
                "targetProcessDefinitionKey": target.key,
                "mappingInstructions": [
                    {"sourceElementId": s, "targetElementId": t}
                    for s, t in plan.items()
                    if s != source.bpmn_process_id
                ],
                "tenantId": root.tenant_id,
            },
        )
        for instance in [root, *instances]:
            self._migrate_element(instance, source, target, plan)

    def _migrate_element(
        self,
        instance: ElementInstance,
        source: ProcessDefinition,
        target: ProcessDefinition,
        plan: dict[str, str],
    ) -> None:
        source_id = instance.element_id
        target_id = plan[source_id]
        opens = self._prepare_new_catch_events(instance, source, target, target_id, plan)
        value = element_value(self.w, instance) | {
            "bpmnProcessId": target.bpmn_process_id,
            "version": target.version,
            "processDefinitionKey": target.key,
            "elementId": target_id,
        }
        self.w.event(ValueType.PROCESS_INSTANCE, Intent.ELEMENT_MIGRATED, instance.key, value)
        moved = {
            "bpmnProcessId": target.bpmn_process_id,
            "processDefinitionKey": target.key,
            "elementId": target_id,
        }
        if instance.job_key > 0:
            job = self.s.jobs[instance.job_key]
            self.w.event(
                ValueType.JOB,
                Intent.MIGRATED,
                job.key,
                values.job(job) | moved | {"processDefinitionVersion": target.version},
            )
        if instance.user_task_key > 0:
            self.w.event(
                ValueType.USER_TASK,
                Intent.MIGRATED,
                instance.user_task_key,
                {
                    "userTaskKey": instance.user_task_key,
                    "elementInstanceKey": instance.key,
                    "processInstanceKey": instance.process_instance_key,
                    "processDefinitionVersion": target.version,
                    "tenantId": instance.tenant_id,
                }
                | moved,
            )
        for incident in sorted(self.s.incidents.values(), key=lambda i: i.key):
            if incident.element_instance_key == instance.key:
                self.w.event(
                    ValueType.INCIDENT,
                    Intent.MIGRATED,
                    incident.key,
                    {
                        "errorType": incident.error_type,
                        "errorMessage": incident.error_message,
                        "processInstanceKey": incident.process_instance_key,
                        "elementInstanceKey": incident.element_instance_key,
                        "jobKey": incident.job_key,
                        "tenantId": incident.tenant_id,
                    }
                    | moved,
                )
        self._migrate_catch_events(instance, source_id, target, plan)
        for open_event in opens:
            open_event()

    def _migrate_catch_events(
        self,
        instance: ElementInstance,
        source_id: str,
        target: ProcessDefinition,
        plan: dict[str, str],
    ) -> None:
        def destination(event_id: str) -> str | None:
            # the element's own event goes with the element; others only when mapped
            return plan[source_id] if event_id == source_id else plan.get(event_id)

        for timer_key in sorted(instance.timer_keys):
            timer = self.s.timers[timer_key]
            moved_to = destination(timer.target_element_id)
            value = values.timer(self.s.timers[timer_key])
            if moved_to is None:
                self.w.event(ValueType.TIMER, Intent.CANCELED, timer_key, value)
            else:
                self.w.event(
                    ValueType.TIMER,
                    Intent.MIGRATED,
                    timer_key,
                    value | {"targetElementId": moved_to, "processDefinitionKey": target.key},
                )
        for sub_key in sorted(instance.subscription_keys):
            sub = self.s.subscriptions[sub_key]
            moved_to = destination(sub.target_element_id)
            if moved_to is None:
                self.bpmn.events.delete_subscription(sub)
                continue
            event = target.model.node(moved_to)
            value = values.message_subscription(
                sub,
                elementId=moved_to,
                bpmnProcessId=target.bpmn_process_id,
                interrupting=event.cancel_activity,
            )
            self.w.event(ValueType.MESSAGE_SUBSCRIPTION, Intent.MIGRATED, sub_key, value)
            self.w.event(
                ValueType.PROCESS_MESSAGE_SUBSCRIPTION,
                Intent.MIGRATED,
                sub_key,
                value | {"subscriptionPartitionId": 1},
            )
        for signal_key in sorted(instance.signal_keys):
            signal = self.s.signal_subscriptions[signal_key]
            moved_to = destination(signal.target_element_id)
            if moved_to is None:
                self.bpmn.events.delete_signal_subscription(signal_key)
                continue
            self.w.event(
                ValueType.SIGNAL_SUBSCRIPTION,
                Intent.MIGRATED,
                signal_key,
                values.signal_subscription(self.s.signal_subscriptions[signal_key])
                | {
                    "catchEventId": moved_to,
                    "processDefinitionKey": target.key,
                    "bpmnProcessId": target.bpmn_process_id,
                    "interrupting": target.model.node(moved_to).cancel_activity,
                },
            )

    def _prepare_new_catch_events(
        self,
        instance: ElementInstance,
        source: ProcessDefinition,
        target: ProcessDefinition,
        target_id: str,
        plan: dict[str, str],
    ) -> list[Callable[[], None]]:
        """The target element's catch events that no mapping points to get new subscriptions.
        Their expressions are evaluated before anything of the element is migrated; a failure
        there is recorded as an incident on the element, as at activation."""
        if instance.state != Intent.ELEMENT_ACTIVATED:
            return []  # still activating (an incident): its events open when activation resumes
        mapped_targets = {
            plan[e.id]
            for e in _catch_events(source.model, instance.element_id, instance)
            if e.id in plan
        }
        if instance.element_id in plan:
            mapped_targets.add(plan[instance.element_id])
        fresh = [
            event
            for event in _catch_events(target.model, target_id, instance)
            if event.id not in mapped_targets and event.id != target_id
        ]
        fresh = [e for e in fresh if e.event_type != "ERROR"]  # errors need no subscription
        if not fresh:
            return []
        context = self.bpmn.variables.visible(instance.key)
        key = instance.key
        opens: list[Callable[[], None]] = []

        def prepare(event: FlowNode) -> list[Callable[[], None]]:
            return self.bpmn.events.prepare_event(self.s.elements[key], event, context)

        try:
            for event in fresh:
                opens.extend(prepare(event))
        except ExpressionFailure as failure:
            return [partial(self._incident_after, key, failure)]
        return opens

    def _incident_after(self, key: int, failure: ExpressionFailure) -> None:
        self.bpmn.incidents.create(self.s.elements[key], failure)


def _catch_events(
    model: ProcessModel, element_id: str, instance: ElementInstance
) -> list[FlowNode]:
    """The catch events whose subscriptions an element instance holds in `model`: its boundary
    events (not for inner multi-instance instances), the start events of a scope's event
    sub-processes, an event-based gateway's events, or the element itself."""
    if element_id == model.id:
        return [model.node(esp.start_event_id) for esp in model.event_sub_processes(model.id)]
    node = model.nodes.get(element_id)
    if node is None:
        return []
    events: list[FlowNode] = []
    inner = (
        node.multi_instance is not None and instance.element_type != ElementKind.MULTI_INSTANCE_BODY
    )
    if not inner:
        events += [model.node(b) for b in model.boundary_events.get(element_id, ())]
    if node.kind == ElementKind.SUB_PROCESS and not (node.multi_instance and not inner):
        events += [model.node(esp.start_event_id) for esp in model.event_sub_processes(node.id)]
    if node.kind == ElementKind.EVENT_BASED_GATEWAY:
        events += [model.node(model.flows[f].target) for f in node.outgoing]
    if node.kind in (ElementKind.INTERMEDIATE_CATCH_EVENT, ElementKind.RECEIVE_TASK):
        events.append(node)
    return events


def _follows_event_based_gateway(model: ProcessModel, node: FlowNode) -> bool:
    return any(
        model.node(model.flows[flow_id].source).kind == ElementKind.EVENT_BASED_GATEWAY
        for flow_id in node.incoming
        if flow_id in model.flows and model.flows[flow_id].source in model.nodes
    )


def _quoted(items: list[str]) -> str:
    return "'" + "', '".join(items) + "'"
