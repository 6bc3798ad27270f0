"""The read model: user tasks, process instances, element instances, incidents and variables,
finished ones included, in Camunda 8.8's search shapes, kept in a SQLite file of their own
(read-model.sqlite3 in the data directory).

The engine's state forgets what has ended (a completed task leaves `state.user_tasks`); the
record stream keeps everything, as Zeebe's exporters do for Operate and Tasklist. `ReadStore`
folds committed records in, in position order, and stores the position of the last one folded
in the same transaction as its effects: after a restart it resumes there, and a batch is either
wholly applied or not at all, so re-offering records it already has changes nothing.

Writes come from one thread (the exporter, engine.exporter) on their own connection; reads come
from the event loop on another, and WAL lets them run beside each other.

Keys are strings and dates RFC 3339 text in the items, as the 8.8 API returns them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from engine.core.records import Intent, Record, ValueType
from engine.read_sql import TABLES, SqlSearch, Table, item_of
from engine.search_query import SearchQuery, SearchResult

READ_MODEL_FILE = "read-model.sqlite3"
# Raised whenever the tables or what the fold writes into them change: a read model of another
# version is dropped and folded again from the log, which keeps every record.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exported (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
);
INSERT OR IGNORE INTO exported (id, position) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS user_tasks (
    key INTEGER PRIMARY KEY, instance INTEGER, scope INTEGER, state TEXT, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS user_tasks_instance ON user_tasks (instance);
CREATE INDEX IF NOT EXISTS user_tasks_state ON user_tasks (state);
CREATE INDEX IF NOT EXISTS user_tasks_created
    ON user_tasks (json_extract(doc, '$._us.creationDate'));
CREATE INDEX IF NOT EXISTS user_tasks_assignee
    ON user_tasks (json_extract(doc, '$.assignee'));
CREATE TABLE IF NOT EXISTS user_task_candidates (
    task INTEGER NOT NULL, attribute TEXT NOT NULL, name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS user_task_candidates_name ON user_task_candidates (attribute, name);
CREATE INDEX IF NOT EXISTS user_task_candidates_task ON user_task_candidates (task);
CREATE TABLE IF NOT EXISTS process_instances (
    key INTEGER PRIMARY KEY, instance INTEGER, scope INTEGER, state TEXT, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS process_instances_parent ON process_instances (scope);
CREATE INDEX IF NOT EXISTS process_instances_state ON process_instances (state);
CREATE INDEX IF NOT EXISTS process_instances_started
    ON process_instances (json_extract(doc, '$._us.startDate'));
CREATE TABLE IF NOT EXISTS element_instances (
    key INTEGER PRIMARY KEY, instance INTEGER, scope INTEGER, state TEXT, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS element_instances_instance ON element_instances (instance);
CREATE TABLE IF NOT EXISTS incidents (
    key INTEGER PRIMARY KEY, instance INTEGER, scope INTEGER, state TEXT, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_instance ON incidents (instance);
CREATE TABLE IF NOT EXISTS variables (
    key INTEGER PRIMARY KEY, instance INTEGER, scope INTEGER, state TEXT, doc TEXT NOT NULL,
    name TEXT
);
CREATE INDEX IF NOT EXISTS variables_instance ON variables (instance);
CREATE INDEX IF NOT EXISTS variables_scope_name ON variables (scope, name);
CREATE INDEX IF NOT EXISTS variables_name_value ON variables (name, json_extract(doc, '$.value'));
"""
# `scope` is what the table's rows hang from: a task's element instance, a process instance's
# parent instance, an element's flow scope, an incident's element instance, a variable's scope.


class ProcessNames(Protocol):
    """What the fold needs of a deployed process definition (engine.core.state's)."""

    @property
    def bpmn_process_id(self) -> str: ...

    @property
    def model(self) -> Any: ...


DefinitionLookup = Callable[[int], ProcessNames | None]


def iso(epoch_ms: int | None) -> str | None:
    if epoch_ms is None or epoch_ms < 0:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def key_text(key: Any) -> str | None:
    return str(key) if isinstance(key, int) and not isinstance(key, bool) and key > 0 else None


def _int(text: Any) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA journal_mode=WAL")
    # Rebuildable from the log, and the position commits with the rows: a lost last transaction
    # is folded in again after a crash, never half applied.
    db.execute("PRAGMA synchronous=NORMAL")
    return db


class ReadStore:
    def __init__(self, path: Path, definitions: DefinitionLookup) -> None:
        self.path = path
        self._definitions = definitions
        self._writer = _connect(str(path))
        if self._writer.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self._writer.close()
            for stale in path.parent.glob(path.name + "*"):
                stale.unlink()
            self._writer = _connect(str(path))
            self._writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._writer.executescript(_SCHEMA)
        self._reader = _connect(str(path))
        self._search = SqlSearch(self._reader)
        self._position = self._stored_position()

    def close(self) -> None:
        self._writer.close()
        self._reader.close()

    def _stored_position(self) -> int:
        row = self._writer.execute("SELECT position FROM exported WHERE id = 1").fetchone()
        return int(row[0])

    @property
    def position(self) -> int:
        """The position of the last record folded in."""
        return self._position

    # -- folding records in (the exporter thread) ------------------------------------------------
    def apply(self, records: Sequence[Record]) -> int:
        """Folds in the records after the stored position, in one transaction; returns the new
        position. Records at or before it were folded in already and are skipped."""
        fresh = [r for r in records if r.position > self._position]
        if not fresh:
            return self._position
        batch = _Batch(self._writer, self._definitions)
        for record in fresh:
            batch.fold(record)
        position = fresh[-1].position
        self._writer.execute("BEGIN IMMEDIATE")
        try:
            batch.flush()
            self._writer.execute("UPDATE exported SET position = ? WHERE id = 1", (position,))
            self._writer.execute("COMMIT")
        except BaseException:
            self._writer.execute("ROLLBACK")
            raise
        self._position = position
        return position

    # -- reading (the event loop) ----------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        return self._search.search(query)

    def get(self, table: Table, key: int) -> dict[str, Any] | None:
        row = self._reader.execute(f"SELECT doc FROM {table.name} WHERE key = ?", (key,)).fetchone()
        return item_of(row[0]) if row else None

    def all_items(self, table: Table) -> list[dict[str, Any]]:
        """Every item of a table, for the searches SQL cannot answer."""
        rows = self._reader.execute(f"SELECT doc FROM {table.name} ORDER BY key")
        return [item_of(doc) for (doc,) in rows]

    def scope_chain(self, scope_key: int) -> list[int]:
        """The scope and its enclosing scopes up to the process instance, innermost first."""
        chain: list[int] = []
        while scope_key > 0 and scope_key not in chain:
            chain.append(scope_key)
            row = self._reader.execute(
                "SELECT scope FROM element_instances WHERE key = ?", (scope_key,)
            ).fetchone()
            scope_key = int(row[0]) if row and row[0] is not None else -1
        return chain

    def variables_in(self, scopes: Sequence[int]) -> list[dict[str, Any]]:
        """Variables visible from the first scope: a name in an inner scope hides outer ones."""
        seen: set[str] = set()
        items = []
        for scope in scopes:
            rows = self._reader.execute(
                "SELECT name, doc FROM variables WHERE scope = ? ORDER BY key", (scope,)
            )
            for name, doc in rows:
                if name not in seen:
                    seen.add(name)
                    items.append(json.loads(doc))
        return items

    def same_tree_instances(self, seeds: Iterable[int]) -> set[int]:
        """Every process instance in the call-activity trees of `seeds` (the seeds included)."""
        wanted = json.dumps(sorted(set(seeds)))
        rows = self._reader.execute(
            """
            WITH RECURSIVE up(key) AS (
                SELECT value FROM json_each(?)
                UNION SELECT p.scope FROM process_instances p JOIN up ON p.key = up.key
                    WHERE p.scope IS NOT NULL
            ),
            roots(key) AS (
                SELECT up.key FROM up JOIN process_instances p ON p.key = up.key
                    WHERE p.scope IS NULL
            ),
            down(key) AS (
                SELECT key FROM roots
                UNION SELECT p.key FROM process_instances p JOIN down ON p.scope = down.key
            )
            SELECT key FROM down UNION SELECT value FROM json_each(?)
            """,
            (wanted, wanted),
        )
        return {int(row[0]) for row in rows}

    def element_statistics(self, instances: Iterable[int]) -> list[dict[str, Any]]:
        """Camunda's element-instance statistics: per element, how many instances are active
        (without incident), completed, canceled (terminated) and in an incident."""
        rows = self._reader.execute(
            """
            SELECT json_extract(doc, '$.elementId') AS element,
                sum(state = 'ACTIVE' AND NOT json_extract(doc, '$.hasIncident')),
                sum(state NOT IN ('ACTIVE', 'COMPLETED')),
                sum(state = 'ACTIVE' AND json_extract(doc, '$.hasIncident')),
                sum(state = 'COMPLETED')
            FROM element_instances
            WHERE instance IN (SELECT value FROM json_each(?))
                AND json_extract(doc, '$.type') != 'MULTI_INSTANCE_BODY'
            GROUP BY element ORDER BY element
            """,
            (json.dumps(sorted(set(instances))),),
        )
        return [
            {
                "elementId": element,
                "active": active,
                "canceled": canceled,
                "incidents": incidents,
                "completed": completed,
            }
            for element, active, canceled, incidents, completed in rows
        ]

    def row_counts(self) -> dict[str, int]:
        return {
            table: int(self._reader.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in TABLES
        }


class _Batch:
    """One transaction's worth of folding: rows are read once, changed in memory and written
    back together."""

    def __init__(self, db: sqlite3.Connection, definitions: DefinitionLookup) -> None:
        self._db = db
        self._definitions = definitions
        self._rows: dict[tuple[str, int], dict[str, Any] | None] = {}
        self._dirty: set[tuple[str, int]] = set()

    # -- rows ------------------------------------------------------------------------------------
    def _get(self, table: str, key: int) -> dict[str, Any] | None:
        slot = (table, key)
        if slot not in self._rows:
            row = self._db.execute(f"SELECT doc FROM {table} WHERE key = ?", (key,)).fetchone()
            self._rows[slot] = json.loads(row[0]) if row else None
        return self._rows[slot]

    def _put(self, table: str, key: int, item: dict[str, Any]) -> None:
        self._rows[(table, key)] = item
        self._dirty.add((table, key))

    def _touch(self, table: str, key: int) -> None:
        self._dirty.add((table, key))

    def flush(self) -> None:
        by_table: dict[str, list[tuple[Any, ...]]] = {}
        for table, key in sorted(self._dirty):
            item = self._rows[(table, key)]
            if item is not None:
                by_table.setdefault(table, []).append(TABLES[table].row(key, item))
        for table, rows in by_table.items():
            spec = TABLES[table]
            marks = ", ".join("?" for _ in spec.columns)
            self._db.executemany(
                f"INSERT OR REPLACE INTO {table} ({', '.join(spec.columns)}) VALUES ({marks})",
                rows,
            )
        tasks = [(key,) for table, key in self._dirty if table == "user_tasks"]
        self._db.executemany("DELETE FROM user_task_candidates WHERE task = ?", tasks)
        self._db.executemany(
            "INSERT INTO user_task_candidates (task, attribute, name) VALUES (?, ?, ?)",
            [
                (key, attribute, name)
                for (key,) in tasks
                for attribute in ("candidateGroups", "candidateUsers")
                for name in (self._rows[("user_tasks", key)] or {}).get(attribute, [])
                if isinstance(name, str)
            ],
        )

    # -- definitions -----------------------------------------------------------------------------
    def _definition(self, key: Any) -> ProcessNames | None:
        return self._definitions(key) if isinstance(key, int) else None

    def _element_name(self, definition_key: Any, element_id: str) -> str:
        definition = self._definition(definition_key)
        if definition is None:
            return element_id
        if element_id == definition.bpmn_process_id:
            return str(definition.model.name or element_id)
        node = definition.model.nodes.get(element_id)
        return str(node.name or element_id) if node is not None else element_id

    # -- the fold --------------------------------------------------------------------------------
    def fold(self, record: Record) -> None:
        kind = record.value_type
        if kind == ValueType.USER_TASK:
            self._user_task(record)
        elif kind == ValueType.PROCESS_INSTANCE:
            self._element(record)
        elif kind == ValueType.INCIDENT:
            self._incident(record)
        elif kind == ValueType.VARIABLE:
            self._variable(record)

    def _user_task(self, r: Record) -> None:
        v = r.value
        if r.intent == Intent.CREATED:
            self._put(
                "user_tasks",
                r.key,
                {
                    "userTaskKey": str(r.key),
                    "name": self._element_name(
                        v.get("processDefinitionKey"), v.get("elementId", "")
                    ),
                    "state": "CREATED",
                    "assignee": v.get("assignee") or None,
                    "elementId": v.get("elementId"),
                    "elementInstanceKey": key_text(v.get("elementInstanceKey")),
                    "candidateGroups": list(v.get("candidateGroupsList") or []),
                    "candidateUsers": list(v.get("candidateUsersList") or []),
                    "processDefinitionId": v.get("bpmnProcessId"),
                    "processDefinitionKey": key_text(v.get("processDefinitionKey")),
                    "processDefinitionVersion": v.get("processDefinitionVersion"),
                    "processInstanceKey": key_text(v.get("processInstanceKey")),
                    "formKey": key_text(v.get("formKey")),
                    "externalFormReference": v.get("externalFormReference") or None,
                    "creationDate": iso(r.timestamp),
                    "completionDate": None,
                    "dueDate": v.get("dueDate") or None,
                    "followUpDate": v.get("followUpDate") or None,
                    "priority": v.get("priority", 50),
                    "customHeaders": dict(v.get("customHeaders") or {}),
                    "tenantId": v.get("tenantId"),
                },
            )
            return
        task = self._get("user_tasks", r.key)
        if task is None:
            return
        self._touch("user_tasks", r.key)
        if r.intent in (Intent.ASSIGNED, Intent.UPDATED):
            task["assignee"] = v.get("assignee") or None
            task["candidateGroups"] = list(v.get("candidateGroupsList") or [])
            task["candidateUsers"] = list(v.get("candidateUsersList") or [])
            task["dueDate"] = v.get("dueDate") or None
            task["followUpDate"] = v.get("followUpDate") or None
            task["priority"] = v.get("priority", task["priority"])
        elif r.intent == Intent.MIGRATED:
            definition_key = v.get("processDefinitionKey")
            task["elementId"] = v.get("elementId")
            task["name"] = self._element_name(definition_key, v.get("elementId", ""))
            task["processDefinitionId"] = v.get("bpmnProcessId")
            task["processDefinitionKey"] = key_text(definition_key)
            task["processDefinitionVersion"] = v.get("processDefinitionVersion")
        elif r.intent in (Intent.COMPLETED, Intent.CANCELED):
            task["state"] = "COMPLETED" if r.intent == Intent.COMPLETED else "CANCELED"
            task["completionDate"] = iso(r.timestamp)

    def _element(self, r: Record) -> None:
        v = r.value
        element_type = v.get("bpmnElementType")
        if r.intent == Intent.ELEMENT_ACTIVATING:
            definition_key = v.get("processDefinitionKey")
            common = {
                "processDefinitionKey": key_text(definition_key),
                "processDefinitionId": v.get("bpmnProcessId"),
                "processInstanceKey": key_text(v.get("processInstanceKey")),
                "startDate": iso(r.timestamp),
                "endDate": None,
                "state": "ACTIVE",
                "tenantId": v.get("tenantId"),
            }
            if element_type == "PROCESS":
                definition = self._definition(definition_key)
                self._put(
                    "process_instances",
                    r.key,
                    common
                    | {
                        # Required in 8.8; Operate shows the process id for a process without
                        # a name.
                        "processDefinitionName": (
                            definition.model.name if definition and definition.model.name else None
                        )
                        or v.get("bpmnProcessId"),
                        "processDefinitionVersion": v.get("version"),
                        "processDefinitionVersionTag": (
                            definition.model.version_tag or None if definition else None
                        ),
                        "parentProcessInstanceKey": key_text(v.get("parentProcessInstanceKey")),
                        "parentElementInstanceKey": key_text(v.get("parentElementInstanceKey")),
                        "hasIncident": False,
                        "_incidents": 0,
                    },
                )
            else:
                element_id = v.get("elementId", "")
                self._put(
                    "element_instances",
                    r.key,
                    common
                    | {
                        "elementInstanceKey": str(r.key),
                        "elementId": element_id,
                        "elementName": self._element_name(definition_key, element_id),
                        "type": element_type,
                        "hasIncident": False,
                        "incidentKey": None,
                        "_flowScopeKey": int(v.get("flowScopeKey") or -1),
                    },
                )
            return
        if r.intent == Intent.ELEMENT_MIGRATED:
            self._element_migrated(r)
            return
        if r.intent not in (Intent.ELEMENT_COMPLETED, Intent.ELEMENT_TERMINATED):
            return
        table = "process_instances" if element_type == "PROCESS" else "element_instances"
        item = self._get(table, r.key)
        if item is not None:
            self._touch(table, r.key)
            item["state"] = "COMPLETED" if r.intent == Intent.ELEMENT_COMPLETED else "TERMINATED"
            item["endDate"] = iso(r.timestamp)

    def _element_migrated(self, r: Record) -> None:
        """A migrated instance shows its new process definition (and element) from now on."""
        v = r.value
        definition_key = v.get("processDefinitionKey")
        moved = {
            "processDefinitionKey": key_text(definition_key),
            "processDefinitionId": v.get("bpmnProcessId"),
        }
        if v.get("bpmnElementType") == "PROCESS":
            item = self._get("process_instances", r.key)
            if item is not None:
                self._touch("process_instances", r.key)
                definition = self._definition(definition_key)
                item |= moved | {
                    "processDefinitionVersion": v.get("version"),
                    "processDefinitionName": definition.model.name or None if definition else None,
                }
            return
        element = self._get("element_instances", r.key)
        if element is not None:
            self._touch("element_instances", r.key)
            element_id = v.get("elementId", "")
            element |= moved | {
                "elementId": element_id,
                "elementName": self._element_name(definition_key, element_id),
            }

    def _incident(self, r: Record) -> None:
        v = r.value
        if r.intent == Intent.CREATED:
            incident: dict[str, Any] = {
                "incidentKey": str(r.key),
                "processDefinitionKey": key_text(v.get("processDefinitionKey")),
                "processDefinitionId": v.get("bpmnProcessId"),
                "processInstanceKey": key_text(v.get("processInstanceKey")),
                "errorType": v.get("errorType"),
                "errorMessage": v.get("errorMessage"),
                "elementId": v.get("elementId"),
                "elementInstanceKey": key_text(v.get("elementInstanceKey")),
                "creationTime": iso(r.timestamp),
                "state": "ACTIVE",
                "jobKey": key_text(v.get("jobKey")),
                "tenantId": v.get("tenantId"),
            }
            self._put("incidents", r.key, incident)
            self._mark_incident(incident, +1)
            return
        known = self._get("incidents", r.key)
        if r.intent == Intent.RESOLVED and known is not None and known["state"] == "ACTIVE":
            self._touch("incidents", r.key)
            known["state"] = "RESOLVED"
            self._mark_incident(known, -1)

    def _mark_incident(self, incident: dict[str, Any], change: int) -> None:
        """Instances and elements show whether they have an active incident; an element shows
        its latest one."""
        instance_key = _int(incident["processInstanceKey"])
        instance = self._get("process_instances", instance_key) if instance_key else None
        if instance_key and instance is not None:
            self._touch("process_instances", instance_key)
            instance["_incidents"] = max(0, instance.get("_incidents", 0) + change)
            instance["hasIncident"] = instance["_incidents"] > 0
        element_key = _int(incident["elementInstanceKey"])
        element = self._get("element_instances", element_key) if element_key else None
        if element_key and element is not None:
            self._touch("element_instances", element_key)
            if change > 0:
                element["hasIncident"] = True
                element["incidentKey"] = incident["incidentKey"]
            elif element["incidentKey"] == incident["incidentKey"]:
                element["hasIncident"] = False
                element["incidentKey"] = None

    def _variable(self, r: Record) -> None:
        v = r.value
        self._put(
            "variables",
            r.key,
            {
                "variableKey": str(r.key),
                "name": v.get("name"),
                "value": v.get("value"),
                "isTruncated": False,
                "scopeKey": key_text(v.get("scopeKey")),
                "processInstanceKey": key_text(v.get("processInstanceKey")),
                "tenantId": v.get("tenantId"),
            },
        )
