"""The documents of Chapter 4 (Arts. 13–15), composed from a case's variables and laid out as
official documents (workers/official_layout.py, GB/T 9704).

None of them names the person who reported (Art. 15): the case holds only `reporterRef`, and the
documents do not print even that, because each goes out of the organ (to the unit's party
organisation, to the public, to the city-level body, to the body that handles the false
accuser) or may be read by the person reported on. The false accuser is designated to the
approving or receiving body by the case number, and the register's particulars travel separately
under the organ's confidentiality rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum

from workers.chapter_four import DISCIPLINE_ORGAN, ORGAN_SHORT, party_organisation, unit_name
from workers.documents import MEASURES
from workers.official_layout import OfficialDocument
from workers.variables import ProcessVariables


class ChapterFourDocument(StrEnum):
    CLARIFICATION_LETTER = "clarification-letter"
    PUBLIC_CLARIFICATION = "public-clarification"
    PURSUIT_APPROVAL_REQUEST = "pursuit-approval-request"
    PURSUIT_TRANSFER_LETTER = "pursuit-transfer-letter"


TITLES: dict[ChapterFourDocument, str] = {
    ChapterFourDocument.CLARIFICATION_LETTER: "关于{person}同志有关问题反映核查情况的说明函",
    ChapterFourDocument.PUBLIC_CLARIFICATION: "关于为{person}同志澄清正名的通报",
    ChapterFourDocument.PURSUIT_APPROVAL_REQUEST: "关于追查处理诬告陷害{person}同志问题的请示",
    ChapterFourDocument.PURSUIT_TRANSFER_LETTER: "关于移送诬告陷害{person}同志问题线索的函",
}
# The title of the document type, as the case file and the desk list it.
KIND_TITLES: dict[ChapterFourDocument, str] = {
    ChapterFourDocument.CLARIFICATION_LETTER: "情况说明函",
    ChapterFourDocument.PUBLIC_CLARIFICATION: "澄清通报",
    ChapterFourDocument.PURSUIT_APPROVAL_REQUEST: "追查诬告陷害者请示",
    ChapterFourDocument.PURSUIT_TRANSFER_LETTER: "诬告陷害问题移送函",
}

CONCLUSION_TEXT = {"untrue": "问题反映失实", "unsupported": "问题反映查无实据"}
APPROVAL_BODIES = {
    "city-discipline-commission": "中共绵阳市纪律检查委员会、绵阳市监察委员会",
    "city-party-committee": "中共绵阳市委员会",
    "city-government": "绵阳市人民政府",
}
PUBLICATION_CHANNELS = {
    "meeting": "召开会议通报",
    "unit-bulletin": "在单位公示栏公布",
    "district-website": "在区纪委监委网站公布",
    "internal-notice": "以内部通报形式印发",
}
PURSUIT_OUTCOMES = {
    "cadre-authority": "依照干部管理权限移交你单位（党组织）严肃处理",
    "judicial": "因涉嫌违法犯罪，移送你机关依法处理",
    "per-law": "移交你机关依照有关法律规定予以处理",
}


class MissingChapterFourData(ValueError):
    def __init__(self, kind: ChapterFourDocument, names: list[str]) -> None:
        self.names = names
        super().__init__(f"无法生成{KIND_TITLES[kind]}：缺少流程变量 {', '.join(names)}")


class CityApproval(ProcessVariables):
    approved: bool | None = None
    approver_body: str | None = None
    document_number: str | None = None
    date: str | None = None


class ChapterFourFacts(ProcessVariables):
    case_number: str | None = None
    person_name: str | None = None
    person_position: str | None = None
    unit_id: str | None = None
    report_summary: str | None = None
    report_received_on: date | None = None
    verification_conclusion: str | None = None
    verification_facts: str | None = None
    verification_reasons: str | None = None
    verified_on: date | None = None
    closure_approved_on: date | None = None
    public_clarification_scope: str | None = None
    public_clarification_channel: str | None = None
    public_clarification_approved_on: date | None = None
    accusation_finding: str | None = None
    finding_reasons: str | None = None
    finding_decided_on: date | None = None
    accuser_kind: str | None = None
    approval_body: str | None = None
    city_approval: CityApproval | None = None
    pursuit_outcome: str | None = None
    receiving_body: str | None = None
    outcome_reasons: str | None = None
    transferred_on: date | None = None


def _require(facts: ChapterFourFacts, kind: ChapterFourDocument, *names: str) -> None:
    missing = []
    for name in names:
        value = getattr(facts, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(ChapterFourFacts.model_fields[name].alias or name)
    if missing:
        raise MissingChapterFourData(kind, missing)


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _clause(text: str | None) -> str:
    return (text or "").strip().rstrip("。；，、;,. ") or "未载明"


def _person(facts: ChapterFourFacts) -> str:
    """新桥镇镇长李明同志: unit, post and name, as a document names a cadre."""
    position = (facts.person_position or "").strip()
    return f"{unit_name(facts.unit_id)}{position}{facts.person_name}同志"


def title(kind: ChapterFourDocument, facts: ChapterFourFacts) -> str:
    return TITLES[kind].format(person=facts.person_name or "")


def _party_organisation(facts: ChapterFourFacts) -> str:
    return party_organisation(facts.unit_id)


def clarification_letter(facts: ChapterFourFacts, issued: date) -> OfficialDocument:
    """Art. 14: the explanation to the party organisation of the person's unit."""
    kind = ChapterFourDocument.CLARIFICATION_LETTER
    _require(facts, kind, "case_number", "person_name", "unit_id", "verification_conclusion",
             "verification_reasons")  # fmt: skip
    conclusion = CONCLUSION_TEXT.get(facts.verification_conclusion or "", "问题反映失实")
    received = f"{_day(facts.report_received_on)}，" if facts.report_received_on else ""
    return OfficialDocument(
        issuing_organ=DISCIPLINE_ORGAN,
        title=title(kind, facts),
        addressee=_party_organisation(facts),
        paragraphs=[
            f"{received}{ORGAN_SHORT}收到反映{_person(facts)}有关问题的材料"
            f"（受理编号：{facts.case_number}）。",
            f"反映的主要问题：{_clause(facts.report_summary)}。",
            f"经核查，{conclusion}。理由：{_clause(facts.verification_reasons)}。",
            f"依照{MEASURES}第十四条，本委已对该问题反映予以了结，现将核查情况向你单位党组织予以说明。"
            f"请你单位党组织向{facts.person_name}同志本人反馈，帮助其放下包袱、轻装上阵，"
            "并在干部考核评价、评先评优和选拔任用中不受该问题反映影响。",
            "特此函告。",
        ],
        issue_date=issued,
    )


def public_clarification(facts: ChapterFourFacts, issued: date) -> OfficialDocument:
    """Art. 14: 必要时可进行公开澄清, in the scope the leaders approved."""
    kind = ChapterFourDocument.PUBLIC_CLARIFICATION
    _require(facts, kind, "case_number", "person_name", "unit_id", "verification_conclusion",
             "public_clarification_scope")  # fmt: skip
    conclusion = CONCLUSION_TEXT.get(facts.verification_conclusion or "", "问题反映失实")
    channel = PUBLICATION_CHANNELS.get(facts.public_clarification_channel or "", "予以通报")
    return OfficialDocument(
        issuing_organ=DISCIPLINE_ORGAN,
        title=title(kind, facts),
        paragraphs=[
            f"近期，{ORGAN_SHORT}收到反映{_person(facts)}有关问题的材料。"
            f"经认真核查，{conclusion}。",
            f"依照{MEASURES}第十四条，经{ORGAN_SHORT}领导批准，现予公开澄清，"
            f"在{_clause(facts.public_clarification_scope)}范围内{channel}，"
            f"为{facts.person_name}同志澄清正名，让其放下包袱、轻装上阵。",
            "党员干部和群众反映问题应当实事求是。对捏造事实、诬告陷害他人的，"
            "将依规依纪依法严肃处理。",
            "特此通报。",
        ],
        issue_date=facts.public_clarification_approved_on or issued,
    )


def pursuit_approval_request(facts: ChapterFourFacts, issued: date) -> OfficialDocument:
    """Art. 15: pursuing a false accuser needs a city-level or higher body's approval."""
    kind = ChapterFourDocument.PURSUIT_APPROVAL_REQUEST
    _require(facts, kind, "case_number", "person_name", "unit_id", "finding_reasons",
             "approval_body")  # fmt: skip
    body = APPROVAL_BODIES.get(facts.approval_body or "")
    if body is None:
        raise MissingChapterFourData(kind, ["approvalBody"])
    accuser = "党员干部" if facts.accuser_kind == "party-cadre" else "人员"
    return OfficialDocument(
        issuing_organ=DISCIPLINE_ORGAN,
        title=title(kind, facts),
        addressee=body,
        paragraphs=[
            f"{ORGAN_SHORT}在办理反映{_person(facts)}有关问题（受理编号：{facts.case_number}）时，"
            f"经核查，反映的问题失实，且有证据表明系有关{accuser}捏造事实、诬告陷害。",
            f"认定理由：{_clause(facts.finding_reasons)}。",
            f"依照{MEASURES}第十三条、第十五条，本委严格区分诬告陷害行为与错告误告行为的政策界限，"
            "认为该行为属于诬告陷害，拟予追查处理。诬告陷害者的身份等情况另行按保密规定报送。",
            "以上请示妥否，请批示。",
        ],
        issue_date=facts.finding_decided_on or issued,
    )


def pursuit_transfer_letter(facts: ChapterFourFacts, issued: date) -> OfficialDocument:
    """Art. 13: the false accuser handled per cadre-management authority, or the judicial
    organs, or under the relevant laws."""
    kind = ChapterFourDocument.PURSUIT_TRANSFER_LETTER
    _require(facts, kind, "case_number", "person_name", "unit_id", "pursuit_outcome",
             "receiving_body", "outcome_reasons", "city_approval")  # fmt: skip
    approval = facts.city_approval or CityApproval()
    outcome = PURSUIT_OUTCOMES.get(facts.pursuit_outcome or "")
    if outcome is None:
        raise MissingChapterFourData(kind, ["pursuitOutcome"])
    granted = (
        f"经{approval.approver_body}批准（{approval.document_number}），"
        if approval.approver_body and approval.document_number
        else "经上级机关批准，"
    )
    return OfficialDocument(
        issuing_organ=DISCIPLINE_ORGAN,
        title=title(kind, facts),
        addressee=(facts.receiving_body or "").strip(),
        paragraphs=[
            f"{ORGAN_SHORT}在办理反映{_person(facts)}有关问题（受理编号：{facts.case_number}）时，"
            "查明有关人员捏造事实、诬告陷害他人。",
            f"{granted}依照{MEASURES}第十三条，现将该诬告陷害问题线索{outcome}。",
            f"处理理由：{_clause(facts.outcome_reasons)}。",
            "诬告陷害者的身份等情况及有关证据材料按保密规定另行移交。请将处理结果函告本委。",
            "特此函告。",
        ],
        issue_date=facts.transferred_on or issued,
    )


COMPOSERS: dict[ChapterFourDocument, Callable[[ChapterFourFacts, date], OfficialDocument]] = {
    ChapterFourDocument.CLARIFICATION_LETTER: clarification_letter,
    ChapterFourDocument.PUBLIC_CLARIFICATION: public_clarification,
    ChapterFourDocument.PURSUIT_APPROVAL_REQUEST: pursuit_approval_request,
    ChapterFourDocument.PURSUIT_TRANSFER_LETTER: pursuit_transfer_letter,
}


def compose(
    kind: ChapterFourDocument, facts: ChapterFourFacts, issued: date, number: str | None = None
) -> OfficialDocument:
    return COMPOSERS[kind](facts, issued).model_copy(update={"document_number": number})
