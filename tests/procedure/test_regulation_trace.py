"""docs/regulation-trace.md names only elements that exist, and leaves no clause unmapped."""

from __future__ import annotations

from tests.procedure.bpmn_model import DOCS_DIR, REFERENCE, known_elements

REQUIRED_CLAUSES = {"8(1)", "8(2)", "8(3)", "8(4)", "3", "4", "6", "7", "9"}
# Art. 11 sentence by sentence: 11(1) 约谈、函询; 11(2) 民主生活会说明.
REQUIRED_CLAUSES |= {"11(1)", "11(2)"}
# Art. 12: 12(1) 运用成果督促分析问题、查找原因、研究解决办法、纠错整改; 12(2) 监督检查;
# 12(3) 没有改正、整改效果不明显、同一错误再次发生的严肃处理.
REQUIRED_CLAUSES |= {"12(1)", "12(2)", "12(3)"}
# Art. 10 periodic screening (bpmn/problem-screening.bpmn)
REQUIRED_CLAUSES |= {"10(1)", "10(2)", "10(3)", "10(4)"}
# Chapter 4, clause by clause (the sentences of Arts. 13, 14, 15 in order).
REQUIRED_CLAUSES |= {"13(1)", "13(2)", "13(3)", "14(1)", "14(2)", "14(3)"}
REQUIRED_CLAUSES |= {"15(1)", "15(2)", "15(3)", "15(4)"}
# Chapter 5, the duties: 16 and 17 where those bodies act, 18 and 19 as procedure steps.
REQUIRED_CLAUSES |= {"16", "17", "18", "19"}


def trace_rows(markdown: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(clause, [(definition id, element id)]) for every row of the trace table."""
    rows: list[tuple[str, list[tuple[str, str]]]] = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 3:
            continue
        if cells[0] in ("clause", "") or set(cells[0]) <= {"-", ":"}:
            continue
        rows.append((cells[0], REFERENCE.findall(cells[-1])))
    return rows


def trace_problems(markdown: str, known: dict[str, set[str]]) -> list[str]:
    problems: list[str] = []
    rows = trace_rows(markdown)
    for clause in sorted(REQUIRED_CLAUSES - {clause for clause, _ in rows}):
        problems.append(f"clause {clause} has no row")
    for clause, references in rows:
        if not references:
            problems.append(f"clause {clause}: a row names no element")
        for definition, element in references:
            if element not in known.get(definition, set()):
                problems.append(f"clause {clause}: {definition}#{element} does not exist")
    return problems


def test_regulation_trace_names_existing_elements_for_every_clause() -> None:
    markdown = (DOCS_DIR / "regulation-trace.md").read_text(encoding="utf-8")
    assert trace_problems(markdown, known_elements()) == []


def test_trace_check_reports_a_missing_element_and_a_missing_clause() -> None:
    markdown = (
        "| clause | requirement | elements |\n|---|---|---|\n| 8(1) | x | `application#gone` |\n"
    )
    problems = trace_problems(markdown, {"application": {"validateApplication"}})
    assert "clause 8(1): application#gone does not exist" in problems
    assert "clause 8(4) has no row" in problems
    assert "clause 9 has no row" in problems
