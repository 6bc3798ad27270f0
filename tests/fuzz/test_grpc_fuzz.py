"""Property-based run over every RPC of Zeebe's gateway, with the request messages of pyzeebe's
generated stubs built by hypothesis from their descriptors: random (surrogate-free) text, huge and
negative numbers, unknown enum values, JSON-ish variables. Against a served engine, as the demo
admin: no call ends in INTERNAL or UNKNOWN, and the gateway keeps serving.

Bounded and repeatable: a fixed example count per RPC, derandomized, no example database.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import (  # type: ignore[import-untyped]
    Descriptor,
    FieldDescriptor,
    MethodDescriptor,
)
from google.protobuf.message import Message  # type: ignore[import-untyped]
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyzeebe.proto import gateway_pb2

from tests.fuzz.conftest import ADMIN_TOKEN, ServedEngine

# FUZZ_EXAMPLES raises the count for a deeper run by hand; CI keeps the bounded default.
EXAMPLES_PER_RPC = 4 * int(os.environ.get("FUZZ_EXAMPLES", "25"))
MAX_DEPTH = 3
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE}
METADATA = (("authorization", f"Bearer {ADMIN_TOKEN}"),)
# Requests that would hold the call open (long polls, awaiting a result) get short holds so the
# run stays bounded; every other field stays as generated.
HOLD_MS = 50

TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
NAMES = st.sampled_from(["", " ", "a", "review", "caseClosedEnd", "容错免责", "x" * 300])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
JSON_TEXT = st.one_of(
    st.dictionaries(TEXT, JSON_VALUES, max_size=5).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    TEXT,  # not JSON at all
    st.just(""),
)
_BOUNDS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    extremes = [v for v in (low, high, -1, 0, 1, 2**31, 2**53 + 1) if low <= v <= high]
    return st.sampled_from(extremes) | st.integers(low, high)


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        if "variables" in field.name.lower() or field.name in ("customHeaders", "payload"):
            return JSON_TEXT
        return NAMES | TEXT
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64) | st.just(b"<bpmn:definitions/>")
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=False, width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64)
    if kind == FieldDescriptor.TYPE_ENUM:
        # proto3 enums are open: numbers the schema does not name travel too.
        return st.sampled_from([v.number for v in field.enum_type.values]) | _integers(
            -(2**31), 2**31 - 1
        )
    low, high = _BOUNDS[kind]
    return _integers(low, high)


def _message(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of field values for `descriptor`; any subset of its fields is set."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if depth >= MAX_DEPTH:
                continue
            if field.message_type.GetOptions().map_entry:
                key, value = field.message_type.fields
                fields[field.name] = st.dictionaries(_scalar(key), _scalar(value), max_size=3)
                continue
            inner: st.SearchStrategy[Any] = _message(field.message_type, depth + 1)
        else:
            inner = _scalar(field)
        if field.is_repeated:
            inner = st.lists(inner, max_size=3)
        fields[field.name] = inner
    return st.fixed_dictionaries({}, optional=fields)


def _build(descriptor: Descriptor, values: dict[str, Any]) -> Message:
    cls = _class_of(descriptor)
    message = cls()
    for name, value in values.items():
        field = descriptor.fields_by_name[name]
        if (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and not field.message_type.GetOptions().map_entry
        ):
            if field.is_repeated:
                getattr(message, name).extend(_build(field.message_type, v) for v in value)
            else:
                getattr(message, name).CopyFrom(_build(field.message_type, value))
        elif field.is_repeated and field.type != FieldDescriptor.TYPE_MESSAGE:
            getattr(message, name).extend(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            getattr(message, name).update(value)
        else:
            setattr(message, name, value)
    return message


def _class_of(descriptor: Descriptor) -> type[Message]:
    names = descriptor.full_name.split(".")[1:]  # drop the package
    found: Any = gateway_pb2
    for name in names:
        found = getattr(found, name)
    return found  # type: ignore[no-any-return]


def _bounded(method: str, values: dict[str, Any]) -> dict[str, Any]:
    if method in ("ActivateJobs", "CreateProcessInstanceWithResult"):
        values["requestTimeout"] = HOLD_MS
    return values


def _call(channel: grpc.Channel, method: MethodDescriptor, request: Message) -> grpc.StatusCode:
    path = f"/{method.containing_service.full_name}/{method.name}"
    response_class = _class_of(method.output_type)
    try:
        if method.server_streaming:
            stream = channel.unary_stream(
                path,
                request_serializer=type(request).SerializeToString,
                response_deserializer=response_class.FromString,
            )(request, metadata=METADATA, timeout=1.0)
            for _ in stream:  # StreamActivatedJobs never ends by itself: the deadline ends it
                pass
        else:
            channel.unary_unary(
                path,
                request_serializer=type(request).SerializeToString,
                response_deserializer=response_class.FromString,
            )(request, metadata=METADATA, timeout=10.0)
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


GATEWAY = gateway_pb2.DESCRIPTOR.services_by_name["Gateway"]
METHODS = list(GATEWAY.methods)


@dataclass
class Tally:
    examples: int = 0
    statuses: Counter[str] = dataclass_field(default_factory=Counter)
    failures: list[str] = dataclass_field(default_factory=list)


def _fuzz_rpc(channel: grpc.Channel, method: MethodDescriptor, tally: Tally) -> None:
    @settings(
        max_examples=EXAMPLES_PER_RPC,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(values=_message(method.input_type))
    def run(values: dict[str, Any]) -> None:
        tally.examples += 1
        request = _build(method.input_type, _bounded(method.name, values))
        code = _call(channel, method, request)
        tally.statuses[code.name] += 1
        if code in FORBIDDEN:
            tally.failures.append(f"{method.name} -> {code.name}: {values!r}"[:800])

    run()


@pytest.mark.timeout(300)
def test_every_gateway_rpc_holds_under_fuzzing(served_engine: ServedEngine) -> None:
    tally = Tally()
    started = time.monotonic()
    with grpc.insecure_channel(served_engine.grpc) as channel:
        for method in METHODS:
            _fuzz_rpc(channel, method, tally)
            assert served_engine.alive(), f"the engine died fuzzing {method.name}"
            topology = _call(
                channel, GATEWAY.methods_by_name["Topology"], gateway_pb2.TopologyRequest()
            )
            assert topology is grpc.StatusCode.OK, f"no topology after fuzzing {method.name}"
    elapsed = time.monotonic() - started
    print(
        f"\ngRPC fuzz: {len(METHODS)} RPCs, {tally.examples} examples in {elapsed:.1f} s, "
        f"statuses {dict(sorted(tally.statuses.items()))}, {len(tally.failures)} failures"
    )
    for failure in tally.failures:
        print(failure)
    assert not tally.failures, "\n".join(tally.failures[:20])
