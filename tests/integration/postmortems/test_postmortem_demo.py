"""The demo company's resolved incident has its postmortem published, so every postmortem page has a story."""

from __future__ import annotations

from pathlib import Path

from hikeshi.bootstrap import Container
from hikeshi.demo import load_demo
from hikeshi.postmortems import action_items, service
from tests.support.catalog import run_jobs


def test_the_demo_postmortem_is_published_with_its_measures_and_copied_to_the_folder(
    container: Container,
) -> None:
    with container.sessions() as db:
        assert load_demo(session=db, now=container.clock(), base_url="https://hikeshi.example.jp")
        db.commit()
    run_jobs(container)  # the publish job copies it; resolving again must not open a second one
    with container.sessions() as db:
        [row] = service.list_postmortems(session=db)
        postmortem = row.postmortem
        assert postmortem.status == "published"
        assert postmortem.submitted_by_id != postmortem.published_by_id  # reviewed by someone else
        assert "認証キー" in postmortem.cause_ja
        assert "API key" in postmortem.cause_en
        assert "# English" in postmortem.published_markdown
        assert "https://hikeshi.example.jp/postmortems/" in postmortem.published_markdown
        items = action_items.action_items_of(session=db, postmortem_id=postmortem.id)
        assert sorted(item.status for item in items) == ["done", "open", "open"]
        assert all(item.owner_id is not None for item in items)
        # Without esa the copy is a Markdown file in HIKESHI_POSTMORTEM_DIR.
        assert postmortem.kb_kind == "folder"
        assert postmortem.kb_synced_version == postmortem.version
        copied = Path(postmortem.kb_location)
    assert copied.read_text(encoding="utf-8").endswith(postmortem.published_markdown)
