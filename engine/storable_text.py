"""Text the store can keep: every string must be encodable as UTF-8.

JSON text may spell an unpaired UTF-16 surrogate ("\\ud800"); Python decodes it into a str that
UTF-8 cannot encode, so such a value is accepted in memory and only fails when its record is
written. The adapters refuse it at the edge, naming the field (`unstorable_field`); the writer
loop checks each command's records before commit (`unstorable_record`), so a value that slips
through (say, a FEEL substring that splits a surrogate pair) fails only its own command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from engine.core.records import Record


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _find(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return None if _storable(value) else path or "(value)"
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not _storable(key):
                # The name itself cannot be echoed; point at the object that holds it.
                return f"{path or '(body)'} (a property name)"
            found = _find(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def unstorable_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string in `value` (keys included) that is not valid
    Unicode text, or None when everything is storable."""
    try:
        # orjson refuses surrogates and is fast: the common, clean case costs one encode.
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
        return None
    except TypeError:
        # Also what orjson cannot encode for other reasons (integers beyond 64 bits): walk.
        return _find(value, path)


def unstorable_record(records: Sequence[Record]) -> str | None:
    """Describes the first record of `records` that the store could not encode, else None."""
    for record in records:
        field = unstorable_field(record.value)
        if field is None and not _storable(record.rejection_reason):
            field = "rejectionReason"
        if field is not None:
            return f"{record.value_type} {record.intent}: {field}"
    return None


def storable(value: Any) -> Any:
    """`value` with every unencodable character spelled as a backslash escape: for what the
    engine records about a refused command, which may quote the very text it refused."""
    if isinstance(value, str):
        return value if _storable(value) else value.encode("utf-8", "backslashreplace").decode()
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


UNSTORABLE_TEXT = "is not valid Unicode text (it contains an unpaired surrogate such as \\ud800)"
