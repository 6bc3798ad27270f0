"""Sample cases and jobs as the engine hands them out, for the workers' tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pyzeebe import Job, JobController

from workers.jobs import JOB_TIMEOUT_MS, router
from workers.working_days import BEIJING


def valid_application() -> dict[str, Any]:
    """An application as the start form `application-form` submits it."""
    return {
        "applicantType": "individual",
        "applicantName": "李明",
        "applicantUnit": "游仙区发展和改革局",
        "applicantPosition": "副局长",
        "applicantContact": "0816-1234567",
        "applicantEmail": "liming@example.org",
        "districtManagedCadre": True,
        "accountabilityStarted": True,
        "accountabilityMatter": "产业园区项目前期审批容缺受理",
        "accountabilityStartDate": "2026-08-20",
        "accountabilitySubject": "区纪委监委",
        "accountabilitySubjectGroup": "subject-discipline-commission",
        "accountabilityKinds": ["administrative"],
        "conduct": "为加快项目落地，在部分材料未齐备时先行受理审批",
        "claimedCircumstances": ["art7-2", "art7-8"],
        "lossRecoveryMeasures": "已督促企业补齐材料，项目未造成经济损失",
        "supportingDocuments": "会议纪要\n项目审批台账",
        "applicationDate": "2026-09-01",
    }


def determined_case() -> dict[str, Any]:
    """A case after the leading group approved a recognising opinion with publicity."""
    return {
        **valid_application(),
        "caseNumber": "游容免〔2026〕3号",
        "officeAcceptsApplication": True,
        "subjectAcceptsApplication": True,
        "officeReviewedOn": "2026-09-05",
        "subjectReviewedOn": "2026-09-07",
        "applicationAccepted": True,
        "investigatingDepartments": ["dept-audit", "dept-org-department"],
        "departmentFindings": [
            {
                "department": "dept-audit",
                "finding": {"investigationConclusion": "容缺受理程序有会议纪要支持"},
                "subjectConfirmation": {"concurs": True, "comments": None},
            },
            {
                "department": "dept-org-department",
                "finding": {"investigationConclusion": "未发现谋取私利"},
                "subjectConfirmation": {"concurs": False, "comments": "建议补充核实"},
            },
        ],
        "eligibilitySuggestion": {"suggestedRecognised": True, "suggestionReason": "符合两项情形"},
        "outcomeSuggestion": ["art9-1", "art9-2", "art9-3", "art9-4"],
        "determinationRecognised": True,
        "determinationCircumstances": ["art7-2", "art7-8"],
        "determinationDistinctionExperience": "reform-inexperience",
        "determinationDistinctionProhibition": "no-explicit-restriction",
        "determinationDistinctionIntent": "unintentional-for-development",
        "determinationOutcomes": ["art9-1", "art9-4"],
        "determinationReasoning": "失误系为推动项目落地，未谋取私利",
        "publicityRequired": True,
        "publicityScope": "区发展和改革局",
        "opinionApproved": True,
        "publicityStartDate": "2026-09-28",
        "publicityLastWorkingDay": "2026-10-13",
        "publicityEndsAt": "2026-10-14T00:00:00+08:00",
    }


def make_job(
    job_type: str,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
    *,
    process_instance_key: int = 2251799813685249,
    element_instance_key: int = 2251799813685300,
    key: int = 2251799813685400,
    retries: int = 3,
    engine_time: datetime | None = None,
) -> Job:
    """A job as the gateway activates it; `engine_time` is the engine clock at activation."""
    activated = engine_time or datetime(2026, 10, 13, 10, 0, tzinfo=BEIJING)
    return Job(
        key=key,
        type=job_type,
        process_instance_key=process_instance_key,
        bpmn_process_id="exemption-procedure",
        process_definition_version=1,
        process_definition_key=2251799813685200,
        element_id=job_type.replace(".", "-"),
        element_instance_key=element_instance_key,
        custom_headers=headers or {},
        worker="test-worker",
        retries=retries,
        deadline=int(activated.timestamp() * 1000) + JOB_TIMEOUT_MS,
        variables=variables,
    )


@dataclass
class RecordingGateway:
    """Stands in for pyzeebe's gateway adapter: records what the worker reports for a job."""

    completed: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    async def complete_job(self, job_key: int, variables: dict[str, Any]) -> None:
        self.completed.append({"job_key": job_key, "variables": variables})

    async def fail_job(self, **report: Any) -> None:
        self.failed.append(report)

    async def throw_error(self, **report: Any) -> None:
        self.errors.append(report)


async def run_job(job: Job) -> RecordingGateway:
    """Runs a job through pyzeebe's own handler pipeline, as a worker would after activation."""
    gateway = RecordingGateway()
    task = next(t for t in router.tasks if t.type == job.type)
    await task.job_handler(job, JobController(job, gateway))  # type: ignore[arg-type]
    return gateway


def pdf_text(path: Path) -> str:
    """The text of a PDF with line breaks removed, so phrases wrapped across lines still match."""
    reader = PdfReader(path)
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
