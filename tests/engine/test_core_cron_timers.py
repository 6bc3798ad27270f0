"""Cycle timers written as cron expressions (Zeebe's Spring-style six fields, seconds first):
timer start events that start one instance at every firing, non-interrupting boundary cycles,
the schedule kept across a restart, and malformed expressions refused at deployment naming the
element. Cron times are read in UTC (docs/limits.md); the clock is moved, never slept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.api import InvalidArgument, Resource
from engine.definitions.timer_expressions import TimerError, next_cron, schedule
from engine.testing import EngineHarness

BEIJING = timezone(timedelta(hours=8))
# 09:00 Beijing time on the first day of every quarter, written in UTC.
QUARTERLY = "0 0 1 1 1,4,7,10 *"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _process(process_id: str, body: str) -> Resource:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" '
        'targetNamespace="http://example.org">'
        f'<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process>'
        "</bpmn:definitions>"
    )
    return Resource(f"{process_id}.bpmn", xml.encode("utf-8"))


def _cron_start(process_id: str, cycle: str, element_id: str = "quarterly") -> Resource:
    return _process(
        process_id,
        f'<bpmn:startEvent id="{element_id}"><bpmn:outgoing>f1</bpmn:outgoing>'
        f"<bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}</bpmn:timeCycle>"
        "</bpmn:timerEventDefinition></bpmn:startEvent>"
        '<bpmn:sequenceFlow id="f1" sourceRef="' + element_id + '" targetRef="work"/>'
        '<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work"/>'
        "</bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming></bpmn:serviceTask>",
    )


def _started(h: EngineHarness, process_id: str) -> int:
    return len(
        [i for i in h.engine.query.process_instances() if i["processDefinitionId"] == process_id]
    )


def test_quarterly_cron_names_nine_o_clock_beijing_on_each_quarters_first_day() -> None:
    after = _ms(datetime(2026, 12, 6, 10, 0, tzinfo=BEIJING))
    first = next_cron(QUARTERLY, after)
    second = next_cron(QUARTERLY, first)
    assert first == _ms(datetime(2027, 1, 1, 9, 0, tzinfo=BEIJING))
    assert second == _ms(datetime(2027, 4, 1, 9, 0, tzinfo=BEIJING))
    # read in UTC, not in the machine's zone: 09:00 UTC is 17:00 in Beijing
    assert next_cron("0 0 9 1 1,4,7,10 *", after) == _ms(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))


def test_cron_day_of_month_and_day_of_week_must_both_match() -> None:
    # Spring's reading (Zeebe's): the first of a month that is a Monday, not every Monday
    due = next_cron("0 0 1 1 * MON", _ms(datetime(2027, 1, 1, tzinfo=UTC)))
    assert due == _ms(datetime(2027, 2, 1, 1, 0, tzinfo=UTC))


def test_cron_cycle_schedules_unbounded_repetitions_and_keeps_the_expression() -> None:
    plan = schedule("cycle", f" {QUARTERLY} ", _ms(datetime(2026, 12, 6, tzinfo=UTC)))
    assert (plan.repetitions, plan.interval) == (-1, QUARTERLY)
    assert plan.due_ms == _ms(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("cycle", "reason"),
    [
        ("0 0 1 1 13 *", "not a valid cron expression"),
        ("0 1 1 * *", "six fields"),
        ("every quarter", "six fields"),
        ("0 0 25 * * *", "not a valid cron expression"),
    ],
)
def test_malformed_cron_is_a_timer_error(cycle: str, reason: str) -> None:
    with pytest.raises(TimerError, match=reason):
        next_cron(cycle, 0)


async def test_cron_start_event_starts_one_instance_per_firing_across_a_quarter(
    tmp_path: Path,
) -> None:
    async with EngineHarness(tmp_path, start_at=datetime(2026, 12, 6, 10, tzinfo=BEIJING)) as h:
        await h.deploy(_cron_start("quarterly-check", QUARTERLY))
        [timer] = h.engine.state.timers.values()
        assert timer.due_date == _ms(datetime(2027, 1, 1, 9, tzinfo=BEIJING))
        await h.set_clock(datetime(2027, 1, 1, 8, 59, 59, tzinfo=BEIJING))
        assert _started(h, "quarterly-check") == 0
        await h.set_clock(datetime(2027, 1, 1, 9, 0, tzinfo=BEIJING))
        assert _started(h, "quarterly-check") == 1
        await h.set_clock(datetime(2027, 3, 31, 23, 59, tzinfo=BEIJING))
        assert _started(h, "quarterly-check") == 1
        await h.set_clock(datetime(2027, 4, 1, 9, 0, tzinfo=BEIJING))
        assert _started(h, "quarterly-check") == 2
        [timer] = h.engine.state.timers.values()
        assert timer.due_date == _ms(datetime(2027, 7, 1, 9, tzinfo=BEIJING))
        assert timer.interval == QUARTERLY and timer.repetitions == -1


async def test_cron_schedule_survives_a_restart(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path, start_at=datetime(2026, 12, 6, 10, tzinfo=BEIJING)) as h:
        await h.deploy(_cron_start("quarterly-check", QUARTERLY))
        await h.set_clock(datetime(2027, 1, 1, 9, 0, tzinfo=BEIJING))
        assert _started(h, "quarterly-check") == 1
        timers_before = sorted(
            (t.key, t.due_date, t.interval) for t in h.engine.state.timers.values()
        )
    async with EngineHarness(tmp_path) as h:  # replays the log
        timers_after = sorted(
            (t.key, t.due_date, t.interval) for t in h.engine.state.timers.values()
        )
        assert timers_after == timers_before
        assert _started(h, "quarterly-check") == 1
        await h.set_clock(datetime(2027, 4, 1, 9, 0, tzinfo=BEIJING))
        assert _started(h, "quarterly-check") == 2
    async with EngineHarness(tmp_path) as h:
        [timer] = h.engine.state.timers.values()
        assert timer.due_date == _ms(datetime(2027, 7, 1, 9, tzinfo=BEIJING))


async def test_non_interrupting_cron_boundary_repeats_while_the_task_waits(tmp_path: Path) -> None:
    boundary = _process(
        "daily-reminder",
        '<bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>'
        '<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work"/>'
        "</bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming></bpmn:serviceTask>"
        '<bpmn:boundaryEvent id="everyMorning" attachedToRef="work" cancelActivity="false">'
        "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>"
        "<bpmn:timeCycle>0 0 1 * * MON-FRI</bpmn:timeCycle></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>"
        '<bpmn:sequenceFlow id="f2" sourceRef="everyMorning" targetRef="remind"/>'
        '<bpmn:serviceTask id="remind"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="remind"/></bpmn:extensionElements>'
        "<bpmn:incoming>f2</bpmn:incoming></bpmn:serviceTask>",
    )
    # Friday 2027-01-08, 10:00 Beijing
    async with EngineHarness(tmp_path, start_at=datetime(2027, 1, 8, 10, tzinfo=BEIJING)) as h:
        await h.deploy(boundary)
        key = await h.start("daily-reminder")

        def reminders() -> int:
            return len([j for j in h.engine.query.jobs(key) if j["type"] == "remind"])

        await h.set_clock(datetime(2027, 1, 10, 23, 0, tzinfo=BEIJING))  # the weekend
        assert reminders() == 0
        await h.set_clock(datetime(2027, 1, 11, 9, 0, tzinfo=BEIJING))  # Monday 09:00
        assert reminders() == 1
        await h.set_clock(datetime(2027, 1, 12, 9, 0, tzinfo=BEIJING))
        assert reminders() == 2
    async with EngineHarness(tmp_path) as h:
        await h.set_clock(datetime(2027, 1, 13, 9, 0, tzinfo=BEIJING))
        assert len([j for j in h.engine.query.jobs(key) if j["type"] == "remind"]) == 3
        await h.complete_job("work", process_instance_key=key)
        await h.assert_instance(key).has_completed_elements("work")
        await h.set_clock(datetime(2027, 1, 14, 9, 0, tzinfo=BEIJING))
        assert len([j for j in h.engine.query.jobs(key) if j["type"] == "remind"]) == 3


@pytest.mark.parametrize("cycle", ["0 0 1 1 13 *", "0 1 1 * *", "每季度"])
async def test_malformed_cron_start_event_is_refused_at_deployment_naming_it(cycle: str) -> None:
    async with EngineHarness() as h:
        with pytest.raises(InvalidArgument, match="screeningSchedule") as refused:
            await h.deploy(_cron_start("bad-cron", cycle, element_id="screeningSchedule"))
        assert cycle in str(refused.value)
        assert h.engine.state.timers == {}
        assert h.engine.query.process_definitions() == []


async def test_cron_given_as_feel_is_checked_at_deployment_too() -> None:
    async with EngineHarness() as h:
        with pytest.raises(InvalidArgument, match="screeningSchedule"):
            await h.deploy(
                _cron_start("bad-cron", '="0 0 1 1 13 *"', element_id="screeningSchedule")
            )
        await h.deploy(_cron_start("good-cron", f'="{QUARTERLY}"'))
        assert len(h.engine.state.timers) == 1


def test_a_repetition_past_the_last_nameable_date_is_a_timer_error() -> None:
    last_day = _ms(datetime(9999, 12, 31, 12, tzinfo=UTC))
    with pytest.raises(TimerError, match="after 9999-12-31"):
        next_cron(QUARTERLY, last_day)
    with pytest.raises(TimerError, match="after 9999-12-31"):
        schedule("duration", "P7D", last_day)


async def test_a_cron_start_firing_on_the_last_nameable_day_is_its_last(tmp_path: Path) -> None:
    async with EngineHarness(tmp_path, start_at=datetime(9999, 9, 1, tzinfo=UTC)) as h:
        await h.deploy(_cron_start("quarterly-check", QUARTERLY))
        await h.set_clock(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
        assert _started(h, "quarterly-check") == 1
        assert list(h.engine.state.timers.values()) == []
