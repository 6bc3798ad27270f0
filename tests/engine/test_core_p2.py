"""Start events (message, timer, signal), signals, event-based gateways, terminate end events
and message throw events through the EngineService API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.testing import EngineHarness, Transport

BPMN = Path(__file__).parent / "bpmn"


def _instances(h: EngineHarness, process_id: str) -> list[int]:
    return [
        i["processInstanceKey"]
        for i in h.engine.query.process_instances()
        if i["processDefinitionId"] == process_id
    ]


async def test_message_start_event_starts_once_per_correlation_key(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        await h.publish_message("applied", "case-1", {"applicant": "zhang"})
        [key] = _instances(h, "by-message")
        await h.assert_instance(key).is_waiting_at("work")
        await h.assert_instance(key).has_variable("applicant", "zhang")
        await h.publish_message("applied", "case-1")
        assert len(_instances(h, "by-message")) == 1  # still active for that key
        await h.publish_message("applied", "case-2")
        assert len(_instances(h, "by-message")) == 2
        await h.complete_job("apply-work", process_instance_key=key)
        await h.publish_message("applied", "case-1")
        assert len(_instances(h, "by-message")) == 3


async def test_timer_start_event_cycle_starts_instances(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        assert _instances(h, "by-timer") == []
        await h.advance_clock(timedelta(hours=23))
        assert _instances(h, "by-timer") == []
        await h.advance_clock(timedelta(hours=1))
        assert len(_instances(h, "by-timer")) == 1
        await h.advance_clock(timedelta(days=1))
        assert len(_instances(h, "by-timer")) == 2
        await h.advance_clock(timedelta(days=5))
        assert len(_instances(h, "by-timer")) == 2  # R2: two repetitions only


async def test_signal_start_and_message_throw_job(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        await h.commands.broadcast_signal("alarm", {"level": 3})
        [key] = _instances(h, "by-signal")
        await h.assert_instance(key).has_variable("level", 3)
        await h.complete_job("react")
        await h.assert_instance(key).is_waiting_at("send")
        await h.complete_job("send-note")
        await h.assert_instance(key).is_completed()


async def test_event_based_gateway_takes_first_event_message(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "flow-events.bpmn")
        key = await h.start("await-reply", {"caseId": "c-1"})
        await h.assert_instance(key).is_waiting_at("race")
        await h.publish_message("reply", "c-1", {"answer": "yes"})
        await h.assert_instance(key).has_passed_path("race", "gotReply", "replied")
        await h.assert_instance(key).has_variable("answer", "yes")
        await h.assert_instance(key).is_completed()
        assert h.engine.state.timers == {}
        assert h.engine.state.signal_subscriptions == {}


async def test_event_based_gateway_timer_wins_when_no_reply(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "flow-events.bpmn")
        key = await h.start("await-reply", {"caseId": "c-2"})
        await h.advance_clock(timedelta(days=3))
        await h.assert_instance(key).has_passed_path("timeout", "expired")
        await h.publish_message("reply", "c-2")
        await h.assert_instance(key).has_not_completed_elements("gotReply")


async def test_signal_throw_reaches_boundary_and_catch_events(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "flow-events.bpmn")
        waiting = await h.start("terminate")
        racing = await h.start("await-reply", {"caseId": "c-3"})
        thrower = await h.start("shout")
        await h.assert_instance(thrower).is_completed()
        await h.assert_instance(waiting).has_terminated_elements("longTask")
        await h.assert_instance(waiting).has_completed_elements("stopped", "stopEnd")
        await h.assert_instance(racing).has_passed_path("goSignal", "signalled")


async def test_terminate_end_event_ends_the_whole_scope(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "flow-events.bpmn")
        key = await h.start("terminate")
        await h.complete_job("quick")
        await h.assert_instance(key).has_terminated_elements("longTask")
        await h.assert_instance(key).is_completed()
        assert h.engine.query.jobs(key) == []


async def test_interrupting_message_event_sub_process_replaces_the_flow(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "event-subprocess.bpmn")
        key = await h.start("esp", {"caseId": "c-1"})
        await h.assert_instance(key).is_waiting_at("handle")
        await h.publish_message("withdraw", "c-1", {"by": "applicant"})
        await h.assert_instance(key).has_terminated_elements("handle")
        await h.assert_instance(key).is_waiting_at("closeCase")
        await h.assert_instance(key).has_variable("by", "applicant")
        await h.advance_clock(timedelta(days=2))  # the reminders were closed by the interruption
        await h.assert_instance(key).is_not_waiting_at("remind")
        await h.complete_job("close")
        await h.assert_instance(key).is_completed()


async def test_non_interrupting_timer_event_sub_process_runs_beside_the_flow(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "event-subprocess.bpmn")
        key = await h.start("esp", {"caseId": "c-2"})
        await h.advance_clock(timedelta(days=1))
        await h.assert_instance(key).is_waiting_at("handle", "remind")
        await h.advance_clock(timedelta(days=1))
        assert len([j for j in h.engine.query.jobs(key) if j["type"] == "remind"]) == 2
        await h.complete_job("handle")
        await h.assert_instance(key).is_active()
        await h.complete_job("remind")
        await h.complete_job("remind")
        await h.assert_instance(key).is_completed()
        assert h.engine.state.timers == {}


async def test_error_event_sub_process_catches_job_error(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "event-subprocess.bpmn")
        key = await h.start("esp", {"caseId": "c-3"})
        await h.throw_error("handle", "FATAL")
        await h.assert_instance(key).has_passed_path("fatalStart", "fatalEnd", "onFatal")
        await h.assert_instance(key).is_completed()


async def test_inclusive_gateway_forks_chosen_branches_and_joins_them(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "inclusive.bpmn")
        both = await h.start("inclusive", {"depts": ["a", "b"]})
        one = await h.start("inclusive", {"depts": ["b"]})
        none = await h.start("inclusive", {"depts": []})
        await h.assert_instance(both).is_waiting_at("taskA", "taskB")
        await h.assert_instance(one).is_waiting_at("taskB")
        await h.assert_instance(one).is_not_waiting_at("taskA")
        await h.assert_instance(none).is_waiting_at("after")
        await h.complete_job("dept-a", process_instance_key=both)
        await h.assert_instance(both).has_not_completed_elements("merge")
        await h.complete_job("dept-b", process_instance_key=both)
        await h.assert_instance(both).is_waiting_at("after")
        await h.complete_job("dept-b", process_instance_key=one)
        await h.assert_instance(one).is_waiting_at("after")
        merges = [
            r
            for r in h.engine.query.records(process_instance_key=both)
            if r.intent == "ELEMENT_COMPLETED" and r.value["elementId"] == "merge"
        ]
        assert len(merges) == 1
