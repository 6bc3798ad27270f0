"""Camunda Forms (.form JSON) as deployable resources: only the `id` matters to the engine."""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.api import InvalidArgument


@dataclass(frozen=True)
class FormModel:
    form_id: str
    content: str


def parse_form(content: bytes, resource_name: str) -> FormModel:
    try:
        text = content.decode("utf-8")
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidArgument(f"form '{resource_name}' is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidArgument(f"form '{resource_name}' must be a JSON object")
    form_id = document.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        raise InvalidArgument(f"form '{resource_name}' has no 'id' (a non-empty string)")
    return FormModel(form_id=form_id, content=text)
