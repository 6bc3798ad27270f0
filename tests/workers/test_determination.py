"""The rules an opinion must satisfy (workers.determination): each refusal names the field as the
form labels it, and the form's submission model applies the same rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from workers.determination import (
    ApprovalRecord,
    OpinionDraft,
    approval_refusal_text,
    approval_refusals,
    drop_stale_choices,
    opinion_refusals,
    refusal_text,
)
from workers.form_submissions import DeterminationOpinion, OpinionApproval

RECOGNISED = OpinionDraft(
    applicant_type="individual",
    recognised=True,
    circumstances=["art7-2"],
    distinction_experience="reform-inexperience",
    distinction_prohibition="no-explicit-restriction",
    distinction_intent="unintentional-for-development",
    public_interest=True,
    unforeseeable=True,
    reform_context=True,
    outcomes=["art9-1", "art9-4", "art9-5"],
    administrative_treatment="reduced",
    disciplinary_treatment="lighter",
)
NOT_RECOGNISED = replace(
    RECOGNISED,
    recognised=False,
    circumstances=None,
    public_interest=False,
    outcomes=None,
    administrative_treatment=None,
    disciplinary_treatment=None,
)


def fields(draft: OpinionDraft) -> list[str]:
    return [r.field for r in opinion_refusals(draft)]


def test_a_consistent_opinion_passes_either_way() -> None:
    assert opinion_refusals(RECOGNISED) == []
    assert opinion_refusals(NOT_RECOGNISED) == []
    assert refusal_text([]) is None


@pytest.mark.parametrize("circumstances", [None, []])
def test_recognised_without_an_art7_item_is_refused(circumstances: list[str] | None) -> None:
    draft = replace(RECOGNISED, circumstances=circumstances)
    assert fields(draft) == ["determinationCircumstances"]
    text = refusal_text(opinion_refusals(draft))
    assert text is not None and "“认定符合的第七条情形”" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"distinction_experience": "knowing-violation"}, "determinationDistinctionExperience"),
        ({"distinction_prohibition": "persisted-after-ban"}, "determinationDistinctionProhibition"),
        ({"distinction_intent": "private-gain-violation"}, "determinationDistinctionIntent"),
        ({"public_interest": False}, "determinationPublicInterest"),
        ({"unforeseeable": None}, "determinationUnforeseeable"),
        ({"reform_context": False}, "determinationReformContext"),
        ({"outcomes": []}, "determinationOutcomes"),
    ],
)
def test_recognition_contradicted_by_art3_art6_or_no_art9_item_is_refused(
    change: dict[str, Any], field: str
) -> None:
    draft = replace(RECOGNISED, **change)
    if change.get("outcomes") == []:
        draft = replace(draft, administrative_treatment=None, disciplinary_treatment=None)
    assert fields(draft) == [field]


def test_outcomes_for_a_case_not_recognised_are_refused() -> None:
    draft = replace(NOT_RECOGNISED, outcomes=["art9-4"], administrative_treatment="exempted")
    assert fields(draft) == ["determinationOutcomes", "determinationAdministrativeTreatment"]
    text = refusal_text(opinion_refusals(draft))
    assert text is not None and "不能适用第九条" in text and "不能选定免于处理" in text


def test_art9_4_and_5_need_their_degree_and_a_degree_needs_its_item() -> None:
    assert fields(replace(RECOGNISED, administrative_treatment=None)) == [
        "determinationAdministrativeTreatment"
    ]
    assert fields(replace(RECOGNISED, disciplinary_treatment="harsher")) == [
        "determinationDisciplinaryTreatment"
    ]
    assert fields(replace(RECOGNISED, outcomes=["art9-1", "art9-4"])) == [
        "determinationDisciplinaryTreatment"
    ]


def test_discipline_is_not_for_a_unit() -> None:
    unit = replace(RECOGNISED, applicant_type="unit")
    assert fields(unit) == ["determinationOutcomes"]
    assert "仅适用于个人" in (refusal_text(opinion_refusals(unit)) or "")
    assert fields(replace(unit, outcomes=["art9-1", "art9-4"], disciplinary_treatment=None)) == []


def test_leftovers_unchanged_since_the_last_check_are_dropped_new_ones_are_not() -> None:
    leftover = replace(
        NOT_RECOGNISED, outcomes=RECOGNISED.outcomes, administrative_treatment="reduced"
    )
    settled, dropped = drop_stale_choices(leftover, RECOGNISED)
    assert dropped == ["determinationOutcomes", "determinationAdministrativeTreatment"]
    assert opinion_refusals(settled) == []
    # with no earlier check, or a value changed since, it was submitted now: refused
    assert drop_stale_choices(leftover, None) == (leftover, [])
    changed = replace(leftover, outcomes=["art9-4"])
    settled, dropped = drop_stale_choices(changed, RECOGNISED)
    assert "determinationOutcomes" in fields(settled)


def opinion(**changes: Any) -> dict[str, Any]:
    return {
        "determinationRecognised": True,
        "determinationCircumstances": ["art7-2"],
        "determinationDistinctionExperience": "reform-inexperience",
        "determinationDistinctionProhibition": "no-explicit-restriction",
        "determinationDistinctionIntent": "unintentional-for-development",
        "determinationPublicInterest": True,
        "determinationUnforeseeable": True,
        "determinationReformContext": True,
        "determinationBackground": "背景、动机和后果",
        "determinationOutcomes": ["art9-5"],
        "determinationDisciplinaryTreatment": "reduced",
        "determinationReasoning": "理由",
        **changes,
    }


def test_the_form_model_refuses_with_the_same_message() -> None:
    DeterminationOpinion.model_validate(opinion())
    with pytest.raises(ValidationError) as refused:
        DeterminationOpinion.model_validate(opinion(determinationCircumstances=[]))
    assert "“认定符合的第七条情形”" in str(refused.value)
    with pytest.raises(ValidationError) as unit:
        DeterminationOpinion.model_validate(opinion(), context={"applicantType": "unit"})
    assert "仅适用于个人" in str(unit.value)


def test_the_approval_model_needs_how_and_who_and_remarks_to_send_back() -> None:
    meeting = {
        "opinionApproved": True,
        "approvalMethod": "meeting",
        "approvalMeetingDate": "2026-09-25",
        "approvalMinutesNumber": "游容领纪〔2026〕3号",
        "approvalDecidedBy": "王建国",
    }
    OpinionApproval.model_validate(meeting)
    for missing, label in (
        ("approvalMethod", "审定方式"),
        ("approvalMinutesNumber", "会议纪要编号"),
        ("approvalDecidedBy", "主持会议或签批的领导"),
    ):
        with pytest.raises(ValidationError) as refused:
            OpinionApproval.model_validate({k: v for k, v in meeting.items() if k != missing})
        assert label in str(refused.value), missing
    with pytest.raises(ValidationError) as refused:
        OpinionApproval.model_validate(meeting | {"opinionApproved": False})
    assert "退回修改意见" in str(refused.value)
    OpinionApproval.model_validate(
        {
            "opinionApproved": False,
            "approvalMethod": "circulation",
            "approvalCirculatedOn": "2026-09-30",
            "approvalDecidedBy": "王建国",
            "sendBackRemarks": "请补充理由",
        }
    )


def test_an_approval_names_what_it_does_not_record() -> None:
    record = ApprovalRecord(
        approved=False,
        method="circulation",
        meeting_date=None,
        minutes_number=None,
        circulated_on=None,
        decided_by=" ",
        send_back_remarks=None,
    )
    refusals = approval_refusals(record)
    assert [r.field for r in refusals] == [
        "approvalCirculatedOn",
        "approvalDecidedBy",
        "sendBackRemarks",
    ]
    text = approval_refusal_text(refusals)
    assert text is not None and "“传阅完成日期”" in text and "“退回修改意见”" in text
    assert approval_refusal_text([]) is None
