"""How JSON columns are written: orjson, with the standard library for what orjson does not take.

Every alert stores a few JSON columns (its labels, links, details and the payload as sent), so a storm
writes tens of thousands of documents a second; orjson writes one in a tenth of the time `json.dumps`
takes. What orjson refuses (integers beyond 64 bits, keys that are not strings, text with lone
surrogates) is written by `json.dumps` as before, so every value that could be stored still can be.
The text differs only in spacing and in writing non-ASCII characters as themselves; both read back
as the same value.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value)
