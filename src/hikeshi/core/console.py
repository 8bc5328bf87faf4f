"""What every CLI command shares: JSON output, one-line errors with exit code 2, the speaking language."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from hikeshi.core.errors import HikeshiError
from hikeshi.core.i18n import Translator

EXIT_BAD_INPUT = 2


def print_json(document: Any) -> None:
    if isinstance(document, BaseModel):
        text = document.model_dump_json(indent=2)
    elif isinstance(document, list) and all(isinstance(item, BaseModel) for item in document):
        text = json.dumps([item.model_dump(mode="json") for item in document], ensure_ascii=False, indent=2)
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")


def fail(message: str, *, code: int = EXIT_BAD_INPUT) -> None:
    sys.stderr.write(f"hikeshi: {message}\n")
    raise SystemExit(code)


@contextmanager
def reported_errors(translate: Callable[[str], str] | None = None) -> Iterator[None]:
    """Turn hikeshi's errors into one line on stderr and exit code 2; never a traceback."""
    try:
        yield
    except HikeshiError as error:
        fail(error.render(translate or (lambda text: text)))


def speaker(language: str, timezone: str) -> Translator:
    return Translator(language="en" if language == "en" else "ja", timezone=timezone)
