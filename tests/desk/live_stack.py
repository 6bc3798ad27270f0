"""The real stack for the desk's end-to-end test: `python -m engine serve` (demo identity), the
procedure's pyzeebe workers in a background thread, every model deployed through /v2."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.desk.browser import ROOT
from tests.ports import free_ports

DEMO_IDENTITY = ROOT / "engine" / "access" / "demo-identity.toml"
# The demo workers' public token (engine/access/demo-identity.toml): a worker account limited
# to the procedure's job types, as `make demo` gives the workers.
WORKER_TOKEN = "yxt_demo-worker-token-for-local-demo-only"


@dataclass
class LiveStack:
    api_url: str
    data_dir: Path
    grpc_address: str = ""

    def call(self, user: tuple[str, str], method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(method, f"{self.api_url}/v2{path}", json=body, auth=user, timeout=30)
        if answer.status_code >= 400:
            raise AssertionError(
                f"{method} {path} as {user[0]}: {answer.status_code} {answer.text}"
            )
        return answer.json() if answer.content else None

    def wait_for_task(
        self, user: tuple[str, str], element_id: str, timeout: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.call(
                user,
                "POST",
                "/user-tasks/search",
                {"filter": {"elementId": element_id, "state": "CREATED"}},
            )
            if found["items"]:
                item: dict[str, Any] = found["items"][0]
                return item
            time.sleep(0.2)
        raise AssertionError(f"no open user task {element_id} after {timeout} s")

    def wait_for_element(self, element_id: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.call(
                ("admin", "demo-admin"),
                "POST",
                "/element-instances/search",
                {"filter": {"elementId": element_id, "state": "ACTIVE"}},
            )
            if found["items"]:
                return
            time.sleep(0.2)
        raise AssertionError(f"element {element_id} not active after {timeout} s")


def _run_workers(address: str, stop: threading.Event, failures: list[BaseException]) -> None:
    async def work() -> None:
        from pyzeebe import ZeebeWorker

        from workers.channel import bearer_token_channel
        from workers.jobs import router

        channel = bearer_token_channel(address, WORKER_TOKEN)
        worker = ZeebeWorker(channel, name="desk-e2e-workers")
        worker.include_router(router)
        running = asyncio.create_task(worker.work())
        stopping = asyncio.create_task(asyncio.to_thread(stop.wait))
        await asyncio.wait([running, stopping], return_when=asyncio.FIRST_COMPLETED)
        await worker.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(running, timeout=10)
        await channel.close()

    try:
        asyncio.run(work())
    except BaseException as error:  # reported by the fixture, never lost in the thread
        failures.append(error)


@contextlib.contextmanager
def live_stack(tmp_path: Path) -> Iterator[LiveStack]:
    """The workers run in this process: the caller sets EXEMPTION_DATA_DIR (and NOTICE_TRANSPORT)
    for them, e.g. with monkeypatch, so nothing leaks into other tests."""
    data_dir = Path(os.environ["EXEMPTION_DATA_DIR"])
    grpc_port, http_port = free_ports(2)
    grpc_address = f"127.0.0.1:{grpc_port}"
    log = (tmp_path / "engine.log").open("w")
    engine = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--grpc-address",
            grpc_address,
            "--http-address",
            f"127.0.0.1:{http_port}",
            "--data-dir",
            str(tmp_path / "engine"),
            "--identity-file",
            str(DEMO_IDENTITY),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    stop = threading.Event()
    failures: list[BaseException] = []
    workers: threading.Thread | None = None
    try:
        assert engine.stdout is not None
        for line in engine.stdout:
            if line.strip() == "ready":
                break
        else:
            raise AssertionError(
                f"the engine did not start: {(tmp_path / 'engine.log').read_text()}"
            )
        # Keep reading, so a chatty engine never blocks on a full pipe.
        threading.Thread(target=engine.stdout.read, daemon=True).start()
        stack = LiveStack(
            api_url=f"http://127.0.0.1:{http_port}", data_dir=data_dir, grpc_address=grpc_address
        )
        models = sorted(
            [*ROOT.glob("bpmn/*.bpmn"), *ROOT.glob("bpmn/*.dmn"), *ROOT.glob("forms/*.form")]
        )
        files = [("resources", (path.name, path.read_bytes())) for path in models]
        deployed = httpx.post(
            f"{stack.api_url}/v2/deployments", files=files, auth=("admin", "demo-admin"), timeout=60
        )
        assert deployed.status_code == 200, deployed.text
        workers = threading.Thread(
            target=_run_workers, args=(grpc_address, stop, failures), daemon=True
        )
        workers.start()
        yield stack
        assert not failures, f"the workers failed: {failures!r}"
    finally:
        stop.set()
        if workers is not None:
            workers.join(timeout=15)
        engine.terminate()
        try:
            engine.wait(timeout=10)
        except subprocess.TimeoutExpired:
            engine.kill()
        log.close()


def sample_application(subject_group: str) -> dict[str, Any]:
    application: dict[str, Any] = json.loads(
        (ROOT / "tools" / "sample-application.json").read_text(encoding="utf-8")
    )
    application["accountabilitySubjectGroup"] = subject_group
    return application


# The demo identity's officer of each candidate group (password `demo-<username>`).
DEMO_OFFICERS = {
    "leading-group-office": "office",
    "subject-discipline-commission": "subject",
    "dept-audit": "audit",
    "dept-org-department": "orgdept",
    "leading-group": "leader",
    "org-personnel": "personnel",
    "district-committee": "committee",
}


def demo_officer(group: str) -> tuple[str, str]:
    if group not in DEMO_OFFICERS:
        raise AssertionError(f"the demo identity has no officer of group {group!r}")
    return (DEMO_OFFICERS[group], f"demo-{DEMO_OFFICERS[group]}")


@dataclass
class LiveCases:
    """tests/procedure/case_steps.py's TaskCompleter on the live stack: each task is claimed and
    completed over /v2 by the demo officer of the group it is offered to, so the case's history
    names who decided (as the desk records it)."""

    stack: LiveStack

    async def start_case(self, application: dict[str, Any]) -> Any:
        from tests.procedure.scenario import Case

        created = self.stack.call(
            ("office", "demo-office"),
            "POST",
            "/process-instances",
            {"processDefinitionId": "exemption-procedure", "variables": application},
        )
        return Case(int(created["processInstanceKey"]))

    def instances(self, case_key: int) -> set[str]:
        found = {str(case_key)}
        level = [str(case_key)]
        while level:
            children = self.stack.call(
                ("admin", "demo-admin"),
                "POST",
                "/process-instances/search",
                {"filter": {"parentProcessInstanceKey": {"$in": level}}, "page": {"limit": 1000}},
            )["items"]
            level = [str(child["processInstanceKey"]) for child in children]
            found.update(level)
        return found

    def open_task(self, case_key: int, element_id: str, candidate_group: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            keys = self.instances(case_key)
            items = self.stack.call(
                ("admin", "demo-admin"),
                "POST",
                "/user-tasks/search",
                {"filter": {"elementId": element_id, "state": "CREATED"}, "page": {"limit": 1000}},
            )["items"]
            for task in items:
                if str(task["processInstanceKey"]) in keys and (
                    not candidate_group or candidate_group in task["candidateGroups"]
                ):
                    found: dict[str, Any] = task
                    return found
            time.sleep(0.2)
        raise AssertionError(f"case {case_key}: no open user task {element_id} after 30 s")

    async def complete_task(
        self, case: Any, element_id: str, variables: dict[str, Any], *, candidate_group: str = ""
    ) -> dict[str, Any]:
        task = await asyncio.to_thread(self.open_task, int(case.key), element_id, candidate_group)
        group = next(g for g in task["candidateGroups"] if g in DEMO_OFFICERS)
        officer = demo_officer(group)
        key = task["userTaskKey"]
        self.stack.call(officer, "POST", f"/user-tasks/{key}/assignment", {"assignee": officer[0]})
        self.stack.call(officer, "POST", f"/user-tasks/{key}/completion", {"variables": variables})
        return task
