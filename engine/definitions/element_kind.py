"""The closed vocabularies the parser and the core share: BPMN element kinds under Zeebe's
`bpmnElementType` names, and the states a job passes through.

Both are `StrEnum`s so that a kind written into a record value, or read back from a replayed
log as plain text, compares and hashes the same: the record stream stays the contract.
"""

from __future__ import annotations

from enum import StrEnum


class ElementKind(StrEnum):
    PROCESS = "PROCESS"
    SUB_PROCESS = "SUB_PROCESS"
    EVENT_SUB_PROCESS = "EVENT_SUB_PROCESS"
    MULTI_INSTANCE_BODY = "MULTI_INSTANCE_BODY"
    START_EVENT = "START_EVENT"
    END_EVENT = "END_EVENT"
    BOUNDARY_EVENT = "BOUNDARY_EVENT"
    INTERMEDIATE_CATCH_EVENT = "INTERMEDIATE_CATCH_EVENT"
    INTERMEDIATE_THROW_EVENT = "INTERMEDIATE_THROW_EVENT"
    EXCLUSIVE_GATEWAY = "EXCLUSIVE_GATEWAY"
    INCLUSIVE_GATEWAY = "INCLUSIVE_GATEWAY"
    PARALLEL_GATEWAY = "PARALLEL_GATEWAY"
    EVENT_BASED_GATEWAY = "EVENT_BASED_GATEWAY"
    TASK = "TASK"
    MANUAL_TASK = "MANUAL_TASK"
    SERVICE_TASK = "SERVICE_TASK"
    SEND_TASK = "SEND_TASK"
    SCRIPT_TASK = "SCRIPT_TASK"
    BUSINESS_RULE_TASK = "BUSINESS_RULE_TASK"
    USER_TASK = "USER_TASK"
    RECEIVE_TASK = "RECEIVE_TASK"
    CALL_ACTIVITY = "CALL_ACTIVITY"
    # not an element a token rests on, but the type its SEQUENCE_FLOW_TAKEN record carries
    SEQUENCE_FLOW = "SEQUENCE_FLOW"


# The kinds that own a flow scope: their children's tokens run inside them.
SCOPE_KINDS = frozenset(
    {ElementKind.PROCESS, ElementKind.SUB_PROCESS, ElementKind.EVENT_SUB_PROCESS}
)


class JobState(StrEnum):
    ACTIVATABLE = "ACTIVATABLE"
    ACTIVATED = "ACTIVATED"
    FAILED = "FAILED"
    ERROR_THROWN = "ERROR_THROWN"
    BACKOFF = "BACKOFF"
