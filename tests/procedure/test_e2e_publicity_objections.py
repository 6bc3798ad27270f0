"""Art. 8(3) publicity with objections recorded in the desk (desk/objections.py), on the embedded
engine with the real workers; time moves by the engine clock, never by sleeping.

The objector's identity is confidential (cf. Art. 15): it stays in the desk's register, readable
only by the leading group office, and appears in no process variable and no document.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from pypdf import PdfReader

from tests.procedure import case_steps as steps
from tests.procedure import officers
from tests.procedure.desk_session import desk_for
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order, squeeze

BEIJING = timezone(timedelta(hours=8))
OFFICE = "leading-group-office"
OBJECTOR = "赵强"
CONTACT = "0816-7654321"


async def _in_publicity(run: ProcedureRun) -> Case:
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {"dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持")}
    )
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    return case


def _every_pdf_text(run: ProcedureRun) -> dict[str, str]:
    return {
        str(path.relative_to(run.data_dir)): squeeze(
            "".join(page.extract_text() or "" for page in PdfReader(path).pages)
        )
        for path in sorted(run.data_dir.rglob("*.pdf"))
    }


async def _variables_as(run: ProcedureRun, group: str, keys: list[int]) -> list[dict[str, Any]]:
    answer = await run.rest.post(
        "/v2/variables/search",
        json={
            "filter": {"processInstanceKey": {"$in": [str(k) for k in keys]}},
            "page": {"limit": 1000},
        },
        headers=officers.bearer(group),
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_an_objection_recorded_in_the_desk_answered_and_upheld_sends_the_case_back(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await _in_publicity(run)
    await run.set_clock(case, datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING))
    async with desk_for(run) as sign_in:
        office = sign_in(OFFICE)
        # the notice is there for the office and for managers while the period runs
        (publicity,) = [k for k, p in run.instances(case).items() if p == "publicity"]
        notice = f"/documents/{publicity}/publicityAnnouncementDocument"
        for reader in (office, sign_in("leading-group", roles=("manager",))):
            answer = await reader.get(notice)
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"] == "application/pdf"
        recorded = await office.post(
            f"/objections/{case.key}",
            steps.objection("审批材料系伪造，当事人事先知情", "2026-09-30", OBJECTOR),
        )
        assert recorded.status_code == 200, recorded.text
        objection_id = recorded.json()["objectionId"]
        assert recorded.json()["route"] == "in-period"
        assert objection_id == "2026-异-001"

        # the handling task shows number, content and date, never who objected
        task = await run.wait_for_user_task(case, "handleObjection", candidate_group=OFFICE)
        seen_by_task = run.stage_variables(case, "publicity")
        assert seen_by_task["objectionId"] == objection_id
        assert seen_by_task["objectionContent"] == "审批材料系伪造，当事人事先知情"
        assert OBJECTOR not in str(seen_by_task) and CONTACT not in str(seen_by_task)
        assert run.form_id(task) == "publicity-objection-handling"

        await steps.answer_objection(
            run, case, upheld=True, answer="经核实，所反映问题属实，本案退回调查核实"
        )
        await run.wait_until_passed(case, "exemption-procedure#notifyReinvestigation")
        # back to investigation: the leading group assigns departments again
        await run.wait_for_user_task(case, "assignDepartments", candidate_group="leading-group")
        assert_passed_in_order(
            run.path(case),
            "publicity#objectionReceived",
            "publicity#handleObjection",
            "publicity#generateObjectionReply",
            "publicity#objectionSubstantiatedEnd",
            "exemption-procedure#objectionGateway",
            "exemption-procedure#notifyReinvestigation",
            "exemption-procedure#investigationJoin",
        )
        variables = run.variables(case)
        assert variables["publicityOutcome"] == "objection-substantiated"
        [kept] = variables["objections"]
        assert kept["objectionId"] == objection_id
        assert kept["answer"] == "经核实，所反映问题属实，本案退回调查核实"
        reply = squeeze(run.document_text(variables["objectionReplyDocument"]))
        assert "关于容错免责审定意见公示异议的答复" in reply
        assert "经核实，所反映问题属实，本案退回调查核实" in reply
        assert objection_id in reply

        # the office reads who objected, with the answer the engine recorded
        listed = await office.get(f"/objections/{case.key}")
        assert listed.status_code == 200, listed.text
        [item] = listed.json()["items"]
        assert (item["objectorName"], item["objectorContact"]) == (OBJECTOR, CONTACT)
        assert item["answer"] == "经核实，所反映问题属实，本案退回调查核实"
        assert item["substantiated"] is True
        assert item["replyDocumentId"] == variables["objectionReplyDocument"]["documentId"]
        reply_pdf = await office.get(
            f"/documents/{case.key}/objectionReplyDocument?document={item['replyDocumentId']}"
        )
        assert reply_pdf.status_code == 200
        assert reply_pdf.headers["content-type"] == "application/pdf"

        # another officer of the case (the leading group) may not read the register at all; a
        # manager reads the objection and its answer, without the identity
        leader = sign_in("leading-group")
        assert (await leader.get(f"/objections/{case.key}")).status_code == 403
        manager = sign_in("leading-group", roles=("manager",))
        [for_manager] = (await manager.get(f"/objections/{case.key}")).json()["items"]
        assert for_manager["content"] == "审批材料系伪造，当事人事先知情"
        assert "objectorName" not in for_manager and "objectorContact" not in for_manager
        # nor can anyone outside the office record one
        refused = await leader.post(
            f"/objections/{case.key}", steps.objection("另有问题", "2026-09-30")
        )
        assert refused.status_code == 403
        assert "领导小组办公室" in refused.json()["detail"]

    # the engine never held the identity: not in the leading group's view of the case's
    # variables, not in any document
    leader_view = await _variables_as(run, "leading-group", list(run.instances(case)))
    assert leader_view, "the leading group reads the case's variables"
    assert not [v for v in leader_view if OBJECTOR in str(v["value"]) or CONTACT in str(v["value"])]
    texts = _every_pdf_text(run)
    assert any("公示异议的答复" in text for text in texts.values())
    assert [name for name, text in texts.items() if OBJECTOR in text or CONTACT in text] == []


async def test_a_late_objection_is_recorded_and_answered_not_lost(procedure: ProcedureRun) -> None:
    run = procedure
    case = await _in_publicity(run)
    await run.set_clock(case, datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING))
    await run.wait_until_passed(case, "publicity#publicityPassedEnd")
    await run.wait_for_user_task(case, "orgPersonnelReceipt", candidate_group="org-personnel")
    await run.set_clock(case, datetime(2026, 10, 15, 9, 0, tzinfo=BEIJING))

    async with desk_for(run) as sign_in:
        office = sign_in(OFFICE)
        recorded = await office.post(
            f"/objections/{case.key}",
            steps.objection("项目审批另有违规情形", "2026-10-15", OBJECTOR),
        )
        assert recorded.status_code == 200, recorded.text
        assert recorded.json()["route"] == "separate"
        late = Case(int(recorded.json()["processInstanceKey"]))
        task = await run.wait_for_user_task(late, "handleLateObjection", candidate_group=OFFICE)
        assert run.form_id(task) == "publicity-late-objection-handling"
        own = run.variables(late)
        assert own["caseNumber"] == run.variables(case)["caseNumber"]
        assert own["objectionAfterPeriod"] is True
        assert OBJECTOR not in str(own)
        await steps.answer_objection(
            run,
            late,
            upheld=False,
            answer="该异议于公示期满后收到，经核实所反映情形不属实",
            element_id="handleLateObjection",
        )
        await run.wait_until_completed(late)
        assert "publicity-late-objection#lateObjectionAnsweredEnd" in run.path(late)
        reply = squeeze(run.document_text(run.variables(late)["objectionReplyDocument"]))
        assert "该异议于公示期满后收到，经核实所反映情形不属实" in reply
        assert OBJECTOR not in reply

        [item] = (await office.get(f"/objections/{case.key}")).json()["items"]
        assert item["afterPeriod"] is True
        assert item["route"] == "separate"
        assert item["answer"] == "该异议于公示期满后收到，经核实所反映情形不属实"
        assert item["objectorName"] == OBJECTOR

    # the case itself goes on to its end
    await steps.org_personnel_receipt(run, case)
    await run.wait_until_completed(case)


async def test_a_late_objection_found_true_goes_to_the_leading_group(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await _in_publicity(run)
    await run.set_clock(case, datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING))
    await run.wait_until_passed(case, "publicity#publicityPassedEnd")
    async with desk_for(run) as sign_in:
        recorded = await sign_in(OFFICE).post(
            f"/objections/{case.key}", steps.objection("材料系伪造", "2026-10-14")
        )
        assert recorded.status_code == 200, recorded.text
    late = Case(int(recorded.json()["processInstanceKey"]))
    await steps.answer_objection(
        run,
        late,
        upheld=True,
        answer="所反映问题属实，已报领导小组研究",
        element_id="handleLateObjection",
    )
    await run.complete_task(
        late,
        "reviewLateObjection",
        {"leadingGroupObjectionDecision": "责成办公室依照第三章纠错改正的规定处理"},
        candidate_group="leading-group",
    )
    await run.wait_until_completed(late)
    assert "publicity-late-objection#lateObjectionReviewedEnd" in run.path(late)


async def test_a_publicity_start_date_in_the_past_is_refused_naming_the_field(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {"dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持")}
    )
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 30, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")

    # the office gets the arrangement back, told which field and why
    await run.wait_until(
        case,
        "the arrangement is offered again",
        lambda: (
            run.path(case).count("publicity#arrangePublicity") == 1
            and any(t["elementId"] == "arrangePublicity" for t in run.user_tasks(case))
        ),
    )
    publicity = run.stage_variables(case, "publicity")
    problem = publicity["publicityStartProblem"]
    assert "公示起始日" in problem and "2026-09-28" in problem and "2026-09-30" in problem
    assert "publicityEndsAt" not in publicity
    assert "publicity#generatePublicityAnnouncement" not in run.path(case)

    await steps.arrange_publicity(run, case, "2026-09-30")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    publicity = run.stage_variables(case, "publicity")
    assert publicity["publicityStartProblem"] is None
    # 7 working days after 30 September 2026, across the National Day holiday (1–7 October off,
    # Saturday 10 October worked): 8, 9, 10, 12, 13, 14, 15 October
    assert publicity["publicityLastWorkingDay"] == "2026-10-15"
