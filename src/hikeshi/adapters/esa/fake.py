"""An in-memory knowledge base recording each write, numbering posts the way esa does."""

from __future__ import annotations

from dataclasses import dataclass

from hikeshi.adapters.esa.client import EsaPost
from hikeshi.adapters.scripted import ScriptedFailures


@dataclass(frozen=True, slots=True)
class KnowledgeBaseWrite:
    number: int  # the post written
    created: bool  # False: an update of an existing post
    name: str
    body_md: str
    category: str
    tags: list[str]
    key: str


class FakeKnowledgeBase(ScriptedFailures):
    kind = "esa"

    def __init__(self, *, url: str = "https://example.esa.io/posts") -> None:
        super().__init__()
        self.url = url.rstrip("/")
        self.writes: list[KnowledgeBaseWrite] = []
        self.posts: dict[int, str] = {}  # number → body_md as it is now
        self._revisions: dict[int, int] = {}

    def publish(
        self, *, name: str, body_md: str, category: str, tags: list[str], number: int | None, key: str
    ) -> EsaPost:
        self._attempt()
        created = number is None or number not in self.posts
        if created:
            number = max(self.posts, default=0) + 1
        assert number is not None
        self.posts[number] = body_md
        self._revisions[number] = self._revisions.get(number, 0) + 1
        self.writes.append(
            KnowledgeBaseWrite(
                number=number,
                created=created,
                name=name,
                body_md=body_md,
                category=category,
                tags=list(tags),
                key=key,
            )
        )
        return EsaPost(
            number=number, location=f"{self.url}/{number}", revision_number=self._revisions[number]
        )
