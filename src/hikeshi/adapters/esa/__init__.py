"""esa (esa.io), the knowledge base postmortems are published to: `EsaKnowledgeBase` and a fake."""

from hikeshi.adapters.esa.client import EsaKnowledgeBase, EsaPost, EsaTeam
from hikeshi.adapters.esa.fake import FakeKnowledgeBase

__all__ = ["EsaKnowledgeBase", "EsaPost", "EsaTeam", "FakeKnowledgeBase"]
