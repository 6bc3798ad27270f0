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
from tests.procedure.scenario import Case

DEMO_IDENTITY = ROOT / "engine" / "access" / "demo-identity.toml"
# The demo workers' public token (engine/access/demo-identity.toml): a worker account limited
# to the procedure's job types, as `make demo` gives the workers.
WORKER_TOKEN = "yxt_demo-worker-token-for-local-demo-only"

ADMIN = ("admin", "demo-admin")


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

    def wait_until_completed(self, instance_key: int | str, timeout: float = 30) -> None:
        """Until the process instance has completed, as the administrator reads it."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.call(ADMIN, "GET", f"/process-instances/{instance_key}")["state"]
            if state == "COMPLETED":
                return
            if time.monotonic() >= deadline:
                raise AssertionError(f"instance {instance_key} is {state} after {timeout} s")
            time.sleep(0.2)

    def wait_for_element(self, element_id: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.call(
                ADMIN,
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


# The demo officer of each group the procedure offers tasks to (engine/access/demo-identity.toml).
DEMO_OFFICERS = {
    "leading-group-office": ("office", "demo-office"),
    "subject-discipline-commission": ("subject", "demo-subject"),
    "dept-audit": ("audit", "demo-audit"),
    "dept-org-department": ("orgdept", "demo-orgdept"),
    "leading-group": ("leader", "demo-leader"),
    "org-personnel": ("personnel", "demo-personnel"),
    "district-committee": ("committee", "demo-committee"),
    "discipline-office": ("supervision", "demo-supervision"),
    "discipline-leaders": ("commissioner", "demo-commissioner"),
}


@dataclass
class LiveProcedure:
    """The step helpers' TaskCompleter (tests/procedure/case_steps.py) over the live stack: each
    task is completed over /v2 by the demo officer of the group it is offered to, so desk tests
    drive cases through the same steps as the procedure's tests."""

    stack: LiveStack
    timeout: float = 30

    async def start_case(self, application: dict[str, Any]) -> Case:
        created = await asyncio.to_thread(
            self.stack.call,
            DEMO_OFFICERS["leading-group-office"],
            "POST",
            "/process-instances",
            {"processDefinitionId": "exemption-procedure", "variables": application},
        )
        return Case(int(created["processInstanceKey"]))

    async def complete_task(
        self, case: Case, element_id: str, variables: dict[str, Any], *, candidate_group: str = ""
    ) -> dict[str, Any]:
        task = await self._open_task(case, element_id, candidate_group)
        officer = next(
            (DEMO_OFFICERS[g] for g in task.get("candidateGroups") or [] if g in DEMO_OFFICERS),
            None,
        )
        if officer is None:
            raise AssertionError(f"{element_id} is offered to {task.get('candidateGroups')}")
        key = task["userTaskKey"]
        # Claimed first, so the case's history names who decided (issue 13, item 1).
        await asyncio.to_thread(
            self.stack.call,
            officer,
            "POST",
            f"/user-tasks/{key}/assignment",
            {"assignee": officer[0]},
        )
        await asyncio.to_thread(
            self.stack.call,
            officer,
            "POST",
            f"/user-tasks/{key}/completion",
            {"variables": variables},
        )
        return task

    def open_task(self, case_key: int, element_id: str, candidate_group: str) -> dict[str, Any]:
        """The open user task `element_id` of the case, for a synchronous (Playwright) test."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            tree = self.case_instances(Case(case_key))
            found = self.stack.call(
                ("admin", "demo-admin"),
                "POST",
                "/user-tasks/search",
                {"filter": {"elementId": element_id, "state": "CREATED"}},
            )
            for task in found["items"]:
                in_case = str(task["processInstanceKey"]) in tree
                groups = task.get("candidateGroups") or []
                if in_case and (not candidate_group or candidate_group in groups):
                    return dict(task)
            time.sleep(0.2)
        raise AssertionError(f"no open user task {element_id} in case {case_key}")

    async def _open_task(self, case: Case, element_id: str, group: str) -> dict[str, Any]:
        tree = await asyncio.to_thread(self.case_instances, case)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = await asyncio.to_thread(
                self.stack.call,
                ("admin", "demo-admin"),
                "POST",
                "/user-tasks/search",
                {"filter": {"elementId": element_id, "state": "CREATED"}},
            )
            for task in found["items"]:
                in_case = str(task["processInstanceKey"]) in tree or not tree
                if in_case and (not group or group in (task.get("candidateGroups") or [])):
                    return dict(task)
            tree = await asyncio.to_thread(self.case_instances, case)
            await asyncio.sleep(0.2)
        raise AssertionError(f"no open user task {element_id} in case {case.key}")

    def case_instances(self, case: Case) -> set[str]:
        tree, level = {str(case.key)}, [str(case.key)]
        while level:
            found = self.stack.call(
                ("admin", "demo-admin"),
                "POST",
                "/process-instances/search",
                {"filter": {"parentProcessInstanceKey": {"$in": level}}, "page": {"limit": 100}},
            )
            level = [str(i["processInstanceKey"]) for i in found["items"]]
            level = [key for key in level if key not in tree]
            tree.update(level)
        return tree

    async def wait_until_closed(self, case: Case) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = await asyncio.to_thread(
                self.stack.call, ("admin", "demo-admin"), "GET", f"/process-instances/{case.key}"
            )
            if found["state"] != "ACTIVE":
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"case {case.key} still open after {self.timeout} s")
