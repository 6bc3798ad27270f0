"""Art. 8(1): admissibility of an application."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.workers.support import valid_application
from workers.application import Application, validate_application


def verdict_for(**changes: Any) -> tuple[bool, list[str]]:
    variables = {**valid_application(), **changes}
    verdict = validate_application(Application.model_validate(variables))
    return verdict.application_valid, verdict.invalid_reasons


def test_complete_application_after_accountability_started_is_valid() -> None:
    assert verdict_for() == (True, [])


def test_output_uses_the_contract_variable_names() -> None:
    verdict = validate_application(Application.model_validate(valid_application()))
    assert verdict.to_variables() == {"applicationValid": True, "invalidReasons": []}


def test_application_on_the_day_accountability_started_is_valid() -> None:
    assert verdict_for(accountabilityStartDate="2026-09-01")[0] is True


@pytest.mark.parametrize(
    ("changes", "field", "phrase"),
    [
        ({"accountabilityStarted": False}, "accountabilityStarted", "尚未启动问责"),
        ({"accountabilityStarted": None}, "accountabilityStarted", "第八条第（一）项"),
        ({"applicantType": "company"}, "applicantType", "单位"),
        ({"applicantName": ""}, "applicantName", "申请人"),
        ({"accountabilitySubjectGroup": None}, "accountabilitySubjectGroup", "问责主体"),
        ({"accountabilityStartDate": None}, "accountabilityStartDate", "第八条第（一）项"),
        ({"accountabilityStartDate": "2026-09-02"}, "accountabilityStartDate", "尚未启动问责"),
        ({"accountabilityMatter": "  "}, "accountabilityMatter", "问责事项"),
        ({"accountabilitySubject": None}, "accountabilitySubject", "问责主体"),
        ({"conduct": ""}, "conduct", "失误错误行为"),
        ({"claimedCircumstances": []}, "claimedCircumstances", "第七条"),
        ({"claimedCircumstances": ["art7-11"]}, "claimedCircumstances", "art7-11"),
        ({"lossRecoveryMeasures": None}, "lossRecoveryMeasures", "挽回损失"),
        ({"supportingDocuments": "\n \n"}, "supportingDocuments", "佐证材料"),
    ],
)
def test_each_deficiency_is_a_reason_naming_the_field(
    changes: dict[str, Any], field: str, phrase: str
) -> None:
    valid, reasons = verdict_for(**changes)
    assert valid is False
    assert len(reasons) == 1
    assert field in reasons[0]
    assert phrase in reasons[0]


def test_missing_fields_are_reasons_not_errors() -> None:
    verdict = validate_application(Application.model_validate({}))
    assert verdict.application_valid is False
    named = " ".join(verdict.invalid_reasons)
    for field in (
        "applicantType",
        "applicantName",
        "applicationDate",
        "accountabilityStarted",
        "accountabilityStartDate",
        "accountabilityMatter",
        "accountabilitySubject",
        "accountabilitySubjectGroup",
        "conduct",
        "claimedCircumstances",
        "lossRecoveryMeasures",
        "supportingDocuments",
    ):
        assert field in named


def test_supporting_documents_may_be_a_list() -> None:
    assert verdict_for(supportingDocuments=["会议纪要"])[0] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"applicantName": 42}, "applicantName"),
        ({"applicationDate": "yesterday"}, "applicationDate"),
        ({"claimedCircumstances": "art7-1"}, "claimedCircumstances"),
        ({"accountabilityStartDate": 20260820}, "accountabilityStartDate"),
    ],
)
def test_data_of_the_wrong_type_is_an_error_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Application.model_validate({**valid_application(), **changes})
    assert field in str(raised.value)
