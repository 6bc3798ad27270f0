"""The engine's limits, in one place (the table in docs/limits.md).

Checked before anything is parsed or buffered beyond the limit: a request body by its
Content-Length and while it streams in (REST, 413), a gRPC message by the server's receive limit
(RESOURCE_EXHAUSTED). Everything else is checked here, by the engine, once for both transports:
the adapters only translate the refusal (INVALID_ARGUMENT / 400, RESOURCE_EXHAUSTED / 429). Every
refusal names the limit and its value, so a client can tell which one it ran into.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.api import InvalidArgument, ResourceExhausted

MIB = 1024 * 1024
# One variable document (create instance, complete job, set variables, publish/correlate message,
# complete user task, ...), as UTF-8 bytes of compact JSON: Zeebe's own bound is its 4 MB message.
MAX_VARIABLES_BYTES = 4 * MIB
# A JSON body carrying a variable document needs a little more room than the document.
MAX_REQUEST_BODY_BYTES = MAX_VARIABLES_BYTES + MIB
# One deployed resource (.bpmn, .dmn, .form) and all resources of one deployment together.
MAX_RESOURCE_BYTES = 4 * MIB
MAX_DEPLOYMENT_BYTES = 16 * MIB
MAX_DEPLOYMENT_RESOURCES = 100
# POST /v2/deployments is multipart: the resources plus their part headers.
MAX_DEPLOYMENT_BODY_BYTES = MAX_DEPLOYMENT_BYTES + MIB
# Flow nodes (tasks, events, gateways, sub-processes; sequence flows not counted) of one process.
# The largest model of this project has about 20; a model of 10,000 is already no business
# process anyone can read, while the linear parser handles it in about 0.3 s and its state stays
# small. Far larger ones (45,000 parse in about 1.3 s on the writer's side thread) only cost.
MAX_FLOW_NODES = 10_000
# Calls the engine holds open waiting for jobs: long-polled ActivateJobs (gRPC), held
# POST /v2/jobs/activation (REST) and open job streams (gRPC). Each holds a connection and a
# waiter; the project runs a few dozen workers. Above the limit a new one is refused at once
# instead of being held, so that file descriptors and memory stay bounded.
MAX_HELD_JOB_CALLS = 1_000
DEPLOYMENT_PATH = "/v2/deployments"
# Zeebe's default maximum gRPC message size (zeebe.gateway.network.maxMessageSize = 4MB).
MAX_GRPC_MESSAGE_BYTES = 4 * MIB
# Messages wait in the engine under these (for their time to live): keep them to a sane length.
MAX_MESSAGE_NAME_LENGTH = 1024
MAX_CORRELATION_KEY_LENGTH = 1024
MAX_MESSAGE_ID_LENGTH = 1024


def body_limit(path: str) -> int:
    return MAX_DEPLOYMENT_BODY_BYTES if path == DEPLOYMENT_PATH else MAX_REQUEST_BODY_BYTES


def check_message_names(name: str, correlation_key: str, message_id: str) -> None:
    """Raises InvalidArgument naming the field and the limit."""
    for field, value, limit in (
        ("name", name, MAX_MESSAGE_NAME_LENGTH),
        ("correlationKey", correlation_key, MAX_CORRELATION_KEY_LENGTH),
        ("messageId", message_id, MAX_MESSAGE_ID_LENGTH),
    ):
        if len(value) > limit:
            raise InvalidArgument(
                f"Expected the message {field} to be at most {limit} characters long, but it "
                f"has {len(value)}"
            )


def check_variables_size(variables: Any, what: str = "variables") -> None:
    """Raises InvalidArgument naming the limit; `variables` must already be JSON-serialisable."""
    size = len(
        json.dumps(variables, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
            "utf-8", "surrogatepass"
        )
    )
    if size > MAX_VARIABLES_BYTES:
        raise InvalidArgument(
            f"Expected {what} to be at most {MAX_VARIABLES_BYTES} bytes of JSON (the variable "
            f"document limit, see docs/limits.md), but they are {size} bytes"
        )


def check_resource_size(resource_name: str, size: int) -> None:
    if size > MAX_RESOURCE_BYTES:
        raise InvalidArgument(
            f"resource '{resource_name}' is larger than the limit of {MAX_RESOURCE_BYTES} bytes "
            "for one deployed resource (see docs/limits.md)"
        )


def check_deployment_size(sizes: dict[str, int]) -> None:
    """`sizes` maps each resource's name to its size in bytes."""
    if len(sizes) > MAX_DEPLOYMENT_RESOURCES:
        raise InvalidArgument(
            f"Expected at most {MAX_DEPLOYMENT_RESOURCES} resources in one deployment (see "
            f"docs/limits.md), but it has {len(sizes)}"
        )
    for name, size in sizes.items():
        check_resource_size(name, size)
    total = sum(sizes.values())
    if total > MAX_DEPLOYMENT_BYTES:
        raise InvalidArgument(
            f"the deployment's resources are {total} bytes together, above the limit of "
            f"{MAX_DEPLOYMENT_BYTES} bytes for one deployment (see docs/limits.md)"
        )


def check_flow_nodes(resource_name: str, process_id: str, count: int) -> None:
    if count > MAX_FLOW_NODES:
        raise InvalidArgument(
            f"'{resource_name}': process '{process_id}' has {count} flow nodes, above the limit "
            f"of {MAX_FLOW_NODES} flow nodes for one process (see docs/limits.md)"
        )


class HeldJobCalls:
    """Counts the calls held open waiting for jobs (long polls and job streams)."""

    def __init__(self, limit: int = MAX_HELD_JOB_CALLS) -> None:
        self.limit = limit
        self.count = 0
        self.refused = 0  # since start, for operators and tests

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Raises ResourceExhausted naming the limit when it is reached; otherwise the call
        counts as held until the block ends."""
        if self.count >= self.limit:
            self.refused += 1
            raise ResourceExhausted(
                f"Expected to hold at most {self.limit} job activations and job streams open at "
                f"once (the held job calls limit, see docs/limits.md), but {self.count} are "
                "held; try again later"
            )
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1
