"""The project's structlog configuration: JSON lines off a TTY, readable lines on one, and the
process instance key and job key on every line logged while a job is handled."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from observability.logging import configure_logging


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_lines_when_not_a_tty_carry_bound_job_context() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    log = structlog.get_logger("worker")
    with structlog.contextvars.bound_contextvars(process_instance_key=2251799813685250, job_key=7):
        log.info("notice sent", recipient="applicant")
        logging.getLogger("pyzeebe").warning("library line")
    log.info("outside a job")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["event"] == "notice sent"
    assert lines[0]["process_instance_key"] == 2251799813685250
    assert lines[0]["job_key"] == 7
    assert lines[0]["level"] == "info"
    assert "timestamp" in lines[0]
    assert lines[1]["event"] == "library line"
    assert lines[1]["job_key"] == 7
    assert "job_key" not in lines[2]


def test_readable_lines_on_a_terminal() -> None:
    stream = _Tty()
    configure_logging(stream=stream)
    structlog.get_logger().info("案件已受理", case_number="游容免〔2026〕3号")
    text = stream.getvalue()
    assert "案件已受理" in text
    assert "case_number" in text
    assert not text.lstrip().startswith("{")


def test_log_format_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    stream = _Tty()
    configure_logging(stream=stream)
    structlog.get_logger().info("forced")
    assert json.loads(stream.getvalue())["event"] == "forced"
