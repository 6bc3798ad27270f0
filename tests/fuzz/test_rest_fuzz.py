"""Property-based run over our own `/v2/openapi.json` with schemathesis, against a served engine,
as the admin of the demo identity: every operation, valid and schema-violating requests; no 5xx,
every status documented, every body matching its documented schema and media type.

Bounded and repeatable: a fixed example count per operation and mode, derandomized generation,
no example database; about 40 s on the 2-core CI machine.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.http.int64 import int64
from tests.fuzz.conftest import ADMIN_HEADERS, ServedEngine

# FUZZ_EXAMPLES raises the count for a deeper run by hand; CI keeps the bounded default.
EXAMPLES_PER_MODE = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# Operations that hold a request open up to requestTimeout (the server's default when absent).
HELD = {"POST /v2/jobs/activation", "POST /v2/process-instances"}


@dataclass
class Tally:
    examples: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _fuzz_operation(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    engine: ServedEngine,
    session: requests.Session,
    tally: Tally,
) -> None:
    examples = EXAMPLES_PER_MODE

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Case) -> None:  # type: ignore[type-arg]
        tally.examples += 1
        body = case.body if isinstance(case.body, dict) else {}
        held = "requestTimeout" in body or operation.label in HELD
        if held and int64(body.get("requestTimeout", 0)) is not None:
            # Long polls and awaitCompletion would hold each example up to the server's default
            # wait: 50 ms keeps the run bounded and still takes the waiting path. A value that is
            # no int64 is left alone: it is what a negative example is about.
            body["requestTimeout"] = 50
        response = case.call(
            base_url=engine.http, session=session, headers=ADMIN_HEADERS, timeout=30
        )
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=_checks_for(operation.label, body))
        except FailureGroup as found:
            for failure in found.exceptions:
                tally.failures.append(
                    f"{operation.label} [{mode.value}] {response.status_code} "
                    f"{type(failure).__name__}: {_first_lines(failure)}\n"
                    f"  {case.as_curl_command()[:600]}\n  -> {response.text[:300]}"
                )

    run()


def _checks_for(label: str, body: dict[str, Any]) -> list[Any]:
    """What a schema cannot say is not held to "valid data is accepted": cursors are opaque
    tokens the server issued (a made-up string is rightly refused), and a deployment's files
    must be UTF-8 BPMN, DMN or forms, which "format: binary" cannot express."""
    page = body.get("page")
    if label == "POST /v2/deployments" or (
        isinstance(page, dict) and ({"after", "before"} & set(page))
    ):
        return [check for check in CHECKS if check is not positive_data_acceptance]
    return CHECKS


def _first_lines(failure: BaseException) -> str:
    return " / ".join(str(failure).splitlines()[:3])[:400]


@pytest.mark.timeout(300)
def test_every_operation_of_the_openapi_document_holds_under_fuzzing(
    served_engine: ServedEngine,
) -> None:
    schema = schemathesis.openapi.from_url(
        f"{served_engine.http}/v2/openapi.json", headers=ADMIN_HEADERS
    )
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    tally = Tally()
    started = time.monotonic()
    with requests.Session() as session:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                begun = time.monotonic()
                _fuzz_operation(operation, mode, served_engine, session, tally)
                spent = time.monotonic() - begun
                tally.seconds[operation.label] = tally.seconds.get(operation.label, 0) + spent
                assert served_engine.alive(), f"the engine died fuzzing {operation.label}"
    elapsed = time.monotonic() - started
    print(
        f"\nREST fuzz: {len(operations)} operations, {tally.examples} examples in {elapsed:.1f} s, "
        f"statuses {dict(sorted(tally.statuses.items()))}, {len(tally.failures)} failures"
    )
    print("slowest:", sorted(tally.seconds.items(), key=lambda kv: -kv[1])[:5])
    for failure in tally.failures:
        print(failure)
    assert not tally.failures, "\n".join(tally.failures[:20])
