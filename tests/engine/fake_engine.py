"""An in-memory `Engine` for testing the protocol adapters without the real core.

It knows just enough BPMN to be useful: a process is identified by its `<bpmn:process id>` and
has one job type (its first `zeebe:taskDefinition type`); an instance creates one job of that
type and completes when the job completes. Every call is counted, so tests can check how often
an adapter calls the engine.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    ActivateJobsRequest,
    AlreadyExists,
    DecisionEvaluation,
    DeployedDecision,
    DeployedDecisionRequirements,
    DeployedForm,
    DeployedProcess,
    Deployment,
    Engine,
    EvaluatedDecision,
    FailedPrecondition,
    InvalidArgument,
    JsonObject,
    MessagePublished,
    NotFound,
    ProcessInstanceCreated,
    ProcessInstanceResult,
    Resource,
    SignalBroadcast,
)
from engine.gateway import GatewayServer, start_gateway

DEFAULT_HOLD_MS = 10_000

_PROCESS_ID = re.compile(rb'<(?:bpmn:)?process[^>]*\sid="([^"]+)"')
_JOB_TYPE = re.compile(rb'zeebe:taskDefinition[^>]*\stype="([^"]+)"')
_DECISION = re.compile(rb'<decision[^>]*\sid="([^"]+)"[^>]*\sname="([^"]*)"')
_FORM_ID = re.compile(rb'"id"\s*:\s*"([^"]+)"')


@dataclass
class _Job:
    key: int
    type: str
    instance_key: int
    process_id: str
    retries: int = 3
    state: str = "activatable"  # activatable | activated | done


@dataclass
class _Instance:
    key: int
    process_id: str
    variables: JsonObject
    done: asyncio.Future[JsonObject] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class FakeEngine:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.fail_with: Exception | None = None  # raised by the next call, once
        self.clock_pinned_at: int | None = None
        self._next_key = 2251799813685249
        self._job_types: dict[str, str] = {}
        self._decisions: dict[str, str] = {}
        self._instances: dict[int, _Instance] = {}
        self._jobs: dict[int, _Job] = {}
        self._message_ids: set[str] = set()
        self._job_arrived = asyncio.Condition()
        self.last_call: dict[str, Any] = {}
        self.activations: list[ActivateJobsRequest] = []
        self.activation_requested = asyncio.Event()
        self.result_timeouts: list[int] = []

    def _key(self) -> int:
        self._next_key += 1
        return self._next_key

    def _enter(self, call: str, **arguments: Any) -> None:
        self.calls[call] += 1
        self.last_call = {"call": call, **arguments}
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error

    async def deploy(
        self, resources: Sequence[Resource], tenant_id: str = DEFAULT_TENANT
    ) -> Deployment:
        self._enter("deploy", resources=resources)
        processes: list[DeployedProcess] = []
        decisions: list[DeployedDecision] = []
        drgs: list[DeployedDecisionRequirements] = []
        forms: list[DeployedForm] = []
        for resource in resources:
            if resource.name.endswith(".bpmn"):
                match = _PROCESS_ID.search(resource.content)
                if match is None:
                    raise InvalidArgument(f"'{resource.name}': no process found")
                process_id = match.group(1).decode()
                job_type = _JOB_TYPE.search(resource.content)
                self._job_types[process_id] = job_type.group(1).decode() if job_type else ""
                processes.append(DeployedProcess(process_id, 1, self._key(), resource.name))
            elif resource.name.endswith(".dmn"):
                drg_key = self._key()
                drgs.append(DeployedDecisionRequirements("drg", "DRG", 1, drg_key, resource.name))
                for decision_id, name in _DECISION.findall(resource.content):
                    self._decisions[decision_id.decode()] = name.decode()
                    decisions.append(
                        DeployedDecision(
                            decision_id.decode(), name.decode(), 1, self._key(), "drg", drg_key
                        )
                    )
            elif resource.name.endswith(".form"):
                form_id = _FORM_ID.search(resource.content)
                forms.append(
                    DeployedForm(
                        form_id.group(1).decode() if form_id else "", 1, self._key(), resource.name
                    )
                )
            else:
                raise InvalidArgument(f"Expected resource '{resource.name}' to be BPMN/DMN/form")
        return Deployment(
            self._key(), tuple(processes), tuple(decisions), tuple(drgs), tuple(forms)
        )

    async def create_process_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        process_definition_key: int | None = None,
        version: int = -1,
        variables: JsonObject | None = None,
        start_element_ids: Sequence[str] = (),
        tenant_id: str = DEFAULT_TENANT,
    ) -> ProcessInstanceCreated:
        self._enter("create_process_instance", variables=variables, version=version)
        if bpmn_process_id not in self._job_types:
            raise NotFound(
                f"Expected to find process definition with process ID '{bpmn_process_id}', "
                "but none found"
            )
        instance = _Instance(self._key(), bpmn_process_id, dict(variables or {}))
        self._instances[instance.key] = instance
        job_type = self._job_types[bpmn_process_id]
        if job_type:
            job = _Job(self._key(), job_type, instance.key, bpmn_process_id)
            self._jobs[job.key] = job
            async with self._job_arrived:
                self._job_arrived.notify_all()
        else:
            instance.done.set_result(instance.variables)
        return ProcessInstanceCreated(1, bpmn_process_id, 1, instance.key)

    async def await_process_instance_result(
        self, process_instance_key: int, fetch_variables: Sequence[str], timeout_ms: int
    ) -> ProcessInstanceResult:
        self._enter("await_process_instance_result", timeout_ms=timeout_ms)
        self.result_timeouts.append(timeout_ms)
        instance = self._instances[process_instance_key]
        async with asyncio.timeout(timeout_ms / 1000):
            variables = await asyncio.shield(instance.done)
        if fetch_variables:
            variables = {k: v for k, v in variables.items() if k in fetch_variables}
        return ProcessInstanceResult(1, instance.process_id, 1, instance.key, variables)

    async def cancel_process_instance(self, process_instance_key: int) -> None:
        self._enter("cancel_process_instance")
        if self._instances.pop(process_instance_key, None) is None:
            raise NotFound(
                f"Expected to cancel a process instance with key '{process_instance_key}', "
                "but no such process was found"
            )

    def _take(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        jobs: list[ActivatedJob] = []
        for job in self._jobs.values():
            if len(jobs) >= request.max_jobs_to_activate:
                break
            if job.type != request.type or job.state != "activatable":
                continue
            job.state = "activated"
            instance = self._instances[job.instance_key]
            jobs.append(
                ActivatedJob(
                    key=job.key,
                    type=job.type,
                    process_instance_key=job.instance_key,
                    bpmn_process_id=job.process_id,
                    process_definition_version=1,
                    process_definition_key=1,
                    element_id="task",
                    element_instance_key=job.key + 1,
                    custom_headers={},
                    worker=request.worker,
                    retries=job.retries,
                    deadline=0,
                    variables=dict(instance.variables),
                )
            )
        return jobs

    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        self._enter("activate_jobs", request=request)
        self.activations.append(request)
        self.activation_requested.set()
        # As the real engine: a negative requestTimeout answers at once, 0 holds the default 10 s.
        hold_ms = DEFAULT_HOLD_MS if request.request_timeout_ms == 0 else request.request_timeout_ms
        async with self._job_arrived:
            jobs = self._take(request)
            if jobs or hold_ms < 0:
                return jobs
            try:
                async with asyncio.timeout(hold_ms / 1000):
                    while not jobs:
                        await self._job_arrived.wait()
                        jobs = self._take(request)
            except TimeoutError:
                pass
            return jobs

    def _job(self, job_key: int) -> _Job:
        job = self._jobs.get(job_key)
        if job is None:
            raise NotFound(f"Expected to find job with key '{job_key}', but none found")
        if job.state != "activated":
            raise FailedPrecondition(
                f"Expected to process job with key '{job_key}', but it is not activated"
            )
        return job

    async def complete_job(self, job_key: int, variables: JsonObject | None = None) -> None:
        self._enter("complete_job", variables=variables)
        job = self._job(job_key)
        job.state = "done"
        instance = self._instances[job.instance_key]
        instance.variables.update(variables or {})
        if not instance.done.done():
            instance.done.set_result(instance.variables)

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        error_message: str = "",
        retry_backoff_ms: int = 0,
        variables: JsonObject | None = None,
    ) -> None:
        self._enter(
            "fail_job",
            retries=retries,
            error_message=error_message,
            retry_backoff_ms=retry_backoff_ms,
            variables=variables,
        )
        job = self._job(job_key)
        job.retries = retries
        job.state = "activatable" if retries > 0 else "done"

    async def throw_error(
        self,
        job_key: int,
        error_code: str,
        error_message: str = "",
        variables: JsonObject | None = None,
    ) -> None:
        self._enter("throw_error", error_code=error_code, variables=variables)
        self._job(job_key).state = "done"

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        self._enter("update_job_retries", retries=retries)
        if job_key not in self._jobs:
            raise NotFound(f"Expected to find job with key '{job_key}', but none found")

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        self._enter("update_job_timeout", timeout_ms=timeout_ms)
        self._job(job_key)

    async def yield_jobs(self, job_keys: Sequence[int]) -> None:
        self._enter("yield_jobs", job_keys=list(job_keys))
        for key in job_keys:
            job = self._jobs.get(key)
            if job is not None and job.state == "activated":
                job.state = "activatable"
        async with self._job_arrived:
            self._job_arrived.notify_all()

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        time_to_live_ms: int = 0,
        message_id: str = "",
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> MessagePublished:
        self._enter("publish_message", message_name=name, variables=variables)
        if message_id:
            if message_id in self._message_ids:
                raise AlreadyExists(
                    f"Expected to publish a new message with id '{message_id}', but a message "
                    "with that id was already published"
                )
            self._message_ids.add(message_id)
        return MessagePublished(self._key())

    async def broadcast_signal(
        self, signal_name: str, variables: JsonObject | None = None, tenant_id: str = DEFAULT_TENANT
    ) -> SignalBroadcast:
        self._enter("broadcast_signal", signal_name=signal_name, variables=variables)
        return SignalBroadcast(self._key())

    async def evaluate_decision(
        self,
        *,
        decision_id: str | None = None,
        decision_key: int | None = None,
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> DecisionEvaluation:
        self._enter("evaluate_decision", variables=variables)
        if decision_id not in self._decisions:
            raise NotFound(f"Expected to evaluate decision '{decision_id}', but none found")
        output = {"approved": True}
        evaluated = EvaluatedDecision(
            decision_id=decision_id,
            decision_name=self._decisions[decision_id],
            decision_key=7,
            decision_version=1,
            decision_type="DECISION_TABLE",
            output=output,
            evaluated_inputs=(
                {"inputId": "in1", "inputName": "Amount", "inputValue": (variables or {})},
            ),
            matched_rules=(
                {
                    "ruleId": "rule1",
                    "ruleIndex": 1,
                    "evaluatedOutputs": [
                        {"outputId": "out1", "outputName": "approved", "outputValue": True}
                    ],
                },
            ),
        )
        return DecisionEvaluation(
            decision_key=7,
            decision_id=decision_id,
            decision_name=self._decisions[decision_id],
            decision_version=1,
            decision_requirements_id="drg",
            decision_requirements_key=6,
            output=output,
            evaluated_decisions=(evaluated,),
            decision_instance_key=8,
        )

    async def set_variables(
        self, element_instance_key: int, variables: JsonObject, local: bool = False
    ) -> int:
        self._enter("set_variables", variables=variables, local=local)
        return self._key()

    async def resolve_incident(self, incident_key: int) -> None:
        self._enter("resolve_incident")
        raise NotFound(f"Expected to resolve incident with key '{incident_key}', but none found")

    async def pin_clock(self, epoch_ms: int) -> None:
        self._enter("pin_clock", epoch_ms=epoch_ms)
        self.clock_pinned_at = epoch_ms

    async def reset_clock(self) -> None:
        self._enter("reset_clock")
        self.clock_pinned_at = None

    # User tasks are not part of the gRPC gateway; the fake only refuses them.
    async def complete_user_task(
        self,
        key: int,
        variables: JsonObject | None = None,
        action: str = "complete",
    ) -> None:
        self._enter("complete_user_task")
        raise NotFound(f"Expected to complete user task with key '{key}', but none found")

    async def assign_user_task(
        self,
        key: int,
        assignee: str,
        allow_override: bool = True,
    ) -> None:
        self._enter("assign_user_task")
        raise NotFound(f"Expected to assign user task with key '{key}', but none found")

    async def unassign_user_task(self, key: int) -> None:
        self._enter("unassign_user_task")
        raise NotFound(f"Expected to unassign user task with key '{key}', but none found")

    async def update_user_task(self, key: int, changes: Mapping[str, Any]) -> None:
        self._enter("update_user_task")
        raise NotFound(f"Expected to update user task with key '{key}', but none found")


def one_task_process(process_id: str, job_type: str) -> bytes:
    """A start -> service task -> end process, as the Modeler would save it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="{job_type}" />
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


@asynccontextmanager
async def running_gateway(engine: Engine) -> AsyncIterator[GatewayServer]:
    """A real gRPC gateway on a free localhost port in front of `engine`."""
    gateway = await start_gateway(engine, "127.0.0.1:0")
    try:
        yield gateway
    finally:
        await gateway.stop(grace=0)
