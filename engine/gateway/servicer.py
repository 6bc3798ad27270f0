"""The Gateway service: each RPC translates its request into one `Engine` call and back.

The servicer holds no state besides the engine and what it says about the cluster; validation
here is limited to what only the wire can get wrong (JSON text, proto3 zero values).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from typing import Any, cast

import grpc
import structlog
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.api import (
    ActivateInstruction,
    ActivateJobsRequest,
    Engine,
    EngineError,
    InvalidArgument,
    MappingInstruction,
    RepairTools,
    Resource,
    VariableInstruction,
)
from engine.gateway import limits, wire
from engine.gateway.auth import Authorizer, allow_all
from engine.gateway.errors import stream_rpc, unary_rpc
from engine.gateway.topology import ClusterInfo
from engine.gateway.variables import dump_json, parse_variables

log = structlog.get_logger("engine.gateway")


class DeadlineExceeded(EngineError):
    """The instance was created, but did not complete within the request timeout."""

    status = "DEADLINE_EXCEEDED"
    http_status = 504
    title = "DEADLINE_EXCEEDED"


# The engine holds a call with request_timeout_ms = 0 for its default, so "do not hold" must
# travel as a negative number.
NO_LONG_POLL = -1


def _long_poll_ms(request_timeout: int) -> int:
    # Zeebe: 0 = use the gateway default, negative = answer at once even without jobs
    # (the Node SDK's streamJobs backfill sends -1 and awaits the answer before going on).
    if request_timeout == 0:
        return limits.DEFAULT_LONG_POLL_MS
    return request_timeout if request_timeout > 0 else NO_LONG_POLL


def _within_deadline(context: Any, hold_ms: int) -> int:
    """Shorten a hold so the call ends normally before the client's deadline; -1 = too late."""
    remaining = context.time_remaining()
    if remaining is None:
        return hold_ms
    left_ms = int(remaining * 1000) - limits.DEADLINE_MARGIN_MS
    if left_ms <= 0:
        return -1
    return min(hold_ms, left_ms)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidArgument(message)


class GatewayServicer(pb_grpc.GatewayServicer):
    def __init__(
        self, engine: Engine, cluster: ClusterInfo, authorize: Authorizer = allow_all
    ) -> None:
        self.engine = engine
        self.cluster = cluster
        self.authorize = authorize
        self._background: set[asyncio.Task[None]] = set()

    @unary_rpc
    async def Topology(self, request: Any, context: Any) -> Any:
        return wire.topology(self.cluster)

    @unary_rpc
    async def DeployResource(self, request: Any, context: Any) -> Any:
        _require(
            len(request.resources) > 0,
            "Expected to deploy at least one resource, but none given",
        )
        resources = [Resource(name=r.name, content=bytes(r.content)) for r in request.resources]
        result = await self.engine.deploy(resources, wire.tenant_or_default(request.tenantId))
        return wire.deployment(result)

    @unary_rpc
    async def DeployProcess(self, request: Any, context: Any) -> Any:
        # Deprecated in Zeebe in favour of DeployResource, still sent by old clients.
        _require(
            len(request.processes) > 0,
            "Expected to deploy at least one process, but none given",
        )
        resources = [Resource(name=p.name, content=bytes(p.definition)) for p in request.processes]
        result = await self.engine.deploy(resources)
        return pb.DeployProcessResponse(
            key=result.key,
            processes=[
                pb.ProcessMetadata(
                    bpmnProcessId=p.bpmn_process_id,
                    version=p.version,
                    processDefinitionKey=p.process_definition_key,
                    resourceName=p.resource_name,
                    tenantId=p.tenant_id,
                )
                for p in result.processes
            ],
        )

    async def _create_instance(self, request: Any) -> Any:
        _require(
            bool(request.bpmnProcessId) or request.processDefinitionKey > 0,
            "Expected to create a process instance with either 'bpmnProcessId' or "
            "'processDefinitionKey', but none given",
        )
        return await self.engine.create_process_instance(
            bpmn_process_id=request.bpmnProcessId or None,
            process_definition_key=request.processDefinitionKey or None,
            version=request.version,
            variables=parse_variables(request.variables, "create a process instance"),
            start_element_ids=[i.elementId for i in request.startInstructions],
            tenant_id=wire.tenant_or_default(request.tenantId),
        )

    @unary_rpc
    async def CreateProcessInstance(self, request: Any, context: Any) -> Any:
        created = await self._create_instance(request)
        return pb.CreateProcessInstanceResponse(
            processDefinitionKey=created.process_definition_key,
            bpmnProcessId=created.bpmn_process_id,
            version=created.version,
            processInstanceKey=created.process_instance_key,
            tenantId=created.tenant_id,
        )

    @unary_rpc
    async def CreateProcessInstanceWithResult(self, request: Any, context: Any) -> Any:
        created = await self._create_instance(request.request)
        timeout_ms = request.requestTimeout or limits.DEFAULT_RESULT_TIMEOUT_MS
        try:
            result = await self.engine.await_process_instance_result(
                created.process_instance_key, list(request.fetchVariables), timeout_ms
            )
        except TimeoutError:
            raise DeadlineExceeded(
                f"Expected process instance {created.process_instance_key} of process "
                f"'{created.bpmn_process_id}' to complete within {timeout_ms} ms, "
                "but it did not"
            ) from None
        return pb.CreateProcessInstanceWithResultResponse(
            processDefinitionKey=result.process_definition_key,
            bpmnProcessId=result.bpmn_process_id,
            version=result.version,
            processInstanceKey=result.process_instance_key,
            variables=dump_json(result.variables),
            tenantId=result.tenant_id,
        )

    @unary_rpc
    async def CancelProcessInstance(self, request: Any, context: Any) -> Any:
        await self.engine.cancel_process_instance(request.processInstanceKey)
        return pb.CancelProcessInstanceResponse()

    def _activation(self, request: Any, max_jobs: int, hold_ms: int) -> ActivateJobsRequest:
        _require(
            bool(request.type.strip()),
            "Expected to activate jobs with 'type' to be present, but it was blank",
        )
        return ActivateJobsRequest(
            type=request.type,
            worker=request.worker,
            timeout_ms=request.timeout,
            max_jobs_to_activate=max_jobs,
            fetch_variables=tuple(request.fetchVariable),
            request_timeout_ms=hold_ms,
            tenant_ids=wire.tenants_or_default(request.tenantIds),
        )

    @stream_rpc
    async def ActivateJobs(self, request: Any, context: Any) -> AsyncIterator[Any]:
        _require(
            request.maxJobsToActivate > 0,
            "Expected to activate jobs with 'maxJobsToActivate' greater than zero, but it was "
            f"{request.maxJobsToActivate}",
        )
        hold_ms = _within_deadline(context, _long_poll_ms(request.requestTimeout))
        # Too close to the client's deadline (-1) also means: answer now, without holding.
        activation = self._activation(
            request, request.maxJobsToActivate, hold_ms if hold_ms > 0 else NO_LONG_POLL
        )
        jobs = await self.engine.activate_jobs(activation)
        unsent = {job.key: None for job in jobs}
        try:
            for batch in wire.job_batches(jobs, limits.MAX_MESSAGE_BYTES // 2):
                yield batch
                for job in batch.jobs:
                    unsent.pop(job.key, None)
        finally:
            self._give_back(unsent)

    @stream_rpc
    async def StreamActivatedJobs(self, request: Any, context: Any) -> AsyncIterator[Any]:
        activation = self._activation(request, limits.STREAM_BATCH_SIZE, limits.STREAM_HOLD_MS)
        # Runs until the client cancels (the task is cancelled inside activate_jobs or the
        # write) or the server stops; ends normally just before the client's deadline, so
        # the client reopens the stream instead of counting a failure.
        while (hold_ms := _within_deadline(context, limits.STREAM_HOLD_MS)) > 0:
            batch = await self.engine.activate_jobs(replace(activation, request_timeout_ms=hold_ms))
            unsent = {job.key: None for job in batch}
            try:
                for job in batch:
                    yield wire.activated_job(job)
                    del unsent[job.key]
            finally:
                self._give_back(unsent)

    def _give_back(self, job_keys: Iterable[int]) -> None:
        """Jobs activated for a call that ended before they were sent go back to the engine at
        once (Zeebe yields them) instead of waiting out their timeout. Runs as its own task: the
        call that ended may be in cancellation, where awaiting is not reliable."""
        keys = list(job_keys)
        if not keys:
            return
        task = asyncio.get_running_loop().create_task(self._yield(keys))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _yield(self, keys: list[int]) -> None:
        try:
            await self.engine.yield_jobs(keys)
        except Exception as error:  # the jobs still come back at their timeout
            log.warning("gateway.yield_jobs_failed", jobs=keys, error=repr(error))

    @unary_rpc
    async def CompleteJob(self, request: Any, context: Any) -> Any:
        await self.engine.complete_job(
            request.jobKey, parse_variables(request.variables, "complete job")
        )
        return pb.CompleteJobResponse()

    @unary_rpc
    async def FailJob(self, request: Any, context: Any) -> Any:
        await self.engine.fail_job(
            request.jobKey,
            request.retries,
            error_message=request.errorMessage,
            retry_backoff_ms=request.retryBackOff,
            variables=parse_variables(request.variables, "fail job"),
        )
        return pb.FailJobResponse()

    @unary_rpc
    async def ThrowError(self, request: Any, context: Any) -> Any:
        _require(
            bool(request.errorCode.strip()),
            "Expected to throw an error with 'errorCode' to be present, but it was blank",
        )
        await self.engine.throw_error(
            request.jobKey,
            request.errorCode,
            error_message=request.errorMessage,
            variables=parse_variables(request.variables, "throw error"),
        )
        return pb.ThrowErrorResponse()

    @unary_rpc
    async def UpdateJobRetries(self, request: Any, context: Any) -> Any:
        await self.engine.update_job_retries(request.jobKey, request.retries)
        return pb.UpdateJobRetriesResponse()

    @unary_rpc
    async def UpdateJobTimeout(self, request: Any, context: Any) -> Any:
        await self.engine.update_job_timeout(request.jobKey, request.timeout)
        return pb.UpdateJobTimeoutResponse()

    @unary_rpc
    async def PublishMessage(self, request: Any, context: Any) -> Any:
        _require(
            bool(request.name.strip()),
            "Expected to publish a message with 'name' to be present, but it was blank",
        )
        published = await self.engine.publish_message(
            request.name,
            request.correlationKey,
            time_to_live_ms=request.timeToLive,
            message_id=request.messageId,
            variables=parse_variables(request.variables, "publish message"),
            tenant_id=wire.tenant_or_default(request.tenantId),
        )
        return pb.PublishMessageResponse(key=published.key, tenantId=published.tenant_id)

    @unary_rpc
    async def BroadcastSignal(self, request: Any, context: Any) -> Any:
        _require(
            bool(request.signalName.strip()),
            "Expected to broadcast a signal with 'signalName' to be present, but it was blank",
        )
        broadcast = await self.engine.broadcast_signal(
            request.signalName,
            parse_variables(request.variables, "broadcast signal"),
            tenant_id=wire.tenant_or_default(request.tenantId),
        )
        return pb.BroadcastSignalResponse(key=broadcast.key, tenantId=broadcast.tenant_id)

    @unary_rpc
    async def EvaluateDecision(self, request: Any, context: Any) -> Any:
        # Zeebe's wording for the same refusal.
        _require(
            bool(request.decisionId) or request.decisionKey > 0,
            "Expected either a decision id or a valid decision key, but none provided",
        )
        result = await self.engine.evaluate_decision(
            decision_id=request.decisionId or None,
            decision_key=request.decisionKey or None,
            variables=parse_variables(request.variables, "evaluate decision"),
            tenant_id=wire.tenant_or_default(request.tenantId),
        )
        return wire.decision_evaluation(result)

    @unary_rpc
    async def SetVariables(self, request: Any, context: Any) -> Any:
        variables = parse_variables(request.variables, "set variables")
        key = await self.engine.set_variables(
            request.elementInstanceKey, variables or {}, local=request.local
        )
        return pb.SetVariablesResponse(key=key)

    @unary_rpc
    async def ResolveIncident(self, request: Any, context: Any) -> Any:
        await self.engine.resolve_incident(request.incidentKey)
        return pb.ResolveIncidentResponse()

    async def _unimplemented(self, context: Any, rpc: str) -> None:
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            f"{rpc} is not supported by the embedded engine",
        )

    @unary_rpc
    async def ModifyProcessInstance(self, request: Any, context: Any) -> Any:
        if not hasattr(self.engine, "modify_process_instance"):
            # an engine without the repair tools (e.g. a test double)
            await self._unimplemented(context, "ModifyProcessInstance")
        return await self._modify(request, context)

    @unary_rpc
    async def MigrateProcessInstance(self, request: Any, context: Any) -> Any:
        if not hasattr(self.engine, "migrate_process_instance"):
            await self._unimplemented(context, "MigrateProcessInstance")
        return await self._migrate(request, context)

    async def _modify(self, request: Any, context: Any) -> Any:
        activate = [
            ActivateInstruction(
                element_id=a.elementId,
                # proto3 sends 0 for "not set": the flow scope's existing instance, as -1
                ancestor_element_instance_key=a.ancestorElementInstanceKey or -1,
                variable_instructions=tuple(
                    VariableInstruction(
                        parse_variables(v.variables, "modify process instance") or {},
                        v.scopeId,
                    )
                    for v in a.variableInstructions
                ),
            )
            for a in request.activateInstructions
        ]
        terminate = [t.elementInstanceKey for t in request.terminateInstructions]
        await cast(RepairTools, self.engine).modify_process_instance(
            request.processInstanceKey, activate, terminate
        )
        return pb.ModifyProcessInstanceResponse()

    async def _migrate(self, request: Any, context: Any) -> Any:
        plan = request.migrationPlan
        mappings = [
            MappingInstruction(m.sourceElementId, m.targetElementId)
            for m in plan.mappingInstructions
        ]
        await cast(RepairTools, self.engine).migrate_process_instance(
            request.processInstanceKey, plan.targetProcessDefinitionKey, mappings
        )
        return pb.MigrateProcessInstanceResponse()

    @unary_rpc
    async def DeleteResource(self, request: Any, context: Any) -> Any:
        await self._unimplemented(context, "DeleteResource")
