"""Every generated document, laid out as GB/T 9704-2012 asks, rendered to PNG for a person to see.

The PDFs and page images land in test-artifacts/documents/ (pdftoppm of Debian's poppler-utils);
an officer's eye is still the judge, but what can be read off the laid-out lines is checked here:
避头尾, the 发文字号 distinct from the case number, Arabic numerals in the dates, the 版记, the
alternating page numbers and the signature kept with the text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.workers.support import determined_case
from workers.documents import CaseFacts, DocumentType, compose
from workers.official_layout import (
    CANNOT_END_LINE,
    CANNOT_START_LINE,
    Glyph,
    break_lines,
    render_pdf,
)

ISSUED = date(2026, 10, 13)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"
NUMBER = "游纪容〔2026〕7号"
PAGE_NUMBER = re.compile(r"— \d+ —")
issued: dict[str, date] = {}


# What documents added by other branches need (an objection's written answer): ignored by the
# composers that do not read it, so every document type of the enum can be rendered here.
OTHER_DOCUMENTS = {
    "objectionId": "2026-异-001",
    "objectionContent": "申请人所在单位对项目前期审批情况另有反映。",
    "objectionReceivedAt": "2026-10-09",
    "objectionAnswer": "经核实，所反映情况已在调查核实中查明，不影响审定意见。",
}


def _case(kind: DocumentType) -> dict[str, Any]:
    case = {**determined_case(), **OTHER_DOCUMENTS}
    if kind is DocumentType.INVALID_APPLICATION_REPLY:
        del case["caseNumber"]
        case["invalidReasons"] = [
            "申请未载明问责事项和启动问责的日期，无法确认已启动问责",
            "未提交书面申请材料（会议纪要、项目审批台账）",
        ]
    if kind is DocumentType.REJECTION_NOTICE:
        case.update(
            officeAcceptsApplication=True,
            subjectAcceptsApplication=False,
            subjectAcceptanceReason="所涉问题属于上级明令禁止后依然我行我素的情形",
            acceptanceDecision={
                "accepted": False,
                "reason": "所涉问题属于上级明令禁止后依然我行我素的情形",
            },
        )
    return case


def _long_case() -> dict[str, Any]:
    """A case whose opinion runs over two pages, with marks at every possible line end."""
    case = determined_case()
    case["departmentFindings"] = [
        {
            "department": "dept-audit",
            "finding": {
                "investigationConclusion": "经查阅会议纪要、审批台账和相关合同，容缺受理"
                "系经局党组会议集体研究决定，" * 3 + "程序完整。"
            },
            "subjectConfirmation": {"concurs": True, "comments": None},
        }
        for _ in range(4)
    ]
    case["determinationReasoning"] = "失误系为推动项目落地，未谋取私利；" * 12 + "综合认定。"
    return case


def render(name: str, kind: DocumentType, variables: dict[str, Any]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = compose(kind, CaseFacts.model_validate(variables), ISSUED, NUMBER)
    issued[name] = document.issue_date
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(render_pdf(document))
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm 未安装（Debian 软件包 poppler-utils，tools/system-packages.sh）")
    for old in ARTIFACTS.glob(f"{name}-[0-9]*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "60", path, ARTIFACTS / name], check=True)
    return path


def page_lines(path: Path, page_numbers: bool = False) -> list[list[str]]:
    """The laid-out lines of each page, as the PDF positions them."""
    return [
        [
            line.strip()
            for line in page.extract_text().splitlines()
            if line.strip() and (page_numbers or not PAGE_NUMBER.fullmatch(line.strip()))
        ]
        for page in PdfReader(path).pages
    ]


DOCUMENTS = [(kind.value, kind, _case(kind)) for kind in DocumentType] + [
    ("determination-opinion-long", DocumentType.DETERMINATION_OPINION, _long_case())
]


@pytest.mark.parametrize(("name", "kind", "variables"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_document_layout(name: str, kind: DocumentType, variables: dict[str, Any]) -> None:
    path = render(name, kind, variables)
    pages = page_lines(path)
    assert sorted(ARTIFACTS.glob(f"{name}-[0-9]*.png")), "no page image"
    for number, lines in enumerate(pages, start=1):
        for line in lines:
            assert line[0] not in CANNOT_START_LINE, f"第{number}页行首为标点：{line}"
            assert line[-1] not in CANNOT_END_LINE, f"第{number}页行尾为前括号：{line}"
    # Page numbers "— n —" on every page (the side is checked below with positions).
    for number, lines in enumerate(page_lines(path, page_numbers=True), start=1):
        assert f"— {number} —" in lines, lines
    text = "".join(line for lines in pages for line in lines)
    assert NUMBER in text
    case_number = variables.get("caseNumber")
    if case_number:
        assert text.count(case_number) >= 1
        assert f"{NUMBER}" != case_number
    # 成文日期 and 印发日期 in Arabic numerals (GB/T 9704-2012 7.3.5.1, 7.4.3).
    day = issued[name]
    written = f"{day.year}年{day.month}月{day.day}日"
    assert "〇" not in text and not re.search(r"[一二三四五六七八九十]+月", text)
    assert f"{written}印发" in pages[-1][-1]
    # The 版记 closes the document on an even page, the back of the last sheet (GB/T 9704 7.4).
    assert len(pages) % 2 == 0, len(pages)
    # The signature never stands alone: the page holding it holds text of the body as well.
    signed = next(lines for lines in pages if written in lines)
    assert signed.index(written) >= 3, signed


def test_page_numbers_alternate_sides() -> None:
    path = render("determination-opinion-long", DocumentType.DETERMINATION_OPINION, _long_case())
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        found: list[float] = []
        label = f"— {number} —"

        def visit(
            text: str,
            cm: Any,
            tm: Any,
            font: Any,
            size: Any,
            label: str = label,
            found: list[float] = found,
        ) -> None:
            if text.strip() == label:
                found.append(tm[4])

        page.extract_text(visitor_text=visit)
        assert found, f"第{number}页没有页码"
        middle = float(page.mediabox.width) / 2
        assert (found[0] > middle) == (number % 2 == 1), (number, found)


def test_determination_opinion_is_issued_by_the_leading_group() -> None:
    path = render("determination-opinion", DocumentType.DETERMINATION_OPINION, determined_case())
    pages = page_lines(path)
    assert pages[0][0] == "游仙区容错纠错工作领导小组"
    last = "".join(line for lines in pages for line in lines)
    assert "游仙区容错纠错工作领导小组2026年10月13日" in last
    assert "游仙区容错纠错工作领导小组办公室2026年10月13日印发" in last


def test_no_paragraph_leaves_a_single_line_on_a_page() -> None:
    """The long opinion breaks inside paragraphs; none starts a page with its last line alone."""
    path = render("determination-opinion-long", DocumentType.DETERMINATION_OPINION, _long_case())
    pages = page_lines(path)
    assert len(pages) >= 3
    for lines in pages[1:]:
        # A line ending a paragraph is short and ends with 。; it must not stand first and
        # alone before the next paragraph (which starts indented, not visible in text: the
        # next line then starts a heading or a new sentence).
        first = lines[0]
        assert not (first.endswith("。") and len(first) <= 4), lines[:2]


def test_a_closing_mark_takes_the_character_before_it_to_the_next_line() -> None:
    """推出: with room for four characters, 「甲乙丙丁，戊」 breaks before 丁, not before ，."""
    glyphs = [Glyph(char, "body", 10.0) for char in "甲乙丙丁，戊"]
    lines = break_lines(glyphs, 40.0, 0.0)
    assert [line.text for line in lines] == ["甲乙丙", "丁，戊"]
    # An opening mark never ends a line, and a number stays with its unit.
    assert [line.text for line in break_lines(_glyphs("甲乙丙“丁戊", 10.0), 40.0, 0.0)] == [
        "甲乙丙",
        "“丁戊",
    ]
    assert [line.text for line in break_lines(_glyphs("甲乙10月", 10.0), 40.0, 0.0)] == [
        "甲乙",
        "10月",
    ]


def _glyphs(text: str, width: float) -> list[Glyph]:
    return [Glyph(char, "body", width) for char in text]
