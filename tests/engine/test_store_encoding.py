"""Record values come back from the store exactly as they were appended, whichever JSON encoder
wrote them (the fast one, or json for what the fast one refuses)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from engine.core.records import Record, RecordType, ValueType
from engine.store import RecordStore, _decode_value


def variable_record(position: int, value: dict[str, Any]) -> Record:
    """A stored record with `value`, the shape the store tests append."""
    return Record(
        position=position,
        key=position,
        record_type=RecordType.EVENT,
        value_type=ValueType.VARIABLE,
        intent="CREATED",
        timestamp=0,
        value=value,
    )


@pytest.mark.parametrize(
    "value",
    [
        {"name": "申请人", "value": '"容错免责"', "processInstanceKey": 2251799813685249},
        {"amount": 2**70, "nested": {"list": [1, 2.5, None, True, "\u2028"]}},
        {"ratio": 1e-7, "huge": 1e300, "negativeZero": -0.0},
    ],
)
def test_a_value_reads_back_as_appended(tmp_path: Path, value: dict[str, Any]) -> None:
    store = RecordStore(tmp_path)
    try:
        store.append([variable_record(1, value)])
        (read,) = list(store.read_all())
    finally:
        store.close()
    assert read.value == value


def test_a_value_is_stored_as_compact_utf8_text(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    try:
        store.append([variable_record(1, {"name": "申请人", "items": [1, 2]})])
        ((text, kind),) = store.query("SELECT value, typeof(value) FROM records")
    finally:
        store.close()
    assert kind == "text"  # json_extract in searches reads text, not SQLite's binary JSONB
    assert text == '{"name":"申请人","items":[1,2]}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"amount":1180591620717411303424}', {"amount": 2**70}),  # beyond orjson's 64 bits
        ('{"text":"\\ud800"}', {"text": "\ud800"}),  # a lone surrogate, as json wrote it
        ('{"tag":"容错","ratio":1e-7}', {"tag": "容错", "ratio": 1e-7}),
    ],
)
def test_text_the_fast_decoder_refuses_reads_back_as_json_reads_it(
    text: str, expected: dict[str, Any]
) -> None:
    assert _decode_value(text) == expected


def test_a_nan_written_by_an_earlier_version_still_reads_back() -> None:
    value = _decode_value('{"score":NaN}')
    assert math.isnan(value["score"])
