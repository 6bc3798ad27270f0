"""Searches of the read model in SQL: a `SearchQuery` becomes one WHERE clause, ORDER BY and
LIMIT over a read-model table, with the semantics `engine.search_query.apply_search` gives them
in Python (arrays match when any element does, `$neq`/`$notIn` when none does, missing values
sort last whatever the order, ties broken by the key). Only cursor paging compares sort vectors
in Python, over the matching rows' sort values, not their documents.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.search_query import (
    AnyOf,
    Condition,
    Criterion,
    FieldKind,
    SearchQuery,
    SearchResult,
    VariableCondition,
    _compare_vectors,
    _parse_datetime,
    encode_cursor,
)


def _key_of(item: Mapping[str, Any], attribute: str) -> int | None:
    text = item.get(attribute)
    return int(text) if isinstance(text, str) and text.isdigit() else None


@dataclass(frozen=True)
class Table:
    """A read-model table: rows keyed by the resource's key, with the columns searches narrow by
    most (instance, scope, state) and the item itself as JSON."""

    name: str
    resource: str  # the SearchResource.name it answers
    key_attribute: str
    scope_attribute: str
    scope: Callable[[Mapping[str, Any]], int | None] | None = None
    columns: tuple[str, ...] = ("key", "instance", "scope", "state", "doc")

    def row(self, key: int, item: Mapping[str, Any]) -> tuple[Any, ...]:
        scope = self.scope(item) if self.scope is not None else _key_of(item, self.scope_attribute)
        # Dates as epoch µs beside their text, so that SQL compares and sorts them as numbers
        # (client-given due dates may carry any offset) without calling back into Python.
        moments = {name: _sql_epoch_us(item.get(name)) for name in _DATES if item.get(name)}
        doc = dict(item) | {"_us": moments}
        values: list[Any] = [
            key,
            _key_of(item, "processInstanceKey"),
            scope,
            item.get("state"),
            json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
        ]
        if "name" in self.columns:
            values.append(item.get("name"))
        return tuple(values)


TABLES: Mapping[str, Table] = {
    t.name: t
    for t in (
        Table("user_tasks", "user tasks", "userTaskKey", "elementInstanceKey"),
        # A process instance hangs from its parent instance (call activities).
        Table(
            "process_instances",
            "process instances",
            "processInstanceKey",
            "parentProcessInstanceKey",
        ),
        Table(
            "element_instances",
            "element instances",
            "elementInstanceKey",
            "",
            scope=lambda item: item.get("_flowScopeKey"),
        ),
        Table("incidents", "incidents", "incidentKey", "elementInstanceKey"),
        Table(
            "variables",
            "variables",
            "variableKey",
            "scopeKey",
            columns=("key", "instance", "scope", "state", "doc", "name"),
        ),
    )
}
BY_RESOURCE: Mapping[str, Table] = {t.resource: t for t in TABLES.values()}

_DATES = (
    "startDate",
    "endDate",
    "creationDate",
    "completionDate",
    "dueDate",
    "followUpDate",
    "creationTime",
)
# Attributes holding arrays of strings: a condition holds when it holds for an element.
_ARRAYS = frozenset({"candidateGroups", "candidateUsers"})
# Variable filters name a variables attribute; the variables are those of this column's scope.
_VARIABLE_SCOPES = {
    "variables": "t.key",  # a process instance's own variables
    "processInstanceVariables": "t.instance",
    "localVariables": "t.scope",
}
_OPERATORS = {"$eq": "=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


_LISTED_INLINE = 200
_VARIABLE_VALUE = "json_extract(v.doc, '$.value')"


def _needs_value(condition: Condition) -> bool:
    """Whether the condition fails for a missing value (so only present ones need looking at)."""
    if condition.operator == "$exists":
        return bool(condition.operand)
    return condition.operator not in ("$neq", "$notIn")


class Untranslatable(Exception):
    """A criterion this translator has no SQL for; the caller evaluates the query in Python."""


def _epoch_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _sql_epoch_us(text: Any) -> int | None:
    moment = _parse_datetime(text) if isinstance(text, str) else None
    return _epoch_us(moment) if moment is not None else None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


def _sql_like(pattern: str | bytes, value: Any) -> int:
    if isinstance(pattern, bytes):  # see _bindable
        pattern = pattern.decode("utf-8", "surrogatepass")
    return int(isinstance(value, str) and _compiled(pattern).fullmatch(value) is not None)


_INT64 = range(-(2**63), 2**63)


def _bindable(value: Any) -> Any:
    """A client's operand as SQLite can take it, comparing as in Python against what is stored.
    An integer beyond int64 becomes the nearest float (no stored integer equals it; order holds).
    Text with lone surrogates (JSON lets clients send them; SQLite's UTF-8 cannot hold them, and
    no stored text contains them) becomes a blob, which equals no text."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        if abs(value) < 2**1023:
            return float(value)
        return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return value


def register_functions(db: sqlite3.Connection) -> None:
    db.create_function("like_match", 2, _sql_like, deterministic=True)


@dataclass
class _Fragment:
    sql: str
    params: list[Any]


def _operand(value: Any, kind: FieldKind) -> Any:
    if isinstance(value, datetime):
        return _epoch_us(value if value.tzinfo else value.replace(tzinfo=UTC))
    if kind is FieldKind.BOOLEAN and isinstance(value, bool):
        return int(value)
    return value


class _Translator:
    def __init__(self, table: Table) -> None:
        self._table = table

    def value(self, attribute: str, kind: FieldKind) -> str:
        """The item's value of `attribute`, normalized like the Python evaluation's."""
        if attribute == self._table.key_attribute:
            return "t.key"
        if attribute == "processInstanceKey":
            return "t.instance"
        if attribute == "state":
            return "t.state"
        if not re.fullmatch(r"[A-Za-z]+", attribute):
            raise Untranslatable(attribute)
        raw = f"json_extract(t.doc, '$.{attribute}')"
        if kind is FieldKind.KEY:
            return f"CAST({raw} AS INTEGER)"
        if kind is FieldKind.DATE_TIME:
            if attribute not in _DATES:
                raise Untranslatable(attribute)
            return f"json_extract(t.doc, '$._us.{attribute}')"
        if kind is FieldKind.BOOLEAN:
            truth = f"json_type(t.doc, '$.{attribute}')"
            return f"(CASE {truth} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"
        return raw

    def criteria(self, criteria: tuple[Criterion, ...]) -> _Fragment:
        parts = [self.criterion(c) for c in criteria]
        if not parts:
            return _Fragment("1", [])
        return _Fragment(
            " AND ".join(f"({p.sql})" for p in parts), [x for p in parts for x in p.params]
        )

    def criterion(self, criterion: Criterion) -> _Fragment:
        if isinstance(criterion, AnyOf):
            # A union of keys rather than an OR: SQLite then answers each alternative through
            # its own index (an officer's tasks: assigned to them, or a candidate group's).
            alternatives = [self.criteria(alt) for alt in criterion.alternatives]
            union = " UNION ".join(
                f"SELECT t.key FROM {self._table.name} t WHERE {a.sql}" for a in alternatives
            )
            return _Fragment(f"t.key IN ({union})", [x for a in alternatives for x in a.params])
        if isinstance(criterion, VariableCondition):
            scope = _VARIABLE_SCOPES.get(criterion.attribute)
            if scope is None:
                raise Untranslatable(criterion.attribute)
            if all(_needs_value(c) for c in criterion.conditions):
                # Only instances having the variable can match: pick them by name and value
                # through the variables' index instead of looking up each instance's variable.
                inner = [self.scalar(c, _VARIABLE_VALUE, []) for c in criterion.conditions]
                held = " AND ".join(f"({p.sql})" for p in inner) or "1"
                return _Fragment(
                    f"{scope} IN (SELECT v.scope FROM variables v WHERE v.name = ? AND {held})",
                    [criterion.name, *(x for p in inner for x in p.params)],
                )
            value = (
                f"(SELECT {_VARIABLE_VALUE} FROM variables v"
                f" WHERE v.scope = {scope} AND v.name = ? LIMIT 1)"
            )
            parts = [self.scalar(c, value, [criterion.name]) for c in criterion.conditions]
            return _Fragment(
                " AND ".join(f"({p.sql})" for p in parts) or "1",
                [x for p in parts for x in p.params],
            )
        kind = criterion.field.kind
        attribute = criterion.field.source
        if attribute in _ARRAYS:
            return self.array(criterion, attribute)
        return self.scalar(criterion, self.value(attribute, kind), [])

    def scalar(self, condition: Condition, value: str, value_params: list[Any]) -> _Fragment:
        """A condition over one value; `value` is SQL needing `value_params` each time used."""
        operator, kind = condition.operator, condition.field.kind
        operand = condition.operand
        if operator == "$exists":
            return _Fragment(f"{value} IS {'NOT ' if operand else ''}NULL", list(value_params))
        if operator == "$like":
            return _Fragment(f"like_match(?, {value})", [operand.pattern, *value_params])
        if operator in ("$in", "$notIn"):
            values = [_operand(v, kind) for v in operand]
            # Short lists as placeholders, which SQLite looks up in an index; long ones (an
            # officer's instances) as one JSON parameter, below SQLite's variable limit.
            if len(values) <= _LISTED_INLINE:
                listed, listed_params = ", ".join("?" for _ in values), values
            else:
                listed, listed_params = "SELECT value FROM json_each(?)", [json.dumps(values)]
            if operator == "$in":
                return _Fragment(f"{value} IN ({listed})", [*value_params, *listed_params])
            return _Fragment(
                f"{value} IS NULL OR {value} NOT IN ({listed})",
                [*value_params, *value_params, *listed_params],
            )
        if operator == "$neq":
            return _Fragment(
                f"{value} IS NULL OR {value} != ?",
                [*value_params, *value_params, _operand(operand, kind)],
            )
        sql_operator = _OPERATORS.get(operator)
        if sql_operator is None:
            raise Untranslatable(operator)
        return _Fragment(f"{value} {sql_operator} ?", [*value_params, _operand(operand, kind)])

    def array(self, condition: Condition, attribute: str) -> _Fragment:
        """Through the candidates table: a task's groups and users, one row each, indexed."""
        if self._table.name != "user_tasks":
            raise Untranslatable(attribute)
        operator, operand = condition.operator, condition.operand
        members = "SELECT c.task FROM user_task_candidates c WHERE c.attribute = ?"
        if operator == "$exists":
            return _Fragment(f"t.key {'' if operand else 'NOT '}IN ({members})", [attribute])
        negated = operator in ("$neq", "$notIn")
        if negated:
            condition = Condition(condition.field, "$eq" if operator == "$neq" else "$in", operand)
        inner = self.scalar(condition, "c.name", [])
        return _Fragment(
            f"t.key {'NOT ' if negated else ''}IN ({members} AND ({inner.sql}))",
            [attribute, *inner.params],
        )


def item_of(doc: str) -> dict[str, Any]:
    """A stored item without the fields the fold keeps for itself (`_`-prefixed)."""
    item: dict[str, Any] = json.loads(doc)
    return {name: value for name, value in item.items() if not name.startswith("_")}


class SqlSearch:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        register_functions(db)

    def search(self, query: SearchQuery) -> SearchResult:
        table = BY_RESOURCE.get(query.resource.name)
        if table is None:
            raise Untranslatable(query.resource.name)
        translator = _Translator(table)
        where = translator.criteria(query.criteria)
        sort_values = [translator.value(key.field.source, key.field.kind) for key in query.sort] + [
            "t.key"
        ]
        order = ", ".join(
            f"{value} {'DESC' if key.descending else 'ASC'} NULLS LAST"
            for value, key in zip(sort_values, query.sort, strict=False)
        )
        order = f"{order}, t.key" if order else "t.key"
        vector_sql = ", ".join(sort_values)
        where = _Fragment(where.sql, [_bindable(p) for p in where.params])
        total = int(
            self._db.execute(
                f"SELECT count(*) FROM {table.name} t WHERE {where.sql}", where.params
            ).fetchone()[0]
        )
        page = query.page
        base = f"SELECT {vector_sql}, t.key FROM {table.name} t WHERE {where.sql} ORDER BY {order}"
        if page.after is None and page.before is None:
            rows = self._db.execute(
                # An offset past int64 is past every row as well.
                f"{base} LIMIT ? OFFSET ?",
                [*where.params, page.limit, min(page.offset, _INT64[-1])],
            ).fetchall()
        else:
            directions = [key.descending for key in query.sort] + [False]
            ranked = self._db.execute(base, where.params).fetchall()
            if page.after is not None:
                after = page.after
                rows = [r for r in ranked if _compare_vectors(r[:-1], after, directions) > 0][
                    : page.limit
                ]
            else:
                before = page.before or ()
                earlier = [r for r in ranked if _compare_vectors(r[:-1], before, directions) < 0]
                rows = earlier[-page.limit :]
        docs = self._docs(table, [int(r[-1]) for r in rows])
        items = [docs[int(r[-1])] for r in rows]
        return SearchResult(
            items=items,
            total_items=total,
            start_cursor=encode_cursor(rows[0][:-1]) if rows else None,
            end_cursor=encode_cursor(rows[-1][:-1]) if rows else None,
        )

    def _docs(self, table: Table, keys: list[int]) -> dict[int, dict[str, Any]]:
        if not keys:
            return {}
        rows = self._db.execute(
            f"SELECT key, doc FROM {table.name} WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(keys),),
        )
        return {int(key): item_of(doc) for key, doc in rows}
