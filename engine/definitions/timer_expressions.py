"""ISO 8601 timer definitions as BPMN timers use them: durations (P7D, PT1H), dates with offset
(2026-11-27T10:00:00+08:00) and repeating cycles (R3/PT10S, R/PT1H, R/<start>/PT1H)."""

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


@dataclass(frozen=True)
class Duration:
    months: int
    delta: timedelta

    def add_to(self, epoch_ms: int) -> int:
        moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
        if self.months:
            month_index = moment.month - 1 + self.months
            year = moment.year + month_index // 12
            month = month_index % 12 + 1
            day = min(moment.day, calendar.monthrange(year, month)[1])
            moment = moment.replace(year=year, month=month, day=day)
        return int((moment + self.delta).timestamp() * 1000)


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


def check_static_timer(kind: str, text: str) -> None:
    if kind == "duration":
        parse_duration(text)
    elif kind == "date":
        parse_date(text)
    else:
        parse_cycle(text)


@dataclass(frozen=True)
class TimerSchedule:
    due_ms: int
    repetitions: int  # remaining repetitions including this one; 1 for one-shot, -1 unbounded
    interval: str  # ISO duration for the following repetitions, "" for one-shot


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
    cycle = parse_cycle(value)
    interval = value.strip().split("/")[-1]
    if cycle.start_ms is not None and cycle.start_ms > now_ms:
        return TimerSchedule(cycle.start_ms, cycle.repetitions, interval)
    return TimerSchedule(cycle.interval.add_to(now_ms), cycle.repetitions, interval)
