"""Art. 8(1): what the examination of an application finds (findings, never a refusal)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.workers.support import valid_application
from workers.application import Application, examine_application


def findings_for(**changes: Any) -> list[str]:
    variables = {**valid_application(), **changes}
    return examine_application(Application.model_validate(variables)).application_findings


def test_complete_application_after_accountability_started_has_no_findings() -> None:
    assert findings_for() == []


def test_output_uses_the_contract_variable_names() -> None:
    examined = examine_application(Application.model_validate(valid_application()))
    assert examined.to_variables() == {"applicationFindings": []}


def test_application_on_the_day_accountability_started_has_no_findings() -> None:
    assert findings_for(accountabilityStartDate="2026-09-01") == []


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"accountabilityStarted": False}, "申请人未勾选已启动问责"),
        ({"accountabilityStarted": None}, "第八条第（一）项"),
        ({"applicantType": "company"}, "单位还是个人"),
        ({"applicantName": ""}, "申请人姓名"),
        ({"accountabilitySubjectGroup": None}, "问责主体所属机关"),
        ({"accountabilityStartDate": None}, "启动问责的日期"),
        ({"accountabilityStartDate": "2026-09-02"}, "晚于申请日期"),
        ({"accountabilityMatter": "  "}, "问责事项"),
        ({"accountabilitySubject": None}, "问责主体"),
        ({"conduct": ""}, "失误错误行为"),
        ({"claimedCircumstances": []}, "第七条"),
        ({"claimedCircumstances": ["art7-11"]}, "不属于第七条"),
        ({"lossRecoveryMeasures": None}, "挽回损失"),
        ({"supportingDocuments": "\n \n"}, "佐证材料"),
    ],
)
def test_each_deficiency_is_one_plain_chinese_finding(changes: dict[str, Any], phrase: str) -> None:
    [finding] = findings_for(**changes)
    assert phrase in finding
    # officers read it: no field names, no codes
    assert not any(c.isascii() and c.isalpha() for c in finding), finding


def test_missing_fields_are_findings_not_errors() -> None:
    findings = examine_application(Application.model_validate({})).application_findings
    assert len(findings) == 12
    assert not any(c.isascii() and c.isalpha() for c in "".join(findings))


def test_supporting_documents_may_be_a_list() -> None:
    assert findings_for(supportingDocuments=["会议纪要"]) == []


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
