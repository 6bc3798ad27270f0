"""Command processors: validate a command against the state (refusals raise an EngineError before
anything is written, with Zeebe's rejection wording), then write its events through `Bpmn`.

Called only from the service's single processing loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.access.principal import Principal
from engine.access.rules import Action, Target, can_act_on_user_task
from engine.api import (
    DecisionEvaluation,
    Deployment,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ProcessInstanceCreated,
    Resource,
)
from engine.core.command_base import check_variables, rejected
from engine.core.decisions import run_decision, to_evaluated
from engine.core.deployment import deploy
from engine.core.expressions import ExpressionFailure
from engine.core.job_commands import JobCommands
from engine.core.message_commands import MessageCommands
from engine.core.migration import MigrationCommands
from engine.core.modification import ModificationCommands
from engine.core.records import Intent, ValueType
from engine.core.scheduling import Scheduling
from engine.core.state import DecisionDefinition, ProcessDefinition
from engine.core.user_task_commands import UserTaskCommands
from engine.definitions.element_kind import ElementKind, JobState


class Commands(
    JobCommands,
    MessageCommands,
    UserTaskCommands,
    Scheduling,
    ModificationCommands,
    MigrationCommands,
):
    """All command processors; process instances, decisions, variables and incidents here."""

    def deploy(self, resources: list[Resource], tenant_id: str) -> Deployment:
        self.authorize(Action.DEPLOY)
        return deploy(self.w, resources, tenant_id)

    def case_has_task_of(self, principal: Principal, element_instance_key: int) -> bool:
        """Whether the case (the call-activity tree) of the element instance holds an open user
        task the principal may act on."""
        element = self.s.elements.get(element_instance_key)
        if element is None:
            return False
        root = self._case_root(element.process_instance_key)
        return any(
            self._case_root(task.process_instance_key) == root
            and can_act_on_user_task(
                principal,
                {
                    "assignee": task.assignee or None,
                    "candidateUsers": task.candidate_users,
                    "candidateGroups": task.candidate_groups,
                },
            )
            for task in self.s.user_tasks.values()
        )

    def _case_root(self, process_instance_key: int) -> int:
        key, seen = process_instance_key, {process_instance_key}
        while (instance := self.s.elements.get(key)) is not None:
            parent = instance.parent_process_instance_key
            if parent <= 0 or parent in seen:
                break
            seen.add(parent)
            key = parent
        return key

    def find_process(
        self,
        bpmn_process_id: str | None,
        process_definition_key: int | None,
        version: int,
        tenant_id: str,
    ) -> ProcessDefinition:
        if process_definition_key is not None and process_definition_key > 0:
            definition = self.s.processes.get(process_definition_key)
            if definition is None:
                raise NotFound(
                    rejected(
                        "CREATE",
                        "NOT_FOUND",
                        f"Expected to find process definition with key "
                        f"'{process_definition_key}', but none found",
                    )
                )
            return definition
        if not bpmn_process_id:
            raise InvalidArgument(
                "Expected either a bpmnProcessId or a processDefinitionKey, but none given"
            )
        keys = self.s.process_versions.get((tenant_id, bpmn_process_id), [])
        if version is None or version < 0:
            if keys:
                return self.s.processes[keys[-1]]
            raise NotFound(
                rejected(
                    "CREATE",
                    "NOT_FOUND",
                    f"Expected to find process definition with process ID "
                    f"'{bpmn_process_id}', but none found",
                )
            )
        for key in keys:
            if self.s.processes[key].version == version:
                return self.s.processes[key]
        raise NotFound(
            rejected(
                "CREATE",
                "NOT_FOUND",
                f"Expected to find process definition with process ID '{bpmn_process_id}' "
                f"and version '{version}', but none found",
            )
        )

    def create_process_instance(
        self,
        bpmn_process_id: str | None,
        process_definition_key: int | None,
        version: int,
        variables: Any,
        start_element_ids: Sequence[str],
        tenant_id: str,
    ) -> ProcessInstanceCreated:
        self.authorize(Action.CREATE_PROCESS_INSTANCE)
        if start_element_ids:
            self.authorize(Action.START_AT_ELEMENTS)
        variables = check_variables(variables)
        definition = self.find_process(bpmn_process_id, process_definition_key, version, tenant_id)
        for element_id in start_element_ids:
            node = definition.model.nodes.get(element_id)
            if node is None or node.scope_id != definition.bpmn_process_id:
                raise InvalidArgument(
                    f"Expected to create instance of process with start instructions but no "
                    f"element found with id '{element_id}' at the top level of process "
                    f"'{definition.bpmn_process_id}'"
                )
        if not start_element_ids and not definition.model.none_start_event_id:
            raise InvalidArgument(
                f"Expected to create instance of process with none start event, but there is no "
                f"such event in process '{definition.bpmn_process_id}'"
            )
        key = self.bpmn.create_process_instance(definition, variables, tuple(start_element_ids))
        self.w.event(
            ValueType.PROCESS_INSTANCE_CREATION,
            Intent.CREATED,
            self.w.new_key(),
            {
                "bpmnProcessId": definition.bpmn_process_id,
                "version": definition.version,
                "processDefinitionKey": definition.key,
                "processInstanceKey": key,
                "variables": variables,
                "tenantId": definition.tenant_id,
            },
        )
        return ProcessInstanceCreated(
            definition.key,
            definition.bpmn_process_id,
            definition.version,
            key,
            definition.tenant_id,
        )

    def cancel_process_instance(self, key: int, record: dict[str, Any] | None = None) -> None:
        """`record`: variables (the reason, who cancelled) set on the instance in the same
        command as the cancellation, so the case's history keeps why it ended."""
        self.authorize(Action.CANCEL_PROCESS_INSTANCE)
        instance = self.s.elements.get(key)
        if instance is None or instance.element_type != ElementKind.PROCESS:
            raise NotFound(
                rejected(
                    "CANCEL",
                    "NOT_FOUND",
                    f"Expected to cancel a process instance with key '{key}', but no such "
                    "process was found",
                )
            )
        if instance.parent_process_instance_key > 0:
            root = instance.parent_process_instance_key
            while root in self.s.elements and self.s.elements[root].parent_process_instance_key > 0:
                root = self.s.elements[root].parent_process_instance_key
            raise FailedPrecondition(
                rejected(
                    "CANCEL",
                    "INVALID_STATE",
                    f"Expected to cancel a process instance with key '{key}', but it is "
                    "created by a parent process instance. Cancel the root process "
                    f"instance '{root}' instead.",
                )
            )
        if record:
            self._write_variables(key, check_variables(record), local=False)
        self.bpmn.terminate(key)

    def evaluate_decision(
        self, decision_id: str | None, decision_key: int | None, variables: Any, tenant_id: str
    ) -> DecisionEvaluation:
        self.authorize(Action.EVALUATE_DECISION)
        variables = check_variables(variables)
        decision: DecisionDefinition | None
        if decision_key is not None and decision_key > 0:
            decision = self.s.decisions.get(decision_key)
            missing = (
                f"Expected to evaluate decision with key '{decision_key}', but no such decision "
                "found"
            )
        elif decision_id:
            decision = self.s.latest_decision(decision_id, tenant_id)
            missing = (
                f"Expected to evaluate decision '{decision_id}', but no decision found for id "
                f"'{decision_id}'"
            )
        else:
            raise InvalidArgument("Expected either a decisionId or a decisionKey, but none given")
        if decision is None:
            raise NotFound(rejected("EVALUATE", "NOT_FOUND", missing))
        output, traces, failed_id, failure = run_decision(self.w, decision, variables, None)
        by_id = {
            d.decision_id: d for d in self.s.decisions.values() if d.drg_key == decision.drg_key
        }
        drg = self.s.drgs[decision.drg_key]
        return DecisionEvaluation(
            decision_key=decision.key,
            decision_id=decision.decision_id,
            decision_name=decision.name,
            decision_version=decision.version,
            decision_requirements_id=drg.drg_id,
            decision_requirements_key=drg.key,
            output=output,
            evaluated_decisions=tuple(
                to_evaluated(t, by_id.get(str(t.get("decisionId", "")))) for t in traces
            ),
            failed_decision_id=failed_id,
            failure_message=failure,
            decision_instance_key=self.w.state.position,
            tenant_id=decision.tenant_id,
        )

    def set_variables(self, element_instance_key: int, variables: Any, local: bool) -> int:
        self.authorize(
            Action.SET_VARIABLES,
            Target(
                element_instance_key=element_instance_key,
                in_case_with_task=lambda principal: self.case_has_task_of(
                    principal, element_instance_key
                ),
            ),
        )
        variables = check_variables(variables)
        return self._write_variables(element_instance_key, variables, local)

    def _write_variables(self, element_instance_key: int, variables: Any, local: bool) -> int:
        instance = self.s.elements.get(element_instance_key)
        if instance is None:
            raise NotFound(
                rejected(
                    "UPDATE",
                    "NOT_FOUND",
                    f"Expected to update variables for element with key "
                    f"'{element_instance_key}', but no such element was found",
                )
            )
        key = self.w.new_key()
        self.w.event(
            ValueType.VARIABLE_DOCUMENT,
            Intent.UPDATED,
            key,
            {
                "scopeKey": element_instance_key,
                "updateSemantics": "LOCAL" if local else "PROPAGATE",
                "variables": variables,
                "processInstanceKey": instance.process_instance_key,
                "tenantId": instance.tenant_id,
            },
        )
        if local:
            for name, value in variables.items():
                self.bpmn.variables.set_local(element_instance_key, name, value)
        else:
            self.bpmn.variables.propagate(element_instance_key, variables)
        return key

    def resolve_incident(self, key: int) -> None:
        self.authorize(Action.RESOLVE_INCIDENT)
        incident = self.s.incidents.get(key)
        if incident is None:
            raise NotFound(
                rejected(
                    "RESOLVE",
                    "NOT_FOUND",
                    f"Expected to resolve incident with key '{key}', but no such incident "
                    "was found",
                )
            )
        self.bpmn.incidents.resolve(key)
        instance = self.s.elements.get(incident.element_instance_key)
        if instance is None:
            return
        if incident.job_key > 0:
            job = self.s.jobs.get(incident.job_key)
            if job is not None and job.state == JobState.FAILED and job.retries <= 0:
                # Zeebe raises the incident again when the job still has no retries left.
                self.bpmn.incidents.create(
                    instance,
                    ExpressionFailure(incident.error_message, incident.error_type),
                    job_key=job.key,
                )
            return
        if instance.state == Intent.ELEMENT_ACTIVATING:
            self.bpmn.continue_activation(instance.key)
        elif instance.state == Intent.ELEMENT_COMPLETING:
            self.bpmn.lifecycle.continue_completion(instance.key)
        elif instance.element_type == ElementKind.MULTI_INSTANCE_BODY:
            self.bpmn.multi_instance.continue_after_inner(instance)
