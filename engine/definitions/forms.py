"""Camunda Forms (.form JSON) as deployable resources: only the `id` matters to the engine."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from engine.api import InvalidArgument


@dataclass(frozen=True)
class FormModel:
    form_id: str
    content: str


# Forms nest groups and dynamic lists a few levels deep; far deeper nesting is no form, and would
# exhaust Python's recursion in json.loads (a RecursionError, not a refusal, and the writer then
# rebuilt its state). Checked by a linear scan before parsing.
MAX_FORM_NESTING = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_form(content: bytes, resource_name: str) -> FormModel:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidArgument(f"form '{resource_name}' is not valid UTF-8: {error}") from None
    if _nesting(text) > MAX_FORM_NESTING:
        raise InvalidArgument(
            f"form '{resource_name}' nests objects and arrays more than {MAX_FORM_NESTING} "
            "levels deep"
        )
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise InvalidArgument(f"form '{resource_name}' is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidArgument(f"form '{resource_name}' must be a JSON object")
    form_id = document.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        raise InvalidArgument(f"form '{resource_name}' has no 'id' (a non-empty string)")
    return FormModel(form_id=form_id, content=text)
