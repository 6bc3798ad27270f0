"""Every job the diagrams in `bpmn/` create can be handled: job type, headers and their values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from workers.documents import DocumentType
from workers.jobs import CLOSURES, router
from workers.notice_texts import NOTICE_TYPES, RECIPIENTS

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"

# The headers each job type reads, and the values it understands (None: any positive integer).
ACCEPTED_HEADERS: dict[str, dict[str, frozenset[str] | None]] = {
    "document.generate": {"documentType": frozenset(t.value for t in DocumentType)},
    "notice.send": {"recipient": RECIPIENTS, "noticeType": NOTICE_TYPES},
    "archive.file-case": {"closure": CLOSURES},
    "calendar.publicity-period": {"workingDays": None},
}


def service_jobs() -> list[tuple[str, str, dict[str, str]]]:
    """(element, job type, headers) for every element with a task definition."""
    if not BPMN.is_dir():
        pytest.fail(f"{BPMN} is missing: the diagrams are part of the repository")
    jobs = []
    for path in sorted(BPMN.glob("*.bpmn")):
        for element in ET.parse(path).iter():
            # <bpmn:serviceTask><bpmn:extensionElements><zeebe:taskDefinition type=...>
            definition = element.find(f"*/{ZEEBE}taskDefinition")
            if definition is None:
                continue
            headers = {
                header.attrib["key"]: header.attrib["value"]
                for header in element.iter(f"{ZEEBE}header")
            }
            name = f"{path.stem}#{element.attrib.get('id')}"
            jobs.append((name, definition.attrib["type"], headers))
    return jobs


def test_every_job_type_in_the_diagrams_has_a_worker() -> None:
    handled = {task.type for task in router.tasks}
    jobs = service_jobs()
    assert jobs, "no service or send task found in bpmn/"
    missing = {f"{name}: {job_type}" for name, job_type, _ in jobs if job_type not in handled}
    assert not missing


def test_every_header_value_in_the_diagrams_is_understood() -> None:
    problems = []
    for name, job_type, headers in service_jobs():
        for header, accepted in ACCEPTED_HEADERS.get(job_type, {}).items():
            value = headers.get(header)
            if value is None:
                if header != "workingDays":  # defaults to 7
                    problems.append(f"{name}: header {header} missing")
            elif accepted is None:
                if not value.isdigit() or int(value) < 1:
                    problems.append(f"{name}: {header}={value!r} is not a positive integer")
            elif value not in accepted:
                problems.append(f"{name}: {header}={value!r} not one of {sorted(accepted)}")
    assert not problems
