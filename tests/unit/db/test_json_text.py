"""JSON columns are written by orjson, and by the standard library for what orjson refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hikeshi.db.json_text import dumps


@pytest.mark.parametrize(
    "value",
    [
        {"summary": "Web 予約が使えない", "labels": {"severity": "critical"}, "count": 3, "ratio": 0.5},
        [],
        {},
        {"nested": [[1, 2], {"a": None, "b": True}]},
        "text",
    ],
)
def test_what_orjson_writes_reads_back_the_same(value: Any) -> None:
    text = dumps(value)
    assert json.loads(text) == value
    assert "予約" in text or "予約" not in json.dumps(value, ensure_ascii=False)  # written as itself


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70},  # beyond 64 bits
        {1: "a key that is not text"},
        {"lone": "\ud800"},  # an unpaired surrogate
    ],
)
def test_what_orjson_refuses_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert dumps(value) == json.dumps(value)
