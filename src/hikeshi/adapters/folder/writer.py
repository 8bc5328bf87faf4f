"""`{directory}/{key}.md` (e.g. `postmortems/2026/incident-12.md`), replaced whole on every publish.

Each write goes to a temporary file in the same folder that is then renamed over the old one, so a
reader (a git sync, a static site build) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hikeshi.adapters.errors import refused, shorten
from hikeshi.core.errors import ExternalServiceError

PROVIDER: Final = "Markdown folder"
# Each part of a key: letters, digits, dots, dashes, underscores; never `..`, so it stays in the folder.
_KEY_PART = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$")
FILE_MODE: Final = 0o644


@dataclass(frozen=True, slots=True)
class MarkdownFile:
    number: None
    location: str  # the file's path


class FolderKnowledgeBase:
    """`KnowledgeBasePort` writing one Markdown file per postmortem, name, category and tags on top."""

    kind = "folder"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path_for(self, key: str) -> Path:
        parts = key.split("/")
        if not all(_KEY_PART.match(part) for part in parts):
            raise refused(PROVIDER, f"not a usable file name: {key!r}")
        return self.directory.joinpath(*parts).with_suffix(".md")

    def publish(
        self, *, name: str, body_md: str, category: str, tags: list[str], number: int | None, key: str
    ) -> MarkdownFile:
        target = self.path_for(key)
        text = _front_matter(name=name, category=category, tags=tags) + body_md
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _replace(target, text)
        except OSError as error:
            # A full disk or a missing permission needs a person; the job still retries it later.
            raise ExternalServiceError(
                "{provider} could not be written: {detail}",
                provider=PROVIDER,
                detail=shorten(f"{target}: {error.strerror or error}"),
            ) from error
        return MarkdownFile(number=None, location=str(target))


def _front_matter(*, name: str, category: str, tags: list[str]) -> str:
    """YAML front matter (JSON strings are valid YAML scalars), as static site generators read it."""
    lines = ["---", f"title: {_quoted(name)}", f"category: {_quoted(category)}"]
    lines.append("tags: [" + ", ".join(_quoted(tag) for tag in tags) + "]")
    return "\n".join([*lines, "---", "", ""])


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def _replace(target: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
