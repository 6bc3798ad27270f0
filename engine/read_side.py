"""The engine's read side, what REST and the desk query (engine.api.ReadModel): the exported
read model for instances, tasks, incidents and variables, and the deployed definitions, which
the engine keeps for good and which are read from its state."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engine.core.query import RecordLog
from engine.core.state import EngineState
from engine.exporter import Exporter
from engine.read_sql import BY_RESOURCE
from engine.read_store import READ_MODEL_FILE, ReadStore
from engine.search_query import SearchQuery, SearchResult

_FORM_ON_START = re.compile(
    r"<(?:\w+:)?startEvent\b[^>]*>(?:(?!</(?:\w+:)?startEvent>).)*?"
    r"<(?:\w+:)?formDefinition\b[^>]*\bformId=\"([^\"]+)\"",
    re.DOTALL,
)


class ReadSide:
    def __init__(self, data_dir: Path | None, state: Callable[[], EngineState]) -> None:
        # Without a data directory the read model still needs a file that two connections (the
        # exporter's and the readers') share; it goes when the engine closes.
        self._scratch = None if data_dir is not None else Path(tempfile.mkdtemp(prefix="read-"))
        folder = data_dir if data_dir is not None else self._scratch
        assert folder is not None
        self._state = state
        self.store = ReadStore(folder / READ_MODEL_FILE, lambda key: state().processes.get(key))
        self.exporter = Exporter(self.store)
        self._start_forms: dict[int, str] = {}

    def start(self, log: RecordLog, committed_position: int) -> None:
        self.exporter.start(log, committed_position)

    async def close(self) -> None:
        await self.exporter.close()
        self.store.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    # -- engine.api.ReadModel --------------------------------------------------------------------
    async def settle(self) -> None:
        await self.exporter.settle()

    def search(self, query: SearchQuery) -> SearchResult:
        # Every filter and sort of the served resources has its SQL (tests/engine/
        # test_read_side.py runs each); a resource without a table is a programming error.
        return self.store.search(query)

    def item(self, resource: str, key: int) -> dict[str, Any] | None:
        table = BY_RESOURCE.get(resource)
        return self.store.get(table, key) if table is not None else None

    def visible_variables(self, element_instance_key: int) -> list[dict[str, Any]]:
        return self.store.variables_in(self.store.scope_chain(element_instance_key))

    def same_tree_instances(self, seeds: Iterable[int]) -> set[int]:
        return self.store.same_tree_instances(seeds)

    def element_statistics(self, instances: Iterable[int]) -> list[dict[str, Any]]:
        return self.store.element_statistics(instances)

    def process_definitions(self) -> list[dict[str, Any]]:
        state = self._state()
        latest = {ids[-1] for ids in state.process_versions.values() if ids}
        items = []
        for key in sorted(state.processes):
            d = state.processes[key]
            items.append(
                {
                    "processDefinitionKey": str(d.key),
                    "processDefinitionId": d.bpmn_process_id,
                    "name": d.model.name or None,
                    "resourceName": d.resource_name,
                    "version": d.version,
                    "versionTag": d.model.version_tag or None,
                    "tenantId": d.tenant_id,
                    "hasStartForm": self.start_form_id(key) is not None,
                    "isLatestVersion": key in latest,
                }
            )
        return items

    def process_definition_xml(self, key: int) -> str | None:
        definition = self._state().processes.get(key)
        return definition.resource if definition is not None else None

    def start_form_id(self, definition_key: int) -> str | None:
        definition = self._state().processes.get(definition_key)
        if definition is None:
            return None
        if definition_key not in self._start_forms:
            match = _FORM_ON_START.search(definition.resource)
            self._start_forms[definition_key] = match.group(1) if match else ""
        return self._start_forms[definition_key] or None

    def forms(self) -> list[dict[str, Any]]:
        return [
            {
                "formKey": f.key,
                "formId": f.form_id,
                "version": f.version,
                "resourceName": f.resource_name,
                "tenantId": f.tenant_id,
                "schema": f.resource,
            }
            for f in sorted(self._state().forms.values(), key=lambda f: f.key)
        ]
