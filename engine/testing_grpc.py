"""The engine's command API spoken over Zeebe's gRPC gateway, for tests that want every command
to cross the real wire the way pyzeebe workers and clients cross it.

`GrpcEngine` implements `engine.api.Engine` with pyzeebe 4.7 where pyzeebe has the call
(`ZeebeClient.run_process`, `cancel_process_instance`, `publish_message`, `broadcast_signal`,
`evaluate_decision`; `ZeebeAdapter.activate_jobs`, `complete_job`, `fail_job`, `throw_error`,
`update_job_timeout`) and pyzeebe's generated `GatewayStub` for the rest (DeployResource from
bytes, CreateProcessInstance by key or with start instructions, SetVariables, ResolveIncident,
UpdateJobRetries). Refusals come back as the `engine.api` error for their gRPC status, with the
gateway's message, so a test asserts the same error whichever transport it runs on.

Zeebe has no gRPC call for a few `Engine` commands: the clock (`PUT /v2/clock`), user tasks
(`/v2/user-tasks`) and waiting for an already created instance's result (gRPC only offers it
together with the creation). Those go to `local`, the in-process engine behind the gateway.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, NoReturn, TypeVar, cast

import grpc
from pyzeebe import ZeebeClient
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    ActivateInstruction,
    ActivateJobsRequest,
    AlreadyExists,
    DecisionEvaluation,
    DeployedDecision,
    DeployedDecisionRequirements,
    DeployedForm,
    DeployedProcess,
    Deployment,
    Engine,
    EngineError,
    EvaluatedDecision,
    FailedPrecondition,
    InvalidArgument,
    JsonObject,
    MappingInstruction,
    MessagePublished,
    NotFound,
    PermissionDenied,
    ProcessInstanceCreated,
    ProcessInstanceResult,
    Resource,
    ResourceExhausted,
    SignalBroadcast,
    Unauthenticated,
)

T = TypeVar("T")

_ERRORS: dict[grpc.StatusCode, type[EngineError]] = {
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}


def _rpc_error(error: BaseException) -> grpc.aio.AioRpcError | None:
    """The gRPC error inside a pyzeebe error (pyzeebe raises its own classes `from` it, or
    keeps it as `grpc_error`)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, grpc.aio.AioRpcError):
            return seen
        wrapped = getattr(seen, "grpc_error", None)
        if isinstance(wrapped, grpc.aio.AioRpcError):
            return wrapped
        seen = seen.__cause__
    return None


def raise_as_engine_error(error: BaseException) -> NoReturn:
    rpc_error = _rpc_error(error)
    if rpc_error is None:
        raise error
    code, message = rpc_error.code(), rpc_error.details() or ""
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        raise TimeoutError(message) from error
    error_class = _ERRORS.get(code)
    if error_class is None:
        raise EngineError(f"{code.name}: {message}") from error
    raise error_class(message) from error


async def _call(call: Awaitable[T]) -> T:
    try:
        return await call
    except Exception as error:
        if _rpc_error(error) is None:
            raise
        raise_as_engine_error(error)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _deployment(response: Any) -> Deployment:
    processes: list[DeployedProcess] = []
    decisions: list[DeployedDecision] = []
    requirements: list[DeployedDecisionRequirements] = []
    forms: list[DeployedForm] = []
    for deployed in response.deployments:
        kind = deployed.WhichOneof("Metadata")
        m = getattr(deployed, kind)
        if kind == "process":
            processes.append(
                DeployedProcess(
                    m.bpmnProcessId, m.version, m.processDefinitionKey, m.resourceName, m.tenantId
                )
            )
        elif kind == "decision":
            decisions.append(
                DeployedDecision(
                    m.dmnDecisionId,
                    m.dmnDecisionName,
                    m.version,
                    m.decisionKey,
                    m.dmnDecisionRequirementsId,
                    m.decisionRequirementsKey,
                    m.tenantId,
                )
            )
        elif kind == "decisionRequirements":
            requirements.append(
                DeployedDecisionRequirements(
                    m.dmnDecisionRequirementsId,
                    m.dmnDecisionRequirementsName,
                    m.version,
                    m.decisionRequirementsKey,
                    m.resourceName,
                    m.tenantId,
                )
            )
        else:
            forms.append(DeployedForm(m.formId, m.version, m.formKey, m.resourceName, m.tenantId))
    return Deployment(
        key=response.key,
        processes=tuple(processes),
        decisions=tuple(decisions),
        decision_requirements=tuple(requirements),
        forms=tuple(forms),
        tenant_id=response.tenantId,
    )


def _evaluated_decision(d: Any) -> EvaluatedDecision:
    return EvaluatedDecision(
        decision_id=d.decision_id,
        decision_name=d.decision_name,
        decision_key=d.decision_key,
        decision_version=d.decision_version,
        decision_type=d.decision_type,
        output=d.decision_output,
        evaluated_inputs=tuple(
            {"inputId": i.input_id, "inputName": i.input_name, "inputValue": i.input_value}
            for i in d.evaluated_inputs
        ),
        matched_rules=tuple(
            {
                "ruleId": r.rule_id,
                "ruleIndex": r.rule_index,
                "evaluatedOutputs": [
                    {
                        "outputId": o.output_id,
                        "outputName": o.output_name,
                        "outputValue": o.output_value,
                    }
                    for o in r.evaluated_outputs
                ],
            }
            for r in d.matched_rules
        ),
    )


class GrpcEngine:
    """An `Engine` whose commands travel through a Zeebe gateway at `address`."""

    def __init__(self, address: str, local: Engine) -> None:
        self._channel = grpc.aio.insecure_channel(address)
        # -1: never give up on the channel because a test provoked DEADLINE_EXCEEDED errors.
        self.client = ZeebeClient(self._channel, max_connection_retries=-1)
        self.adapter = self.client.zeebe_adapter
        self.stub = cast(Any, GatewayStub(self._channel))
        self._local = local

    async def close(self) -> None:
        await self._channel.close()

    # -- deployments and instances ---------------------------------------------------------------
    async def deploy(
        self, resources: Sequence[Resource], tenant_id: str = DEFAULT_TENANT
    ) -> Deployment:
        # pyzeebe's deploy_resource reads files from disk; the API deploys named bytes.
        request = pb.DeployResourceRequest(
            resources=[pb.Resource(name=r.name, content=r.content) for r in resources],
            tenantId=tenant_id,
        )
        return _deployment(await _call(self.stub.DeployResource(request)))

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
        if bpmn_process_id is not None and process_definition_key is None and not start_element_ids:
            created: Any = await _call(
                self.client.run_process(bpmn_process_id, variables, version, tenant_id)
            )
            return ProcessInstanceCreated(
                created.process_definition_key,
                created.bpmn_process_id,
                created.version,
                created.process_instance_key,
                created.tenant_id or DEFAULT_TENANT,
            )
        request = pb.CreateProcessInstanceRequest(
            bpmnProcessId=bpmn_process_id or "",
            processDefinitionKey=process_definition_key or 0,
            version=version,
            variables=_json(variables or {}),
            startInstructions=[
                pb.ProcessInstanceCreationStartInstruction(elementId=e) for e in start_element_ids
            ],
            tenantId=tenant_id,
        )
        raw = await _call(self.stub.CreateProcessInstance(request))
        return ProcessInstanceCreated(
            raw.processDefinitionKey,
            raw.bpmnProcessId,
            raw.version,
            raw.processInstanceKey,
            raw.tenantId or DEFAULT_TENANT,
        )

    async def create_process_instance_with_result(
        self,
        bpmn_process_id: str,
        variables: JsonObject | None = None,
        fetch_variables: Sequence[str] = (),
        timeout_ms: int = 0,
        version: int = -1,
    ) -> ProcessInstanceResult:
        result: Any = await _call(
            self.client.run_process_with_result(
                bpmn_process_id, variables, version, timeout_ms, list(fetch_variables)
            )
        )
        return ProcessInstanceResult(
            result.process_definition_key,
            result.bpmn_process_id,
            result.version,
            result.process_instance_key,
            dict(result.variables),
            result.tenant_id or DEFAULT_TENANT,
        )

    async def await_process_instance_result(
        self, process_instance_key: int, fetch_variables: Sequence[str], timeout_ms: int
    ) -> ProcessInstanceResult:
        # gRPC waits for a result only in CreateProcessInstanceWithResult.
        return await self._local.await_process_instance_result(
            process_instance_key, fetch_variables, timeout_ms
        )

    async def cancel_process_instance(self, process_instance_key: int) -> None:
        await _call(self.client.cancel_process_instance(process_instance_key))

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        request = pb.ModifyProcessInstanceRequest(
            processInstanceKey=process_instance_key,
            activateInstructions=[
                pb.ModifyProcessInstanceRequest.ActivateInstruction(
                    elementId=a.element_id,
                    ancestorElementInstanceKey=a.ancestor_element_instance_key,
                    variableInstructions=[
                        pb.ModifyProcessInstanceRequest.VariableInstruction(
                            variables=json.dumps(v.variables), scopeId=v.scope_id
                        )
                        for v in a.variable_instructions
                    ],
                )
                for a in activate
            ],
            terminateInstructions=[
                pb.ModifyProcessInstanceRequest.TerminateInstruction(elementInstanceKey=key)
                for key in terminate
            ],
        )
        await _call(self.stub.ModifyProcessInstance(request))

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mappings: Sequence[MappingInstruction],
    ) -> None:
        plan = pb.MigrateProcessInstanceRequest.MigrationPlan(
            targetProcessDefinitionKey=target_process_definition_key,
            mappingInstructions=[
                pb.MigrateProcessInstanceRequest.MappingInstruction(
                    sourceElementId=m.source_element_id, targetElementId=m.target_element_id
                )
                for m in mappings
            ],
        )
        await _call(
            self.stub.MigrateProcessInstance(
                pb.MigrateProcessInstanceRequest(
                    processInstanceKey=process_instance_key, migrationPlan=plan
                )
            )
        )

    # -- jobs ------------------------------------------------------------------------------------
    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        jobs: list[ActivatedJob] = []
        try:
            async for job in self.adapter.activate_jobs(
                task_type=request.type,
                worker=request.worker,
                timeout=request.timeout_ms,
                max_jobs_to_activate=request.max_jobs_to_activate,
                variables_to_fetch=list(request.fetch_variables),
                request_timeout=request.request_timeout_ms,
                tenant_ids=list(request.tenant_ids),
            ):
                jobs.append(
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
                        worker=job.worker,
                        retries=job.retries,
                        deadline=job.deadline,
                        variables=dict(job.variables),
                        tenant_id=job.tenant_id or DEFAULT_TENANT,
                    )
                )
        except Exception as error:
            if _rpc_error(error) is None:
                raise
            raise_as_engine_error(error)
        return jobs

    async def complete_job(self, job_key: int, variables: JsonObject | None = None) -> None:
        await _call(self.adapter.complete_job(job_key, variables or {}))

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        error_message: str = "",
        retry_backoff_ms: int = 0,
        variables: JsonObject | None = None,
    ) -> None:
        await _call(
            self.adapter.fail_job(
                job_key, retries, error_message, retry_backoff_ms, variables or {}
            )
        )

    async def throw_error(
        self,
        job_key: int,
        error_code: str,
        error_message: str = "",
        variables: JsonObject | None = None,
    ) -> None:
        await _call(self.adapter.throw_error(job_key, error_message, variables or {}, error_code))

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        request = pb.UpdateJobRetriesRequest(jobKey=job_key, retries=retries)
        await _call(self.stub.UpdateJobRetries(request))

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        await _call(self.adapter.update_job_timeout(job_key, timeout_ms))

    # -- messages, signals, decisions ------------------------------------------------------------
    async def yield_jobs(self, job_keys: Sequence[int]) -> None:
        """Zeebe has no gRPC call to give jobs back: the gateway yields jobs itself when a job
        stream or a held ActivateJobs call ends before the jobs were sent. Tests that need it
        call the service (`EngineHarness.engine.yield_jobs`)."""
        raise NotImplementedError(
            "yield_jobs is not a Zeebe gRPC command; the gateway yields unsent jobs itself"
        )

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        time_to_live_ms: int = 0,
        message_id: str = "",
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> MessagePublished:
        published: Any = await _call(
            self.client.publish_message(
                name, correlation_key, variables, time_to_live_ms, message_id, tenant_id
            )
        )
        return MessagePublished(published.key, published.tenant_id or DEFAULT_TENANT)

    async def broadcast_signal(
        self, signal_name: str, variables: JsonObject | None = None, tenant_id: str = DEFAULT_TENANT
    ) -> SignalBroadcast:
        broadcast: Any = await _call(
            self.client.broadcast_signal(signal_name, variables, tenant_id)
        )
        return SignalBroadcast(broadcast.key, broadcast.tenant_id or DEFAULT_TENANT)

    async def evaluate_decision(
        self,
        *,
        decision_id: str | None = None,
        decision_key: int | None = None,
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> DecisionEvaluation:
        if decision_id is None and decision_key is None:
            # pyzeebe refuses this itself with a ValueError; send what the wire would carry.
            decision_id = ""
        r: Any = await _call(
            self.client.evaluate_decision(decision_key, decision_id, variables, tenant_id)
        )
        return DecisionEvaluation(
            decision_key=r.decision_key,
            decision_id=r.decision_id,
            decision_name=r.decision_name,
            decision_version=r.decision_version,
            decision_requirements_id=r.decision_requirements_id,
            decision_requirements_key=r.decision_requirements_key,
            output=r.decision_output,
            evaluated_decisions=tuple(_evaluated_decision(d) for d in r.evaluated_decisions),
            failed_decision_id=r.failed_decision_id,
            failure_message=r.failure_message,
            decision_instance_key=r.decision_instance_key,
            tenant_id=r.tenant_id or DEFAULT_TENANT,
        )

    # -- variables and incidents -----------------------------------------------------------------
    async def set_variables(
        self, element_instance_key: int, variables: JsonObject, local: bool = False
    ) -> int:
        request = pb.SetVariablesRequest(
            elementInstanceKey=element_instance_key, variables=_json(variables), local=local
        )
        response = await _call(self.stub.SetVariables(request))
        return int(response.key)

    async def resolve_incident(self, incident_key: int) -> None:
        await _call(self.stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident_key)))

    # -- not gRPC RPCs in Zeebe: REST endpoints, served in-process here --------------------------
    async def pin_clock(self, epoch_ms: int) -> None:
        await self._local.pin_clock(epoch_ms)

    async def reset_clock(self) -> None:
        await self._local.reset_clock()

    async def complete_user_task(
        self,
        key: int,
        variables: JsonObject | None = None,
        action: str = "complete",
    ) -> None:
        await self._local.complete_user_task(key, variables, action)

    async def assign_user_task(
        self,
        key: int,
        assignee: str,
        allow_override: bool = True,
    ) -> None:
        await self._local.assign_user_task(key, assignee, allow_override)

    async def unassign_user_task(self, key: int) -> None:
        await self._local.unassign_user_task(key)

    async def update_user_task(self, key: int, changes: Mapping[str, Any]) -> None:
        await self._local.update_user_task(key, changes)
