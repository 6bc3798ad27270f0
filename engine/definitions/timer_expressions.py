"""Timer definitions as BPMN timers use them: ISO 8601 durations (P7D, PT1H), dates with offset
(2026-11-27T10:00:00+08:00) and repeating cycles (R3/PT10S, R/PT1H, R/<start>/PT1H), and cycles
written as a cron expression as Zeebe reads them (Spring's six fields, seconds first:
`0 0 1 1 1,4,7,10 *`).

Cron times are read in UTC, as Zeebe reads them by default, so a diagram fires at the same moment
on Camunda 8 and on this engine (docs/limits.md: a district at UTC+8 writes 09:00 as hour 1).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


class TimerError(ValueError):
    pass


# The last instant a date-time can name (9999-12-31T23:59:59.999Z): a timer or a pinned clock past
# it cannot be written as a date, so the engine refuses it instead of failing inside a command.
LATEST_INSTANT_MS = 253_402_300_799_999


def _representable(epoch_ms: int, what: str) -> int:
    if not 0 <= epoch_ms <= LATEST_INSTANT_MS:
        raise TimerError(f"{what} would fall after 9999-12-31, the last date the engine can name")
    return epoch_ms


@dataclass(frozen=True)
class Duration:
    months: int
    delta: timedelta

    def add_to(self, epoch_ms: int) -> int:
        try:
            moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
            if self.months:
                month_index = moment.month - 1 + self.months
                year = moment.year + month_index // 12
                month = month_index % 12 + 1
                day = min(moment.day, calendar.monthrange(year, month)[1])
                moment = moment.replace(year=year, month=month, day=day)
            due = int((moment + self.delta).timestamp() * 1000)
        except (ValueError, OverflowError):
            due = LATEST_INSTANT_MS + 1
        return _representable(due, "the timer")


@dataclass(frozen=True)
class Cycle:
    repetitions: int  # -1 = unbounded
    start_ms: int | None
    interval: Duration


def parse_duration(text: str) -> Duration:
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise TimerError(f"'{text}' is not an ISO 8601 duration (e.g. PT1H, P7D)")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items() if k != "sign"}
    months = int(parts["y"] * 12 + parts["mo"])
    delta = timedelta(
        weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["mi"], seconds=parts["s"]
    )
    if match.group("sign"):
        raise TimerError(f"'{text}' is a negative duration")
    return Duration(months, delta)


def parse_date(text: str) -> int:
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "@" in value:  # FEEL zoned date-time like 2026-01-01T10:00@Asia/Shanghai
        from zoneinfo import ZoneInfo

        local, _, zone = value.partition("@")
        try:
            moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
        except (ValueError, KeyError) as error:
            raise TimerError(f"'{text}' is not an ISO 8601 date-time: {error}") from None
        return int(moment.timestamp() * 1000)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TimerError(f"'{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        # Zeebe reads a date-time without offset as UTC.
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse_cycle(text: str) -> Cycle:
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not parts[0].startswith("R"):
        raise TimerError(f"'{text}' is not an ISO 8601 repeating interval (e.g. R3/PT10S)")
    count = parts[0][1:]
    if count and not count.isdigit():
        raise TimerError(f"'{text}' has a bad repetition count '{parts[0]}'")
    repetitions = int(count) if count else -1
    start = parse_date(parts[1]) if len(parts) == 3 else None
    return Cycle(repetitions, start, parse_duration(parts[-1]))


# Spring's macros, which Zeebe accepts in place of the six fields.
_CRON_MACROS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}


def is_cron(text: str) -> bool:
    """A cycle that is not an ISO 8601 repeating interval is meant as a cron expression."""
    return not text.strip().startswith(("R", "P"))


def _cron_fields(text: str) -> str:
    expression = " ".join(text.split())
    expression = _CRON_MACROS.get(expression.lower(), expression)
    if len(expression.split(" ")) != 6:
        raise TimerError(
            f"'{text}' is neither an ISO 8601 repeating interval (e.g. R/P1D) nor a cron "
            "expression of six fields: second minute hour day-of-month month day-of-week "
            "(e.g. 0 0 1 1 1,4,7,10 *)"
        )
    return expression


def next_cron(text: str, after_ms: int) -> int:
    """The first instant strictly after `after_ms` that the cron expression names, in UTC.

    Day of month and day of week must both match when both are given (Spring's reading, which
    Zeebe's follows), not either of them as in Unix cron.
    """
    # Loaded on first use: only cron timers need it, and a restart waits for every import.
    from croniter import CroniterError, croniter

    expression = _cron_fields(text)
    try:
        start = datetime.fromtimestamp(_representable(after_ms, "the timer") / 1000, tz=UTC)
        iterator = croniter(
            expression,
            start,
            second_at_beginning=True,
            day_or=False,
            max_years_between_matches=50,
        )
        following: datetime = iterator.get_next(datetime)
    except CroniterError as error:
        raise TimerError(f"'{text}' is not a valid cron expression: {error}") from None
    except (ValueError, OverflowError):
        # croniter cannot step past year 9999: the expression names no representable instant
        raise TimerError(
            f"the next time '{text}' names would fall after 9999-12-31, the last date the "
            "engine can name"
        ) from None
    return _representable(int(following.timestamp() * 1000), "the timer")


def check_cron(text: str) -> None:
    next_cron(text, 0)


def next_repetition(interval: str, now_ms: int) -> int:
    """When a repeating timer that has just fired falls due again: one interval from now, or the
    next instant the cron expression names."""
    if is_cron(interval):
        return next_cron(interval, now_ms)
    return parse_duration(interval).add_to(now_ms)


def check_static_timer(kind: str, text: str) -> None:
    if kind == "duration":
        parse_duration(text)
    elif kind == "date":
        parse_date(text)
    elif is_cron(text):
        check_cron(text)
    else:
        parse_cycle(text)


@dataclass(frozen=True)
class TimerSchedule:
    due_ms: int
    repetitions: int  # remaining repetitions including this one; 1 for one-shot, -1 unbounded
    # ISO duration or cron expression for the following repetitions, "" for one-shot
    interval: str


def schedule(kind: str, value: object, now_ms: int) -> TimerSchedule:
    """Computes the first due date of a timer from its (evaluated) definition."""
    if kind == "date":
        if not isinstance(value, str):
            raise TimerError(f"expected a date-time for timeDate, got {value!r}")
        return TimerSchedule(parse_date(value), 1, "")
    if not isinstance(value, str):
        raise TimerError(f"expected an ISO 8601 text for a timer, got {value!r}")
    if kind == "duration":
        text = value.strip()
        if text.startswith("P"):
            return TimerSchedule(parse_duration(text).add_to(now_ms), 1, "")
        # FEEL may yield a date-time for a duration timer; treat it as the due date.
        return TimerSchedule(parse_date(text), 1, "")
    if is_cron(value):
        expression = value.strip()
        return TimerSchedule(next_cron(expression, now_ms), -1, expression)
    cycle = parse_cycle(value)
    interval = value.strip().split("/")[-1]
    if cycle.start_ms is not None and cycle.start_ms > now_ms:
        return TimerSchedule(cycle.start_ms, cycle.repetitions, interval)
    return TimerSchedule(cycle.interval.add_to(now_ms), cycle.repetitions, interval)
