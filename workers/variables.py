"""The base of every job's input and output model: Python names, camelCase process variables."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """snake_case in Python, camelCase in JSON: the project's one spelling for data it writes."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ProcessVariables(CamelModel):
    """Fields as the process names them (docs/procedure-contract.md).

    Unknown variables are ignored: every job sees the whole case, and reads only what it needs.
    """

    model_config = ConfigDict(extra="ignore")

    def to_variables(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def describe_validation_error(error: ValidationError) -> str:
    """One line naming every offending variable, for an incident message an operator can act on."""
    problems = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"]) or "(整体)"
        problems.append(f"变量 {location}：{detail['msg']}")
    return f"作业数据不合规（{error.title}）：" + "；".join(problems)
