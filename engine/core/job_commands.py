"""Job commands: activation, completion, failure with retries and backoff, thrown errors,
retries and timeout updates (Zeebe's job states and rejection messages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.access.rules import Action, Target
from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from engine.core import record_values as values
from engine.core.command_base import JOB_STATE_NAMES, CommandBase, check_variables, rejected
from engine.core.expressions import ExpressionFailure
from engine.core.records import Intent, ValueType
from engine.core.state import Job
from engine.definitions.element_kind import JobState


class JobCommands(CommandBase):
    def activate_jobs(
        self,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch_variables: Sequence[str],
        tenant_ids: Sequence[str],
        only_key: int | None = None,
    ) -> list[ActivatedJob]:
        self.authorize(Action.WORK_JOB, Target(job_type=job_type))
        tenants = set(tenant_ids) or {DEFAULT_TENANT}
        chosen: list[Job] = []
        for key in self.s.activatable.get(job_type, {}):
            job = self.s.jobs[key]
            if job.tenant_id in tenants and (only_key is None or key == only_key):
                chosen.append(job)
                if len(chosen) >= max_jobs:
                    break
        if not chosen:
            return []
        deadline = self.w.now + timeout_ms
        self.w.event(
            ValueType.JOB_BATCH,
            Intent.ACTIVATED,
            self.w.new_key(),
            {
                "type": job_type,
                "worker": worker,
                "timeout": timeout_ms,
                "maxJobsToActivate": max_jobs,
                "jobKeys": [job.key for job in chosen],
                "deadline": deadline,
                "tenantIds": sorted(tenants),
            },
        )
        wanted = set(fetch_variables)
        activated = []
        for job in chosen:
            variables = self.s.visible_variables(job.element_instance_key)
            if wanted:
                variables = {k: v for k, v in variables.items() if k in wanted}
            activated.append(
                ActivatedJob(
                    key=job.key,
                    type=job.type,
                    process_instance_key=job.process_instance_key,
                    bpmn_process_id=job.bpmn_process_id,
                    process_definition_version=job.process_definition_version,
                    process_definition_key=job.process_definition_key,
                    element_id=job.element_id,
                    element_instance_key=job.element_instance_key,
                    custom_headers=dict(job.custom_headers),
                    worker=worker,
                    retries=job.retries,
                    deadline=deadline,
                    variables=variables,
                    tenant_id=job.tenant_id,
                )
            )
        return activated

    def _job(self, key: int, command: str, verb: str, states: tuple[JobState, ...]) -> Job:
        job = self.s.jobs.get(key)
        if job is None:
            raise NotFound(
                rejected(
                    command,
                    "NOT_FOUND",
                    f"Expected to {verb} job with key '{key}', but no such job was found",
                )
            )
        if job.state not in states:
            shown = JOB_STATE_NAMES.get(job.state, job.state)
            raise FailedPrecondition(
                rejected(
                    command,
                    "INVALID_STATE",
                    f"Expected to {verb} job with key '{key}', but it is in state '{shown}'",
                )
            )
        return job

    def complete_job(self, key: int, variables: Any) -> None:
        self._authorize_job(key, Action.WORK_JOB)
        variables = check_variables(variables)
        job = self._job(key, "COMPLETE", "complete", (JobState.ACTIVATABLE, JobState.ACTIVATED))
        self.w.event(ValueType.JOB, Intent.COMPLETED, key, values.job(job, variables=variables))
        instance = self.s.elements.get(job.element_instance_key)
        if instance is None or instance.state != Intent.ELEMENT_ACTIVATED:
            return
        self.bpmn.variables.merge_trigger_variables(instance, variables)
        self.bpmn.complete(instance.key)

    def fail_job(
        self, key: int, retries: int, error_message: str, backoff_ms: int, variables: Any
    ) -> None:
        self._authorize_job(key, Action.WORK_JOB)
        variables = check_variables(variables)
        job = self._job(key, "FAIL", "fail", (JobState.ACTIVATABLE, JobState.ACTIVATED))
        retries = max(retries, 0)
        backoff = max(backoff_ms, 0)
        self.w.event(
            ValueType.JOB,
            Intent.FAILED,
            key,
            values.job(
                job,
                retries=retries,
                errorMessage=error_message,
                retryBackoff=backoff,
                recurringTime=self.w.now + backoff if backoff and retries > 0 else -1,
                variables=variables,
            ),
        )
        instance = self.s.elements.get(job.element_instance_key)
        if instance is None:
            return
        for name, value in variables.items():
            self.bpmn.variables.set_local(instance.key, name, value)
        if retries <= 0:
            self.bpmn.incidents.create(
                instance,
                ExpressionFailure(error_message or "No more retries left.", "JOB_NO_RETRIES"),
                job_key=key,
            )

    def throw_error(self, key: int, error_code: str, error_message: str, variables: Any) -> None:
        self._authorize_job(key, Action.WORK_JOB)
        variables = check_variables(variables)
        if not error_code:
            raise InvalidArgument("Expected an errorCode to throw, but it was empty")
        job = self._job(
            key, "THROW_ERROR", "throw an error for", (JobState.ACTIVATABLE, JobState.ACTIVATED)
        )
        self.w.event(
            ValueType.JOB,
            Intent.ERROR_THROWN,
            key,
            values.job(job, errorCode=error_code, errorMessage=error_message, variables=variables),
        )
        instance = self.s.elements.get(job.element_instance_key)
        if instance is None:
            return
        catcher = self.bpmn.events.find_error_catcher(instance.key, error_code)
        if catcher is None:
            self.bpmn.incidents.create(
                instance,
                ExpressionFailure(
                    f"Expected to throw an error event with the code '{error_code}' with message "
                    f"'{error_message}', but it was not caught. No error events are available "
                    "in the scope.",
                    "UNHANDLED_ERROR_EVENT",
                ),
                job_key=key,
            )
            return
        self.bpmn.events.catch_error(catcher, variables)

    def update_job_retries(self, key: int, retries: int) -> None:
        self._authorize_job(key, Action.UPDATE_JOB_RETRIES)
        if retries < 1:
            raise InvalidArgument(
                f"Expected retries to be greater than zero, but it was '{retries}'"
            )
        job = self._job(
            key,
            "UPDATE_RETRIES",
            "update retries of",
            (
                JobState.ACTIVATABLE,
                JobState.ACTIVATED,
                JobState.FAILED,
                JobState.BACKOFF,
                JobState.ERROR_THROWN,
            ),
        )
        self.w.event(ValueType.JOB, Intent.RETRIES_UPDATED, key, values.job(job, retries=retries))

    def update_job_timeout(self, key: int, timeout_ms: int) -> None:
        self._authorize_job(key, Action.UPDATE_JOB_TIMEOUT)
        if timeout_ms < 0:
            raise InvalidArgument(f"Expected a non-negative timeout, but it was '{timeout_ms}'")
        job = self._job(key, "UPDATE_TIMEOUT", "update the timeout of", (JobState.ACTIVATED,))
        self.w.event(
            ValueType.JOB,
            Intent.TIMEOUT_UPDATED,
            key,
            values.job(job, deadline=self.w.now + timeout_ms, timeout=timeout_ms),
        )

    def _authorize_job(self, key: int, action: Action) -> None:
        job = self.s.jobs.get(key)
        # An unknown job is left to NOT_FOUND below, which tells nothing about other cases.
        self.authorize(action, Target(job_type=job.type if job is not None else None))

    def yield_jobs(self, keys: Sequence[int]) -> list[int]:
        """Gives activated jobs that never reached their worker back at once (Zeebe 8.x writes
        JOB YIELDED when a pushed job cannot be sent, camunda/camunda#12085, and offers the job
        to long polling again). Jobs no longer ACTIVATED (completed,
        failed, timed out meanwhile) are left alone; returns the keys that were yielded."""
        yielded: list[int] = []
        for key in dict.fromkeys(keys):
            job = self.s.jobs.get(key)
            if job is None or job.state != JobState.ACTIVATED:
                continue
            self.w.event(ValueType.JOB, Intent.YIELDED, key, values.job(job))
            yielded.append(key)
        return yielded
