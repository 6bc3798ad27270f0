"""A Zeebe gateway that does (almost) nothing: the floor for `make bench`.

It answers the calls the bench makes with the least bookkeeping that still lets pyzeebe workers
run the same three-step process: each created instance becomes a job of the first step, each
completed job becomes a job of the next step, and variables are merged. What our engine adds on
top of this (parsing, FEEL, records, SQLite durability) is what the bench measures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from collections import deque
from typing import Any

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

STEPS = ("bench.step-1", "bench.step-2", "bench.step-3")


class NullGateway(pb_grpc.GatewayServicer):
    def __init__(self) -> None:
        self._keys = itertools.count(2251799813685249)
        self._queues: dict[str, deque[tuple[int, int, dict[str, Any]]]] = {
            s: deque() for s in STEPS
        }
        self._jobs: dict[int, tuple[int, int, dict[str, Any]]] = {}
        self._ready: dict[str, asyncio.Event] = {s: asyncio.Event() for s in STEPS}

    def _enqueue(self, step: int, instance: int, variables: dict[str, Any]) -> None:
        job_type = STEPS[step]
        self._queues[job_type].append((step, instance, variables))
        self._ready[job_type].set()

    async def Topology(self, request: Any, context: Any) -> Any:
        return pb.TopologyResponse(clusterSize=1, partitionsCount=1, replicationFactor=1)

    async def CreateProcessInstance(self, request: Any, context: Any) -> Any:
        instance = next(self._keys)
        self._enqueue(0, instance, json.loads(request.variables or "{}"))
        return pb.CreateProcessInstanceResponse(
            processDefinitionKey=1,
            bpmnProcessId=request.bpmnProcessId,
            version=1,
            processInstanceKey=instance,
        )

    async def ActivateJobs(self, request: Any, context: Any) -> Any:
        queue = self._queues.get(request.type)
        if queue is None:
            return
        if not queue:
            self._ready[request.type].clear()
            try:
                await asyncio.wait_for(self._ready[request.type].wait(), timeout=10)
            except TimeoutError:
                return
        jobs: list[Any] = []
        while queue and len(jobs) < max(1, request.maxJobsToActivate):
            step, instance, variables = queue.popleft()
            key = next(self._keys)
            self._jobs[key] = (step, instance, variables)
            jobs.append(
                pb.ActivatedJob(
                    key=key,
                    type=request.type,
                    processInstanceKey=instance,
                    bpmnProcessId="bench-three-steps",
                    processDefinitionVersion=1,
                    processDefinitionKey=1,
                    elementId=request.type,
                    elementInstanceKey=key,
                    customHeaders="{}",
                    worker=request.worker,
                    retries=3,
                    deadline=0,
                    variables=json.dumps(variables),
                )
            )
        if jobs:
            yield pb.ActivateJobsResponse(jobs=jobs)

    async def CompleteJob(self, request: Any, context: Any) -> Any:
        step, instance, variables = self._jobs.pop(request.jobKey)
        variables.update(json.loads(request.variables or "{}"))
        if step + 1 < len(STEPS):
            self._enqueue(step + 1, instance, variables)
        return pb.CompleteJobResponse()


async def serve(address: str) -> None:
    server = grpc.aio.server()
    # The stub marks every RPC abstract; the ones left out answer UNIMPLEMENTED at run time.
    pb_grpc.add_GatewayServicer_to_server(NullGateway(), server)  # type: ignore[abstract]
    server.add_insecure_port(address)
    await server.start()
    print(f"null gateway listening on {address}", flush=True)
    print("ready", flush=True)
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grpc-address", default="127.0.0.1:26599")
    args = parser.parse_args()
    asyncio.run(serve(args.grpc_address))


if __name__ == "__main__":
    main()
