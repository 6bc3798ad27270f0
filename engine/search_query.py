"""The search model the read side answers: filters, sorts and pages over items shaped like
Camunda 8.8's search results, and the same semantics evaluated in Python for items held in memory.
The /v2 adapter (engine.http.search) parses request bodies into it; the read model
(engine.read_store) translates it to SQL.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def present(item: dict[str, Any]) -> dict[str, Any]:
    """An item as 8.8 answers it: a field that is neither required nor nullable in its schema is
    left out when it has no value (our read models keep None to filter and sort on)."""
    return {name: value for name, value in item.items() if value is not None}


def whole_number(value: Any) -> int | None:
    """An integer, also when JSON gave it as a float without fraction; not a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


DEFAULT_LIMIT = 100
# Elasticsearch's default max_result_window; Camunda cannot page past it either.
MAX_LIMIT = 10_000
# Deeply nested `$or`s gain nothing and would let a client exhaust the parser's stack.
MAX_OR_DEPTH = 4


class FieldKind(StrEnum):
    STRING = "string"  # StringFilterProperty: $eq $neq $exists $in $notIn $like
    EXACT = "exact"  # a plain value, no operators (e.g. user task elementId, tenantId)
    ENUM = "enum"  # $eq $neq $exists $in $like, values from a fixed set
    INTEGER = "integer"  # $eq $neq $exists $gt $gte $lt $lte $in
    KEY = "key"  # int64 keys, sent as strings in 8.8: $eq $neq $exists $in $notIn
    DATE_TIME = "date-time"  # RFC 3339: $eq $neq $exists $gt $gte $lt $lte $in
    BOOLEAN = "boolean"  # a plain true/false
    VARIABLES = "variables"  # [{name, value: string filter}]


_COMPARISONS = ("$gt", "$gte", "$lt", "$lte")
_OPERATORS: Mapping[FieldKind, frozenset[str]] = {
    FieldKind.STRING: frozenset({"$eq", "$neq", "$exists", "$in", "$notIn", "$like"}),
    FieldKind.EXACT: frozenset({"$eq"}),
    FieldKind.ENUM: frozenset({"$eq", "$neq", "$exists", "$in", "$like"}),
    FieldKind.INTEGER: frozenset({"$eq", "$neq", "$exists", "$in", *_COMPARISONS}),
    FieldKind.KEY: frozenset({"$eq", "$neq", "$exists", "$in", "$notIn"}),
    FieldKind.DATE_TIME: frozenset({"$eq", "$neq", "$exists", "$in", *_COMPARISONS}),
    FieldKind.BOOLEAN: frozenset({"$eq"}),
}
# Kinds whose filter must be the plain value (no operator object).
_PLAIN_ONLY = frozenset({FieldKind.EXACT, FieldKind.BOOLEAN})


@dataclass(frozen=True)
class FilterField:
    name: str
    kind: FieldKind
    attribute: str = ""  # the item's attribute, when it differs from the filter name
    values: tuple[str, ...] = ()  # allowed values of an ENUM

    @property
    def source(self) -> str:
        return self.attribute or self.name


@dataclass(frozen=True)
class SortField:
    name: str
    kind: FieldKind
    attribute: str = ""

    @property
    def source(self) -> str:
        return self.attribute or self.name


@dataclass(frozen=True)
class SearchResource:
    """What one search endpoint accepts: its filter fields, sort fields and the unique key used
    to break ties."""

    name: str
    key: str
    filters: tuple[FilterField, ...]
    sorts: tuple[SortField, ...]

    def filter_field(self, name: str) -> FilterField | None:
        return next((f for f in self.filters if f.name == name), None)

    def sort_field(self, name: str) -> SortField | None:
        return next((s for s in self.sorts if s.name == name), None)

    @property
    def hidden_attributes(self) -> frozenset[str]:
        """Attributes only there to be filtered on (variables), dropped from returned items."""
        return frozenset(f.source for f in self.filters if f.kind is FieldKind.VARIABLES)


@dataclass(frozen=True)
class Condition:
    field: FilterField
    operator: str
    operand: Any  # normalized: int keys, aware datetimes, compiled regexes for $like


@dataclass(frozen=True)
class VariableCondition:
    attribute: str
    name: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    alternatives: tuple[tuple[Criterion, ...], ...]


Criterion = Condition | VariableCondition | AnyOf


@dataclass(frozen=True)
class SortKey:
    field: SortField
    descending: bool = False


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class SearchQuery:
    resource: SearchResource
    criteria: tuple[Criterion, ...] = ()
    sort: tuple[SortKey, ...] = ()
    page: PageRequest = field(default_factory=PageRequest)

    def matches(self, item: Mapping[str, Any]) -> bool:
        return all(_holds(c, item) for c in self.criteria)


@dataclass(frozen=True)
class SearchResult:
    items: list[dict[str, Any]]
    total_items: int
    start_cursor: str | None
    end_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        page = {
            "totalItems": self.total_items,
            "startCursor": self.start_cursor,
            "endCursor": self.end_cursor,
        }
        return {"items": [present(item) for item in self.items], "page": present(page)}


# --- applying -----------------------------------------------------------------------------------


def apply_search(query: SearchQuery, items: Iterable[Mapping[str, Any]]) -> SearchResult:
    """Filters, sorts and pages `items` (dicts shaped like the endpoint's response items)."""
    matching = [item for item in items if query.matches(item)]
    vectors = [(_sort_vector(query, item), item) for item in matching]
    directions = [key.descending for key in query.sort] + [False]
    Ranked = tuple[tuple[Any, ...], Mapping[str, Any]]

    def by_vector(a: Ranked, b: Ranked) -> int:
        return _compare_vectors(a[0], b[0], directions)

    vectors.sort(key=functools.cmp_to_key(by_vector))
    page = query.page
    if page.after is not None:
        after = page.after
        chosen = [v for v in vectors if _compare_vectors(v[0], after, directions) > 0][: page.limit]
    elif page.before is not None:
        before = page.before
        earlier = [v for v in vectors if _compare_vectors(v[0], before, directions) < 0]
        chosen = earlier[-page.limit :]
    else:
        chosen = vectors[page.offset : page.offset + page.limit]
    hidden = query.resource.hidden_attributes
    returned = [{k: v for k, v in item.items() if k not in hidden} for _, item in chosen]
    return SearchResult(
        items=returned,
        total_items=len(matching),
        start_cursor=encode_cursor(chosen[0][0]) if chosen else None,
        end_cursor=encode_cursor(chosen[-1][0]) if chosen else None,
    )


def _holds(criterion: Criterion, item: Mapping[str, Any]) -> bool:
    if isinstance(criterion, AnyOf):
        return any(all(_holds(c, item) for c in alt) for alt in criterion.alternatives)
    if isinstance(criterion, VariableCondition):
        text = _variable_text(item.get(criterion.attribute), criterion.name)
        return all(_condition_holds(c, text) for c in criterion.conditions)
    return _condition_holds(criterion, item.get(criterion.field.source))


def _condition_holds(condition: Condition, raw: Any) -> bool:
    values = _values(raw, condition.field)
    operator, operand = condition.operator, condition.operand
    if operator == "$exists":
        return bool(values) is operand
    if operator == "$neq":
        return all(v != operand for v in values)
    if operator == "$notIn":
        return all(v not in operand for v in values)
    if operator == "$eq":
        return any(v == operand for v in values)
    if operator == "$in":
        return any(v in operand for v in values)
    if operator == "$like":
        return any(isinstance(v, str) and operand.fullmatch(v) is not None for v in values)
    compare: Callable[[Any], bool] = {
        "$gt": lambda v: v > operand,
        "$gte": lambda v: v >= operand,
        "$lt": lambda v: v < operand,
        "$lte": lambda v: v <= operand,
    }[operator]
    return any(compare(v) for v in values)


def _values(raw: Any, spec: FilterField) -> list[Any]:
    """The item's value(s) normalized like the operands; unreadable values count as absent."""
    if raw is None:
        return []
    elements = list(raw) if isinstance(raw, list | tuple | set | frozenset) else [raw]
    result = []
    for element in elements:
        value = _normalize(element, spec.kind)
        if value is not None:
            result.append(value)
    return result


def _normalize(value: Any, kind: FieldKind) -> Any:
    if value is None:
        return None
    if kind is FieldKind.KEY:
        return _key(value)
    if kind is FieldKind.DATE_TIME:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, tz=UTC)  # epoch ms
        return _parse_datetime(value) if isinstance(value, str) else None
    if kind is FieldKind.INTEGER:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind is FieldKind.BOOLEAN:
        return value if isinstance(value, bool) else None
    return value if isinstance(value, str) else None


def _variable_text(variables: Any, name: str) -> str | None:
    """A variable's value as the JSON text Camunda filters on. Items carry variables either as
    {name: value} or as 8.8 variable items [{name, value: "<json text>"}]."""
    if isinstance(variables, Mapping):
        if name not in variables:
            return None
        return json.dumps(variables[name], ensure_ascii=False, separators=(",", ":"))
    if isinstance(variables, list):
        for entry in variables:
            if isinstance(entry, Mapping) and entry.get("name") == name:
                value = entry.get("value")
                return value if isinstance(value, str) else None
    return None


# --- sorting and cursors ------------------------------------------------------------------------


def _sort_vector(query: SearchQuery, item: Mapping[str, Any]) -> tuple[Any, ...]:
    values = [_sortable(item.get(key.field.source), key.field.kind) for key in query.sort]
    values.append(_key(item.get(query.resource.key)))
    return tuple(values)


def _sortable(value: Any, kind: FieldKind) -> Any:
    """A JSON-friendly comparable form (cursors carry it): date-times become epoch µs."""
    normalized = _normalize(value, kind)
    if isinstance(normalized, datetime):
        delta = normalized - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return normalized


def _compare_vectors(a: Sequence[Any], b: Sequence[Any], descending: Sequence[bool]) -> int:
    for left, right, desc in zip(a, b, descending, strict=True):
        if left == right:
            continue
        if left is None:  # missing values last, whatever the order
            return 1
        if right is None:
            return -1
        try:
            less = left < right
        except TypeError:  # mixed types from inconsistent data: order by type name, stably
            less = type(left).__name__ < type(right).__name__
        result = -1 if less else 1
        return -result if desc else result
    return 0


def encode_cursor(vector: Sequence[Any]) -> str:
    text = json.dumps(list(vector), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _key(value: Any) -> int | None:
    number = whole_number(value)
    if number is not None:
        return number if number >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _parse_datetime(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
