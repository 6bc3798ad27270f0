"""/v2 search requests: parse and validate `{filter, sort, page}` bodies, apply them to records,
and build the `{items, page}` envelope, as Camunda 8.8's Orchestration Cluster REST API does.

Reference: "Data fetching" (search requests, advanced search filters, search responses),
https://docs.camunda.io/docs/8.8/apis-tools/orchestration-cluster-api-rest/orchestration-cluster-api-rest-data-fetching/
and the per-endpoint pages of the 8.8 API explorer, e.g. "Search user tasks",
https://docs.camunda.io/docs/8.8/apis-tools/orchestration-cluster-api-rest/specifications/search-user-tasks/

What we follow from them:
- `filter` fields are ANDed; a field's value is either the exact value or an object of operators
  (also ANDed): `$eq`, `$neq`, `$exists`, `$in`, `$notIn`, `$like` (wildcards `*` and `?`,
  escaped with a backslash), `$gt`, `$gte`, `$lt`, `$lte`; which operators a field accepts depends
  on its type (strings: no comparisons; integers and date-times: no `$like`, `$notIn`).
- `$or: [ {filter}, ... ]` keeps items matching at least one of the alternatives.
- Variable filters are lists of `{name, value}` where `value` is a string filter over the
  variable's JSON text (a string variable `demo` is `"\\"demo\\""`).
- `sort: [{field, order: ASC|DESC}]`, items without a value sort last, as in Camunda's
  search backends; ties are broken by the resource's key so paging is stable.
- `page`: offset (`from`, `limit`) or cursor (`after` or `before`, with `limit`), not both;
  `limit` defaults to 100. Cursors are base64 of the JSON array of the item's sort values (the
  8.8 docs' example cursor `WzIyNTE3OTk4MTM2ODcxMDJd` is `[2251799813685102]`).
- Response: `{"items": [...], "page": {"totalItems", "startCursor", "endCursor"}}`.

On arrays (e.g. a task's candidateGroups), positive operators hold when any element matches and
`$neq`/`$notIn` when no element does; a missing value satisfies `$neq`/`$notIn`, as a
term query's negation does in Camunda's Elasticsearch/OpenSearch backends.

Every refusal is an `engine.api.InvalidArgument` naming the offending field path.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine.api import InvalidArgument, ReadModel
from engine.search_query import (
    _OPERATORS,
    _PLAIN_ONLY,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OR_DEPTH,
    AnyOf,
    Condition,
    Criterion,
    FieldKind,
    FilterField,
    PageRequest,
    SearchQuery,
    SearchResource,
    SortField,
    SortKey,
    VariableCondition,
    _key,
    _parse_datetime,
    whole_number,
)
from engine.search_query import (
    apply_search as apply_search,
)

# --- parsing ------------------------------------------------------------------------------------


def parse_search_request(
    body: Any, resource: SearchResource, *, restrictions: Sequence[Mapping[str, Any]] = ()
) -> SearchQuery:
    """Validates a search request body. `restrictions` are further filters (same syntax) that
    the server ANDs in, e.g. what the caller is allowed to see; they are trusted, not client
    input, but are validated the same way."""
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise InvalidArgument("the search request body must be a JSON object")
    unknown = sorted(set(body) - {"filter", "sort", "page"})
    if unknown:
        raise InvalidArgument(
            f"unknown search request property {unknown[0]!r} (allowed: filter, sort, page)"
        )
    # Our OpenAPI document declares them objects and arrays: null is refused, not read as absent.
    nulls = sorted(name for name, value in body.items() if value is None)
    if nulls:
        kind = "an array" if nulls[0] == "sort" else "a JSON object"
        raise InvalidArgument(f"{nulls[0]} must be {kind} or left out, not null")
    criteria = list(_parse_filter(body.get("filter"), resource, "filter"))
    for index, restriction in enumerate(restrictions):
        criteria += _parse_filter(restriction, resource, f"restriction[{index}]")
    sort = _parse_sort(body.get("sort"), resource)
    page = _parse_page(body.get("page"), len(sort) + 1)  # null refused above
    return SearchQuery(resource, tuple(criteria), sort, page)


def _parse_filter(
    raw: Any, resource: SearchResource, path: str, depth: int = 0
) -> tuple[Criterion, ...]:
    if depth > MAX_OR_DEPTH:
        raise InvalidArgument(f"{path}: $or may be nested at most {MAX_OR_DEPTH} levels deep")
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise InvalidArgument(f"{path} must be a JSON object")
    criteria: list[Criterion] = []
    for name, value in raw.items():
        where = f"{path}.{name}"
        if name == "$or":
            if not isinstance(value, list) or not value:
                raise InvalidArgument(f"{where} must be a non-empty array of filter objects")
            criteria.append(
                AnyOf(
                    tuple(
                        _parse_filter(alt, resource, f"{where}[{i}]", depth + 1)
                        for i, alt in enumerate(value)
                    )
                )
            )
            continue
        spec = resource.filter_field(name)
        if spec is None:
            allowed = ", ".join(f.name for f in resource.filters)
            raise InvalidArgument(
                f"unknown filter field {name!r} in {where} for {resource.name} (allowed: {allowed})"
            )
        if value is None:
            continue  # Camunda's clients send null for "no criterion on this field"
        if spec.kind is FieldKind.VARIABLES:
            criteria.extend(_parse_variables(value, spec, where))
        else:
            criteria.extend(_parse_field(value, spec, where))
    return tuple(criteria)


def _parse_field(value: Any, spec: FilterField, where: str) -> list[Condition]:
    if not isinstance(value, Mapping):
        return [Condition(spec, "$eq", _operand(value, spec, "$eq", where))]
    if spec.kind in _PLAIN_ONLY:
        raise InvalidArgument(f"{where} accepts only a plain {spec.kind.value} value")
    if not value:
        raise InvalidArgument(f"{where} must not be an empty object")
    allowed = _OPERATORS[spec.kind]
    conditions = []
    for operator, operand in value.items():
        if operator not in allowed:
            raise InvalidArgument(
                f"{where}: operator {operator!r} is not supported for {spec.kind.value} fields "
                f"(allowed: {', '.join(sorted(allowed))})"
            )
        conditions.append(
            Condition(spec, operator, _operand(operand, spec, operator, f"{where}.{operator}"))
        )
    return conditions


def _parse_variables(value: Any, spec: FilterField, where: str) -> list[VariableCondition]:
    if not isinstance(value, list):
        raise InvalidArgument(f"{where} must be an array of {{name, value}} objects")
    value_spec = FilterField("value", FieldKind.STRING)
    result = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(entry, Mapping) or set(entry) - {"name", "value"}:
            raise InvalidArgument(f"{at} must be an object with 'name' and 'value'")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"{at}.name must be a non-empty string")
        if "value" not in entry:
            raise InvalidArgument(f"{at}.value is required")
        conditions = _parse_field(entry["value"], value_spec, f"{at}.value")
        result.append(VariableCondition(spec.source, name, tuple(conditions)))
    return result


def _operand(raw: Any, spec: FilterField, operator: str, where: str) -> Any:
    if operator == "$exists":
        if not isinstance(raw, bool):
            raise InvalidArgument(f"{where} must be true or false")
        return raw
    if operator in ("$in", "$notIn"):
        if not isinstance(raw, list):
            raise InvalidArgument(f"{where} must be an array")
        return tuple(_scalar(v, spec, f"{where}[{i}]") for i, v in enumerate(raw))
    if operator == "$like":
        if not isinstance(raw, str):
            raise InvalidArgument(f"{where} must be a string pattern")
        return like_pattern(raw)
    return _scalar(raw, spec, where)


def _scalar(raw: Any, spec: FilterField, where: str) -> Any:
    kind = spec.kind
    if kind in (FieldKind.STRING, FieldKind.EXACT):
        if not isinstance(raw, str):
            raise InvalidArgument(f"{where} must be a string")
        return raw
    if kind is FieldKind.ENUM:
        if not isinstance(raw, str) or (spec.values and raw not in spec.values):
            raise InvalidArgument(f"{where} must be one of {', '.join(spec.values)}")
        return raw
    if kind is FieldKind.INTEGER:
        number = whole_number(raw)
        if number is None:
            raise InvalidArgument(f"{where} must be an integer")
        return number
    if kind is FieldKind.KEY:
        key = _key(raw)
        if key is None:
            raise InvalidArgument(f"{where} must be a key (a string of digits)")
        return key
    if kind is FieldKind.DATE_TIME:
        moment = _parse_datetime(raw) if isinstance(raw, str) else None
        if moment is None:
            raise InvalidArgument(
                f"{where} must be an RFC 3339 date-time with offset, e.g. 2026-10-13T09:00:00Z"
            )
        return moment
    if kind is FieldKind.BOOLEAN:
        if not isinstance(raw, bool):
            raise InvalidArgument(f"{where} must be true or false")
        return raw
    raise InvalidArgument(f"{where} cannot be filtered")  # pragma: no cover - all kinds above


def like_pattern(pattern: str) -> re.Pattern[str]:
    """Camunda's `$like`: `*` any run of characters, `?` one character, `\\` escapes."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)


def _parse_sort(raw: Any, resource: SearchResource) -> tuple[SortKey, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InvalidArgument("sort must be an array of {field, order} objects")
    keys = []
    for index, entry in enumerate(raw):
        where = f"sort[{index}]"
        if not isinstance(entry, Mapping) or set(entry) - {"field", "order"}:
            raise InvalidArgument(f"{where} must be an object with 'field' and 'order'")
        name = entry.get("field")
        spec = resource.sort_field(name) if isinstance(name, str) else None
        if spec is None:
            allowed = ", ".join(s.name for s in resource.sorts)
            raise InvalidArgument(
                f"{where}.field: cannot sort {resource.name} by {name!r} (allowed: {allowed})"
            )
        order = entry.get("order", "ASC")
        if not isinstance(order, str) or order.upper() not in ("ASC", "DESC"):
            raise InvalidArgument(f"{where}.order must be ASC or DESC")
        keys.append(SortKey(spec, order.upper() == "DESC"))
    return tuple(keys)


def _parse_page(raw: Any, cursor_length: int) -> PageRequest:
    if raw is None:
        return PageRequest()
    if not isinstance(raw, Mapping):
        raise InvalidArgument("page must be a JSON object")
    unknown = sorted(set(raw) - {"from", "limit", "after", "before"})
    if unknown:
        raise InvalidArgument(
            f"unknown page property {unknown[0]!r} (allowed: from, limit, after, before)"
        )
    limit = whole_number(raw.get("limit", DEFAULT_LIMIT))
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument(f"page.limit must be an integer from 1 to {MAX_LIMIT}")
    offset = whole_number(raw.get("from", 0))
    if offset is None or offset < 0:
        raise InvalidArgument("page.from must be a non-negative integer")
    cursors = [name for name in ("after", "before") if raw.get(name) is not None]
    if len(cursors) > 1:
        raise InvalidArgument("page: use either 'after' or 'before', not both")
    if cursors and "from" in raw:
        raise InvalidArgument(
            f"page: 'from' (offset paging) cannot be combined with {cursors[0]!r} (cursor paging)"
        )
    after = (
        _decode_cursor(raw["after"], cursor_length, "page.after") if "after" in cursors else None
    )
    before = (
        _decode_cursor(raw["before"], cursor_length, "page.before") if "before" in cursors else None
    )
    return PageRequest(limit=limit, offset=offset, after=after, before=before)


def search(
    body: Any,
    resource: SearchResource,
    items: Iterable[Mapping[str, Any]],
    *,
    restrictions: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Parse, apply and wrap in one call: the whole of an in-memory search endpoint's work."""
    query = parse_search_request(body, resource, restrictions=restrictions)
    return apply_search(query, items).to_json()


def _decode_cursor(raw: Any, length: int, where: str) -> tuple[Any, ...]:
    invalid = InvalidArgument(f"{where} is not a cursor returned by this search")
    if not isinstance(raw, str) or not raw:
        raise invalid
    try:
        vector = json.loads(base64.b64decode(raw.encode("ascii"), validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    if not isinstance(vector, list) or len(vector) != length:
        raise invalid
    if any(v is not None and not isinstance(v, str | int | bool) for v in vector):
        raise invalid
    return tuple(vector)


def every_match(read: ReadModel, query: SearchQuery) -> Iterator[dict[str, Any]]:
    """Every item the query's filter keeps, page after page (the server's own look-ups, e.g.
    which instances an officer may see; clients page themselves)."""
    offset = 0
    while True:
        found = read.search(replace(query, page=PageRequest(limit=MAX_LIMIT, offset=offset)))
        yield from found.items
        if len(found.items) < MAX_LIMIT:
            return
        offset += MAX_LIMIT


# --- the resources we serve (filter and sort fields as in the 8.8 API explorer) ----------------

_S, _X, _E, _N, _K, _D, _B, _V = (
    FieldKind.STRING,
    FieldKind.EXACT,
    FieldKind.ENUM,
    FieldKind.INTEGER,
    FieldKind.KEY,
    FieldKind.DATE_TIME,
    FieldKind.BOOLEAN,
    FieldKind.VARIABLES,
)

USER_TASK_STATES = (
    "CREATING",
    "CREATED",
    "ASSIGNING",
    "UPDATING",
    "COMPLETING",
    "COMPLETED",
    "CANCELING",
    "CANCELED",
    "FAILED",
)
PROCESS_INSTANCE_STATES = ("ACTIVE", "COMPLETED", "TERMINATED")
ELEMENT_INSTANCE_STATES = ("ACTIVE", "COMPLETED", "TERMINATED")
INCIDENT_STATES = ("ACTIVE", "MIGRATED", "RESOLVED", "PENDING")
INCIDENT_ERROR_TYPES = (
    "UNSPECIFIED",
    "UNKNOWN",
    "IO_MAPPING_ERROR",
    "JOB_NO_RETRIES",
    "EXECUTION_LISTENER_NO_RETRIES",
    "TASK_LISTENER_NO_RETRIES",
    "CONDITION_ERROR",
    "EXTRACT_VALUE_ERROR",
    "CALLED_ELEMENT_ERROR",
    "UNHANDLED_ERROR_EVENT",
    "MESSAGE_SIZE_EXCEEDED",
    "CALLED_DECISION_ERROR",
    "DECISION_EVALUATION_ERROR",
    "FORM_NOT_FOUND",
    "RESOURCE_NOT_FOUND",
)

# POST /v2/user-tasks/search
USER_TASKS = SearchResource(
    name="user tasks",
    key="userTaskKey",
    filters=(
        FilterField("state", _E, values=USER_TASK_STATES),
        FilterField("assignee", _S),
        FilterField("priority", _N),
        FilterField("elementId", _X),
        FilterField("name", _X),
        FilterField("candidateGroup", _S, attribute="candidateGroups"),
        FilterField("candidateUser", _S, attribute="candidateUsers"),
        FilterField("processDefinitionKey", _K),
        FilterField("processInstanceKey", _K),
        FilterField("tenantId", _X),
        FilterField("processDefinitionId", _X),
        FilterField("creationDate", _D),
        FilterField("completionDate", _D),
        FilterField("followUpDate", _D),
        FilterField("dueDate", _D),
        FilterField("processInstanceVariables", _V),
        FilterField("localVariables", _V),
        FilterField("userTaskKey", _K),
        FilterField("elementInstanceKey", _K),
    ),
    sorts=(
        SortField("creationDate", _D),
        SortField("completionDate", _D),
        SortField("followUpDate", _D),
        SortField("dueDate", _D),
        SortField("priority", _N),
        SortField("name", _S),
    ),
)

# POST /v2/process-instances/search
PROCESS_INSTANCES = SearchResource(
    name="process instances",
    key="processInstanceKey",
    filters=(
        FilterField("processDefinitionId", _S),
        FilterField("processDefinitionName", _S),
        FilterField("processDefinitionVersion", _N),
        FilterField("processDefinitionVersionTag", _S),
        FilterField("processDefinitionKey", _K),
        FilterField("parentProcessInstanceKey", _K),
        FilterField("parentElementInstanceKey", _K),
        FilterField("startDate", _D),
        FilterField("endDate", _D),
        FilterField("state", _E, values=PROCESS_INSTANCE_STATES),
        FilterField("hasIncident", _B),
        FilterField("tenantId", _S),
        FilterField("processInstanceKey", _K),
        FilterField("variables", _V),
    ),
    sorts=(
        SortField("processInstanceKey", _K),
        SortField("processDefinitionId", _S),
        SortField("processDefinitionName", _S),
        SortField("processDefinitionVersion", _N),
        SortField("processDefinitionVersionTag", _S),
        SortField("processDefinitionKey", _K),
        SortField("parentProcessInstanceKey", _K),
        SortField("parentElementInstanceKey", _K),
        SortField("startDate", _D),
        SortField("endDate", _D),
        SortField("state", _S),
        SortField("hasIncident", _B),
        SortField("tenantId", _S),
    ),
)

# POST /v2/process-definitions/search
PROCESS_DEFINITIONS = SearchResource(
    name="process definitions",
    key="processDefinitionKey",
    filters=(
        FilterField("name", _S),
        FilterField("isLatestVersion", _B),
        FilterField("resourceName", _X),
        FilterField("version", _N),
        FilterField("versionTag", _X),
        FilterField("processDefinitionId", _S),
        FilterField("tenantId", _X),
        FilterField("processDefinitionKey", _K),
        FilterField("hasStartForm", _B),
    ),
    sorts=(
        SortField("processDefinitionKey", _K),
        SortField("name", _S),
        SortField("resourceName", _S),
        SortField("version", _N),
        SortField("versionTag", _S),
        SortField("processDefinitionId", _S),
        SortField("tenantId", _S),
    ),
)

# POST /v2/element-instances/search
ELEMENT_INSTANCES = SearchResource(
    name="element instances",
    key="elementInstanceKey",
    filters=(
        FilterField("processDefinitionId", _X),
        FilterField("state", _E, values=ELEMENT_INSTANCE_STATES),
        FilterField("type", _X),
        FilterField("elementId", _X),
        FilterField("elementName", _X),
        FilterField("hasIncident", _B),
        FilterField("tenantId", _X),
        FilterField("elementInstanceKey", _K),
        FilterField("processInstanceKey", _K),
        FilterField("processDefinitionKey", _K),
        FilterField("incidentKey", _K),
        FilterField("startDate", _D),
        FilterField("endDate", _D),
    ),
    sorts=(
        SortField("elementInstanceKey", _K),
        SortField("processInstanceKey", _K),
        SortField("processDefinitionKey", _K),
        SortField("processDefinitionId", _S),
        SortField("startDate", _D),
        SortField("endDate", _D),
        SortField("elementId", _S),
        SortField("elementName", _S),
        SortField("type", _S),
        SortField("state", _S),
        SortField("incidentKey", _K),
        SortField("tenantId", _S),
    ),
)

# POST /v2/incidents/search and /v2/process-instances/{key}/incidents/search
INCIDENTS = SearchResource(
    name="incidents",
    key="incidentKey",
    filters=(
        FilterField("processDefinitionId", _X),
        FilterField("errorType", _E, values=INCIDENT_ERROR_TYPES),
        FilterField("errorMessage", _X),
        FilterField("elementId", _X),
        FilterField("creationTime", _D),
        FilterField("state", _E, values=INCIDENT_STATES),
        FilterField("tenantId", _X),
        FilterField("incidentKey", _K),
        FilterField("processDefinitionKey", _K),
        FilterField("processInstanceKey", _K),
        FilterField("elementInstanceKey", _K),
        FilterField("jobKey", _K),
    ),
    sorts=(
        SortField("incidentKey", _K),
        SortField("processInstanceKey", _K),
        SortField("processDefinitionKey", _K),
        SortField("processDefinitionId", _S),
        SortField("errorType", _S),
        SortField("errorMessage", _S),
        SortField("elementId", _S),
        SortField("elementInstanceKey", _K),
        SortField("creationTime", _D),
        SortField("state", _S),
        SortField("jobKey", _K),
        SortField("tenantId", _S),
    ),
)

# POST /v2/variables/search
VARIABLES = SearchResource(
    name="variables",
    key="variableKey",
    filters=(
        FilterField("name", _S),
        FilterField("value", _S),
        FilterField("tenantId", _X),
        FilterField("isTruncated", _B),
        FilterField("variableKey", _K),
        FilterField("scopeKey", _K),
        FilterField("processInstanceKey", _K),
    ),
    sorts=(
        SortField("value", _S),
        SortField("name", _S),
        SortField("tenantId", _S),
        SortField("variableKey", _K),
        SortField("scopeKey", _K),
        SortField("processInstanceKey", _K),
    ),
)

# POST /v2/user-tasks/{userTaskKey}/variables/search
USER_TASK_VARIABLES = SearchResource(
    name="user task variables",
    key="variableKey",
    filters=(FilterField("name", _S),),
    sorts=VARIABLES.sorts,
)

RESOURCES: Mapping[str, SearchResource] = {
    "user-tasks": USER_TASKS,
    "process-instances": PROCESS_INSTANCES,
    "process-definitions": PROCESS_DEFINITIONS,
    "element-instances": ELEMENT_INSTANCES,
    "incidents": INCIDENTS,
    "variables": VARIABLES,
    "user-task-variables": USER_TASK_VARIABLES,
}


# --- schemas for the OpenAPI document (generated from the declarations above) -------------------


def request_schema(resource: SearchResource) -> dict[str, Any]:
    """JSON Schema of the search request body `resource` accepts, for our OpenAPI document."""
    # null: "no criterion on this field", as Camunda's clients send it.
    filters: dict[str, Any] = {f.name: _or_null(_filter_schema(f)) for f in resource.filters}
    alternative = {"type": "object", "additionalProperties": False, "properties": dict(filters)}
    filters["$or"] = {
        "type": "array",
        "minItems": 1,
        "items": alternative,
        "description": "items matching at least one of the alternatives",
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "filter": {"type": "object", "additionalProperties": False, "properties": filters},
            "sort": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["field"],
                    "properties": {
                        "field": {"type": "string", "enum": [s.name for s in resource.sorts]},
                        "order": {"type": "string", "enum": ["ASC", "DESC"], "default": "ASC"},
                    },
                },
            },
            "page": {
                "type": "object",
                "additionalProperties": False,
                "description": "offset (from, limit) or cursor (after or before, limit) paging",
                # At most one of from, after and before.
                "not": {
                    "anyOf": [
                        {"required": ["after", "before"]},
                        {"required": ["from", "after"]},
                        {"required": ["from", "before"]},
                    ]
                },
                "properties": {
                    "from": {"type": "integer", "minimum": 0, "default": 0},
                    "limit": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                    "after": {"type": "string", "format": "base64"},
                    "before": {"type": "string", "format": "base64"},
                },
            },
        },
    }


def response_schema(item_schema: Mapping[str, Any]) -> dict[str, Any]:
    """JSON Schema of the `{items, page}` envelope around items of `item_schema`."""
    cursor = {"type": "string", "format": "byte", "description": "absent when the page is empty"}
    return {
        "type": "object",
        "required": ["items", "page"],
        "properties": {
            "items": {"type": "array", "items": dict(item_schema)},
            "page": {
                "type": "object",
                "required": ["totalItems"],
                "properties": {
                    "totalItems": {"type": "integer", "minimum": 0},
                    "startCursor": cursor,
                    "endCursor": cursor,
                },
            },
        },
    }


def _scalar_schema(spec: FilterField) -> dict[str, Any]:
    kind = spec.kind
    if kind is FieldKind.ENUM:
        return {"type": "string", "enum": list(spec.values)}
    if kind is FieldKind.INTEGER:
        return {"type": "integer"}
    if kind is FieldKind.KEY:
        # 8.8 sends keys as strings of digits; a JSON integer is read the same way.
        return {
            "oneOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer", "minimum": 0}]
        }
    if kind is FieldKind.DATE_TIME:
        return {"type": "string", "format": "date-time"}
    if kind is FieldKind.BOOLEAN:
        return {"type": "boolean"}
    return {"type": "string"}


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "oneOf" in schema:
        return schema | {"oneOf": [*schema["oneOf"], {"type": "null"}]}
    if isinstance(schema.get("type"), str):
        return schema | {"type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _filter_schema(spec: FilterField) -> dict[str, Any]:
    if spec.kind is FieldKind.VARIABLES:
        value = _filter_schema(FilterField("value", FieldKind.STRING))
        return {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "value"],
                "properties": {"name": {"type": "string", "minLength": 1}, "value": value},
            },
        }
    scalar = _scalar_schema(spec)
    if spec.kind in _PLAIN_ONLY:
        return scalar
    operators: dict[str, Any] = {}
    for operator in sorted(_OPERATORS[spec.kind]):
        if operator == "$exists":
            operators[operator] = {"type": "boolean"}
        elif operator in ("$in", "$notIn"):
            operators[operator] = {"type": "array", "items": scalar}
        elif operator == "$like":
            operators[operator] = {"type": "string", "description": "* any run, ? one character"}
        else:
            operators[operator] = scalar
    advanced = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": operators,
    }
    return {"oneOf": [scalar, advanced]}
