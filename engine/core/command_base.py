"""What every command processor shares: the batch's record writer, the state, the BPMN
behaviour, and the validation helpers that give refusals Zeebe's wording. Refusals raise an
`EngineError` before anything is written."""

from __future__ import annotations

from typing import Any

from engine.access.principal import Principal
from engine.access.rules import Action, Target, authorize
from engine.api import InvalidArgument
from engine.core.bpmn import Bpmn
from engine.core.writer import RecordWriter
from engine.definitions.element_kind import JobState
from engine.limits import check_variables_size

# Zeebe reports a job waiting out its backoff as FAILED in rejections.
JOB_STATE_NAMES: dict[JobState, str] = {JobState.BACKOFF: JobState.FAILED.value}


def rejected(command: str, code: str, message: str) -> str:
    return f"Command '{command}' rejected with code '{code}': {message}"


def check_variables(variables: Any, what: str = "variables") -> dict[str, Any]:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InvalidArgument(
            f"Expected {what} to be a JSON object, but it was {type(variables).__name__}"
        )
    try:
        check_variables_size(variables, what)
    except (TypeError, ValueError) as error:
        raise InvalidArgument(f"Expected {what} to be valid JSON: {error}") from None
    return variables


class CommandBase:
    def __init__(self, writer: RecordWriter) -> None:
        self.w = writer
        self.s = writer.state
        self.bpmn = Bpmn(writer)
        # Who the command being processed acts for (set by the service per command); None for
        # the engine's own commands (timers, follow-ups) and embedded callers.
        self.acting: Principal | None = None

    def authorize(self, action: Action, target: Target | None = None) -> None:
        """Decides the command against the live state, before anything is written."""
        authorize(self.acting, action, target)
