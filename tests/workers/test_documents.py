"""The notices and the written opinion as real PDFs with the case's content."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.workers.support import determined_case, pdf_text, valid_application
from workers.chinese_dates import chinese_date
from workers.documents import CaseFacts, DocumentType, MissingCaseDataError, compose
from workers.official_layout import render_pdf

ISSUED = date(2026, 10, 13)


def render(tmp_path: Path, kind: DocumentType, variables: dict[str, object]) -> str:
    facts = CaseFacts.model_validate(variables)
    path = tmp_path / f"{kind.value}.pdf"
    path.write_bytes(render_pdf(compose(kind, facts, ISSUED)))
    return pdf_text(path)


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2026, 10, 13), "二〇二六年十月十三日"),
        (date(2026, 9, 28), "二〇二六年九月二十八日"),
        (date(2030, 1, 20), "二〇三〇年一月二十日"),
        (date(2027, 12, 31), "二〇二七年十二月三十一日"),
    ],
)
def test_chinese_date(day: date, written: str) -> None:
    assert chinese_date(day) == written


def test_pdf_has_the_official_layout_and_embeds_the_chinese_font(tmp_path: Path) -> None:
    path = tmp_path / "notice.pdf"
    facts = CaseFacts.model_validate(determined_case())
    document = compose(DocumentType.ACCEPTANCE_NOTICE, facts, ISSUED, "游纪容〔2026〕5号")
    path.write_bytes(render_pdf(document))
    assert path.read_bytes().startswith(b"%PDF-")
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(path).pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    # Subset-embedded TrueType (the "ABCDEF+" prefix) of the Debian fonts the setup installs.
    assert any("+UMing" in name for name in fonts), fonts
    assert b"/FontFile2" in path.read_bytes()
    text = pdf_text(path)
    # 红头, its own 发文字号 (not the case number), title, addressee, issuing organ, the date in
    # Arabic numerals (GB/T 9704-2012 7.3.5.1), seal placeholder, 印发机关 and 印发日期.
    assert text.index("游仙区容错纠错工作领导小组办公室") < text.index("游纪容〔2026〕5号")
    assert text.index("游纪容〔2026〕5号") < text.index("容错免责申请受理通知书")
    assert "受理编号为游容免〔2026〕3号" in text
    assert "李明同志：" in text
    assert text.count("游仙区容错纠错工作领导小组办公室") == 3
    assert "特此通知。游仙区容错纠错工作领导小组办公室2026年10月13日" in text
    assert "游仙区容错纠错工作领导小组办公室2026年10月13日印发" in text
    assert "（印章）" in text


def test_same_case_renders_the_same_bytes() -> None:
    facts = CaseFacts.model_validate(determined_case())
    document = compose(DocumentType.DETERMINATION_OPINION, facts, ISSUED)
    assert render_pdf(document) == render_pdf(document)


def test_invalid_application_reply_gives_the_reasons(tmp_path: Path) -> None:
    reasons = ["尚未启动问责（accountabilityStarted），不符合第八条第（一）项"]
    text = render(
        tmp_path,
        DocumentType.INVALID_APPLICATION_REPLY,
        {**valid_application(), "accountabilityStarted": False, "invalidReasons": reasons},
    )
    assert "关于容错免责申请的答复" in text
    assert "李明同志：" in text
    assert "2026年9月1日" in text
    assert "尚未启动问责" in text and "accountabilityStarted" in text
    assert "游容免〔" not in text  # no case is opened


def test_acceptance_notice(tmp_path: Path) -> None:
    text = render(tmp_path, DocumentType.ACCEPTANCE_NOTICE, determined_case())
    assert "游容免〔2026〕3号" in text
    assert "会同问责主体区纪委监委审核" in text
    assert "决定予以受理" in text
    assert "抄送：区纪委监委。" in text


def test_rejection_notice_gives_the_decision_and_its_reason_never_the_opinions(
    tmp_path: Path,
) -> None:
    case = {
        **determined_case(),
        "officeAcceptsApplication": True,
        "officeAcceptanceReason": "办公室内部意见",
        "subjectAcceptsApplication": False,
        "subjectAcceptanceReason": "问责主体内部意见",
        "acceptanceDecision": {
            "accepted": False,
            "decidedBy": "leading-group",
            "method": "meeting",
            "decidedOn": "2026-09-11",
            "minutesNumber": "游容领〔2026〕2号",
            "reason": "问责事项已办结且当事人未在规定期限内申请。",
        },
    }
    text = render(tmp_path, DocumentType.REJECTION_NOTICE, case)
    assert "容错免责申请不予受理通知书" in text
    assert "领导小组研究" in text
    assert "决定不予受理" in text
    assert "理由：问责事项已办结且当事人未在规定期限内申请。" in text
    assert "内部意见" not in text
    assert "同意受理" not in text


def test_rejection_notice_after_a_joint_refusal_names_no_leading_group_meeting(
    tmp_path: Path,
) -> None:
    case = {
        **determined_case(),
        "acceptanceDecision": {
            "accepted": False,
            "decidedBy": "joint",
            "decidedOn": "2026-09-07",
            "reason": "问责决定已执行完毕",
        },
    }
    text = render(tmp_path, DocumentType.REJECTION_NOTICE, case)
    assert "经本办会同问责主体区纪委监委审核，依照" in text
    assert "领导小组研究" not in text


def test_rejection_notice_needs_a_refusal() -> None:
    facts = CaseFacts.model_validate(determined_case())
    with pytest.raises(MissingCaseDataError, match="acceptanceDecision"):
        compose(DocumentType.REJECTION_NOTICE, facts, ISSUED)


def test_determination_opinion_states_findings_distinctions_and_outcomes(tmp_path: Path) -> None:
    text = render(tmp_path, DocumentType.DETERMINATION_OPINION, determined_case())
    assert "容错免责书面审定意见书" in text
    assert "游容免〔2026〕3号" in text
    assert "申请人：李明（游仙区发展和改革局），职务：副局长" in text
    assert "区审计局、区委组织部会同问责主体区纪委监委" in text
    assert "区审计局核实结论：容缺受理程序有会议纪要支持；问责主体会同核实无异议。" in text
    assert "区委组织部核实结论：未发现谋取私利；" in text
    assert "问责主体会同核实有不同意见（建议补充核实）。" in text
    assert "经审定，认定申请人的行为符合容错免责情形" in text
    assert "第七条第（二）项" in text and "第七条第（八）项" in text
    assert "容缺受理、容缺审查出现偏差" in text
    assert "属于推进改革中因缺乏经验、先行先试出现的失误和错误" in text
    assert "属于为推动发展的无意过失" in text
    assert "第九条第（一）项" in text and "第九条第（四）项" in text
    assert "第九条第（二）项" not in text
    assert "公示期为7个工作日" in text


def test_determination_opinion_not_recognised(tmp_path: Path) -> None:
    case = {
        **determined_case(),
        "determinationRecognised": False,
        "determinationDistinctionIntent": "private-gain-violation",
        "publicityRequired": False,
    }
    text = render(tmp_path, DocumentType.DETERMINATION_OPINION, case)
    assert "经审定，不认定申请人的行为符合容错免责情形" in text
    assert "属于为谋取私利的违纪违法行为" in text
    assert "适用以下免责" not in text
    assert "不需公示" in text


def test_publicity_announcement_states_the_period(tmp_path: Path) -> None:
    text = render(tmp_path, DocumentType.PUBLICITY_ANNOUNCEMENT, determined_case())
    assert "容错免责审定意见公示公告" in text
    assert "自2026年9月28日次日起至2026年10月13日24时止" in text
    assert "公示范围：区发展和改革局" in text
    assert "2026年9月28日（印章）" in text


def test_feedback_notice(tmp_path: Path) -> None:
    text = render(tmp_path, DocumentType.FEEDBACK_NOTICE, determined_case())
    assert "容错免责认定结果反馈通知书" in text
    assert "认定符合容错免责情形" in text
    assert "抄送组织人事部门" in text
    assert "附件：容错免责书面审定意见书" in text


def test_objection_reply_quotes_the_written_answer_and_names_no_objector(tmp_path: Path) -> None:
    case = {
        **determined_case(),
        "objectionId": "2026-异-001",
        "objectionContent": "审批材料中的会议纪要系事后补写",
        "objectionReceivedAt": "2026-09-30T10:00:00+08:00",
        "objectionAnswer": "经核实，会议纪要形成于决策当日，所反映问题不属实。",
        # a client may have sent it; the reply never reads it
        "objectorName": "赵强",
    }
    text = render(tmp_path, DocumentType.OBJECTION_REPLY, case)
    assert "关于容错免责审定意见公示异议的答复" in text
    assert "2026年9月30日，本办收到" in text
    assert "异议编号2026-异-001" in text
    assert "现答复如下：经核实，会议纪要形成于决策当日，所反映问题不属实。" in text
    assert "赵强" not in text
    without_answer = CaseFacts.model_validate({**case, "objectionAnswer": None})
    with pytest.raises(MissingCaseDataError, match="objectionAnswer"):
        compose(DocumentType.OBJECTION_REPLY, without_answer, ISSUED)


def test_missing_case_data_names_the_variables() -> None:
    facts = CaseFacts.model_validate({"applicantName": "李明"})
    with pytest.raises(MissingCaseDataError) as raised:
        compose(DocumentType.ACCEPTANCE_NOTICE, facts, ISSUED)
    assert "caseNumber" in str(raised.value)
    assert "accountabilitySubject" in str(raised.value)
