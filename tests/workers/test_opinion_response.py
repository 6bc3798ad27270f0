"""Art. 19's numbering checks and the 舆情回应情况记录 (workers/opinion_response.py): bad input is
refused with a message naming the variable, and the record is written in Chinese."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workers.opinion_response import (
    OpinionFacts,
    OpinionResponseDataError,
    assign_case_number,
    check_origin_case_number,
    register_subjects,
    response_record,
)

FACTS = {
    "caseNumber": "游宣应〔2026〕1号",
    "originCaseNumber": "游纪澄〔2026〕2号",
    "unitId": "town-xinqiao",
    "opinionSummary": "网民质疑场镇改造项目停工",
    "requestedByName": "何平",
    "requestReason": "需说明改革背景",
    "responseMethod": "online-reply",
    "responseLine": "项目暂停系政策调整所致",
    "planApprovedBy": "邓华",
    "planApprovedOn": "2026-10-09",
    "respondedOn": "2026-10-10",
    "responseMade": "在政务平台回复网民留言",
    "respondedBy": "唐雪梅",
}


@pytest.mark.parametrize(
    "number", ["游容免〔2026〕3号", "游纪澄〔2026〕12号", " 游宣应〔2027〕1号 "]
)
def test_case_numbers_of_every_procedure_are_accepted(number: str) -> None:
    assert check_origin_case_number(number) == number.strip()


@pytest.mark.parametrize("number", [None, "", "第3号", "YRM-2026-3", "游容免[2026]3号"])
def test_a_request_without_a_case_number_names_the_variable(number: str | None) -> None:
    with pytest.raises(OpinionResponseDataError, match="originCaseNumber"):
        check_origin_case_number(number)


def test_the_register_knows_the_cadre_when_named_else_the_unit() -> None:
    assert register_subjects("王刚", "town-xinqiao") == [
        {"kind": "person", "name": "王刚", "unitId": "town-xinqiao"}
    ]
    assert register_subjects(" ", "town-xinqiao") == [
        {"kind": "unit", "name": "新桥镇", "unitId": "town-xinqiao"}
    ]
    with pytest.raises(OpinionResponseDataError, match="unitId"):
        register_subjects("王刚", "no-such-unit")


def test_numbers_follow_the_year_and_a_retry_keeps_its_number(tmp_path: Path) -> None:
    assert assign_case_number(tmp_path, 11, 2026) == "游宣应〔2026〕1号"
    assert assign_case_number(tmp_path, 12, 2026) == "游宣应〔2026〕2号"
    assert assign_case_number(tmp_path, 11, 2026) == "游宣应〔2026〕1号"


def test_the_record_is_written_in_chinese_from_the_case() -> None:
    document = response_record(OpinionFacts.model_validate(FACTS), date(2026, 10, 11))
    text = "".join(document.paragraphs)
    assert document.title == "舆情回应情况记录"
    assert document.issuing_organ == "中共绵阳市游仙区委宣传部"
    assert document.issue_date == date(2026, 10, 10)
    assert "涉及新桥镇的舆论" in text
    assert "经邓华于2026年10月9日审核同意，采取在网络平台回应的方式" in text
    assert not any(c.isascii() and c.isalpha() for c in text)


def test_a_record_missing_its_facts_names_them() -> None:
    facts = OpinionFacts.model_validate({**FACTS, "responseLine": None, "respondedBy": ""})
    with pytest.raises(OpinionResponseDataError, match="responseLine, respondedBy"):
        response_record(facts, date(2026, 10, 11))
    with pytest.raises(OpinionResponseDataError, match="responseMethod"):
        response_record(
            OpinionFacts.model_validate({**FACTS, "responseMethod": "tweet"}), date(2026, 10, 11)
        )
