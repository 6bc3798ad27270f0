"""Every string an officer reads is plain official Chinese.

Collected from the BPMN and DMN (names, labels, documentation), the forms (labels, descriptions,
option labels, text blocks without their {{template}} parts), the desk's labels
(desk/web/labels.js), the generated documents and the notices. A string fails on an ASCII field
name or English word, an ISO-8601 duration (P10D), a disciplinary term of art that does not
belong to an application (立案, 立案号), the engineers' word 决策表, a doubled punctuation mark or
a doubled word, and the case number called by any name but 受理编号.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.workers.support import determined_case
from tests.workers.test_document_layout import OTHER_DOCUMENTS
from workers.documents import CaseFacts, DocumentType, compose
from workers.notice_texts import DOCUMENT_NOTICES, NOTICE_TYPES, NoticeInput, compose_notice

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff]")

PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    # PDF is the name of a file format as officers know it, not English.
    (re.compile(r"(?<![A-Za-z])(?!PDF(?![A-Za-z]))[A-Za-z]{2,}"), "英文单词或字段名"),
    (re.compile(r"\bP(?:T?\d+[YMWDHS])+\b"), "ISO 8601 时长"),
    (re.compile(r"立案"), "“立案”用于申请（应为登记、受理）"),
    (re.compile(r"决策表"), "“决策表”（应为辅助研判建议）"),
    (re.compile(r"案号|案件编号|立案号"), "受理编号另有名称"),
    (re.compile(r"([，。、；：！？,.;:!?])\1|[，、；：][，。、；：]|。[，。、；：]"), "标点重复"),
    (re.compile(r"([\u4e00-\u9fff]{2,})\1"), "词语重复"),
]


TERMS = PROBLEMS[2:5]


def problems(text: str, checks: list[tuple[re.Pattern[str], str]] = PROBLEMS) -> list[str]:
    return [f"{why}：{m.group(0)!r}" for pattern, why in checks for m in pattern.finditer(text)]


def term_problems(text: str) -> list[str]:
    return problems(text, TERMS)


# Collectors ---------------------------------------------------------------------------------------

TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
FEEL_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _visible(text: str) -> Iterator[str]:
    """The readable part of a form or BPMN string: template and FEEL expressions removed, the
    string literals of a FEEL expression kept (they are shown)."""
    if text.startswith("="):
        yield from (s for s in FEEL_STRING.findall(text) if CJK.search(s))
        return
    # A template stands for a value: "理由：{{reason}}。" reads "理由：某。", not "理由：。".
    stripped = TEMPLATE.sub("某", text)
    # Markdown emphasis and headings are markup, not text.
    yield re.sub(r"[#*_`>]+", "", stripped)


# What a modeler or the desk shows of a diagram: element names; of a decision table, its name
# and the labels of its columns. Message names, DMN output names and cell expressions are
# identifiers and FEEL, not text.
NOT_SHOWN = {"message", "output", "text", "definitions"}


def bpmn_strings() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "bpmn").glob("*.*mn")):
        for element in ElementTree.parse(path).iter():
            tag = element.tag.rsplit("}", 1)[-1]
            for attribute in ("name", "label"):
                value = element.get(attribute)
                if value and (attribute == "label" or tag not in NOT_SHOWN):
                    for text in _visible(value):
                        yield f"{path.name} {element.get('id')} {attribute}", text


def bpmn_documentation() -> Iterator[tuple[str, str]]:
    """Notes for analysts, which may cite files and variables, but not misname the procedure."""
    for path in sorted((ROOT / "bpmn").glob("*.*mn")):
        for element in ElementTree.parse(path).iter():
            if element.tag.endswith("}documentation") and element.text:
                yield f"{path.name} documentation", element.text.strip()


def desk_page_strings() -> Iterator[tuple[str, str]]:
    """The pages' own words: held to the procedure's terms here; the desk-forms check covers the
    rendered pages for English."""
    for path in sorted((ROOT / "desk" / "web").glob("*.js")):
        for match in re.finditer(r"[^\x00-\x7f]+", path.read_text(encoding="utf-8")):
            if CJK.search(match.group(0)):
                yield path.name, match.group(0)


def _form_strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"label", "description", "text", "placeholder", "title"} and isinstance(
                value, str
            ):
                for text in _visible(value):
                    yield f"{where} {node.get('id') or node.get('value') or ''} {key}", text
            else:
                yield from _form_strings(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from _form_strings(item, where)


def form_strings() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "forms").glob("*.form")):
        yield from _form_strings(json.loads(path.read_text(encoding="utf-8")), path.name)


JS_STRING = re.compile(r"'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`")


def desk_label_strings() -> Iterator[tuple[str, str]]:
    path = ROOT / "desk" / "web" / "labels.js"
    for match in JS_STRING.finditer(path.read_text(encoding="utf-8")):
        text = match.group(1) or match.group(2) or ""
        if CJK.search(text):
            yield f"labels.js {text[:12]}", re.sub(r"\$\{[^}]*\}", "", text)


def _typed_with_marks() -> dict[str, Any]:
    """A case whose free texts end with the marks officers type: the documents must not double
    them."""
    case = determined_case()
    for finding in case["departmentFindings"]:
        finding["finding"]["investigationConclusion"] += "。"
        finding["subjectConfirmation"]["comments"] = "无意见。"
    case["conduct"] += "。"
    case["accountabilityMatter"] += "。"
    case["determinationReasoning"] += "。"
    return case


def document_strings() -> Iterator[tuple[str, str]]:
    for kind, case in [(k, {**determined_case(), **OTHER_DOCUMENTS}) for k in DocumentType] + [
        (k, {**_typed_with_marks(), **OTHER_DOCUMENTS}) for k in DocumentType
    ]:
        if kind is DocumentType.INVALID_APPLICATION_REPLY:
            case["invalidReasons"] = ["未载明问责事项"]
        if kind is DocumentType.REJECTION_NOTICE:
            case.update(
                subjectAcceptsApplication=False,
                subjectAcceptanceReason="不符合条件",
                acceptanceDecision={"accepted": False, "reason": "不符合条件"},
            )
        document = compose(
            kind, CaseFacts.model_validate(case), date(2026, 10, 13), "游纪容〔2026〕1号"
        )
        for text in [document.title, document.addressee or "", *document.paragraphs]:
            yield f"{kind.value}", text


def notice_strings() -> Iterator[tuple[str, str]]:
    data = NoticeInput.model_validate(
        {
            **determined_case(),
            "document": None,
            "supplementItems": "请补充提交问责决定书复印件",
            "supplementLastDay": "2026-09-16",
        }
    )
    for notice_type in sorted(NOTICE_TYPES):
        if notice_type in {
            "invalid-application-reply",
            "acceptance-notice",
            "rejection-notice",
            "determination-feedback",
            "committee-report",
        }:
            continue  # these carry a document: composed in tests/workers/test_notices.py
        notice = compose_notice("n", notice_type, "leading-group-office", data)
        yield f"notice {notice_type}", notice.subject
        yield f"notice {notice_type}", notice.body


SOURCES = {
    "bpmn": bpmn_strings,
    "bpmn-documentation": bpmn_documentation,
    "desk-pages": desk_page_strings,
    "forms": form_strings,
    "desk-labels": desk_label_strings,
    "documents": document_strings,
    "notices": notice_strings,
}


TERMS_ONLY = {"bpmn-documentation", "desk-pages"}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_visible_strings_are_plain_official_chinese(source: str) -> None:
    strings = list(SOURCES[source]())
    assert strings, f"{source}：没有找到任何文字"
    check = term_problems if source in TERMS_ONLY else problems
    found = [f"{where}：{text!r} —— {p}" for where, text in strings for p in check(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "案件 caseNumber 已受理",
        "期限 P10D",
        "申请无效，不予立案",
        "决策表建议",
        "理由：：",
        "同意。。",
        "受理受理",
        "案号：1",
    ],
)
def test_the_check_finds_what_it_must(text: str) -> None:
    assert problems(text)


def test_the_check_passes_plain_chinese() -> None:
    assert problems("受理编号：游容免〔2026〕3号。公示期为7个工作日，自2026年9月28日起。") == []
    assert problems("送审稿（PDF）已生成") == []
    assert list(_visible("理由：{{reason}}。")) == ["理由：某。"]


@pytest.mark.parametrize(
    ("iso", "written"), [("P10D", "10日"), ("PT48H", "48小时"), ("P1M", "1个月"), ("P2W", "2周")]
)
def test_durations_are_written_in_words(iso: str, written: str) -> None:
    from workers.notice_texts import duration_text

    assert duration_text(iso) == written


def test_notices_carrying_a_document_are_plain_official_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(tmp_path))
    document = {
        "documentId": "d-1",
        "documentType": "feedback-notice",
        "title": "容错免责认定结果反馈通知书",
        "fileName": "d-1.pdf",
        "sha256": "0" * 64,
        "uri": (tmp_path / "d-1.pdf").as_uri(),
        "createdAt": "2026-10-13T10:00:00+08:00",
    }
    data = NoticeInput.model_validate({**determined_case(), "document": document})
    found = []
    for notice_type in sorted(DOCUMENT_NOTICES):
        for recipient in ("applicant", "org-personnel", "district-committee"):
            notice = compose_notice("n", notice_type, recipient, data)
            for text in (notice.subject, notice.body):
                found += [f"{notice_type} {recipient}：{text!r} —— {p}" for p in problems(text)]
    assert not found, "\n".join(found)
