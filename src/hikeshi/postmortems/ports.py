"""The knowledge base a published postmortem goes to (esa, or a folder of Markdown files)."""

from __future__ import annotations

from typing import Protocol


class StoredPost(Protocol):
    """What the knowledge base holds after a write: its post number (None for a file) and where it is
    (the post's URL or the file's path). Adapters cannot import this module: they return their own type."""

    @property
    def number(self) -> int | None: ...

    @property
    def location(self) -> str: ...


class KnowledgeBasePort(Protocol):
    kind: str  # rules.KnowledgeBaseKind value

    def publish(
        self, *, name: str, body_md: str, category: str, tags: list[str], number: int | None, key: str
    ) -> StoredPost:
        """Create the post (number None) or update post `number`; raise ExternalServiceError on failure.

        `key` names the document for good (`2026/incident-12`): a folder of files keeps it at that path.
        """
        ...
