"""The demo's sample case (`tools/sample-application.json`) opens a case waiting at acceptance."""

from __future__ import annotations

import json

from tests.procedure.scenario import ProcedureRun
from tools.deploy import SAMPLE_CASE


async def test_sample_case_waits_at_acceptance(procedure: ProcedureRun) -> None:
    case = await procedure.start_case(json.loads(SAMPLE_CASE.read_text(encoding="utf-8")))

    await procedure.wait_for_user_task(case, "officeAcceptanceReview")
    await procedure.wait_for_user_task(case, "subjectAcceptanceOpinion")

    acceptance = next(k for k, p in procedure.instances(case).items() if p == "acceptance")
    assert_acceptance = procedure.harness.assert_instance(acceptance)
    await assert_acceptance.is_waiting_at("officeAcceptanceReview", "subjectAcceptanceOpinion")
    await procedure.assert_root(case).is_waiting_at("callAcceptance")
    variables = procedure.variables(case)
    assert variables["applicationFindings"] == []
    assert variables["caseNumber"] == "游容免〔2026〕1号"
    assert procedure.incidents(case) == []
