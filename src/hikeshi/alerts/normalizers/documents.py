"""Request bodies as JSON: decoding with limits, and typed reads that name the JSON path when they fail.

Every failure is an `InvalidInput` whose field is the JSON path (`alerts[2].labels`), so a sender sees
exactly what to fix. Reads are lenient where a person would be: a number where text is expected is taken
as text; a missing or `null` optional value is simply absent. A container of the wrong kind is an error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from hikeshi.core.errors import InvalidInput

MAX_DEPTH = 64  # objects and lists inside each other; real payloads stay under 10

JsonObject = dict[str, Any]


def load_json(body: bytes) -> Any:
    """Decode UTF-8 (a BOM is tolerated) and parse strict JSON, nested at most `MAX_DEPTH` deep."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("{field}: not valid UTF-8", field="body") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            "{field}: not valid JSON (line {line}, column {column})",
            field="body",
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # NaN, Infinity, a number out of range, an integer too long to convert
        raise InvalidInput("{field}: not valid JSON", field="body") from None
    # `\u0000` and unpaired surrogates can only arrive as escapes; databases refuse both in text.
    clean = "\\u" in text
    if not clean and text.count("{") + text.count("[") <= MAX_DEPTH:
        return document  # nothing to clean, and too few brackets to nest too deep: no walk needed
    return _checked(document, 1, clean=clean)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _finite_float(text: str) -> float:
    """`1e400` would become infinity, which no JSON column stores."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _too_deep() -> InvalidInput:
    return InvalidInput("{field}: nested deeper than {limit} levels", field="body", limit=MAX_DEPTH)


def _checked(value: Any, depth: int, *, clean: bool) -> Any:
    if isinstance(value, dict):
        if depth > MAX_DEPTH:
            raise _too_deep()
        if clean:
            return {_clean_text(key): _checked(item, depth + 1, clean=True) for key, item in value.items()}
        for item in value.values():
            _checked(item, depth + 1, clean=False)
        return value
    if isinstance(value, list):
        if depth > MAX_DEPTH:
            raise _too_deep()
        if clean:
            return [_checked(item, depth + 1, clean=True) for item in value]
        for item in value:
            _checked(item, depth + 1, clean=False)
        return value
    if clean and isinstance(value, str):
        return _clean_text(value)
    return value


def _clean_text(text: str) -> str:
    """Replace NUL and unpaired surrogates with U+FFFD so the text can be stored and shown."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return text.replace("\x00", "\ufffd")


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def as_object(value: Any, path: str) -> JsonObject:
    if not isinstance(value, dict):
        raise InvalidInput("{field}: expected an object", field=path or "body")
    return value


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput("{field}: expected a list", field=path or "body")
    return value


def optional_object(parent: Mapping[str, Any], key: str, path: str) -> JsonObject | None:
    value = parent.get(key)
    return None if value is None else as_object(value, child(path, key))


def required_object(parent: Mapping[str, Any], key: str, path: str) -> JsonObject:
    value = parent.get(key)
    if value is None:
        raise InvalidInput("{field}: required", field=child(path, key))
    return as_object(value, child(path, key))


def optional_list(parent: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = parent.get(key)
    return [] if value is None else as_list(value, child(path, key))


def required_list(parent: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        raise InvalidInput("{field}: required", field=child(path, key))
    return as_list(value, child(path, key))


def scalar_text(value: Any) -> str | None:
    """Text for a JSON scalar (numbers and booleans as JSON writes them); None for null and containers."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


def text(parent: Mapping[str, Any], key: str, path: str) -> str:
    """An optional scalar as text, "" when missing or null; an object or list there is an error."""
    value = parent.get(key)
    if value is None:
        return ""
    found = scalar_text(value)
    if found is None:
        raise InvalidInput("{field}: expected a string", field=child(path, key))
    return found


def required_text(parent: Mapping[str, Any], key: str, path: str) -> str:
    found = text(parent, key, path).strip()
    if not found:
        raise InvalidInput("{field}: required", field=child(path, key))
    return found


def string_map(parent: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
    """A map of strings such as Alertmanager's labels; scalars become text, null values are dropped."""
    mapping = optional_object(parent, key, path)
    if mapping is None:
        return {}
    where = child(path, key)
    return {name: text(mapping, name, where) for name, value in mapping.items() if value is not None}


def folded(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Keys lower-cased, without a leading `$`, `-` as `_`: how users rename template variables."""
    return {fold(key): value for key, value in mapping.items()}


def fold(key: str) -> str:
    return key.lstrip("$").lower().replace("-", "_")
