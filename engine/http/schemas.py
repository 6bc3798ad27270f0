"""JSON Schemas of what the /v2 endpoints return, for our OpenAPI document.

Written from the field lists our views produce (engine.http.views), in Camunda 8.8's vocabulary:
keys are strings of digits, dates RFC 3339 strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

KEY: dict[str, Any] = {"type": "string", "pattern": "^[0-9]+$"}
NULLABLE_KEY: dict[str, Any] = {"type": ["string", "null"], "pattern": "^[0-9]+$"}
TEXT: dict[str, Any] = {"type": "string"}
NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
DATE: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
STRINGS: dict[str, Any] = {"type": "array", "items": TEXT}
NO_CONTENT: dict[str, Any] = {}


def obj(required: Sequence[str] = (), **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


USER_TASK = obj(
    ["userTaskKey", "state", "elementId", "processInstanceKey"],
    userTaskKey=KEY,
    name=NULLABLE_TEXT,
    state=enum("CREATED", "COMPLETED", "CANCELED", "FAILED"),
    assignee=NULLABLE_TEXT,
    elementId=TEXT,
    elementInstanceKey=KEY,
    candidateGroups=STRINGS,
    candidateUsers=STRINGS,
    processDefinitionId=TEXT,
    processDefinitionKey=KEY,
    processDefinitionVersion=INTEGER,
    processInstanceKey=KEY,
    formKey=NULLABLE_KEY,
    externalFormReference=NULLABLE_TEXT,
    creationDate=DATE,
    completionDate=DATE,
    dueDate=DATE,
    followUpDate=DATE,
    priority=INTEGER,
    customHeaders={"type": "object", "additionalProperties": TEXT},
    tenantId=TEXT,
)

PROCESS_INSTANCE = obj(
    ["processInstanceKey", "state"],
    processInstanceKey=KEY,
    processDefinitionKey=KEY,
    processDefinitionId=TEXT,
    processDefinitionName=NULLABLE_TEXT,
    processDefinitionVersion=INTEGER,
    processDefinitionVersionTag=NULLABLE_TEXT,
    parentProcessInstanceKey=NULLABLE_KEY,
    parentElementInstanceKey=NULLABLE_KEY,
    startDate=DATE,
    endDate=DATE,
    state=enum("ACTIVE", "COMPLETED", "TERMINATED"),
    hasIncident=BOOLEAN,
    tenantId=TEXT,
)

PROCESS_DEFINITION = obj(
    ["processDefinitionKey", "processDefinitionId", "version"],
    processDefinitionKey=KEY,
    processDefinitionId=TEXT,
    name=NULLABLE_TEXT,
    resourceName=TEXT,
    version=INTEGER,
    versionTag=NULLABLE_TEXT,
    tenantId=TEXT,
    hasStartForm=BOOLEAN,
)

ELEMENT_INSTANCE = obj(
    ["elementInstanceKey", "elementId", "state"],
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
    incidentKey=NULLABLE_KEY,
    tenantId=TEXT,
)

INCIDENT = obj(
    ["incidentKey", "state"],
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
    jobKey=NULLABLE_KEY,
    tenantId=TEXT,
)

VARIABLE = obj(
    ["variableKey", "name", "value"],
    variableKey=KEY,
    name=TEXT,
    value={"type": "string", "description": "the value as JSON text"},
    isTruncated=BOOLEAN,
    scopeKey=KEY,
    processInstanceKey=KEY,
    tenantId=TEXT,
)

FORM = obj(
    ["formKey", "schema"],
    formKey=KEY,
    formId=TEXT,
    schema={"type": "string", "description": "the form's JSON, as a string"},
    version=INTEGER,
    tenantId=TEXT,
)

ELEMENT_STATISTICS = obj(
    ["items"],
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

PROBLEM = obj(
    ["title", "status", "detail"],
    type=TEXT,
    title=TEXT,
    status=INTEGER,
    detail=TEXT,
    instance=TEXT,
)
