"""The procedure is revised while cases run (the measures are 试行): a case waiting in its
publicity period moves to the revised publicity diagram without being restarted, and completes
along the revised path.

The revision (tests/procedure/fixtures/revisions/publicity-closing-record/) adds one step after
the 7 working days of Art. 8(3): the office records how the publicity actually went (posted as
announced, objections received) before the stage ends. It stays a fixture until the commission
adopts it; bpmn/ keeps the current version.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from pyzeebe.grpc_internals.types import DeployResourceResponse
from pyzeebe.proto import gateway_pb2 as pb

from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order

BEIJING = timezone(timedelta(hours=8))
REVISION = Path(__file__).parent / "fixtures" / "revisions" / "publicity-closing-record"
# What stays where it is: the period sub-process, its timer and the objection boundary event.
MAPPINGS = ("publicityPeriod", "publicityPeriodEnds", "objectionReceived")


def _publicity_instance(run: ProcedureRun, case: Case) -> int:
    (key,) = [k for k, p in run.instances(case).items() if p == "publicity"]
    return key


async def _migrate(run: ProcedureRun, instance_key: int, target_key: int) -> None:
    """As Operate does it: MigrateProcessInstance through the gateway."""
    plan = pb.MigrateProcessInstanceRequest.MigrationPlan(
        targetProcessDefinitionKey=target_key,
        mappingInstructions=[
            pb.MigrateProcessInstanceRequest.MappingInstruction(
                sourceElementId=element_id, targetElementId=element_id
            )
            for element_id in MAPPINGS
        ],
    )
    await run.gateway_stub.MigrateProcessInstance(
        pb.MigrateProcessInstanceRequest(processInstanceKey=instance_key, migrationPlan=plan)
    )


async def test_case_in_publicity_moves_to_the_revised_diagram_and_completes(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {"dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持")}
    )
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")

    engine = run.harness.engine
    publicity = _publicity_instance(run, case)
    (timer,) = [t for t in engine.state.timers.values() if t.process_instance_key == publicity]
    models = [*REVISION.glob("*.bpmn"), *REVISION.glob("*.form")]
    deployment = await run.client.deploy_resource(*[str(p) for p in models])
    (revised,) = [
        d for d in deployment.deployments if isinstance(d, DeployResourceResponse.ProcessMetadata)
    ]
    assert (revised.bpmn_process_id, revised.version) == ("publicity", 2)

    await run.set_clock(case, datetime(2026, 10, 9, 10, 0, tzinfo=BEIJING))
    await _migrate(run, publicity, revised.process_definition_key)
    migrated = engine.state.elements[publicity]
    assert (migrated.version, migrated.process_definition_key) == (
        2,
        revised.process_definition_key,
    )
    # the running period is untouched: same timer, same due date (Art. 8(3), 7 working days)
    kept = engine.state.timers[timer.key]
    assert kept.due_date == timer.due_date
    assert kept.process_definition_key == revised.process_definition_key
    (objections,) = [
        s for s in engine.state.subscriptions.values() if s.process_instance_key == publicity
    ]
    assert objections.target_element_id == "objectionReceived"

    await run.set_clock(case, datetime(2026, 10, 14, 0, 0, tzinfo=BEIJING))
    task = await run.wait_for_user_task(
        case, "recordPublicityClosure", candidate_group="leading-group-office"
    )
    assert run.form_id(task) == "publicity-closing-record"
    assert engine.state.user_tasks[int(task["userTaskKey"])].process_definition_version == 2
    answer = await run.submit_as(
        "leading-group-office",
        int(task["userTaskKey"]),
        {
            "publicityPostedAsAnnounced": True,
            "objectionsReceivedCount": 0,
            "publicityClosingNotes": "已在区政府网站公示7个工作日，期内未收到异议。",
        },
    )
    assert answer.status_code == 204, answer.text
    await run.wait_until_passed(case, "publicity#publicityPassedEnd")
    await steps.org_personnel_receipt(run, case)
    await run.wait_until_completed(case)

    assert_passed_in_order(
        run.path(case),
        "publicity#arrangePublicity",
        "publicity#publicityPeriodEnds",
        "publicity#recordPublicityClosure",
        "publicity#publicityPassedEnd",
        "feedback-filing#archiveCase",
    )
    variables = run.variables(case)
    assert variables["publicityOutcome"] == "passed"
    assert variables["objectionsReceivedCount"] == 0
    assert variables["publicityPostedAsAnnounced"] is True
