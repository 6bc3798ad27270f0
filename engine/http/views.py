"""How the /v2 API presents read-model items: fields without a value left out, variable values
cut in search results as 8.8 cuts them."""

from __future__ import annotations

from typing import Any

from engine.search_query import present

__all__ = ["VALUE_PREVIEW_CHARS", "present", "searched_variable"]

# 8.8 cuts variable values in search results to this many characters and flags them
# isTruncated; GET /v2/variables/{variableKey} gives the whole value.
VALUE_PREVIEW_CHARS = 8191


def searched_variable(item: dict[str, Any]) -> dict[str, Any]:
    value = item.get("value")
    if isinstance(value, str) and len(value) > VALUE_PREVIEW_CHARS:
        return item | {"value": value[:VALUE_PREVIEW_CHARS], "isTruncated": True}
    return item | {"isTruncated": False}
