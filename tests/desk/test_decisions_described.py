"""Every user task of the procedure says what it decided, in the case file (desk/case_file.py)
and in the business history (desk/web/case-record.js): a step added to a diagram without its
decision would show who acted but not what they decided."""

from __future__ import annotations

import re
from pathlib import Path

from desk.case_file import DECISION_FIELDS

ROOT = Path(__file__).resolve().parents[2]
USER_TASK = re.compile(r'<bpmn:userTask id="([^"]+)"')
HISTORY_ENTRY = re.compile(r"^  (\w+): \(v\) =>", re.MULTILINE)


def _user_tasks() -> set[str]:
    return {
        task
        for path in (ROOT / "bpmn").glob("*.bpmn")
        for task in USER_TASK.findall(path.read_text())
    }


def test_the_case_file_shows_what_every_user_task_decided() -> None:
    assert _user_tasks() - set(DECISION_FIELDS) == set()


def test_the_business_history_shows_what_every_user_task_decided() -> None:
    described = set(HISTORY_ENTRY.findall((ROOT / "desk" / "web" / "case-record.js").read_text()))
    assert _user_tasks() - described == set()
