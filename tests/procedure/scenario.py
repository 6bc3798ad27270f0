"""One case of the Article 8 procedure run end to end: the embedded engine, its gRPC gateway and
the real pyzeebe workers in one event loop, driven the way the office would drive it.

The clock is the engine's: it is pinned and only moved by the test. Asynchronous progress (the
workers picking up jobs) is awaited with a bounded poll on engine state, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from pypdf import PdfReader
from pyzeebe import ZeebeClient
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.core.records import Intent, ValueType
from engine.testing import EngineHarness, InstanceAssert
from tests.procedure import officers
from workers.form_submissions import FORM_SUBMISSIONS, ApplicationFormSubmission

REPO = Path(__file__).resolve().parents[2]
# Workers answer within milliseconds; PDF rendering takes the longest (~0.3 s each).
PROGRESS_TIMEOUT_S = 20.0
_POLL_INTERVAL_S = 0.01


class ProgressTimeout(AssertionError):
    """The case did not reach the expected state in time; the message says where it is."""


@dataclass
class Case:
    """A started case: the key of its root instance (`exemption-procedure` unless named)."""

    key: int
    process_id: str = "exemption-procedure"


@dataclass(frozen=True)
class SentNotice:
    notice_type: str
    recipient: str
    subject: str
    to: str
    attachments: list[str]


@dataclass
class ProcedureRun:
    harness: EngineHarness
    client: ZeebeClient
    gateway_stub: pb_grpc.GatewayStub
    data_dir: Path
    # The engine's /v2 REST API, as the desk uses it; officers authenticate with their token.
    rest: httpx.AsyncClient

    # -- starting and acting ---------------------------------------------------------------------
    async def start_case(self, application: dict[str, Any]) -> Case:
        # what the start form could submit, so the scenarios cannot drift from the form
        ApplicationFormSubmission.model_validate(application)
        created = await self.client.run_process("exemption-procedure", variables=application)
        return Case(int(created.process_instance_key))

    async def complete_task(
        self, case: Case, element_id: str, variables: dict[str, Any], *, candidate_group: str = ""
    ) -> dict[str, Any]:
        """Waits for the case's open user task `element_id` (optionally the one offered to
        `candidate_group`) and submits the form's variables."""
        task = await self.wait_for_user_task(case, element_id, candidate_group=candidate_group)
        FORM_SUBMISSIONS[self.form_id(task)].model_validate(variables)
        offered_to = [g for g in task["candidateGroups"] if g in officers.GROUPS]
        if not offered_to:
            raise AssertionError(
                f"user task {element_id} is offered to {task['candidateGroups']}, "
                "no group of the procedure's roles"
            )
        response = await self.submit_as(offered_to[0], int(task["userTaskKey"]), variables)
        assert response.status_code == 204, (
            f"{offered_to[0]} could not complete {element_id}: "
            f"{response.status_code} {response.text}"
        )
        return task

    async def submit_as(
        self, group: str, user_task_key: int, variables: dict[str, Any]
    ) -> httpx.Response:
        """`POST /v2/user-tasks/{key}/completion` as the officer of `group`."""
        return await self.rest.post(
            f"/v2/user-tasks/{user_task_key}/completion",
            json={"variables": variables},
            headers=officers.bearer(group),
        )

    async def publish_objection(
        self,
        case_number: str,
        content: str,
        objector: str,
        received_at: str,
        *,
        objection_id: str = "2026-异-001",
    ) -> None:
        """The message as the desk sends it (desk/objections.py). `objector` stays here, as it
        stays in the desk's confidential register: no identity reaches the engine (Art. 15)."""
        del objector
        await self.client.publish_message(
            "publicity-objection",
            correlation_key=case_number,
            variables={
                "objectionId": objection_id,
                "objectionContent": content,
                "objectionReceivedAt": received_at,
            },
            time_to_live_in_milliseconds=3_600_000,
        )

    async def publish_withdrawal(self, case_number: str, reason: str, received_at: str) -> None:
        """The applicant withdraws the application (8(2), before the acceptance decision)."""
        await self.client.publish_message(
            "application-withdrawal",
            correlation_key=case_number,
            variables={"withdrawalReason": reason, "withdrawalReceivedAt": received_at},
            time_to_live_in_milliseconds=3_600_000,
        )

    async def set_clock(self, case: Case, moment: datetime) -> None:
        """Moves the engine clock once no job of the case is waiting or in a worker's hands.

        A job's timeout runs on the engine clock: moving it by days while a worker renders a
        document would time the job out and have it done twice, dated differently.
        """
        await self.wait_until(case, "no job of the case is open", lambda: not self.open_jobs(case))
        await self.harness.set_clock(moment)

    async def advance_clock(self, case: Case, delta: timedelta) -> None:
        await self.set_clock(case, self.harness.now + delta)

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        await self.gateway_stub.UpdateJobRetries(
            pb.UpdateJobRetriesRequest(jobKey=job_key, retries=retries)
        )

    async def resolve_incident(self, incident_key: int) -> None:
        await self.gateway_stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident_key))

    def form_id(self, task: dict[str, Any]) -> str:
        """The formId of the form linked to a user task."""
        for form in self.harness.engine.query.forms():
            if str(form["formKey"]) == str(task["formKey"]):
                return str(form["formId"])
        raise AssertionError(f"user task {task['elementId']} has no deployed form: {task}")

    # -- reading the case ------------------------------------------------------------------------
    def instances(self, case: Case) -> dict[int, str]:
        """The case's process instances (root and every called stage): key -> process id."""
        root = self.harness.engine.query.process_instance(case.key) or {}
        found = {case.key: str(root.get("processDefinitionId") or "exemption-procedure")}
        for record in self.harness.engine.query.records(value_type=ValueType.PROCESS_INSTANCE):
            value = record.value
            if (
                record.intent == Intent.ELEMENT_ACTIVATING
                and value.get("bpmnElementType") == "PROCESS"
                and value.get("parentProcessInstanceKey") in found
            ):
                found[int(value["processInstanceKey"])] = str(value["bpmnProcessId"])
        return found

    def path(self, case: Case) -> list[str]:
        """Every element the case completed, as `process#element`, in the order they did."""
        keys = self.instances(case)
        return [
            f"{r.value['bpmnProcessId']}#{r.value['elementId']}"
            for r in self.harness.engine.query.records(value_type=ValueType.PROCESS_INSTANCE)
            if r.intent == Intent.ELEMENT_COMPLETED
            and r.value.get("processInstanceKey") in keys
            and r.value.get("bpmnElementType") not in ("PROCESS", "MULTI_INSTANCE_BODY")
        ]

    def active(self, case: Case) -> list[str]:
        query = self.harness.engine.query
        return [
            f"{process_id}#{e['elementId']}"
            for key, process_id in self.instances(case).items()
            for e in query.element_instances(key)
            if e["type"] not in ("PROCESS", "MULTI_INSTANCE_BODY")
        ]

    def user_tasks(self, case: Case) -> list[dict[str, Any]]:
        keys = self.instances(case)
        return [
            t
            for t in self.harness.engine.query.user_tasks()
            if t["processInstanceKey"] in keys and t["state"] == "CREATED"
        ]

    def open_jobs(self, case: Case) -> list[dict[str, Any]]:
        keys = self.instances(case)
        return [
            j
            for j in self.harness.engine.query.jobs()
            if j["processInstanceKey"] in keys and j["state"] in ("ACTIVATABLE", "ACTIVATED")
        ]

    def incidents(self, case: Case) -> list[dict[str, Any]]:
        keys = self.instances(case)
        return [i for i in self.harness.engine.query.incidents() if i["processInstanceKey"] in keys]

    def variables(self, case: Case) -> dict[str, Any]:
        return self.harness.engine.query.variables(case.key)

    def stage_variables(self, case: Case, process_id: str) -> dict[str, Any]:
        """Variables of the latest instance of a called stage; they reach the case only when the
        stage completes (`propagateAllChildVariables`)."""
        keys = [k for k, p in self.instances(case).items() if p == process_id]
        if not keys:
            raise AssertionError(f"stage {process_id} was never called; {self.describe(case)}")
        return self.harness.engine.query.variables(max(keys))

    def state(self, case: Case) -> str:
        info = self.harness.engine.query.process_instance(case.key)
        return str(info["state"]) if info else "UNKNOWN"

    def assert_root(self, case: Case) -> InstanceAssert:
        return self.harness.assert_instance(case.key)

    def describe(self, case: Case) -> str:
        incidents = [(i["elementId"], i["errorMessage"]) for i in self.incidents(case)]
        tasks = [t["elementId"] for t in self.user_tasks(case)]
        return (
            f"case {case.key} is {self.state(case)}; active {self.active(case)}; open user tasks "
            f"{tasks}; incidents {incidents}; path so far {self.path(case)}"
        )

    # -- waiting (bounded polls on engine state) -------------------------------------------------
    async def wait_until(
        self, case: Case, what: str, condition: Callable[[], bool], timeout_s: float = 0
    ) -> None:
        deadline = time.monotonic() + (timeout_s or PROGRESS_TIMEOUT_S)
        while True:
            await self.harness.engine.barrier()
            if condition():
                return
            if time.monotonic() > deadline:
                raise ProgressTimeout(f"timed out waiting until {what}; {self.describe(case)}")
            await asyncio.sleep(_POLL_INTERVAL_S)

    async def wait_for_user_task(
        self, case: Case, element_id: str, *, candidate_group: str = ""
    ) -> dict[str, Any]:
        def matching() -> list[dict[str, Any]]:
            return [
                t
                for t in self.user_tasks(case)
                if t["elementId"] == element_id
                and (not candidate_group or candidate_group in t["candidateGroups"])
            ]

        offered_to = f" for {candidate_group}" if candidate_group else ""
        await self.wait_until(
            case, f"user task {element_id}{offered_to} is open", lambda: bool(matching())
        )
        return matching()[0]

    async def wait_until_waiting_at(self, case: Case, element: str) -> None:
        """`element` is `process#element`."""
        await self.wait_until(
            case, f"the case waits at {element}", lambda: element in self.active(case)
        )

    async def wait_until_passed(self, case: Case, element: str) -> None:
        await self.wait_until(
            case, f"the case passed {element}", lambda: element in self.path(case)
        )

    async def wait_until_completed(self, case: Case) -> None:
        await self.wait_until(case, "the case completed", lambda: self.state(case) == "COMPLETED")

    async def wait_for_incident(self, case: Case) -> dict[str, Any]:
        await self.wait_until(case, "an incident is raised", lambda: bool(self.incidents(case)))
        return self.incidents(case)[0]

    # -- what the workers produced ---------------------------------------------------------------
    def notices(self) -> list[dict[str, Any]]:
        """Delivery receipts in the outbox, oldest first."""
        receipts = [
            json.loads(path.read_text(encoding="utf-8"))
            for path in (self.data_dir / "notices").glob("*.json")
        ]
        return sorted(receipts, key=lambda r: str(r.get("sentAt", "")))

    def notice_kinds(self) -> list[tuple[str, str]]:
        return sorted((str(n["noticeType"]), str(n["recipient"])) for n in self.notices())

    def outbox_messages(self) -> list[EmailMessage]:
        """The e-mails the file transport left in the outbox."""
        messages = []
        for path in sorted((self.data_dir / "outbox").glob("*.eml")):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            assert isinstance(message, EmailMessage)
            messages.append(message)
        return messages

    def sent(self) -> list[SentNotice]:
        """What the outbox delivered: one entry per e-mail, oldest notice key first."""
        return [
            SentNotice(
                notice_type=str(m["X-Notice-Type"]),
                recipient=str(m["X-Recipient-Role"]),
                subject=str(m["Subject"]),
                to=str(m["To"] or ""),
                attachments=[str(a.get_filename()) for a in m.iter_attachments()],
            )
            for m in self.outbox_messages()
        ]

    async def assert_verified_archive(self, case_number: str) -> dict[str, Any]:
        """Runs the operator's command `python -m workers.archive verify` on the case; returns
        the manifest."""
        env = {**os.environ, "EXEMPTION_DATA_DIR": str(self.data_dir)}
        verify = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "workers.archive",
            "verify",
            case_number,
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await verify.communicate()
        report = output.decode("utf-8", errors="replace")
        assert verify.returncode == 0 and report.startswith("OK"), report
        [manifest] = (self.data_dir / "archive").glob("*/manifest.json")
        loaded: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        assert loaded["caseNumber"] == case_number
        return loaded

    def document_text(self, document: dict[str, Any]) -> str:
        """The text of a generated PDF, as the case variable pointing at it names it."""
        reader = PdfReader(Path(unquote(urlparse(str(document["uri"])).path)))
        return "".join(page.extract_text() or "" for page in reader.pages)


def squeeze(text: str) -> str:
    """PDF text without line breaks and spaces, so phrases wrapped across lines still match."""
    return "".join(text.split())


def assert_passed_in_order(path: list[str], *elements: str) -> None:
    """The case completed `elements` (`process#element`) in this order, others may lie between."""
    position = 0
    for index, element in enumerate(elements):
        try:
            position = path.index(element, position) + 1
        except ValueError:
            raise AssertionError(
                f"after {list(elements[:index])} the case did not pass {element}; it passed:\n"
                + "\n".join(path)
            ) from None
