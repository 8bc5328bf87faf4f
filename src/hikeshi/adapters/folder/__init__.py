"""Postmortems as a folder of Markdown files, when no knowledge base service is configured."""

from hikeshi.adapters.folder.writer import FolderKnowledgeBase, MarkdownFile

__all__ = ["FolderKnowledgeBase", "MarkdownFile"]
