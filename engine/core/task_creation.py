"""Task creation, one collaborator of the BPMN core: what an activated task hands out before it
waits: a job for a worker (service, send, script and business-rule tasks with a task definition,
message throw events, job-worker user tasks), a Camunda user task, a decision evaluated at once,
a called process instance.

Everything that can fail on user data is evaluated while preparing, before anything is written:
the returned step only writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.core import record_values as values
from engine.core.element_steps import ElementSteps
from engine.core.expressions import (
    ExpressionFailure,
    evaluate_int,
    evaluate_list,
    evaluate_string,
)
from engine.core.records import Intent, ValueType
from engine.core.state import ElementInstance
from engine.core.variables import Variables
from engine.core.writer import RecordWriter
from engine.definitions.bpmn_model import FlowNode

USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"


class TaskCreation:
    def __init__(self, writer: RecordWriter, steps: ElementSteps, variables: Variables) -> None:
        self.w = writer
        self.s = writer.state
        self.steps = steps
        self.variables = variables

    def prepare_job(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        now = self.w.now
        headers = dict(node.task_headers)
        if node.task_definition is not None:
            job_type = evaluate_string(node.task_definition.type, context, now, "job type")
            retries = evaluate_int(node.task_definition.retries, context, now, "job retries")
        else:  # a job-worker user task, as Zeebe offers them to Tasklist
            job_type, retries = USER_TASK_JOB_TYPE, 1
            spec = node.user_task
            if spec is not None:
                if spec.assignee:
                    headers["io.camunda.zeebe:assignee"] = evaluate_string(
                        spec.assignee, context, now, "assignee"
                    )
                if spec.candidate_groups:
                    headers["io.camunda.zeebe:candidateGroups"] = json.dumps(
                        evaluate_list(spec.candidate_groups, context, now, "candidateGroups")
                    )
                if spec.form_key:
                    headers["io.camunda.zeebe:formKey"] = spec.form_key
        if not job_type:
            raise ExpressionFailure(f"job type of '{node.id}' evaluated to an empty string")

        def create() -> None:
            self.w.event(
                ValueType.JOB,
                Intent.CREATED,
                self.w.new_key(),
                values.new_job(instance, node.id, job_type, retries, headers),
            )

        return create

    def prepare_user_task(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        spec = node.user_task
        assert spec is not None
        now = self.w.now

        def text(value: str, what: str) -> str:
            return evaluate_string(value, context, now, what) if value else ""

        assignee = text(spec.assignee, "assignee")
        groups = (
            evaluate_list(spec.candidate_groups, context, now, "candidateGroups")
            if spec.candidate_groups
            else []
        )
        users = (
            evaluate_list(spec.candidate_users, context, now, "candidateUsers")
            if spec.candidate_users
            else []
        )
        due = text(spec.due_date, "dueDate")
        follow_up = text(spec.follow_up_date, "followUpDate")
        priority = evaluate_int(spec.priority, context, now, "priority") if spec.priority else 50
        if not 0 <= priority <= 100:
            raise ExpressionFailure(
                f"expected priority of '{node.id}' between 0 and 100, got {priority}"
            )
        form_key = -1
        if spec.form_id:
            form_id = text(spec.form_id, "formId")
            form = self.s.latest_form(form_id, instance.tenant_id)
            if form is None:
                raise ExpressionFailure(
                    f"Expected to find a form with id '{form_id}', but no form with this id is "
                    "found, at least a form with this id should be available.",
                    "FORM_NOT_FOUND",
                )
            form_key = form.key
        external = text(spec.external_reference, "externalReference") or spec.form_key

        def create() -> None:
            key = self.w.new_key()
            self.w.event(
                ValueType.USER_TASK,
                Intent.CREATED,
                key,
                values.new_user_task(
                    key,
                    instance,
                    node,
                    assignee=assignee,
                    candidate_groups=groups,
                    candidate_users=users,
                    due_date=due,
                    follow_up_date=follow_up,
                    priority=priority,
                    form_key=form_key,
                    external_form_reference=external,
                    created_at=self.w.now,
                ),
            )

        return create

    def prepare_decision(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        from engine.core.decisions import evaluate_decision_for

        assert node.called_decision is not None
        decision_ref, result_variable = node.called_decision
        decision_id = evaluate_string(decision_ref, context, self.w.now, "decisionId")
        outcome = evaluate_decision_for(self.w, decision_id, context, instance)
        return lambda: self.steps.complete_with(instance.key, {result_variable: outcome})

    def prepare_call_activity(
        self, instance: ElementInstance, node: FlowNode, context: dict[str, Any]
    ) -> Callable[[], None]:
        called = node.called_element
        assert called is not None
        process_id = evaluate_string(called.process_id, context, self.w.now, "processId")
        child = self.s.latest_process(process_id, instance.tenant_id)
        if child is None:
            raise ExpressionFailure(
                f"Expected process with BPMN process id '{process_id}' to be deployed, but not "
                "found.",
                "CALLED_ELEMENT_ERROR",
            )

        def call() -> None:
            variables = (
                self.variables.visible(instance.key)
                if called.propagate_all_parent_variables
                else dict(self.s.variables.get(instance.key, {}))
            )
            self.steps.create_process_instance(
                child, variables, parent=self.s.elements[instance.key]
            )

        return call
