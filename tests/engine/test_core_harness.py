"""The process test harness and the read-only query views."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.testing import EngineHarness

BPMN = Path(__file__).parent / "bpmn"


async def test_assertion_failures_say_what_was_expected_and_found() -> None:
    async with EngineHarness() as h:
        await h.deploy(BPMN / "three-tasks.bpmn")
        key = await h.start("three-tasks", {"x": 1})
        with pytest.raises(AssertionError, match=r"to wait at \['b'\].*active elements \['a'\]"):
            await h.assert_instance(key).is_waiting_at("b")
        with pytest.raises(AssertionError, match=r"to be COMPLETED, but it is state ACTIVE"):
            await h.assert_instance(key).is_completed()
        with pytest.raises(AssertionError, match=r"variable 'x' .* to be 2, but it is 1"):
            await h.assert_instance(key).has_variable("x", 2)
        with pytest.raises(AssertionError, match=r"no such variable; variables: \['x'\]"):
            await h.assert_instance(key).has_variable("y", 1)
        with pytest.raises(AssertionError, match=r"\['c'\] did not complete"):
            await h.assert_instance(key).has_completed_elements("start", "c")
        with pytest.raises(AssertionError, match="expected an activatable job of type 'zzz'"):
            await h.complete_job("zzz")
        with pytest.raises(AssertionError, match="expected an open user task 'review'"):
            await h.complete_user_task("review")
        instance = await h.assert_instance(key).is_active()
        await instance.has_no_incidents()


async def test_query_views_list_definitions_instances_and_records() -> None:
    async with EngineHarness() as h:
        deployment = await h.deploy(BPMN / "three-tasks.bpmn", BPMN / "review-form.form")
        key = await h.start("three-tasks", {"n": 1})
        q = h.engine.query
        [definition] = q.process_definitions()
        assert definition["processDefinitionId"] == "three-tasks"
        assert definition["name"] == "Three service tasks"
        assert "<bpmn:process" in definition["bpmnXml"]
        assert q.forms()[0]["formKey"] == deployment.forms[0].form_key
        [instance] = q.process_instances()
        assert instance["state"] == "ACTIVE" and instance["processInstanceKey"] == key
        assert [e["elementId"] for e in q.element_instances(key)] == ["three-tasks", "a"]
        assert q.variables(key) == {"n": 1}
        [job] = q.jobs(key)
        assert (job["type"], job["state"], job["retries"]) == ("a", "ACTIVATABLE", 3)
        records = q.records(process_instance_key=key)
        assert records[0].to_json()["valueType"] == "PROCESS_INSTANCE"
        assert {r.value_type for r in records} >= {"PROCESS_INSTANCE", "VARIABLE", "JOB"}
        positions = [r.position for r in q.records()]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        assert all(r.key >= (1 << 51) for r in q.records())
