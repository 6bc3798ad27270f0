"""bpmnlint (as `make test` runs it) really rejects a broken diagram and names the element."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.procedure.bpmn_model import BPMN_DIR, REPO

BROKEN_TASK = "recordCommitteeAcknowledgement"


def run_bpmnlint(path: Path) -> subprocess.CompletedProcess[str]:
    npx = shutil.which("npx")
    if npx is None or not (REPO / "node_modules" / "bpmnlint").is_dir():
        pytest.fail("bpmnlint is not installed: run `npm ci` in the repository root")
    return subprocess.run(
        [npx, "--no-install", "bpmnlint", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bpmnlint_rejects_a_service_task_without_job_type(tmp_path: Path) -> None:
    source = (BPMN_DIR / "committee-recording.bpmn").read_text(encoding="utf-8")
    definition = '<zeebe:taskDefinition type="committee.record" retries="3" />'
    assert definition in source, "fixture changed: the committee.record task definition moved"
    broken = tmp_path / "committee-recording-broken.bpmn"
    broken.write_text(source.replace(definition, ""), encoding="utf-8")

    result = run_bpmnlint(broken)

    assert result.returncode != 0, result.stdout + result.stderr
    assert BROKEN_TASK in result.stdout + result.stderr


def test_bpmnlint_accepts_the_committed_diagram_copied_elsewhere(tmp_path: Path) -> None:
    intact = tmp_path / "committee-recording.bpmn"
    shutil.copy(BPMN_DIR / "committee-recording.bpmn", intact)

    result = run_bpmnlint(intact)

    assert result.returncode == 0, result.stdout + result.stderr
