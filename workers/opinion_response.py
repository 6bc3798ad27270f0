"""Art. 19 of the measures (舆论解释回应): 宣传部门…对改革创新中出现失误引发的舆论，采取适当方式给予
解释和回应. Any officer handling a case of any procedure may ask 区委宣传部 to answer public
opinion the case has drawn; the request names the case it comes from (`originCaseNumber`).

A request is a case of its own in the one register (docs/procedure-contract.md, "Register
variables"), numbered 游宣应〔2026〕N号 (local policy, docs/local-policy.md), and ends with the
record the department files, 舆情回应情况记录.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from workers.case_numbering import SequenceRegistry
from workers.documents import MEASURES
from workers.official_layout import OfficialDocument
from workers.organisation import unit_by_id
from workers.variables import ProcessVariables

PROCESS_ID = "public-opinion-response"
PROCEDURE_NAME = "舆论解释回应"
CASE_PREFIX = "游宣应"
PUBLICITY_DEPARTMENT = "中共绵阳市游仙区委宣传部"
PUBLICITY_SHORT = "区委宣传部"
RECORD_TITLE = "舆情回应情况记录"
# A case number of any procedure of the measures: 游容免〔2026〕3号, 游纪澄〔2026〕1号, …
ORIGIN_CASE_NUMBER = re.compile(r"^游[\u4e00-\u9fff]{1,3}〔[0-9]{4}〕[0-9]+号$")
RESPONSE_METHODS = {
    "situation-report": "发布情况通报",
    "press-conference": "召开新闻发布会",
    "media-interview": "接受媒体采访",
    "online-reply": "在网络平台回应",
    "face-to-face": "当面解释说明",
}


class OpinionResponseDataError(ValueError):
    """A job of the procedure cannot use the case's variables; the message names them."""


def assign_case_number(data_dir: Path, process_instance_key: int, year: int) -> str:
    """The case number of this request; a retried job gets the number already given."""
    registry = SequenceRegistry(data_dir / "registers.sqlite3", "opinion-response")
    assigned_year, sequence, _ = registry.assign(process_instance_key, year)
    return f"{CASE_PREFIX}〔{assigned_year}〕{sequence}号"


def check_origin_case_number(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise OpinionResponseDataError("缺少原案件受理编号 originCaseNumber")
    if not ORIGIN_CASE_NUMBER.match(text):
        raise OpinionResponseDataError(
            f"原案件受理编号 originCaseNumber 取值 {text!r} 格式不正确，"
            "应为 游容免〔2026〕3号 的形式"
        )
    return text


def register_subjects(person_name: str | None, unit_id: str | None) -> list[dict[str, str]]:
    """Whom the opinion is about: the cadre when named, else the unit."""
    unit = unit_by_id(unit_id) if unit_id else None
    if unit is None:
        raise OpinionResponseDataError(f"涉及单位 unitId 取值 {unit_id!r} 不在单位名录中")
    if person_name and person_name.strip():
        return [{"kind": "person", "name": person_name.strip(), "unitId": unit.id}]
    return [{"kind": "unit", "name": unit.name, "unitId": unit.id}]


def subjects_unit_name(unit_id: str | None) -> str:
    unit = unit_by_id(unit_id) if unit_id else None
    if unit is None:
        raise OpinionResponseDataError(f"涉及单位 unitId 取值 {unit_id!r} 不在单位名录中")
    return unit.name


class OpinionFacts(ProcessVariables):
    case_number: str | None = None
    origin_case_number: str | None = None
    unit_id: str | None = None
    person_name: str | None = None
    opinion_summary: str | None = None
    opinion_sources: str | None = None
    opinion_noticed_on: date | None = None
    error_description: str | None = None
    requested_by_name: str | None = None
    request_reason: str | None = None
    response_method: str | None = None
    response_line: str | None = None
    response_channel: str | None = None
    plan_approved_by: str | None = None
    plan_approved_on: date | None = None
    responded_on: date | None = None
    response_made: str | None = None
    response_reception: str | None = None
    responded_by: str | None = None


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _clause(text: str | None) -> str:
    return (text or "").strip().rstrip("。；，、;,. ") or "未载明"


REQUIRED_FOR_RECORD = (
    "case_number",
    "origin_case_number",
    "unit_id",
    "opinion_summary",
    "requested_by_name",
    "response_method",
    "response_line",
    "plan_approved_by",
    "responded_on",
    "response_made",
    "responded_by",
)


def response_record(facts: OpinionFacts, issued: date) -> OfficialDocument:
    """舆情回应情况记录: what drew the opinion, the approved plan, the response made."""
    missing = [
        OpinionFacts.model_fields[name].alias or name
        for name in REQUIRED_FOR_RECORD
        if getattr(facts, name) in (None, "")
    ]
    if missing:
        raise OpinionResponseDataError(f"无法生成{RECORD_TITLE}：缺少流程变量 {', '.join(missing)}")
    method = RESPONSE_METHODS.get(facts.response_method or "")
    if method is None:
        raise OpinionResponseDataError(
            f"回应方式 responseMethod 取值 {facts.response_method!r} 无效"
        )
    unit = unit_by_id(facts.unit_id or "")
    concerned = unit.name if unit is not None else "有关单位"
    if facts.person_name:
        concerned += f"{facts.person_name}同志"
    noticed = f"{_day(facts.opinion_noticed_on)}，" if facts.opinion_noticed_on else ""
    sources = f"在{_clause(facts.opinion_sources)}" if facts.opinion_sources else ""
    approved_on = f"于{_day(facts.plan_approved_on)}" if facts.plan_approved_on else ""
    channel = (
        f"，回应范围或平台：{_clause(facts.response_channel)}" if facts.response_channel else ""
    )
    reception = (
        f"回应后舆情反应：{_clause(facts.response_reception)}。" if facts.response_reception else ""
    )
    responded_on = facts.responded_on or issued
    paragraphs = [
        f"编号：{facts.case_number}。关联案件受理编号：{facts.origin_case_number}。",
        f"一、舆情情况。{noticed}{sources}出现涉及{concerned}的舆论。"
        f"主要内容：{_clause(facts.opinion_summary)}。",
    ]
    if facts.error_description:
        paragraphs.append(f"改革创新中出现的失误情况：{_clause(facts.error_description)}。")
    paragraphs += [
        f"二、回应申请。{facts.requested_by_name}提出解释回应申请。"
        f"理由：{_clause(facts.request_reason)}。",
        f"三、回应方式和口径。经{facts.plan_approved_by}{approved_on}审核同意，"
        f"采取{method}的方式{channel}。回应口径：{_clause(facts.response_line)}。",
        f"四、回应情况。{_day(responded_on)}，{_clause(facts.response_made)}。{reception}"
        f"经办人：{facts.responded_by}。",
        f"依照{MEASURES}第十九条，对改革创新中出现失误引发的舆论已采取适当方式给予解释和回应，"
        "本记录存档备查。",
    ]
    return OfficialDocument(
        issuing_organ=PUBLICITY_DEPARTMENT,
        title=RECORD_TITLE,
        paragraphs=paragraphs,
        issue_date=responded_on,
    )
