"""The yearly report's spreadsheet (.xlsx, openpyxl): statistics of the period and the list of its
cases, with Chinese sheet names and column headers, as the office pastes them into its report."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from desk.case_index import ART7, ART9, OUTCOMES, STAGES, CaseRow

STATISTICS_SHEET = "统计"
LIST_SHEET = "案件清单"
TOTAL = "合计"
LIST_HEADERS = (
    "序号",
    "受理编号",
    "申请人",
    "申请人单位",
    "申请日期",
    "登记时间",
    "办结时间",
    "当前阶段",
    "办理结果",
    "认定的容错情形（第七条）",
    "免责结果（第九条）",
)


def workbook_bytes(cases: Sequence[CaseRow], period: str) -> bytes:
    """`period` is the heading's wording, e.g. "2026年1月1日至2026年12月31日"."""
    book = Workbook()
    statistics = book.active
    assert statistics is not None  # a new workbook always has its first sheet
    statistics.title = STATISTICS_SHEET
    _statistics(statistics, cases, period)
    _case_list(book.create_sheet(LIST_SHEET), cases, period)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _statistics(sheet: Worksheet, cases: Sequence[CaseRow], period: str) -> None:
    sheet.append([f"容错免责案件办理情况统计（{period}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    by_outcome = Counter(case.outcome for case in cases)
    _table(
        sheet,
        "按办理结果",
        ("办理结果", "件数"),
        [(name, by_outcome[name]) for name in OUTCOMES],
        total=len(cases),
    )
    open_cases = [case for case in cases if not case.closed]
    by_stage = Counter(case.stage for case in open_cases)
    _table(
        sheet,
        "办理中案件所处阶段",
        ("办理阶段", "件数"),
        [(name, by_stage[name]) for name in STAGES if name != "已办结"],
        total=len(open_cases),
    )
    exemptions = Counter(label for case in cases for label in case.exemptions)
    _table(
        sheet,
        "免责结果（第九条，一案可有多项）",
        ("条款", "项次"),
        [(label, exemptions[label]) for label in ART9.values()],
        total=sum(exemptions.values()),
    )
    circumstances = Counter(label for case in cases for label in case.circumstances)
    _table(
        sheet,
        "容错情形（第七条，一案可有多项；未认定的按申请所述）",
        ("条款", "项次"),
        [(label, circumstances[label]) for label in ART7.values()],
        total=sum(circumstances.values()),
    )
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 10


def _table(
    sheet: Worksheet,
    title: str,
    headers: tuple[str, str],
    rows: Iterable[tuple[str, int]],
    *,
    total: int,
) -> None:
    sheet.append([title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append(list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.append([TOTAL, total])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.append([])


def _case_list(sheet: Worksheet, cases: Sequence[CaseRow], period: str) -> None:
    sheet.append(list(LIST_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index, case in enumerate(cases, start=1):
        data = case.to_json()
        sheet.append(
            [
                index,
                data["caseNumber"] or "（未编号）",
                data["applicant"],
                data["unit"],
                data["applicationDate"],
                data["started"],
                data["ended"],
                data["stage"],
                data["outcome"],
                "、".join(data["circumstances"]),
                "、".join(data["exemptions"]),
            ]
        )
    sheet.append([TOTAL, f"共 {len(cases)} 件（{period}）"])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = (6, 20, 12, 24, 12, 18, 18, 14, 22, 30, 30)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
