"""Timers (pinned engine clock), messages (correlation, buffering, TTL, uniqueness) and errors
(boundary, catch-all, error end events, unhandled) through the EngineService API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.api import AlreadyExists, InvalidArgument, Resource
from engine.testing import EngineHarness, Transport

BPMN = Path(__file__).parent / "bpmn"
CST = timezone(timedelta(hours=8))


async def test_timer_catch_fires_only_when_clock_passes_due_time(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-catch", {"delay": "PT1H"})
        await h.assert_instance(key).is_waiting_at("wait")
        await h.advance_clock(timedelta(minutes=59, seconds=59))
        await h.assert_instance(key).is_waiting_at("wait")
        await h.advance_clock(timedelta(seconds=1))
        await h.assert_instance(key).has_completed_elements("wait")
        await h.assert_instance(key).is_waiting_at("until")
        await h.set_clock(datetime(2026, 1, 31, 23, 59, tzinfo=CST))
        await h.assert_instance(key).is_waiting_at("until")
        await h.set_clock(datetime(2026, 2, 1, 0, 0, tzinfo=CST))
        await h.assert_instance(key).is_completed()


async def test_timer_from_feel_duration_expression(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-catch", {"delay": "P2D"})
        await h.advance_clock(timedelta(days=1))
        await h.assert_instance(key).is_waiting_at("wait")
        await h.advance_clock(timedelta(days=1))
        await h.assert_instance(key).is_waiting_at("until")


async def test_bad_timer_expression_raises_incident(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-catch", {"delay": "soon"})
        [incident] = h.engine.query.incidents(key)
        assert incident["elementId"] == "wait"
        assert "ISO 8601" in incident["errorMessage"]


async def test_interrupting_boundary_timer_terminates_task(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-boundary")
        await h.advance_clock(timedelta(days=6, hours=23))
        await h.assert_instance(key).is_waiting_at("work")
        await h.advance_clock(timedelta(hours=1))
        await h.assert_instance(key).has_terminated_elements("work")
        await h.assert_instance(key).has_completed_elements("deadline", "escalated")
        assert not any(j["type"] == "work" for j in h.engine.query.jobs(key))


async def test_non_interrupting_cycle_repeats_and_keeps_task(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-boundary")
        await h.advance_clock(timedelta(days=1))
        await h.assert_instance(key).is_waiting_at("work", "remind")
        await h.advance_clock(timedelta(days=1))
        remind_jobs = [j for j in h.engine.query.jobs(key) if j["type"] == "remind"]
        assert len(remind_jobs) == 2
        await h.advance_clock(timedelta(days=1))
        assert len([j for j in h.engine.query.jobs(key) if j["type"] == "remind"]) == 2
        await h.complete_job("work")
        await h.assert_instance(key).has_completed_elements("work", "done")
        await h.assert_instance(key).is_active()  # reminders still open


async def test_completing_task_cancels_its_boundary_timers(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "timers.bpmn")
        key = await h.start("timer-boundary")
        await h.complete_job("work")
        await h.assert_instance(key).is_completed()
        assert h.engine.state.timers == {}
        await h.advance_clock(timedelta(days=30))
        await h.assert_instance(key).has_not_completed_elements("escalated")


async def test_message_correlates_by_name_and_key_and_merges_variables(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "messages.bpmn")
        one = await h.start("messages", {"orderId": "o-1"})
        two = await h.start("messages", {"orderId": "o-2"})
        await h.publish_message("paid", "o-2", {"paidAmount": 12})
        await h.assert_instance(two).is_waiting_at("confirm")
        await h.assert_instance(two).has_variable("paidAmount", 12)
        await h.assert_instance(one).is_waiting_at("waitPaid")
        await h.publish_message("confirmed", "o-2")
        await h.assert_instance(two).is_waiting_at("ship")


async def test_buffered_message_correlates_later_and_expires_after_ttl(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "messages.bpmn")
        await h.publish_message("paid", "o-9", {"early": True}, ttl=timedelta(minutes=10))
        key = await h.start("messages", {"orderId": "o-9"})
        await h.assert_instance(key).is_waiting_at("confirm")
        await h.assert_instance(key).has_variable("early", True)
        await h.publish_message("paid", "o-10", ttl=timedelta(minutes=10))
        await h.advance_clock(timedelta(minutes=10))
        late = await h.start("messages", {"orderId": "o-10"})
        await h.assert_instance(late).is_waiting_at("waitPaid")


async def test_buffered_message_correlates_once_per_process(engine_transport: Transport) -> None:
    # Zeebe correlates a message at most once per process (bpmnProcessId), across its instances
    # and versions (docs.camunda.io, Concepts > Messages, "Message cardinality").
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "messages.bpmn")
        await h.publish_message("paid", "o-1", ttl=timedelta(hours=1))
        first = await h.start("messages", {"orderId": "o-1"})
        second = await h.start("messages", {"orderId": "o-1"})
        await h.assert_instance(first).is_waiting_at("confirm")
        await h.assert_instance(second).is_waiting_at("waitPaid")
        correlated = [
            r
            for r in h.engine.query.records(value_type="MESSAGE_SUBSCRIPTION")
            if r.intent == "CORRELATED"
        ]
        assert [r.value["processInstanceKey"] for r in correlated] == [first]


def _copy_of_messages_process(process_id: str) -> Resource:
    xml = (BPMN / "messages.bpmn").read_text(encoding="utf-8")
    return Resource(
        f"{process_id}.bpmn", xml.replace('id="messages"', f'id="{process_id}"').encode()
    )


async def test_published_message_reaches_one_instance_per_process(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "messages.bpmn")
        await h.deploy(_copy_of_messages_process("messages-copy"))
        first = await h.start("messages", {"orderId": "o-2"})
        second = await h.start("messages", {"orderId": "o-2"})
        other = await h.start("messages-copy", {"orderId": "o-2"})
        for key in (first, second, other):
            await h.assert_instance(key).is_waiting_at("waitPaid")
        await h.publish_message("paid", "o-2")
        await h.assert_instance(first).is_waiting_at("confirm")
        await h.assert_instance(second).is_waiting_at("waitPaid")
        await h.assert_instance(other).is_waiting_at("confirm")


async def test_message_id_is_unique_while_buffered(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.publish_message("paid", "o-1", ttl=timedelta(minutes=1), message_id="m-1")
        with pytest.raises(AlreadyExists, match="'m-1'"):
            await h.publish_message("paid", "o-1", ttl=timedelta(minutes=1), message_id="m-1")
        await h.advance_clock(timedelta(minutes=1))
        await h.publish_message("paid", "o-1", ttl=timedelta(minutes=1), message_id="m-1")
        with pytest.raises(InvalidArgument):
            await h.commands.publish_message("", "k")


async def test_interrupting_message_boundary_cancels_task(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "messages.bpmn")
        key = await h.start("messages", {"orderId": "o-3"})
        await h.publish_message("paid", "o-3")
        await h.publish_message("confirmed", "o-3")
        await h.assert_instance(key).is_waiting_at("ship")
        await h.publish_message("cancelled", "o-3", {"reason": "customer"})
        await h.assert_instance(key).has_terminated_elements("ship")
        await h.assert_instance(key).has_completed_elements("onCancel", "cancelledEnd")
        await h.assert_instance(key).has_variable("reason", "customer")
        await h.assert_instance(key).is_completed()


async def test_thrown_error_is_caught_by_matching_boundary(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "errors.bpmn")
        key = await h.start("errors")
        await h.throw_error("risky", "REJECTED", {"why": "incomplete"})
        await h.assert_instance(key).has_terminated_elements("risky")
        await h.assert_instance(key).has_passed_path("onRejected", "rejectedEnd")
        await h.assert_instance(key).has_variable("why", "incomplete")
        await h.assert_instance(key).is_completed()


async def test_unhandled_error_raises_incident(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "errors.bpmn")
        key = await h.start("errors")
        await h.throw_error("risky", "UNKNOWN")
        [incident] = h.engine.query.incidents(key)
        assert incident["errorType"] == "UNHANDLED_ERROR_EVENT"
        assert "'UNKNOWN'" in incident["errorMessage"]
        await h.assert_instance(key).is_waiting_at("risky")


async def test_error_end_event_is_caught_by_catch_all_boundary(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "errors.bpmn")
        key = await h.start("errors", {"fail": True})
        await h.complete_job("risky")
        await h.assert_instance(key).has_terminated_elements("sub")
        await h.assert_instance(key).has_passed_path("catchAll", "subFailedEnd")
        await h.assert_instance(key).is_completed()
        ok = await h.start("errors", {"fail": False})
        await h.complete_job("risky", process_instance_key=ok)
        await h.assert_instance(ok).has_passed_path("sub", "end")
