"""Scenario (d) of the procedure (issue 5) through the product container's mapped ports, with the
container restarted while the publicity period runs.

A district-managed cadre is recognised, the opinion is published from 2026-09-28 over National
Day (7 working days: the period ends 2026-10-14T00:00+08:00), the case goes to the district
committee, which acknowledges it. The demo officers of the image's identity do every user task
over REST; the workers inside the container do every service task. The restart in the middle
must lose nothing: the same case, its variables, and its pending timer still due at the same
moment (shown by the clock: one second before, the case still waits; at the moment, it moves on).
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from pypdf import PdfReader

from tests.containers.conftest import TIMINGS, ProductContainer
from tests.containers.product_procedure import ProductProcedure
from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case, assert_passed_in_order, squeeze

# The first run of the session builds the images (about 2 minutes).
pytestmark = pytest.mark.timeout(900)

BEIJING = timezone(timedelta(hours=8))
# As tests/procedure/conftest.py opens its cases: the day after the application is dated.
CASE_OPENED_AT = datetime(2026, 9, 2, 9, 0, tzinfo=BEIJING)
PUBLICITY_ENDS = datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING)
WORKERS_DATA_DIR = "/var/lib/exemption/workers"  # docker/supervisor.py: <data dir>/workers
TWO_DEPARTMENTS = {
    "dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持"),
    "dept-org-department": steps.finding(
        "dept-org-department", "未发现谋取私利", circumstances=["art7-8"]
    ),
}


def in_container(product: ProductContainer, *command: str) -> str:
    """Runs a command in the product container as its user; fails with its output unless 0."""
    exit_code, output = product.wrapped().exec_run(
        list(command), environment={"EXEMPTION_DATA_DIR": WORKERS_DATA_DIR, "PYTHONUTF8": "1"}
    )
    text = bytes(output).decode("utf-8", errors="replace")
    assert exit_code == 0, f"`{' '.join(command)}` exited {exit_code} in the container:\n{text}"
    return text


def document_text(product: ProductContainer, document: dict[str, Any]) -> str:
    """The text of a PDF the workers generated in the container (the case variable names it)."""
    path = unquote(urlparse(str(document["uri"])).path)
    chunks, _ = product.wrapped().get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        member = archive.extractfile(archive.getmembers()[0])
        assert member is not None, f"{path} is not a file in the container"
        reader = PdfReader(io.BytesIO(member.read()))
    return squeeze("".join(page.extract_text() or "" for page in reader.pages))


def notices_sent(product: ProductContainer) -> set[tuple[str, str]]:
    """(notice type, recipient) of every delivery receipt in the container's outbox."""
    listing = in_container(
        product,
        "python",
        "-c",
        "import json, pathlib, sys; print(json.dumps([json.loads(p.read_text('utf-8')) "
        "for p in pathlib.Path(sys.argv[1]).glob('*.json')]))",
        f"{WORKERS_DATA_DIR}/notices",
    )
    return {(str(n["noticeType"]), str(n["recipient"])) for n in json.loads(listing)}


async def snapshot(run: ProductProcedure, case: Case) -> dict[str, Any]:
    """What must survive a restart: the case's instances, variables and where it waits."""
    instances = await run.instances(case)
    return {
        "instances": instances,
        "variables": {key: await run.variables(key) for key in instances},
        "active": await run.active(case),
        "path": await run.path(case),
    }


async def test_d_through_the_container_survives_a_restart_during_publicity(
    product: ProductContainer,
) -> None:
    started = time.monotonic()
    run = ProductProcedure(product)
    await run.pin_clock(CASE_OPENED_AT)

    case = await run.start_case(steps.application(districtManagedCadre=True))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(run, case, TWO_DEPARTMENTS)
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))

    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    publicity = await run.stage_variables(case, "publicity")
    assert publicity["publicityLastWorkingDay"] == "2026-10-13"
    assert publicity["publicityEndsAt"] == PUBLICITY_ENDS.isoformat()

    before = await snapshot(run, case)
    TIMINGS["procedure: restart mid-case to healthy"] = product.restart()
    after = await snapshot(run, case)

    assert product.logs().count("supervisor: all parts started") == 2  # it did restart
    assert after == before
    assert after["variables"][str(case.key)]["districtManagedCadre"] is True
    assert "publicity#publicityPeriodEnds" in after["active"]
    assert await run.state(case) == "ACTIVE"

    await run.set_clock(case, PUBLICITY_ENDS - timedelta(seconds=1))
    assert "publicity#publicityPeriodEnds" in await run.active(case), await run.describe(case)
    assert "publicity#publicityPeriodEnds" not in await run.path(case)

    await run.set_clock(case, PUBLICITY_ENDS)
    await run.wait_until_passed(case, "publicity#publicityPassedEnd")

    await steps.org_personnel_receipt(run, case)
    await run.set_clock(case, datetime(2026, 10, 20, 10, 0, tzinfo=BEIJING))
    await run.complete_task(
        case,
        "acknowledgeCommitteeRecord",
        {
            "committeeAcknowledgedOn": "2026-10-20",
            "committeeRecordNumber": "区委备〔2026〕12号",
            "committeeRemarks": "已备案",
        },
        candidate_group="district-committee",
    )
    await run.wait_until_completed(case)

    path = await run.path(case)
    assert_passed_in_order(
        path,
        "application#assignCaseNumber",
        "acceptance#officeAcceptanceReview",
        "acceptance#subjectAcceptanceOpinion",
        "investigation#assignDepartments",
        "investigation#draftDeterminationOpinion",
        "investigation#approveDeterminationOpinion",
        "investigation#generateDeterminationOpinion",
        "publicity#arrangePublicity",
        "publicity#computePublicityPeriod",
        "publicity#generatePublicityAnnouncement",
        "publicity#publicityPeriodEnds",
        "publicity#publicityPassedEnd",
        "exemption-procedure#objectionGateway",
        "feedback-filing#archiveCase",
        "exemption-procedure#cadreGateway",
        "committee-recording#reportToDistrictCommittee",
        "committee-recording#acknowledgeCommitteeRecord",
        "committee-recording#recordCommitteeAcknowledgement",
        "exemption-procedure#caseClosedAfterRecordEnd",
    )
    assert path.count("investigation#departmentInvestigation") == 2
    assert path.count("publicity#publicityPeriodEnds") == 1
    assert "publicity#handleObjection" not in path

    variables = await run.variables(case.key)
    case_number = variables["caseNumber"]
    assert case_number == "游容免〔2026〕1号"
    assert variables["accountabilitySubjectGroup"] == steps.SUBJECT_GROUP
    assert variables["publicityOutcome"] == "passed"
    assert variables["committeeRecord"]["recordNumber"] == "区委备〔2026〕12号"
    # recorded when the engine's clock says, not when the test machine ran it
    assert variables["committeeRecord"]["recordedAt"].startswith("2026-10-20T02:00:00")

    announcement = document_text(product, variables["publicityAnnouncementDocument"])
    for expected in (
        "容错免责审定意见公示公告",
        case_number,
        "李明",
        "自2026年9月28日次日起至2026年10月13日24时止",
        "认定符合容错免责情形",
    ):
        assert expected in announcement, expected
    feedback = document_text(product, variables["feedbackNoticeDocument"])
    assert case_number in feedback and "认定符合容错免责情形" in feedback
    assert "2026年10月14日（印章）" in feedback  # issued the day the publicity period ended
    assert notices_sent(product) == {
        ("acceptance-notice", "applicant"),
        ("determination-feedback", "applicant"),
        ("determination-feedback", "org-personnel"),
        ("determination-feedback", "accountability-subject"),
        ("committee-report", "district-committee"),
    }

    report = in_container(product, "python", "-m", "workers.archive", "verify", case_number)
    assert report.startswith("OK"), report
    manifest = json.loads(
        in_container(product, "sh", "-c", f"cat {WORKERS_DATA_DIR}/archive/*/manifest.json")
    )
    assert manifest["caseNumber"] == case_number
    archived = {f["kind"] for f in manifest["files"]}
    assert {"acceptance-notice", "determination-opinion", "feedback-notice"} <= archived
    TIMINGS["procedure: scenario (d) in the container, restart included"] = (
        time.monotonic() - started
    )
