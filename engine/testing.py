"""A process test harness in the spirit of camunda-process-test: an in-process engine with a
controlled clock, helpers that act like workers and users, and assertions that read like the
process.

    async with EngineHarness() as h:
        await h.deploy("bpmn/case.bpmn")
        key = await h.start("case", {"amount": 10})
        await h.complete_job("check", {"ok": True})
        await h.advance_clock(timedelta(days=7))
        await h.assert_instance(key).has_completed_elements("check").is_waiting_at("review")

The clock is pinned when the harness opens (to `start_at`, default 2026-01-05T09:00+08:00), so
timers only fire when the test moves it.

`transport` chooses how commands reach the engine: "in-process" calls the service directly;
"grpc" starts the real gateway in front of it and sends every command that Zeebe has a gRPC call
for through pyzeebe (`engine.testing_grpc.GrpcEngine`); "rest" sends the job commands through
8.8's REST job endpoints (`engine.testing_rest.RestJobEngine`, for the job tests). Tests command
through `h.commands`;
`h.engine` is the service itself, for reading state (`h.engine.query`), which both transports
share. The clock, user tasks and picking one particular job to activate are no gRPC calls in
Zeebe, so they stay in-process on both transports.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

from engine.api import ActivatedJob, ActivateJobsRequest, Deployment, Engine, Resource
from engine.cli import RunningEngine, ServeOptions, start_adapters
from engine.core.records import Intent, ValueType
from engine.service import EngineService
from engine.testing_grpc import GrpcEngine
from engine.testing_rest import RestJobEngine

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))

Transport = Literal["in-process", "grpc", "rest"]
TRANSPORTS: tuple[Transport, ...] = ("in-process", "grpc")
# Job workers also speak REST in 8.8: the job tests run on all three.
JOB_TRANSPORTS: tuple[Transport, ...] = (*TRANSPORTS, "rest")


def _read_resource(path: Path) -> Resource:
    return Resource(path.name, path.read_bytes())


class EngineHarness:
    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        start_at: datetime = DEFAULT_START,
        transport: Transport = "in-process",
    ) -> None:
        if transport not in JOB_TRANSPORTS:
            raise ValueError(
                f"Expected transport to be one of {JOB_TRANSPORTS}, but got '{transport}'"
            )
        self._data_dir = data_dir
        self._start_at = start_at
        self.transport = transport
        self._service: EngineService | None = None
        self._running: RunningEngine | None = None
        self._client: GrpcEngine | None = None
        self._rest: RestJobEngine | None = None

    @property
    def engine(self) -> EngineService:
        """The service itself: read state here; send commands through `commands`."""
        if self._service is None:
            raise RuntimeError("use the harness inside 'async with EngineHarness() as h'")
        return self._service

    @property
    def commands(self) -> Engine:
        """Where commands go: the service, or the gRPC or REST client in front of it."""
        if self._rest is not None:
            return cast(Engine, self._rest)
        return self._client if self._client is not None else self.engine

    async def __aenter__(self) -> EngineHarness:
        self._service = await EngineService.open(self._data_dir)
        try:
            if self._service.clock.pinned_ms is None:
                await self._service.pin_clock(int(self._start_at.timestamp() * 1000))
            if self.transport == "grpc":
                # engine serve's wiring (its one composition root), without authentication
                options = ServeOptions(grpc_address="127.0.0.1:0", http_address=None)
                self._running = await start_adapters(self._service, options)
                self._client = GrpcEngine(self._running.gateway.address, self._service)
            elif self.transport == "rest":
                self._rest = RestJobEngine(self._service)
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        if self._rest is not None:
            await self._rest.close()
            self._rest = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._running is not None:
            await self._running.stop()
            self._running = None
        if self._service is not None:
            await self._service.close()
            self._service = None

    # -- acting ----------------------------------------------------------------------------------
    async def deploy(self, *resources: str | Path | Resource) -> Deployment:
        items = [r if isinstance(r, Resource) else _read_resource(Path(r)) for r in resources]
        return await self.commands.deploy(items)

    async def start(self, bpmn_process_id: str, variables: dict[str, Any] | None = None) -> int:
        created = await self.commands.create_process_instance(
            bpmn_process_id=bpmn_process_id, variables=variables or {}
        )
        return created.process_instance_key

    async def activate_job(
        self, job_type: str, *, process_instance_key: int | None = None
    ) -> ActivatedJob:
        """Activates one job of the type (of one instance, if given) or fails the test."""
        open_jobs = [
            j
            for j in self.engine.query.jobs(process_instance_key)
            if j["type"] == job_type and j["state"] == "ACTIVATABLE"
        ]
        if not open_jobs:
            known = [(j["type"], j["elementId"], j["state"]) for j in self.engine.query.jobs()]
            raise AssertionError(
                f"expected an activatable job of type '{job_type}', but found none; jobs: {known}"
            )
        if self.commands is not self.engine and process_instance_key is None:
            # Any job of the type will do: take the one the gateway hands out.
            request = ActivateJobsRequest(job_type, "harness", 300_000, 1, request_timeout_ms=-1)
            activated = await self.commands.activate_jobs(request)
            if activated:
                return activated[0]
            raise AssertionError(
                f"expected the gateway to activate a job of type '{job_type}', but it gave none"
            )
        # ActivateJobs cannot pick a job; choosing one instance's job stays in-process.
        return await self.engine.activate_job(open_jobs[0]["jobKey"], "harness", 300_000)

    async def complete_job(
        self,
        job_type: str,
        variables: dict[str, Any] | None = None,
        *,
        process_instance_key: int | None = None,
    ) -> ActivatedJob:
        job = await self.activate_job(job_type, process_instance_key=process_instance_key)
        await self.commands.complete_job(job.key, variables or {})
        return job

    async def fail_job(
        self, job_type: str, retries: int, message: str = "", backoff: timedelta | None = None
    ) -> ActivatedJob:
        job = await self.activate_job(job_type)
        backoff_ms = int(backoff.total_seconds() * 1000) if backoff else 0
        await self.commands.fail_job(job.key, retries, message, backoff_ms)
        return job

    async def throw_error(
        self, job_type: str, error_code: str, variables: dict[str, Any] | None = None
    ) -> ActivatedJob:
        job = await self.activate_job(job_type)
        await self.commands.throw_error(job.key, error_code, "", variables or {})
        return job

    async def complete_user_task(
        self,
        element_id: str,
        variables: dict[str, Any] | None = None,
        *,
        process_instance_key: int | None = None,
    ) -> int:
        tasks = [
            t
            for t in self.engine.query.user_tasks(process_instance_key)
            if t["elementId"] == element_id
        ]
        if not tasks:
            known = [t["elementId"] for t in self.engine.query.user_tasks()]
            raise AssertionError(
                f"expected an open user task '{element_id}', but found none; open: {known}"
            )
        await self.commands.complete_user_task(tasks[0]["userTaskKey"], variables or {})
        return int(tasks[0]["userTaskKey"])

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: dict[str, Any] | None = None,
        ttl: timedelta = timedelta(0),
        message_id: str = "",
    ) -> int:
        published = await self.commands.publish_message(
            name, correlation_key, int(ttl.total_seconds() * 1000), message_id, variables or {}
        )
        return published.key

    # -- time ------------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.engine.clock.now_ms() / 1000, tz=UTC)

    async def advance_clock(self, delta: timedelta) -> None:
        await self.engine.pin_clock(self.engine.clock.now_ms() + int(delta.total_seconds() * 1000))

    async def set_clock(self, moment: datetime) -> None:
        await self.engine.pin_clock(int(moment.timestamp() * 1000))

    # -- asserting -------------------------------------------------------------------------------
    def assert_instance(self, process_instance_key: int) -> InstanceAssert:
        return InstanceAssert(self.engine, process_instance_key)


class InstanceAssert:
    """Assertions on one process instance; each is awaited (after the engine has processed
    everything queued) and returns the assert, e.g. `await (await a.is_active()).has_variable()`."""

    def __init__(self, engine: EngineService, process_instance_key: int) -> None:
        self._engine = engine
        self.key = process_instance_key

    def _lifecycle(self, intent: str) -> list[str]:
        return [
            r.value["elementId"]
            for r in self._engine.query.records(
                process_instance_key=self.key, value_type=ValueType.PROCESS_INSTANCE
            )
            if r.intent == intent and r.value.get("bpmnElementType") not in ("PROCESS",)
        ]

    def _active(self) -> list[str]:
        return [
            e["elementId"]
            for e in self._engine.query.element_instances(self.key)
            if e["type"] not in ("PROCESS", "MULTI_INSTANCE_BODY")
        ]

    def _describe(self) -> str:
        info = self._engine.query.process_instance(self.key)
        state = info["state"] if info else "UNKNOWN"
        incidents = [
            (i["elementId"], i["errorMessage"]) for i in self._engine.query.incidents(self.key)
        ]
        return (
            f"state {state}, active elements {self._active()}, completed elements "
            f"{self._lifecycle(Intent.ELEMENT_COMPLETED)}, incidents {incidents}"
        )

    async def _settle(self) -> None:
        await self._engine.barrier()

    async def has_completed_elements(self, *element_ids: str) -> InstanceAssert:
        await self._settle()
        completed = self._lifecycle(Intent.ELEMENT_COMPLETED)
        missing = [e for e in element_ids if e not in completed]
        if missing:
            raise AssertionError(
                f"expected process instance {self.key} to have completed {list(element_ids)}, "
                f"but {missing} did not complete; {self._describe()}"
            )
        return self

    async def has_not_completed_elements(self, *element_ids: str) -> InstanceAssert:
        await self._settle()
        completed = self._lifecycle(Intent.ELEMENT_COMPLETED)
        done = [e for e in element_ids if e in completed]
        if done:
            raise AssertionError(
                f"expected process instance {self.key} not to have completed {done}; "
                f"{self._describe()}"
            )
        return self

    async def has_terminated_elements(self, *element_ids: str) -> InstanceAssert:
        await self._settle()
        terminated = self._lifecycle(Intent.ELEMENT_TERMINATED)
        missing = [e for e in element_ids if e not in terminated]
        if missing:
            raise AssertionError(
                f"expected process instance {self.key} to have terminated {missing}; "
                f"{self._describe()}"
            )
        return self

    async def has_passed_path(self, *element_ids: str) -> InstanceAssert:
        """The elements completed in this relative order (other elements may lie between)."""
        await self._settle()
        completed = self._lifecycle(Intent.ELEMENT_COMPLETED)
        position = 0
        for element_id in element_ids:
            try:
                position = completed.index(element_id, position) + 1
            except ValueError:
                raise AssertionError(
                    f"expected process instance {self.key} to pass {list(element_ids)} in order, "
                    f"but after {completed[:position]} there is no '{element_id}'; "
                    f"{self._describe()}"
                ) from None
        return self

    async def is_waiting_at(self, *element_ids: str) -> InstanceAssert:
        await self._settle()
        active = self._active()
        missing = [e for e in element_ids if e not in active]
        if missing:
            raise AssertionError(
                f"expected process instance {self.key} to wait at {list(element_ids)}, but it "
                f"is not at {missing}; {self._describe()}"
            )
        return self

    async def is_not_waiting_at(self, *element_ids: str) -> InstanceAssert:
        await self._settle()
        present = [e for e in element_ids if e in self._active()]
        if present:
            raise AssertionError(
                f"expected process instance {self.key} not to wait at {present}; {self._describe()}"
            )
        return self

    async def has_variable(self, name: str, value: Any) -> InstanceAssert:
        await self._settle()
        variables = self._engine.query.variables(self.key)
        if name not in variables:
            raise AssertionError(
                f"expected process instance {self.key} to have variable '{name}' = "
                f"{json.dumps(value, ensure_ascii=False)}, but there is no such variable; "
                f"variables: {sorted(variables)}"
            )
        if variables[name] != value:
            raise AssertionError(
                f"expected variable '{name}' of process instance {self.key} to be "
                f"{json.dumps(value, ensure_ascii=False)}, but it is "
                f"{json.dumps(variables[name], ensure_ascii=False)}"
            )
        return self

    async def has_variables(self, **expected: Any) -> InstanceAssert:
        for name, value in expected.items():
            await self.has_variable(name, value)
        return self

    async def has_active_incidents(self, count: int | None = None) -> InstanceAssert:
        await self._settle()
        incidents = self._engine.query.incidents(self.key)
        if not incidents or (count is not None and len(incidents) != count):
            wanted = "incidents" if count is None else f"{count} incident(s)"
            raise AssertionError(
                f"expected process instance {self.key} to have active {wanted}, found "
                f"{len(incidents)}; {self._describe()}"
            )
        return self

    async def has_no_incidents(self) -> InstanceAssert:
        await self._settle()
        incidents = self._engine.query.incidents(self.key)
        if incidents:
            raise AssertionError(
                f"expected process instance {self.key} to have no incidents, found "
                f"{[(i['elementId'], i['errorMessage']) for i in incidents]}"
            )
        return self

    async def _is_state(self, expected: str) -> InstanceAssert:
        await self._settle()
        info = self._engine.query.process_instance(self.key)
        if info is None or info["state"] != expected:
            raise AssertionError(
                f"expected process instance {self.key} to be {expected}, but it is "
                f"{self._describe()}"
            )
        return self

    async def is_completed(self) -> InstanceAssert:
        return await self._is_state("COMPLETED")

    async def is_active(self) -> InstanceAssert:
        return await self._is_state("ACTIVE")

    async def is_terminated(self) -> InstanceAssert:
        return await self._is_state("CANCELED")
