"""BPMN behaviour through the EngineService API: gateways, scopes and variable propagation,
mappings, script/user/manual tasks, call activities, multi-instance, decisions, cancellation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.api import FailedPrecondition, InvalidArgument, NotFound
from engine.testing import EngineHarness, Transport

BPMN = Path(__file__).parent / "bpmn"


async def test_exclusive_gateway_takes_matching_flow_or_default(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "gateways.bpmn")
        big = await h.start("gateways", {"amount": 500})
        small = await h.start("gateways", {"amount": 5})
        await h.assert_instance(big).is_waiting_at("big")
        await h.assert_instance(small).is_waiting_at("small")


async def test_parallel_gateway_forks_and_joins(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "gateways.bpmn")
        key = await h.start("gateways", {"amount": 5})
        await h.complete_job("small")
        await h.assert_instance(key).is_waiting_at("p1", "p2")
        await h.complete_job("p1")
        await h.assert_instance(key).has_not_completed_elements("join")
        await h.assert_instance(key).is_active()
        await h.complete_job("p2")
        await h.assert_instance(key).has_passed_path("fork", "p1", "p2", "join", "end")
        await h.assert_instance(key).is_completed()


async def test_no_matching_condition_raises_incident_and_resolve_retries(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "gateways.bpmn")
        key = await h.start("no-default", {"x": 3})
        await h.assert_instance(key).has_active_incidents(1)
        [incident] = h.engine.query.incidents(key)
        assert incident["elementId"] == "choose"
        assert "Expected at least one condition to evaluate to true" in incident["errorMessage"]
        await h.commands.set_variables(key, {"x": 2})
        await h.commands.resolve_incident(incident["incidentKey"])
        await h.assert_instance(key).has_completed_elements("e2")
        await h.assert_instance(key).is_completed()


async def test_failing_expression_names_element_and_expression(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "gateways.bpmn")
        key = await h.start("gateways", {"other": 1})
        await h.assert_instance(key).has_active_incidents()
        [incident] = h.engine.query.incidents(key)
        assert incident["elementId"] == "size"
        assert "amount > 100" in incident["errorMessage"]


async def test_input_output_mappings_headers_and_local_scope(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "scopes.bpmn")
        key = await h.start("scopes", {"amount": 20})
        job = await h.complete_job("mapped", {"result": "ok", "extra": 1})
        assert job.variables == {"amount": 20, "doubled": 40, "plusOne": 41}
        assert job.custom_headers == {"kind": "mapping"}
        instance = h.assert_instance(key)
        await instance.has_variable("mappedResult", "ok")
        variables = h.engine.query.variables(key)
        # with output mappings, job variables stay local and only mapped ones leave
        assert "extra" not in variables and "doubled" not in variables


async def test_job_variables_propagate_to_existing_scope_or_root(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "scopes.bpmn")
        key = await h.start("scopes", {"amount": 1})
        await h.complete_job("mapped", {"result": 1})
        inner = await h.activate_job("inner")
        sub_key = h.engine.state.elements[inner.element_instance_key].flow_scope_key
        assert h.engine.query.variables(sub_key) == {"counter": 0}
        await h.commands.complete_job(inner.key, {"counter": 5, "newOne": "root"})
        # 'counter' exists in the sub-process scope: updated there, then mapped out
        await h.assert_instance(key).has_variable("subCounter", 5)
        await h.assert_instance(key).has_variable("newOne", "root")
        assert "counter" not in h.engine.query.variables(key)
        await h.assert_instance(key).is_completed()


async def test_set_variables_local_and_propagating(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "scopes.bpmn")
        key = await h.start("scopes", {"amount": 1})
        await h.complete_job("mapped", {"result": 1})
        inner = await h.activate_job("inner")
        sub_key = h.engine.state.elements[inner.element_instance_key].flow_scope_key
        await h.commands.set_variables(sub_key, {"counter": 9, "fresh": 1})
        assert h.engine.query.variables(sub_key) == {"counter": 9}
        assert h.engine.query.variables(key)["fresh"] == 1
        await h.commands.set_variables(inner.element_instance_key, {"mine": True}, local=True)
        assert h.engine.query.variables(inner.element_instance_key) == {"mine": True}
        with pytest.raises(NotFound, match="no such element"):
            await h.commands.set_variables(1, {"a": 1})
        with pytest.raises(InvalidArgument, match="JSON object"):
            await h.commands.set_variables(key, "nope")  # type: ignore[arg-type]


async def test_script_manual_plain_and_user_task(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        deployment = await h.deploy(BPMN / "tasks.bpmn", BPMN / "review-form.form")
        [form] = deployment.forms
        key = await h.start("tasks", {"a": 2, "b": 3, "owner": "zhang"})
        await h.assert_instance(key).has_variable("total", 5)
        await h.assert_instance(key).has_passed_path("sum", "manual", "plain")
        await h.assert_instance(key).is_waiting_at("review")
        [task] = h.engine.query.user_tasks(key)
        assert task["assignee"] == "zhang"
        assert task["candidateGroups"] == ["officers", "managers"]
        assert task["candidateUsers"] == ["u1", "u2"]
        assert task["priority"] == 70
        assert task["formKey"] == form.form_key
        assert task["dueDate"].startswith("2026-01-12T09:00")
        assert task["followUpDate"] == "2026-01-08T09:00:00+08:00"
        await h.commands.assign_user_task(task["userTaskKey"], "li")
        with pytest.raises(FailedPrecondition, match="already assigned"):
            await h.commands.assign_user_task(task["userTaskKey"], "wang", allow_override=False)
        await h.commands.update_user_task(
            task["userTaskKey"], {"priority": 90, "candidateGroups": ["x"]}
        )
        [task] = h.engine.query.user_tasks(key)
        assert (task["assignee"], task["priority"], task["candidateGroups"]) == ("li", 90, ["x"])
        await h.commands.unassign_user_task(task["userTaskKey"])
        with pytest.raises(InvalidArgument, match="priority"):
            await h.commands.update_user_task(task["userTaskKey"], {"priority": 500})
        await h.complete_user_task("review", {"approved": True})
        await h.assert_instance(key).is_completed()
        await h.assert_instance(key).has_variable("approved", True)


async def test_user_task_with_missing_form_raises_incident(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "tasks.bpmn")
        key = await h.start("tasks", {"a": 1, "b": 1, "owner": "x"})
        await h.assert_instance(key).has_active_incidents()
        [incident] = h.engine.query.incidents(key)
        assert incident["errorType"] == "FORM_NOT_FOUND"
        await h.deploy(BPMN / "review-form.form")
        await h.commands.resolve_incident(incident["incidentKey"])
        await h.assert_instance(key).is_waiting_at("review")


async def test_call_activity_runs_child_and_maps_variables_back(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "call.bpmn")
        key = await h.start("parent", {"childId": "child", "amount": 7})
        job = await h.activate_job("child-work")
        assert job.bpmn_process_id == "child"
        assert job.variables["childAmount"] == 7
        child = h.engine.query.process_instance(job.process_instance_key)
        assert child is not None and child["parentProcessInstanceKey"] == key
        await h.commands.complete_job(job.key, {"childResult": "done", "noise": 1})
        await h.assert_instance(job.process_instance_key).is_completed()
        await h.assert_instance(key).is_completed()
        await h.assert_instance(key).has_variable("result", "done")
        assert "noise" not in h.engine.query.variables(key)


async def test_cancel_terminates_instance_and_its_children(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "call.bpmn")
        key = await h.start("parent", {"childId": "child", "amount": 1})
        job = await h.activate_job("child-work")
        with pytest.raises(FailedPrecondition, match="Cancel the root process instance"):
            await h.commands.cancel_process_instance(job.process_instance_key)
        await h.commands.cancel_process_instance(key)
        await h.assert_instance(key).is_terminated()
        await h.assert_instance(job.process_instance_key).is_terminated()
        assert h.engine.query.jobs() == []
        with pytest.raises(NotFound):
            await h.commands.complete_job(job.key)
        with pytest.raises(NotFound, match="no such process"):
            await h.commands.cancel_process_instance(key)


async def test_missing_called_process_raises_incident(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "call.bpmn")
        key = await h.start("parent", {"childId": "ghost", "amount": 1})
        [incident] = h.engine.query.incidents(key)
        assert incident["errorType"] == "CALLED_ELEMENT_ERROR"
        assert "'ghost'" in incident["errorMessage"]


async def test_parallel_multi_instance_collects_output(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "multi.bpmn")
        key = await h.start("multi", {"items": [1, 2, 3]})
        jobs = [await h.activate_job("each") for _ in range(3)]
        assert sorted(j.variables["item"] for j in jobs) == [1, 2, 3]
        assert sorted(j.variables["loopCounter"] for j in jobs) == [1, 2, 3]
        for job in reversed(jobs):
            await h.commands.complete_job(job.key)
        await h.assert_instance(key).has_variable("results", [10, 20, 30])
        await h.assert_instance(key).is_waiting_at("oneByOne")


async def test_sequential_multi_instance_stops_on_completion_condition(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "multi.bpmn")
        key = await h.start("multi", {"items": [], "found": False})
        first = await h.complete_job("seq")
        assert first.variables["n"] == 1
        second = await h.complete_job("seq", {"found": True})
        assert second.variables["n"] == 2
        await h.assert_instance(key).is_completed()
        assert len(h.engine.query.jobs()) == 0


async def test_multi_instance_over_non_list_raises_incident(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "multi.bpmn")
        key = await h.start("multi", {"items": "abc"})
        [incident] = h.engine.query.incidents(key)
        assert "to be 'ARRAY'" in incident["errorMessage"]


async def test_business_rule_task_evaluates_decision(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "decision.bpmn", BPMN / "grade.dmn")
        key = await h.start("decide", {"score": 95})
        await h.assert_instance(key).is_completed()
        await h.assert_instance(key).has_variable("grade", "A")
        result = await h.commands.evaluate_decision(decision_id="grade", variables={"score": 10})
        assert result.output == "B"
        assert result.decision_requirements_id == "grading"
        assert result.evaluated_decisions[0].decision_id == "grade"


async def test_business_rule_task_without_decision_raises_incident(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "decision.bpmn")
        key = await h.start("decide", {"score": 95})
        [incident] = h.engine.query.incidents(key)
        assert incident["errorType"] == "CALLED_DECISION_ERROR"
        await h.deploy(BPMN / "grade.dmn")
        await h.commands.resolve_incident(incident["incidentKey"])
        await h.assert_instance(key).has_variable("grade", "A")


async def test_create_with_result_returns_variables(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "tasks.bpmn", BPMN / "review-form.form")
        created = await h.commands.create_process_instance(
            bpmn_process_id="tasks", variables={"a": 1, "b": 2, "owner": "x"}
        )
        key = created.process_instance_key
        await h.complete_user_task("review", {"ok": 1})
        result = await h.commands.await_process_instance_result(key, ["total", "ok"], 1_000)
        assert result.variables == {"total": 3, "ok": 1}
        with pytest.raises(TimeoutError):
            other = await h.start("tasks", {"a": 1, "b": 2, "owner": "x"})
            await h.commands.await_process_instance_result(other, [], 20)


async def test_create_instance_refusals(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        with pytest.raises(NotFound, match="process ID 'nope'"):
            await h.start("nope")
        await h.deploy(BPMN / "three-tasks.bpmn")
        with pytest.raises(NotFound, match="version '7'"):
            await h.commands.create_process_instance(bpmn_process_id="three-tasks", version=7)
        with pytest.raises(InvalidArgument, match="JSON object"):
            await h.commands.create_process_instance(bpmn_process_id="three-tasks", variables=[1])  # type: ignore[arg-type]


async def test_error_in_called_process_is_caught_by_call_activity_boundary(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "nested.bpmn")
        key = await h.start("outer", {"limit": 1})
        job = await h.throw_error("inner-work", "CHILD_FAILED")
        await h.assert_instance(job.process_instance_key).is_terminated()
        await h.assert_instance(key).has_passed_path("innerFailed", "failedEnd")
        await h.assert_instance(key).is_completed()


async def test_bad_job_type_expression_raises_incident_and_resolve_retries(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "nested.bpmn")
        key = await h.start("outer", {})
        await h.complete_job("inner-work")
        [incident] = h.engine.query.incidents(key)
        assert incident["elementId"] == "slow"
        assert "job type" in incident["errorMessage"] and "null" in incident["errorMessage"]
        await h.commands.set_variables(key, {"limit": 4})
        await h.commands.resolve_incident(incident["incidentKey"])
        job = await h.activate_job("slow")
        assert job.variables["budget"] == 5


async def test_timer_boundary_on_sub_process_interrupts_its_content(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "nested.bpmn")
        key = await h.start("outer", {"limit": 1})
        await h.complete_job("inner-work")
        await h.assert_instance(key).is_waiting_at("stage", "slow")
        await h.advance_clock(timedelta(hours=2))
        await h.assert_instance(key).has_terminated_elements("slow", "stage")
        await h.assert_instance(key).has_passed_path("stageTimeout", "lateEnd")
        await h.assert_instance(key).is_completed()
        assert h.engine.query.jobs() == []
