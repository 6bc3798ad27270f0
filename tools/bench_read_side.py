"""`make bench` (third part): the read side (issue 15, engine round 2).

1. Search latency on the read model at 10,000 and 100,000 process instances (each with a user
   task and two variables): the first page of the searches the desk and Operate make, median
   of repeated runs. The read model is fed the records such instances write, straight into
   engine.read_store (the engine itself would take minutes to write 100,000 cases here).
2. Memory the read side keeps in Python at 5,000 instances, against the same items held as
   Python dicts (what the in-memory History of round 1 kept).
3. Command throughput with the exporter on against off (records not handed over), the two
   engines driven in turns in one process as in tools/bench_history.py.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.core.records import Intent, Record, RecordType, ValueType
from engine.read_sql import BY_RESOURCE
from engine.read_store import READ_MODEL_FILE, ReadStore
from engine.search_query import SearchResource

START_MS = 1_767_574_800_000
FEED_BATCH = 10_000


def _records(instances: int) -> Iterator[Record]:
    position = 0

    def record(key: int, value_type: ValueType, intent: str, value: dict[str, Any]) -> Record:
        nonlocal position
        position += 1
        return Record(
            position=position,
            key=key,
            record_type=RecordType.EVENT,
            value_type=value_type,
            intent=intent,
            timestamp=START_MS + position,
            rejection_type="",
            rejection_reason="",
            value=value,
        )

    for i in range(instances):
        instance = 2_251_799_813_685_250 + 10 * i
        common = {"processDefinitionKey": 1, "bpmnProcessId": "case", "tenantId": "<default>"}
        yield record(
            instance,
            ValueType.PROCESS_INSTANCE,
            Intent.ELEMENT_ACTIVATING,
            common | {"bpmnElementType": "PROCESS", "processInstanceKey": instance, "version": 1},
        )
        for offset, (name, value) in enumerate(
            (("caseNumber", f'"游纪容〔2026〕{i}号"'), ("applicant", f'"申请人{i % 97}"')), 1
        ):
            yield record(
                instance + offset,
                ValueType.VARIABLE,
                Intent.CREATED,
                {
                    "name": name,
                    "value": value,
                    "scopeKey": instance,
                    "processInstanceKey": instance,
                    "tenantId": "<default>",
                },
            )
        element = instance + 3
        yield record(
            element,
            ValueType.PROCESS_INSTANCE,
            Intent.ELEMENT_ACTIVATING,
            common
            | {
                "bpmnElementType": "USER_TASK",
                "elementId": "review",
                "flowScopeKey": instance,
                "processInstanceKey": instance,
            },
        )
        yield record(
            instance + 4,
            ValueType.USER_TASK,
            Intent.CREATED,
            common
            | {
                "elementId": "review",
                "elementInstanceKey": element,
                "processInstanceKey": instance,
                "candidateGroupsList": [f"office-{i % 50}"],
                "assignee": f"officer-{i % 200}" if i % 3 == 1 else "",
            },
        )
        if i % 3 == 0:  # a third of the cases finished
            yield record(
                instance,
                ValueType.PROCESS_INSTANCE,
                Intent.ELEMENT_COMPLETED,
                common | {"bpmnElementType": "PROCESS", "processInstanceKey": instance},
            )


def _feed(store: ReadStore, instances: int) -> float:
    started = time.perf_counter()
    batch: list[Record] = []
    for record in _records(instances):
        batch.append(record)
        if len(batch) >= FEED_BATCH:
            store.apply(batch)
            batch = []
    store.apply(batch)
    return time.perf_counter() - started


def _searches() -> dict[str, tuple[SearchResource, dict[str, Any]]]:
    from engine.http.search import PROCESS_INSTANCES, USER_TASKS

    return {
        "process instances, first page": (PROCESS_INSTANCES, {}),
        "process instances, newest first": (
            PROCESS_INSTANCES,
            {"sort": [{"field": "startDate", "order": "DESC"}]},
        ),
        "active process instances": (PROCESS_INSTANCES, {"filter": {"state": "ACTIVE"}}),
        "by case number (variable)": (
            PROCESS_INSTANCES,
            {"filter": {"variables": [{"name": "caseNumber", "value": '"游纪容〔2026〕77号"'}]}},
        ),
        "an officer's open tasks": (
            USER_TASKS,
            {
                "filter": {
                    "state": "CREATED",
                    "$or": [
                        {"assignee": "officer-7"},
                        {"candidateGroup": {"$in": ["office-7"]}},
                    ],
                }
            },
        ),
    }


def _latency(store: ReadStore, runs: int) -> dict[str, float]:
    from engine.http.search import parse_search_request

    medians = {}
    for name, (resource, body) in _searches().items():
        query = parse_search_request(body, resource)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            store.search(query)
            timings.append((time.perf_counter() - started) * 1000)
        medians[name] = round(statistics.median(timings), 2)
    return medians


def search_latency(sizes: list[int], runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-read-") as folder:
            store = ReadStore(Path(folder) / READ_MODEL_FILE, lambda key: None)
            seconds = _feed(store, size)
            results[f"{size} instances"] = {
                "feed_records_per_second": round(sum(1 for _ in _records(size)) / seconds),
                "median_ms": _latency(store, runs),
                "read_model_mb": round((Path(folder) / READ_MODEL_FILE).stat().st_size / 2**20, 1),
            }
            store.close()
    return results


def memory(instances: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-read-") as folder:
        gc.collect()
        tracemalloc.start()
        store = ReadStore(Path(folder) / READ_MODEL_FILE, lambda key: None)
        _feed(store, instances)
        gc.collect()
        kept_by_read_side = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        gc.collect()
        tracemalloc.start()
        as_dicts = {name: store.all_items(table) for name, table in BY_RESOURCE.items()}
        gc.collect()
        kept_as_dicts = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del as_dicts
        store.close()
    return {
        "instances": instances,
        "read_side_python_kb": round(kept_by_read_side / 1024, 1),
        "same_items_as_dicts_mb": round(kept_as_dicts / 2**20, 1),
    }


async def throughput(instances: int, turns: int) -> dict[str, Any]:
    from tools.bench_history import _finish, _open

    with tempfile.TemporaryDirectory(prefix="bench-read-") as folder:
        engines = {
            "exporter-on": await _open(Path(folder) / "on", snapshot_every=0),
            "exporter-off": await _open(Path(folder) / "off", snapshot_every=0),
        }
        engines["exporter-off"].read_side.exporter.offer = lambda records: None
        seconds = dict.fromkeys(engines, 0.0)
        per_turn = max(100, instances // turns)
        for service in engines.values():  # warm-up
            await _finish(service, 100)
        for _ in range(turns):
            for name, service in engines.items():
                started = time.perf_counter()
                await _finish(service, per_turn)
                seconds[name] += time.perf_counter() - started
        for service in engines.values():
            await service.close()
    rates = {name: round(per_turn * turns / s, 1) for name, s in seconds.items()}
    return {
        "instances_each": per_turn * turns,
        "per_second": rates,
        "ratio_on_off": round(rates["exporter-on"] / rates["exporter-off"], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--memory-instances", type=int, default=5000)
    parser.add_argument("--throughput-instances", type=int, default=3000)
    parser.add_argument("--turns", type=int, default=6)
    args = parser.parse_args()
    report = {
        "search_latency": search_latency([int(s) for s in args.sizes.split(",")], args.runs),
        "memory": memory(args.memory_instances),
        "throughput": asyncio.run(throughput(args.throughput_instances, args.turns)),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
