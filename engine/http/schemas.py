"""JSON Schemas of what the /v2 endpoints return, for our OpenAPI document.

Written from the field lists our views produce (engine.http.views), in Camunda 8.8's vocabulary:
keys are strings of digits, dates RFC 3339 strings. As in 8.8, no response field is nullable: a
field not listed as required is left out when it has no value (engine.http.views.present).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

KEY: dict[str, Any] = {"type": "string", "pattern": "^[0-9]{1,19}$"}
# Optional keys and texts: absent when there is no value, never null.
OPTIONAL_KEY: dict[str, Any] = KEY
TEXT: dict[str, Any] = {"type": "string"}
OPTIONAL_TEXT: dict[str, Any] = TEXT
# Names and ids the server refuses when empty (job types, message names, element ids...).
NAME: dict[str, Any] = {"type": "string", "minLength": 1}
DATE: dict[str, Any] = {"type": "string", "format": "date-time"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
STRINGS: dict[str, Any] = {"type": "array", "items": TEXT}
NO_CONTENT: dict[str, Any] = {}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional request field whose null the server reads as "not given"."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: Sequence[str] = (), **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


USER_TASK = obj(
    ["userTaskKey"],
    userTaskKey=KEY,
    name=OPTIONAL_TEXT,
    state=enum("CREATED", "COMPLETED", "CANCELED", "FAILED"),
    assignee=OPTIONAL_TEXT,
    elementId=TEXT,
    elementInstanceKey=KEY,
    candidateGroups=STRINGS,
    candidateUsers=STRINGS,
    processDefinitionId=TEXT,
    processDefinitionKey=KEY,
    processDefinitionVersion=INTEGER,
    processInstanceKey=KEY,
    formKey=OPTIONAL_KEY,
    externalFormReference=OPTIONAL_TEXT,
    creationDate=DATE,
    completionDate=DATE,
    dueDate=DATE,
    followUpDate=DATE,
    priority=INTEGER,
    customHeaders={"type": "object", "additionalProperties": TEXT},
    tenantId=TEXT,
)

PROCESS_INSTANCE = obj(
    [
        "processDefinitionId",
        "processDefinitionName",
        "processDefinitionVersion",
        "startDate",
        "state",
        "hasIncident",
        "tenantId",
        "processInstanceKey",
        "processDefinitionKey",
    ],
    processInstanceKey=KEY,
    processDefinitionKey=KEY,
    processDefinitionId=TEXT,
    processDefinitionName=TEXT,
    processDefinitionVersion=INTEGER,
    processDefinitionVersionTag=OPTIONAL_TEXT,
    parentProcessInstanceKey=OPTIONAL_KEY,
    parentElementInstanceKey=OPTIONAL_KEY,
    startDate=DATE,
    endDate=DATE,
    state=enum("ACTIVE", "COMPLETED", "TERMINATED"),
    hasIncident=BOOLEAN,
    tenantId=TEXT,
)

PROCESS_DEFINITION = obj(
    [],
    processDefinitionKey=KEY,
    processDefinitionId=TEXT,
    name=OPTIONAL_TEXT,
    resourceName=TEXT,
    version=INTEGER,
    versionTag=OPTIONAL_TEXT,
    tenantId=TEXT,
    hasStartForm=BOOLEAN,
)

ELEMENT_INSTANCE = obj(
    [
        "processDefinitionId",
        "startDate",
        "elementId",
        "elementName",
        "type",
        "state",
        "hasIncident",
        "tenantId",
        "elementInstanceKey",
        "processInstanceKey",
        "processDefinitionKey",
    ],
    elementInstanceKey=KEY,
    processInstanceKey=KEY,
    processDefinitionKey=KEY,
    processDefinitionId=TEXT,
    elementId=TEXT,
    elementName=TEXT,
    type=TEXT,
    state=enum("ACTIVE", "COMPLETED", "TERMINATED"),
    startDate=DATE,
    endDate=DATE,
    hasIncident=BOOLEAN,
    incidentKey=OPTIONAL_KEY,
    tenantId=TEXT,
)

INCIDENT = obj(
    [],
    incidentKey=KEY,
    processDefinitionKey=KEY,
    processDefinitionId=TEXT,
    processInstanceKey=KEY,
    errorType=TEXT,
    errorMessage=TEXT,
    elementId=TEXT,
    elementInstanceKey=KEY,
    creationTime=DATE,
    state=enum("ACTIVE", "RESOLVED"),
    jobKey=OPTIONAL_KEY,
    tenantId=TEXT,
)

VARIABLE = obj(
    ["name", "tenantId", "variableKey", "scopeKey", "processInstanceKey", "value", "isTruncated"],
    variableKey=KEY,
    name=TEXT,
    value={
        "type": "string",
        "description": "the value as JSON text; in searches cut to the first "
        "8191 characters when isTruncated (GET /v2/variables/{variableKey} has it whole)",
    },
    isTruncated=BOOLEAN,
    scopeKey=KEY,
    processInstanceKey=KEY,
    tenantId=TEXT,
)

# GET /v2/variables/{variableKey}: the whole value, so no isTruncated.
WHOLE_VARIABLE = obj(
    ["name", "tenantId", "variableKey", "scopeKey", "processInstanceKey", "value"],
    **{k: v for k, v in VARIABLE["properties"].items() if k != "isTruncated"},
)

FORM = obj(
    [],
    formKey=KEY,
    formId=TEXT,
    schema={"type": "object", "description": "the form's JSON document"},
    version=INTEGER,
    tenantId=TEXT,
)

ELEMENT_STATISTICS = obj(
    [],
    items={
        "type": "array",
        "items": obj(
            ["elementId"],
            elementId=TEXT,
            active=INTEGER,
            canceled=INTEGER,
            incidents=INTEGER,
            completed=INTEGER,
        ),
    },
)

ACTIVATED_JOB = obj(
    [
        "type",
        "processDefinitionId",
        "processDefinitionVersion",
        "elementId",
        "customHeaders",
        "worker",
        "retries",
        "deadline",
        "variables",
        "tenantId",
        "jobKey",
        "processInstanceKey",
        "processDefinitionKey",
        "elementInstanceKey",
        "kind",
        "listenerEventType",
    ],
    type=TEXT,
    processDefinitionId=TEXT,
    processDefinitionVersion=INTEGER,
    elementId=TEXT,
    customHeaders={"type": "object"},
    worker=TEXT,
    retries=INTEGER,
    deadline={"type": "integer", "format": "int64", "description": "epoch milliseconds"},
    variables={"type": "object"},
    tenantId=TEXT,
    jobKey=KEY,
    processInstanceKey=KEY,
    processDefinitionKey=KEY,
    elementInstanceKey=KEY,
    kind=enum("BPMN_ELEMENT", "EXECUTION_LISTENER", "TASK_LISTENER", "AD_HOC_SUB_PROCESS"),
    listenerEventType=enum("UNSPECIFIED", "START", "END"),
)

PROBLEM = obj(
    ["title", "status", "detail"],
    type=TEXT,
    title=TEXT,
    status=INTEGER,
    detail=TEXT,
    instance=TEXT,
)
