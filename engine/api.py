"""The engine's command API: the one surface that protocol adapters (gRPC, REST) and tests use.

Adapters translate wire messages into these calls and these results/errors back into wire
messages; they hold no state of their own. Every call is processed by the engine's single
writer and returns only after the resulting records are durable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from engine.search_query import SearchQuery, SearchResult

JsonObject = dict[str, Any]
DEFAULT_TENANT = "<default>"


class EngineError(Exception):
    """A refused command. `status` names the gRPC status code Zeebe uses for the same refusal."""

    status: ClassVar[str] = "INTERNAL"
    http_status: ClassVar[int] = 500
    title: ClassVar[str] = "INTERNAL_ERROR"


class NotFound(EngineError):
    status = "NOT_FOUND"
    http_status = 404
    title = "NOT_FOUND"


class InvalidArgument(EngineError):
    status = "INVALID_ARGUMENT"
    http_status = 400
    title = "INVALID_ARGUMENT"


class FailedPrecondition(EngineError):
    status = "FAILED_PRECONDITION"
    http_status = 409
    title = "INVALID_STATE"


class AlreadyExists(EngineError):
    status = "ALREADY_EXISTS"
    http_status = 409
    title = "ALREADY_EXISTS"


class ResourceExhausted(EngineError):
    status = "RESOURCE_EXHAUSTED"
    http_status = 429
    title = "RESOURCE_EXHAUSTED"


class PermissionDenied(EngineError):
    status = "PERMISSION_DENIED"
    http_status = 403
    title = "FORBIDDEN"


class Unauthenticated(EngineError):
    status = "UNAUTHENTICATED"
    http_status = 401
    title = "UNAUTHORIZED"


@dataclass(frozen=True)
class Resource:
    name: str
    content: bytes


@dataclass(frozen=True)
class DeployedProcess:
    bpmn_process_id: str
    version: int
    process_definition_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class DeployedDecision:
    decision_id: str
    decision_name: str
    version: int
    decision_key: int
    decision_requirements_id: str
    decision_requirements_key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class DeployedDecisionRequirements:
    decision_requirements_id: str
    decision_requirements_name: str
    version: int
    decision_requirements_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class DeployedForm:
    form_id: str
    version: int
    form_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class Deployment:
    key: int
    processes: tuple[DeployedProcess, ...] = ()
    decisions: tuple[DeployedDecision, ...] = ()
    decision_requirements: tuple[DeployedDecisionRequirements, ...] = ()
    forms: tuple[DeployedForm, ...] = ()
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class ProcessInstanceCreated:
    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class ProcessInstanceResult:
    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    variables: JsonObject
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class ActivatedJob:
    key: int
    type: str
    process_instance_key: int
    bpmn_process_id: str
    process_definition_version: int
    process_definition_key: int
    element_id: str
    element_instance_key: int
    custom_headers: Mapping[str, str]
    worker: str
    retries: int
    deadline: int  # epoch milliseconds, engine clock
    variables: JsonObject
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class MessagePublished:
    key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class SignalBroadcast:
    key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class EvaluatedDecision:
    decision_id: str
    decision_name: str
    decision_key: int
    decision_version: int
    decision_type: str  # "DECISION_TABLE" | "LITERAL_EXPRESSION"
    output: Any
    evaluated_inputs: tuple[Mapping[str, Any], ...] = ()  # {"inputId","inputName","inputValue"}
    matched_rules: tuple[
        Mapping[str, Any], ...
    ] = ()  # {"ruleId","ruleIndex","evaluatedOutputs":[...]}


@dataclass(frozen=True)
class DecisionEvaluation:
    decision_key: int
    decision_id: str
    decision_name: str
    decision_version: int
    decision_requirements_id: str
    decision_requirements_key: int
    output: Any
    evaluated_decisions: tuple[EvaluatedDecision, ...] = ()
    failed_decision_id: str = ""
    failure_message: str = ""
    decision_instance_key: int = 0
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class ActivateJobsRequest:
    type: str
    worker: str
    timeout_ms: int
    max_jobs_to_activate: int
    fetch_variables: Sequence[str] = ()  # empty = all variables
    request_timeout_ms: int = 0  # how long to hold the call when no job is there (long polling)
    tenant_ids: Sequence[str] = field(default_factory=lambda: (DEFAULT_TENANT,))


@dataclass(frozen=True)
class VariableInstruction:
    """Variables set before an element is activated by a modification: local to the flow scope
    `scope_id` (an element id), or global (the process instance) when it is empty."""

    variables: JsonObject
    scope_id: str = ""


@dataclass(frozen=True)
class ActivateInstruction:
    element_id: str
    # -1: within the existing instance of the element's flow scope (created when there is none)
    ancestor_element_instance_key: int = -1
    variable_instructions: tuple[VariableInstruction, ...] = ()


@dataclass(frozen=True)
class MappingInstruction:
    source_element_id: str
    target_element_id: str


class Engine(Protocol):
    """What the adapters may call. All methods may raise an EngineError subclass."""

    async def deploy(
        self, resources: Sequence[Resource], tenant_id: str = DEFAULT_TENANT
    ) -> Deployment: ...

    async def create_process_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        process_definition_key: int | None = None,
        version: int = -1,
        variables: JsonObject | None = None,
        start_element_ids: Sequence[str] = (),
        tenant_id: str = DEFAULT_TENANT,
    ) -> ProcessInstanceCreated: ...

    async def await_process_instance_result(
        self, process_instance_key: int, fetch_variables: Sequence[str], timeout_ms: int
    ) -> ProcessInstanceResult:
        """Waits until the instance completes; raises FailedPrecondition-like errors as Zeebe
        does (DEADLINE is signalled by raising TimeoutError)."""
        ...

    async def cancel_process_instance(self, process_instance_key: int) -> None: ...

    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        """Activates up to max_jobs_to_activate jobs. When none is activatable, holds the call
        up to request_timeout_ms (long polling); waiting requests are served in arrival order."""
        ...

    async def complete_job(self, job_key: int, variables: JsonObject | None = None) -> None: ...

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        error_message: str = "",
        retry_backoff_ms: int = 0,
        variables: JsonObject | None = None,
    ) -> None: ...

    async def throw_error(
        self,
        job_key: int,
        error_code: str,
        error_message: str = "",
        variables: JsonObject | None = None,
    ) -> None: ...

    async def update_job_retries(self, job_key: int, retries: int) -> None: ...

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None: ...

    async def yield_jobs(self, job_keys: Sequence[int]) -> None:
        """Makes activated jobs that were never delivered to a worker activatable again at once
        (Zeebe: JOB YIELDED), e.g. when a job stream or a held ActivateJobs call is cancelled
        between activation and sending. Keys of jobs that are no longer activated are ignored.
        Not a Zeebe client command: the gateway calls it, clients cannot."""
        ...

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        time_to_live_ms: int = 0,
        message_id: str = "",
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> MessagePublished: ...

    async def broadcast_signal(
        self, signal_name: str, variables: JsonObject | None = None, tenant_id: str = DEFAULT_TENANT
    ) -> SignalBroadcast: ...

    async def evaluate_decision(
        self,
        *,
        decision_id: str | None = None,
        decision_key: int | None = None,
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> DecisionEvaluation: ...

    async def set_variables(
        self, element_instance_key: int, variables: JsonObject, local: bool = False
    ) -> int: ...

    async def resolve_incident(self, incident_key: int) -> None: ...

    async def pin_clock(self, epoch_ms: int) -> None: ...

    async def reset_clock(self) -> None: ...

    # -- Camunda user tasks (added for the REST adapter's /v2/user-tasks endpoints) -------------
    # Who may act on the task is decided by the engine when it processes the command, against
    # the task as it is then (engine/access/rules.py), for the principal the caller acts as.
    async def complete_user_task(
        self,
        key: int,
        variables: JsonObject | None = None,
        action: str = "complete",
    ) -> None:
        """Completes the user task; its variables are merged like job variables. NOT_FOUND when
        there is no such open task."""
        ...

    async def assign_user_task(
        self,
        key: int,
        assignee: str,
        allow_override: bool = True,
    ) -> None:
        """FAILED_PRECONDITION when already assigned to someone else and allow_override is False."""
        ...

    async def unassign_user_task(self, key: int) -> None: ...

    async def update_user_task(self, key: int, changes: Mapping[str, Any]) -> None:
        """changes: any of dueDate, followUpDate (ISO text), candidateGroups, candidateUsers
        (lists of strings), priority (0..100); other keys are INVALID_ARGUMENT."""
        ...


class RepairTools(Protocol):
    """Operate's repair tools, offered by the engine service (and the gRPC gateway's access
    wrapper); kept apart from `Engine` so adapters and test doubles without them stay valid."""

    async def modify_process_instance(
        self,
        process_instance_key: int,
        activate: Sequence[ActivateInstruction] = (),
        terminate: Sequence[int] = (),
    ) -> None:
        """Zeebe's process instance modification: activations first, then terminations, all or
        nothing."""
        ...

    async def migrate_process_instance(
        self,
        process_instance_key: int,
        target_process_definition_key: int,
        mappings: Sequence[MappingInstruction],
    ) -> None:
        """Zeebe's process instance migration to another process definition, all or nothing."""
        ...


class ReadModel(Protocol):
    """What REST and the desk read: the exported history of instances, element instances, user
    tasks, incidents and variables (finished ones included) in Camunda 8.8's search shapes, and
    the deployed definitions. Never the engine's live state, never SQL of the adapter's own.

    Reads answer from the read model as it is; call `settle` first to see every record
    committed before it (read-your-writes)."""

    async def settle(self) -> None:
        """Waits, bounded, until the read model has folded in every record committed so far."""
        ...

    def search(self, query: SearchQuery) -> SearchResult:
        """Filters, sorts and pages one resource (query.resource: user tasks, process
        instances, element instances, incidents, variables)."""
        ...

    def item(self, resource: str, key: int) -> JsonObject | None:
        """One item of a searchable resource (by SearchResource.name) by its key."""
        ...

    def visible_variables(self, element_instance_key: int) -> list[JsonObject]:
        """The variables an element instance sees, innermost scope first, each name once."""
        ...

    def same_tree_instances(self, seeds: Iterable[int]) -> set[int]:
        """Every process instance in the call-activity trees of `seeds`, the seeds included."""
        ...

    def element_statistics(self, instances: Iterable[int]) -> list[JsonObject]:
        """Per element id: active (without incident), completed, canceled, incidents."""
        ...

    def process_definitions(self) -> list[JsonObject]: ...

    def process_definition_xml(self, key: int) -> str | None: ...

    def start_form_id(self, definition_key: int) -> str | None: ...

    def forms(self) -> list[JsonObject]: ...


@runtime_checkable
class ServesReads(Protocol):
    """An engine that offers its read side (the served engine does; test doubles may not)."""

    @property
    def read_model(self) -> ReadModel: ...
