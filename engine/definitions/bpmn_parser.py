"""Parses Zeebe BPMN (BPMN 2.0 + zeebe extension namespace) into `ProcessModel`s and validates
them for deployment. Every refusal names the resource, the element id and the problem, and any
element the engine cannot execute is refused here rather than accepted and then stuck."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.api import InvalidArgument, Resource
from engine.definitions.bpmn_model import (
    CalledElement,
    ErrorDefinition,
    FlowNode,
    Mapping_,
    MessageDefinition,
    MultiInstance,
    ProcessModel,
    SequenceFlow,
    TaskDefinition,
    TimerDefinition,
    UserTaskDefinition,
)
from engine.definitions.element_kind import ElementKind
from engine.definitions.timer_expressions import TimerError, check_static_timer
from engine.definitions.xml_safety import parse_xml

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"

_TASKS = {
    "serviceTask": ElementKind.SERVICE_TASK,
    "sendTask": ElementKind.SEND_TASK,
    "businessRuleTask": ElementKind.BUSINESS_RULE_TASK,
    "scriptTask": ElementKind.SCRIPT_TASK,
    "userTask": ElementKind.USER_TASK,
    "receiveTask": ElementKind.RECEIVE_TASK,
    "manualTask": ElementKind.MANUAL_TASK,
    "task": ElementKind.TASK,
    "callActivity": ElementKind.CALL_ACTIVITY,
    "subProcess": ElementKind.SUB_PROCESS,
}
_GATEWAYS = {
    "exclusiveGateway": ElementKind.EXCLUSIVE_GATEWAY,
    "parallelGateway": ElementKind.PARALLEL_GATEWAY,
    "eventBasedGateway": ElementKind.EVENT_BASED_GATEWAY,
    "inclusiveGateway": ElementKind.INCLUSIVE_GATEWAY,
}
_EVENTS = {
    "startEvent": ElementKind.START_EVENT,
    "endEvent": ElementKind.END_EVENT,
    "boundaryEvent": ElementKind.BOUNDARY_EVENT,
    "intermediateCatchEvent": ElementKind.INTERMEDIATE_CATCH_EVENT,
    "intermediateThrowEvent": ElementKind.INTERMEDIATE_THROW_EVENT,
}
# Elements inside a process that carry no behaviour (diagram furniture, data, documentation).
_IGNORED = {
    "documentation",
    "extensionElements",
    "laneSet",
    "textAnnotation",
    "association",
    "group",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "property",
    "ioSpecification",
    "category",
    # children of a sub-process element that belong to the sub-process itself
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "dataInputAssociation",
    "dataOutputAssociation",
}
# Known BPMN elements the coverage list does not include, refused by name.
_UNSUPPORTED_NODES = {
    "complexGateway": "complex gateway",
    "transaction": "transaction",
    "adHocSubProcess": "ad-hoc sub-process",
}
_EVENT_DEFINITIONS = {
    "timerEventDefinition": "TIMER",
    "messageEventDefinition": "MESSAGE",
    "errorEventDefinition": "ERROR",
    "signalEventDefinition": "SIGNAL",
    "terminateEventDefinition": "TERMINATE",
    "conditionalEventDefinition": "CONDITIONAL",
    "escalationEventDefinition": "ESCALATION",
    "linkEventDefinition": "LINK",
    "compensateEventDefinition": "COMPENSATION",
    "cancelEventDefinition": "CANCEL",
}
# (element kind, event type) pairs the engine executes.
_SUPPORTED_EVENTS = {
    (ElementKind.START_EVENT, "NONE"),
    (ElementKind.START_EVENT, "TIMER"),
    (ElementKind.START_EVENT, "MESSAGE"),
    (ElementKind.START_EVENT, "SIGNAL"),
    (ElementKind.START_EVENT, "ERROR"),
    (ElementKind.INTERMEDIATE_CATCH_EVENT, "SIGNAL"),
    (ElementKind.INTERMEDIATE_THROW_EVENT, "SIGNAL"),
    (ElementKind.END_EVENT, "SIGNAL"),
    (ElementKind.BOUNDARY_EVENT, "SIGNAL"),
    (ElementKind.END_EVENT, "NONE"),
    (ElementKind.END_EVENT, "ERROR"),
    (ElementKind.END_EVENT, "TERMINATE"),
    (ElementKind.END_EVENT, "MESSAGE"),
    (ElementKind.INTERMEDIATE_CATCH_EVENT, "TIMER"),
    (ElementKind.INTERMEDIATE_CATCH_EVENT, "MESSAGE"),
    (ElementKind.INTERMEDIATE_THROW_EVENT, "NONE"),
    (ElementKind.INTERMEDIATE_THROW_EVENT, "MESSAGE"),
    (ElementKind.BOUNDARY_EVENT, "TIMER"),
    (ElementKind.BOUNDARY_EVENT, "MESSAGE"),
    (ElementKind.BOUNDARY_EVENT, "ERROR"),
}
_EVENT_WORDS = {
    ElementKind.START_EVENT: "start event",
    ElementKind.END_EVENT: "end event",
    ElementKind.BOUNDARY_EVENT: "boundary event",
    ElementKind.INTERMEDIATE_CATCH_EVENT: "intermediate catch event",
    ElementKind.INTERMEDIATE_THROW_EVENT: "intermediate throw event",
}
_JOB_KINDS = {
    ElementKind.SERVICE_TASK,
    ElementKind.SEND_TASK,
    ElementKind.BUSINESS_RULE_TASK,
    ElementKind.SCRIPT_TASK,
}


@dataclass
class _Definitions:
    resource: str
    messages: dict[str, ET.Element] = field(default_factory=dict)
    errors: dict[str, ET.Element] = field(default_factory=dict)
    signals: dict[str, ET.Element] = field(default_factory=dict)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return "{" + ns + "}", name
    return "", tag


def _ext(element: ET.Element, name: str) -> ET.Element | None:
    ext = element.find(f"{BPMN}extensionElements")
    return None if ext is None else ext.find(f"{ZEEBE}{name}")


def _is_feel(text: str) -> bool:
    return text.lstrip().startswith("=")


class _Parser:
    def __init__(self, defs: _Definitions) -> None:
        self.defs = defs
        self.nodes: dict[str, FlowNode] = {}
        self.flows: dict[str, SequenceFlow] = {}
        self.ids: set[str] = set()

    def fail(self, message: str) -> InvalidArgument:
        return InvalidArgument(f"'{self.defs.resource}': {message}")

    # -- structure -----------------------------------------------------------------------
    def scope(self, scope_el: ET.Element, scope_id: str) -> tuple[list[str], str]:
        """Parses the children of a process or sub-process; returns node ids and its none start."""
        child_ids: list[str] = []
        flows: list[ET.Element] = []
        for child in scope_el:
            ns, tag = _local(child.tag)
            if ns != BPMN or tag in _IGNORED:
                continue
            element_id = child.get("id", "")
            if tag == "sequenceFlow":
                flows.append(child)
                continue
            if not element_id:
                raise self.fail(f"a {tag} inside '{scope_id}' has no id")
            if element_id in self.ids:
                raise self.fail(f"element id '{element_id}' is used more than once")
            self.ids.add(element_id)
            if tag in _UNSUPPORTED_NODES:
                raise self.fail(
                    f"{_UNSUPPORTED_NODES[tag]} '{element_id}' is not supported by this engine"
                )
            if tag == "subProcess" and child.get("triggeredByEvent") == "true":
                node = self.event_sub_process(child, scope_id)
            elif tag in _TASKS:
                node = self.task(child, tag, scope_id)
            elif tag in _GATEWAYS:
                node = FlowNode(
                    id=element_id,
                    kind=_GATEWAYS[tag],
                    name=child.get("name", ""),
                    scope_id=scope_id,
                    default_flow=child.get("default", ""),
                )
            elif tag in _EVENTS:
                node = self.event(child, _EVENTS[tag], scope_id)
            else:
                raise self.fail(f"element '{element_id}' ({tag}) is not supported by this engine")
            self.nodes[element_id] = node
            child_ids.append(element_id)
        members = set(child_ids)  # a set: a chain of n tasks has n flows to look up
        scope_flows: list[SequenceFlow] = []
        for flow_el in flows:
            flow_id = flow_el.get("id", "")
            if not flow_id:
                raise self.fail(f"a sequence flow inside '{scope_id}' has no id")
            if flow_id in self.ids:
                raise self.fail(f"element id '{flow_id}' is used more than once")
            self.ids.add(flow_id)
            source, target = flow_el.get("sourceRef", ""), flow_el.get("targetRef", "")
            for end, ref in (("source", source), ("target", target)):
                if ref not in members:
                    raise self.fail(
                        f"sequence flow '{flow_id}' has {end} '{ref}', which is not an element "
                        f"of the same scope '{scope_id}'"
                    )
            cond_el = flow_el.find(f"{BPMN}conditionExpression")
            condition = (cond_el.text or "").strip() if cond_el is not None else ""
            if condition and not _is_feel(condition):
                raise self.fail(
                    f"sequence flow '{flow_id}' has a condition that is not a FEEL expression "
                    "(it must start with '=')"
                )
            flow = SequenceFlow(flow_id, source, target, condition)
            self.flows[flow_id] = flow
            scope_flows.append(flow)
        self.link_flows(child_ids, scope_flows)
        none_starts = [
            node_id
            for node_id in child_ids
            if self.nodes[node_id].kind == ElementKind.START_EVENT
            and self.nodes[node_id].event_type == "NONE"
        ]
        is_event_sub_process = scope_el.get("triggeredByEvent") == "true"
        if scope_el.tag != f"{BPMN}process" and not is_event_sub_process:
            for node_id in child_ids:
                node = self.nodes[node_id]
                if node.kind == ElementKind.START_EVENT and node.event_type != "NONE":
                    raise self.fail(
                        f"start event '{node_id}' of sub-process '{scope_id}' must be a none "
                        "start event"
                    )
        if len(none_starts) > 1:
            raise self.fail(f"'{scope_id}' has more than one none start event: {none_starts}")
        return child_ids, (none_starts[0] if none_starts else "")

    def link_flows(self, child_ids: list[str], scope_flows: list[SequenceFlow]) -> None:
        """One pass over the scope's flows (in document order), not one per node: linear."""
        incoming: dict[str, list[str]] = {}
        outgoing: dict[str, list[str]] = {}
        for flow in scope_flows:
            incoming.setdefault(flow.target, []).append(flow.id)
            outgoing.setdefault(flow.source, []).append(flow.id)
        for node_id in child_ids:
            self.nodes[node_id] = _replace(
                self.nodes[node_id],
                incoming=tuple(incoming.get(node_id, ())),
                outgoing=tuple(outgoing.get(node_id, ())),
            )

    # -- element kinds ---------------------------------------------------------------------
    def common(self, el: ET.Element) -> dict[str, object]:
        element_id = el.get("id", "")
        for unsupported in ("executionListeners", "taskListeners"):
            if _ext(el, unsupported) is not None:
                raise self.fail(
                    f"'{element_id}' uses zeebe:{unsupported}, which this engine does not run"
                )
        inputs: list[Mapping_] = []
        outputs: list[Mapping_] = []
        io = _ext(el, "ioMapping")
        if io is not None:
            for kind, target_list in (("input", inputs), ("output", outputs)):
                for m in io.findall(f"{ZEEBE}{kind}"):
                    source, target = m.get("source", ""), m.get("target", "")
                    if not target:
                        raise self.fail(f"{kind} mapping of '{element_id}' has no target")
                    if not source:
                        source = "=null"
                    target_list.append(Mapping_(source, target))
        headers: dict[str, str] = {}
        hdr = _ext(el, "taskHeaders")
        if hdr is not None:
            for h in hdr.findall(f"{ZEEBE}header"):
                headers[h.get("key", "")] = h.get("value", "")
        props: dict[str, str] = {}
        prp = _ext(el, "properties")
        if prp is not None:
            for p in prp.findall(f"{ZEEBE}property"):
                props[p.get("name", "")] = p.get("value", "")
        task_def = None
        td = _ext(el, "taskDefinition")
        if td is not None:
            job_type = td.get("type", "").strip()
            if not job_type:
                raise self.fail(f"'{element_id}' has a zeebe:taskDefinition without a type")
            task_def = TaskDefinition(job_type, td.get("retries", "3") or "3")
        return {
            "id": element_id,
            "name": el.get("name", ""),
            "inputs": tuple(inputs),
            "outputs": tuple(outputs),
            "task_headers": headers,
            "properties": props,
            "task_definition": task_def,
        }

    def task(self, el: ET.Element, tag: str, scope_id: str) -> FlowNode:
        kind = _TASKS[tag]
        fields = self.common(el)
        element_id = str(fields["id"])
        word = tag
        extra: dict[str, object] = {}
        if (
            kind in (ElementKind.SERVICE_TASK, ElementKind.SEND_TASK)
            and fields["task_definition"] is None
        ):
            raise self.fail(f"{word} '{element_id}' has no zeebe:taskDefinition type")
        if kind == ElementKind.BUSINESS_RULE_TASK:
            cd = _ext(el, "calledDecision")
            if cd is not None:
                decision_id, result = cd.get("decisionId", ""), cd.get("resultVariable", "")
                if not decision_id or not result:
                    raise self.fail(
                        f"business rule task '{element_id}' needs zeebe:calledDecision "
                        "decisionId and resultVariable"
                    )
                extra["called_decision"] = (decision_id, result)
            elif fields["task_definition"] is None:
                raise self.fail(
                    f"business rule task '{element_id}' has neither zeebe:calledDecision nor "
                    "zeebe:taskDefinition"
                )
        if kind == ElementKind.SCRIPT_TASK:
            sc = _ext(el, "script")
            if sc is not None:
                expression, result = sc.get("expression", ""), sc.get("resultVariable", "")
                if not _is_feel(expression) or not result:
                    raise self.fail(
                        f"script task '{element_id}' needs a zeebe:script FEEL expression "
                        "(starting with '=') and a resultVariable"
                    )
                extra["script"] = (expression, result)
            elif fields["task_definition"] is None:
                raise self.fail(
                    f"script task '{element_id}' has neither zeebe:script nor zeebe:taskDefinition"
                )
        if kind == ElementKind.USER_TASK:
            extra["user_task"] = self.user_task(el)
        if kind == ElementKind.RECEIVE_TASK:
            extra["message"] = self.message_ref(el, el, element_id, need_key=True)
            extra["event_type"] = "MESSAGE"
        if kind == ElementKind.CALL_ACTIVITY:
            ce = _ext(el, "calledElement")
            process_id = "" if ce is None else ce.get("processId", "").strip()
            if ce is None or not process_id:
                raise self.fail(
                    f"call activity '{element_id}' has no zeebe:calledElement processId"
                )
            extra["called_element"] = CalledElement(
                process_id,
                ce.get("propagateAllChildVariables", "true") != "false",
                ce.get("propagateAllParentVariables", "true") != "false",
            )
        if kind == ElementKind.SUB_PROCESS:
            children, start = self.scope(el, element_id)
            if not start:
                raise self.fail(f"sub-process '{element_id}' has no none start event")
            extra["children"] = tuple(children)
            extra["start_event_id"] = start
        mi_el = el.find(f"{BPMN}multiInstanceLoopCharacteristics")
        if mi_el is not None:
            extra["multi_instance"] = self.multi_instance(mi_el, element_id)
        if el.find(f"{BPMN}standardLoopCharacteristics") is not None:
            raise self.fail(f"'{element_id}' uses standard loop characteristics (not supported)")
        return FlowNode(kind=kind, scope_id=scope_id, **fields, **extra)  # type: ignore[arg-type]

    def event_sub_process(self, el: ET.Element, scope_id: str) -> FlowNode:
        fields = self.common(el)
        element_id = str(fields["id"])
        children, _ = self.scope(el, element_id)
        starts = [self.nodes[c] for c in children if self.nodes[c].kind == ElementKind.START_EVENT]
        if len(starts) != 1 or starts[0].event_type not in ("TIMER", "MESSAGE", "ERROR", "SIGNAL"):
            raise self.fail(
                f"event sub-process '{element_id}' needs exactly one timer, message, error or "
                "signal start event"
            )
        if starts[0].event_type == "ERROR" and not starts[0].cancel_activity:
            raise self.fail(f"error start event '{starts[0].id}' must be interrupting")
        if el.find(f"{BPMN}incoming") is not None or el.find(f"{BPMN}outgoing") is not None:
            raise self.fail(f"event sub-process '{element_id}' must not have sequence flows")
        fields["inputs"], fields["outputs"] = (), ()
        return FlowNode(
            kind=ElementKind.EVENT_SUB_PROCESS,
            scope_id=scope_id,
            children=tuple(children),
            start_event_id=starts[0].id,
            **fields,  # type: ignore[arg-type]
        )

    def user_task(self, el: ET.Element) -> UserTaskDefinition:
        assign = _ext(el, "assignmentDefinition")
        sched = _ext(el, "taskSchedule")
        prio = _ext(el, "priorityDefinition")
        form = _ext(el, "formDefinition")

        def attr(node: ET.Element | None, name: str) -> str:
            return "" if node is None else node.get(name, "")

        return UserTaskDefinition(
            camunda_user_task=_ext(el, "userTask") is not None,
            assignee=attr(assign, "assignee"),
            candidate_groups=attr(assign, "candidateGroups"),
            candidate_users=attr(assign, "candidateUsers"),
            due_date=attr(sched, "dueDate"),
            follow_up_date=attr(sched, "followUpDate"),
            priority=attr(prio, "priority"),
            form_id=attr(form, "formId"),
            form_key=attr(form, "formKey"),
            external_reference=attr(form, "externalReference"),
        )

    def multi_instance(self, mi_el: ET.Element, element_id: str) -> MultiInstance:
        lc = _ext(mi_el, "loopCharacteristics")
        collection = "" if lc is None else lc.get("inputCollection", "")
        if not collection:
            raise self.fail(
                f"multi-instance '{element_id}' has no zeebe:loopCharacteristics inputCollection"
            )
        cc = mi_el.find(f"{BPMN}completionCondition")
        output_collection = "" if lc is None else lc.get("outputCollection", "")
        output_element = "" if lc is None else lc.get("outputElement", "")
        if bool(output_collection) != bool(output_element):
            raise self.fail(
                f"multi-instance '{element_id}' needs both outputCollection and outputElement"
            )
        assert lc is not None
        return MultiInstance(
            sequential=mi_el.get("isSequential", "false") == "true",
            input_collection=collection,
            input_element=lc.get("inputElement", ""),
            output_collection=output_collection,
            output_element=output_element,
            completion_condition=(cc.text or "").strip() if cc is not None else "",
        )

    def message_ref(
        self, holder: ET.Element, el: ET.Element, element_id: str, *, need_key: bool
    ) -> MessageDefinition:
        ref = holder.get("messageRef", "")
        message = self.defs.messages.get(ref)
        if message is None:
            raise self.fail(f"'{element_id}' refers to no message (messageRef '{ref}')")
        name = message.get("name", "")
        if not name:
            raise self.fail(f"message '{ref}' used by '{element_id}' has no name")
        sub = _ext(message, "subscription")
        key = "" if sub is None else sub.get("correlationKey", "")
        if need_key and not key:
            raise self.fail(
                f"message '{name}' used by '{element_id}' has no zeebe:subscription correlationKey"
            )
        return MessageDefinition(name, key)

    def event(self, el: ET.Element, kind: ElementKind, scope_id: str) -> FlowNode:
        fields = self.common(el)
        element_id = str(fields["id"])
        definitions = [
            (child, _EVENT_DEFINITIONS[_local(child.tag)[1]])
            for child in el
            if _local(child.tag)[0] == BPMN and _local(child.tag)[1] in _EVENT_DEFINITIONS
        ]
        if len(definitions) > 1:
            raise self.fail(f"{_EVENT_WORDS[kind]} '{element_id}' has several event definitions")
        event_type = definitions[0][1] if definitions else "NONE"
        if (kind, event_type) not in _SUPPORTED_EVENTS:
            what = event_type.lower() if event_type != "NONE" else "none"
            raise self.fail(
                f"{what} {_EVENT_WORDS[kind]} '{element_id}' is not supported by this engine"
            )
        extra: dict[str, object] = {"event_type": event_type}
        if definitions:
            definition = definitions[0][0]
            if event_type == "TIMER":
                extra["timer"] = self.timer(definition, element_id)
            elif event_type == "MESSAGE":
                if kind in (ElementKind.END_EVENT, ElementKind.INTERMEDIATE_THROW_EVENT):
                    if fields["task_definition"] is None:
                        raise self.fail(
                            f"message {_EVENT_WORDS[kind]} '{element_id}' has no "
                            "zeebe:taskDefinition type"
                        )
                else:
                    extra["message"] = self.message_ref(
                        definition, el, element_id, need_key=kind != ElementKind.START_EVENT
                    )
            elif event_type == "SIGNAL":
                ref = definition.get("signalRef", "")
                signal = self.defs.signals.get(ref)
                name = "" if signal is None else signal.get("name", "")
                if not name:
                    raise self.fail(f"'{element_id}' refers to no named signal (signalRef '{ref}')")
                extra["signal_name"] = name
            elif event_type == "ERROR":
                ref = definition.get("errorRef", "")
                error = self.defs.errors.get(ref) if ref else None
                if ref and error is None:
                    raise self.fail(f"'{element_id}' refers to no error (errorRef '{ref}')")
                code = "" if error is None else error.get("errorCode", "")
                if kind == ElementKind.END_EVENT and not code:
                    raise self.fail(f"error end event '{element_id}' has no errorCode")
                extra["error"] = ErrorDefinition(code)
        if kind == ElementKind.START_EVENT:
            extra["cancel_activity"] = el.get("isInterrupting", "true") != "false"
        if kind == ElementKind.BOUNDARY_EVENT:
            attached = el.get("attachedToRef", "")
            extra["attached_to"] = attached
            extra["cancel_activity"] = el.get("cancelActivity", "true") != "false"
            if event_type == "ERROR" and extra["cancel_activity"] is False:
                raise self.fail(f"error boundary event '{element_id}' must be interrupting")
        return FlowNode(kind=kind, scope_id=scope_id, **fields, **extra)  # type: ignore[arg-type]

    def timer(self, definition: ET.Element, element_id: str) -> TimerDefinition:
        for tag, kind in (
            ("timeDuration", "duration"),
            ("timeDate", "date"),
            ("timeCycle", "cycle"),
        ):
            child = definition.find(f"{BPMN}{tag}")
            if child is not None and (child.text or "").strip():
                expression = (child.text or "").strip()
                if not _is_feel(expression):
                    try:
                        check_static_timer(kind, expression)
                    except TimerError as error:
                        raise self.fail(f"timer of '{element_id}': {error}") from None
                return TimerDefinition(kind, expression)
        raise self.fail(f"timer event '{element_id}' has no timeDuration, timeDate or timeCycle")

    # -- whole-process checks ----------------------------------------------------------------
    def validate(self, process_id: str) -> dict[str, tuple[str, ...]]:
        boundaries: dict[str, list[str]] = {}
        for node in self.nodes.values():
            if node.kind == ElementKind.BOUNDARY_EVENT:
                target = self.nodes.get(node.attached_to)
                if target is None or target.kind not in set(_TASKS.values()):
                    raise self.fail(
                        f"boundary event '{node.id}' is attached to '{node.attached_to}', "
                        "which is not an activity"
                    )
                if node.incoming:
                    raise self.fail(f"boundary event '{node.id}' must not have incoming flows")
                if not node.outgoing:
                    raise self.fail(f"boundary event '{node.id}' has no outgoing sequence flow")
                boundaries.setdefault(node.attached_to, []).append(node.id)
            if (
                node.kind == ElementKind.START_EVENT
                and node.event_type == "ERROR"
                and self.nodes.get(node.scope_id, node).kind != ElementKind.EVENT_SUB_PROCESS
            ):
                raise self.fail(
                    f"error start event '{node.id}' is only allowed in event sub-processes"
                )
            if node.kind == ElementKind.START_EVENT and node.incoming:
                raise self.fail(f"start event '{node.id}' must not have incoming flows")
            if node.kind == ElementKind.END_EVENT and node.outgoing:
                raise self.fail(f"end event '{node.id}' must not have outgoing flows")
            if node.kind in (ElementKind.EXCLUSIVE_GATEWAY, ElementKind.INCLUSIVE_GATEWAY):
                word = "exclusive" if node.kind == ElementKind.EXCLUSIVE_GATEWAY else "inclusive"
                if node.default_flow and node.default_flow not in node.outgoing:
                    raise self.fail(
                        f"{word} gateway '{node.id}' has default flow '{node.default_flow}', "
                        "which is not one of its outgoing flows"
                    )
                if len(node.outgoing) > 1:
                    for flow_id in node.outgoing:
                        if flow_id != node.default_flow and not self.flows[flow_id].condition:
                            raise self.fail(
                                f"sequence flow '{flow_id}' leaving {word} gateway '{node.id}' "
                                "has no condition and is not the default flow"
                            )
            if node.kind not in (ElementKind.EXCLUSIVE_GATEWAY, ElementKind.INCLUSIVE_GATEWAY):
                for flow_id in node.outgoing:
                    if self.flows[flow_id].condition and node.kind != ElementKind.PARALLEL_GATEWAY:
                        raise self.fail(
                            f"sequence flow '{flow_id}' has a condition, but its source "
                            f"'{node.id}' is not an exclusive or inclusive gateway"
                        )
            if node.kind == ElementKind.PARALLEL_GATEWAY:
                for flow_id in node.outgoing:
                    if self.flows[flow_id].condition:
                        raise self.fail(
                            f"sequence flow '{flow_id}' leaving parallel gateway '{node.id}' must "
                            "not have a condition"
                        )
            if node.kind == ElementKind.EVENT_BASED_GATEWAY:
                targets = [self.nodes[self.flows[f].target] for f in node.outgoing]
                if len(targets) < 2 or any(
                    t.kind != ElementKind.INTERMEDIATE_CATCH_EVENT or len(t.incoming) != 1
                    for t in targets
                ):
                    raise self.fail(
                        f"event-based gateway '{node.id}' must lead to at least two intermediate "
                        "catch events (timer, message or signal) that have no other incoming flow"
                    )
            if (
                node.kind == ElementKind.START_EVENT
                and node.message
                and _is_feel(node.message.name)
            ):
                raise self.fail(f"message start event '{node.id}' needs a static message name")
            gateways = (
                ElementKind.EXCLUSIVE_GATEWAY,
                ElementKind.PARALLEL_GATEWAY,
                ElementKind.INCLUSIVE_GATEWAY,
            )
            if node.kind in gateways and not node.outgoing:
                raise self.fail(f"gateway '{node.id}' has no outgoing sequence flow")
        return {key: tuple(value) for key, value in boundaries.items()}


def _replace(node: FlowNode, **changes: object) -> FlowNode:
    from dataclasses import replace

    return replace(node, **changes)  # type: ignore[arg-type]


# Recently parsed resources, so that a deployment parsed ahead on a worker thread (parse_ahead) is
# not parsed again by the engine's single writer. Models are immutable; refusals are kept too.
_RECENT_LIMIT = 8
_recent: OrderedDict[tuple[bytes, str], list[ProcessModel] | InvalidArgument] = OrderedDict()
_recent_lock = threading.Lock()


def parse_bpmn(content: bytes, resource_name: str) -> list[ProcessModel]:
    """Returns the executable processes of a BPMN resource; raises InvalidArgument otherwise.
    Linear in the size of the model (a 45,000-task chain parses in about a second)."""
    key = (hashlib.sha256(content).digest(), resource_name)
    with _recent_lock:
        known = _recent.get(key)
        if known is not None:
            _recent.move_to_end(key)
    if known is None:
        try:
            known = _parse_bpmn(content, resource_name)
        except InvalidArgument as refusal:
            known = refusal
        with _recent_lock:
            _recent[key] = known
            while len(_recent) > _RECENT_LIMIT:
                _recent.popitem(last=False)
    if isinstance(known, InvalidArgument):
        raise InvalidArgument(str(known))
    return list(known)


def parse_ahead(resources: Sequence[Resource]) -> None:
    """Parses a deployment's BPMN resources before the deploy command reaches the single writer
    (call it on a worker thread): the writer then finds them parsed, and other commands are not
    held up behind a large model. Refusals surface later, from the writer, as before."""
    for resource in resources:
        if resource.name.lower().endswith((".bpmn", ".bpmn20.xml")):
            with contextlib.suppress(InvalidArgument):
                parse_bpmn(resource.content, resource.name)


def _parse_bpmn(content: bytes, resource_name: str) -> list[ProcessModel]:
    root = parse_xml(content, resource_name)
    if root.tag != f"{BPMN}definitions":
        raise InvalidArgument(f"'{resource_name}': the root element is not bpmn:definitions")
    defs = _Definitions(resource_name)
    for child in root:
        ns, tag = _local(child.tag)
        if ns != BPMN:
            continue
        if tag == "message":
            defs.messages[child.get("id", "")] = child
        elif tag == "error":
            defs.errors[child.get("id", "")] = child
        elif tag == "signal":
            defs.signals[child.get("id", "")] = child
    processes: list[ProcessModel] = []
    for process_el in root.findall(f"{BPMN}process"):
        if process_el.get("isExecutable", "false") != "true":
            continue
        process_id = process_el.get("id", "")
        if not process_id:
            raise InvalidArgument(f"'{resource_name}': a process has no id")
        parser = _Parser(defs)
        parser.ids.add(process_id)
        _, start = parser.scope(process_el, process_id)
        if not any(
            n.kind == ElementKind.START_EVENT and n.scope_id == process_id
            for n in parser.nodes.values()
        ):
            raise parser.fail(f"process '{process_id}' has no start event")
        boundaries = parser.validate(process_id)
        version_tag_el = _ext(process_el, "versionTag")
        processes.append(
            ProcessModel(
                id=process_id,
                name=process_el.get("name", ""),
                executable=True,
                nodes=dict(parser.nodes),
                flows=dict(parser.flows),
                none_start_event_id=start,
                boundary_events=boundaries,
                version_tag=""
                if version_tag_el is None
                else version_tag_el.get("value", "").strip(),
            )
        )
    if not processes:
        raise InvalidArgument(f"'{resource_name}': contains no executable process")
    return processes
