"""One run that writes every kind of record value the BPMN behaviour builds (instances, flows,
jobs, user tasks, timers, incidents, variables, message and signal subscriptions), so that a
run recorded before a refactoring can be compared with the same run after it.

`python -m tests.engine.recorded_scenario OUT.jsonl` records the run's records to OUT.jsonl,
one a line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.testing import EngineHarness

BPMN = Path(__file__).parent / "bpmn"
_FILE_TEXT = {"resource", "resources", "decisionRequirementsXml"}


async def run(h: EngineHarness) -> None:
    await h.deploy(
        BPMN / "gateways.bpmn",
        BPMN / "tasks.bpmn",
        BPMN / "review-form.form",
        BPMN / "call.bpmn",
        BPMN / "multi.bpmn",
        BPMN / "timers.bpmn",
        BPMN / "messages.bpmn",
        BPMN / "errors.bpmn",
        BPMN / "flow-events.bpmn",
    )
    # exclusive and parallel gateways, variables, jobs
    await h.start("gateways", {"amount": 5})
    await h.complete_job("small")
    await h.complete_job("p1")
    await h.complete_job("p2")
    # a condition no flow satisfies: an incident
    stuck = await h.start("gateways", {"other": 1})
    # service tasks with mappings, a user task
    tasks = await h.start("tasks", {"a": 2, "b": 3, "owner": "zhang"})
    [task] = h.engine.query.user_tasks(tasks)
    await h.commands.assign_user_task(task["userTaskKey"], "li")
    await h.commands.update_user_task(task["userTaskKey"], {"priority": 90})
    await h.complete_user_task("review", {"approved": True})
    # a call activity and its child
    await h.start("parent", {"childId": "child", "amount": 7})
    await h.complete_job("child-work", {"childResult": "done"})
    # multi-instance over a collection, parallel then sequential
    await h.start("multi", {"items": [1, 2, 3]})
    for _ in range(3):
        await h.complete_job("each")
    await h.complete_job("seq", {"found": True})
    # timers: a boundary timer cancelled by completion, a cycle that fires
    await h.start("timer-boundary", {})
    await h.advance_clock(timedelta(days=1, seconds=1))
    await h.complete_job("work")
    await h.start("timer-catch", {"delay": "PT1H"})
    await h.advance_clock(timedelta(hours=1))
    # message subscriptions, correlation, deletion
    await h.start("messages", {"orderId": "o-1"})
    await h.publish_message("paid", "o-1", {"paidAmount": 12})
    await h.publish_message("confirmed", "o-1")
    # error boundary events
    await h.start("errors")
    await h.throw_error("risky", "REJECTED", {"why": "incomplete"})
    # signals: subscriptions opened and deleted, a broadcast, an event-based gateway
    await h.start("await-reply", {"caseId": "c-1"})
    await h.start("terminate", {})
    await h.start("shout", {})
    # cancelling an instance terminates its elements and cancels its jobs
    doomed = await h.start("timer-boundary", {})
    await h.engine.cancel_process_instance(doomed)
    # ... resolves its incidents and cancels its user tasks
    await h.engine.cancel_process_instance(stuck)
    await h.engine.cancel_process_instance(await h.start("tasks", {"a": 1, "b": 1, "owner": "x"}))


def recorded(h: EngineHarness) -> list[dict[str, Any]]:
    """The run's records as comparable text: what a log replays, without write times and
    without the deployed files' text (the deployment is not what this run is about)."""
    out = []
    for record in h.engine.query.records():
        shown = record.to_json()
        shown.pop("timestamp", None)
        shown["value"] = {k: v for k, v in shown["value"].items() if k not in _FILE_TEXT}
        out.append(json.loads(json.dumps(shown, ensure_ascii=False)))
    return out


async def record() -> list[dict[str, Any]]:
    async with EngineHarness() as h:
        await run(h)
        return recorded(h)


if __name__ == "__main__":
    lines = (
        json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in asyncio.run(record())
    )
    Path(sys.argv[1]).write_text("\n".join(lines) + "\n", encoding="utf-8")
