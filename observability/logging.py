"""structlog, configured once for every process of the project.

A person at a terminal gets readable, coloured lines; a pipe, a file or a container log collector
gets one JSON object per line. Context bound with `structlog.contextvars` (a job worker binds the
process instance key and job key for the duration of a job) is merged into every line, so a line
logged deep inside a handler still says which case and which job it belongs to.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

import structlog

_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}


def _wants_json(stream: TextIO) -> bool:
    forced = os.environ.get("LOG_FORMAT", "").lower()
    if forced in {"json", "console"}:
        return forced == "json"
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure_logging(level: str | None = None, stream: TextIO | None = None) -> None:
    """Configure structlog and the standard library's logging to write through one pipeline.

    Safe to call more than once (the last call wins), so tests can redirect the stream.
    """
    out = stream if stream is not None else sys.stderr
    level_name = (level or os.environ.get("LOG_LEVEL", "INFO")).upper()
    numeric_level = _LEVELS.get(level_name, logging.INFO)

    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: structlog.types.Processor
    if _wants_json(out):
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=hasattr(out, "isatty") and out.isatty())

    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )

    # Libraries (grpc, uvicorn, pyzeebe) log through the standard library: route them through
    # the same renderer so a log collector sees one format.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
