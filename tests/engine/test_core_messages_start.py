"""Message start events and buffered messages (Zeebe's rules, see engine/core/message_starts.py),
and the PROCESS_MESSAGE_SUBSCRIPTION records written beside the MESSAGE_SUBSCRIPTION ones."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.core.records import ValueType
from engine.testing import EngineHarness, Transport

BPMN = Path(__file__).parent / "bpmn"


def _instances(h: EngineHarness, process_id: str = "by-message") -> list[int]:
    return [
        i["processInstanceKey"]
        for i in h.engine.query.process_instances()
        if i["processDefinitionId"] == process_id
    ]


def _start_correlations(h: EngineHarness) -> list[dict[str, Any]]:
    return [
        r.value
        for r in h.engine.query.records(value_type=ValueType.MESSAGE_START_EVENT_SUBSCRIPTION)
        if r.intent == "CORRELATED"
    ]


async def test_message_buffered_before_the_deployment_starts_nothing(
    engine_transport: Transport,
) -> None:
    # Zeebe docs, "Message events": messages published before the process was deployed are
    # not correlated to its message start event.
    async with EngineHarness(transport=engine_transport) as h:
        await h.publish_message("applied", "case-1", {"early": True}, ttl=timedelta(hours=1))
        await h.deploy(BPMN / "starts.bpmn")
        assert _instances(h) == []
        await h.publish_message("applied", "case-2", {"late": True})
        [key] = _instances(h)
        await h.assert_instance(key).has_variable("late", True)


async def test_buffered_message_with_the_same_key_starts_the_next_instance(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        first_message = await h.publish_message(
            "applied", "case-1", {"n": 1}, ttl=timedelta(hours=1)
        )
        [first] = _instances(h)
        # same key while the first instance is active: buffered, not correlated
        second_message = await h.publish_message(
            "applied", "case-1", {"n": 2}, ttl=timedelta(hours=1)
        )
        assert _instances(h) == [first]
        await h.complete_job("apply-work", process_instance_key=first)
        await h.assert_instance(first).is_completed()
        [second] = [k for k in _instances(h) if k != first]
        await h.assert_instance(second).has_variable("n", 2)
        await h.assert_instance(second).is_waiting_at("work")
        # each message started the process once: ending the second starts nothing more
        await h.complete_job("apply-work", process_instance_key=second)
        assert len(_instances(h)) == 2
        assert [c["messageKey"] for c in _start_correlations(h)] == [
            first_message,
            second_message,
        ]


async def test_cancelling_the_instance_frees_the_key_too(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        await h.publish_message("applied", "case-1", ttl=timedelta(hours=1))
        [first] = _instances(h)
        await h.publish_message("applied", "case-1", {"n": 2}, ttl=timedelta(hours=1))
        await h.commands.cancel_process_instance(first)
        await h.assert_instance(first).is_terminated()
        [second] = [k for k in _instances(h) if k != first]
        await h.assert_instance(second).has_variable("n", 2)


async def test_expired_buffered_message_starts_nothing(engine_transport: Transport) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        await h.publish_message("applied", "case-1")
        [first] = _instances(h)
        await h.publish_message("applied", "case-1", ttl=timedelta(minutes=1))
        await h.advance_clock(timedelta(minutes=2))
        await h.complete_job("apply-work", process_instance_key=first)
        assert _instances(h) == [first]


async def test_other_correlation_keys_and_empty_keys_are_not_blocked(
    engine_transport: Transport,
) -> None:
    async with EngineHarness(transport=engine_transport) as h:
        await h.deploy(BPMN / "starts.bpmn")
        await h.publish_message("applied", "case-1")
        await h.publish_message("applied", "case-2")
        await h.publish_message("applied", "")
        await h.publish_message("applied", "")
        assert len(_instances(h)) == 4


async def test_blocked_message_survives_a_restart(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path) as h:
        await h.deploy(BPMN / "starts.bpmn")
        await h.publish_message("applied", "case-1", ttl=timedelta(hours=1))
        [first] = _instances(h)
        await h.publish_message("applied", "case-1", {"n": 2}, ttl=timedelta(hours=1))
        before = dict(h.engine.state.message_started)
    async with EngineHarness(tmp_path) as h:
        # replay rebuilt who blocks the key and which message is still waiting
        assert h.engine.state.message_started == before
        assert h.engine.state.message_started_by_instance == {first: ("<default>", *_key())}
        await h.publish_message("applied", "case-1", {"n": 3}, ttl=timedelta(hours=1))
        assert _instances(h) == [first]
        await h.complete_job("apply-work", process_instance_key=first)
        [second] = [k for k in _instances(h) if k != first]
        await h.assert_instance(second).has_variable("n", 2)


def _key() -> tuple[str, str]:
    return ("by-message", "case-1")


async def test_process_message_subscription_records_accompany_the_subscription(
    engine_transport: Transport, tmp_path: Path
) -> None:
    async with EngineHarness(tmp_path, transport=engine_transport) as h:
        await h.deploy(BPMN / "messages.bpmn")
        key = await h.start("messages", {"orderId": "o-1"})
        await h.publish_message("paid", "o-1", {"paidAmount": 3})
        await h.engine.barrier()
        both = {ValueType.MESSAGE_SUBSCRIPTION, ValueType.PROCESS_MESSAGE_SUBSCRIPTION}
        records = [
            r for r in h.engine.query.records(process_instance_key=key) if r.value_type in both
        ]
        first = records[0].key
        trail = [(str(r.value_type), r.intent) for r in records if r.key == first]
        assert trail[:3] == [
            ("PROCESS_MESSAGE_SUBSCRIPTION", "CREATING"),
            ("MESSAGE_SUBSCRIPTION", "CREATED"),
            ("PROCESS_MESSAGE_SUBSCRIPTION", "CREATED"),
        ]
        assert ("PROCESS_MESSAGE_SUBSCRIPTION", "CORRELATED") in trail
        assert ("PROCESS_MESSAGE_SUBSCRIPTION", "DELETED") in trail
        process_side = [r for r in records if r.value_type == "PROCESS_MESSAGE_SUBSCRIPTION"]
        correlated = next(r for r in process_side if r.intent == "CORRELATED")
        assert correlated.value["messageName"] == "paid"
        assert correlated.value["variables"] == {"paidAmount": 3}
        assert correlated.value["processInstanceKey"] == key
        # every subscription that was opened and closed has both sides, in the same numbers
        for intent in ("CREATED", "CORRELATED", "DELETED"):
            sides = [str(r.value_type) for r in records if r.intent == intent]
            assert sides.count("MESSAGE_SUBSCRIPTION") == sides.count(
                "PROCESS_MESSAGE_SUBSCRIPTION"
            )
        subscriptions = dict(h.engine.state.subscriptions)
    async with EngineHarness(tmp_path) as h:
        assert h.engine.state.subscriptions.keys() == subscriptions.keys()
