"""Publishing without esa: the worker writes the postmortem to HIKESHI_POSTMORTEM_DIR, one file for good."""

from __future__ import annotations

from pathlib import Path

from hikeshi.bootstrap import Container
from hikeshi.postmortems.schemas import PostmortemUpdate
from tests.integration.postmortems.conftest import Crew
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.publishing import CAUSE, publish, republish, stored, submitted_postmortem


def test_publishing_writes_one_file_and_publishing_again_rewrites_it(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    folder = Path(world.settings.postmortem_dir)
    postmortem_id = submitted_postmortem(world, crew)
    published = publish(world, crew, postmortem_id)

    run_jobs(world)

    path = folder / "2026" / "incident-1.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(
        '---\ntitle: "2026-12-01 No.1 Web予約で予約が保存できない"\ncategory: "障害情報"\n'
    )
    assert text.endswith(published.published_markdown)
    assert f"## 原因\n\n{CAUSE}\n" in text
    first = stored(world, postmortem_id)
    assert (first.kb_kind, first.kb_post_number, first.kb_location) == ("folder", None, str(path))
    assert (first.kb_synced_at, first.kb_error) == (clock.now, "")

    clock.advance(days=1)
    republish(world, crew, postmortem_id, PostmortemUpdate(cause_en="Lock waits on the bookings table"))
    run_jobs(world)

    assert [file.relative_to(folder) for file in folder.rglob("*") if file.is_file()] == [
        Path("2026/incident-1.md")
    ]
    rewritten = path.read_text(encoding="utf-8")
    assert "# English" in rewritten
    assert "Lock waits on the bookings table" in rewritten
    second = stored(world, postmortem_id)
    assert (second.kb_location, second.kb_synced_at, second.kb_synced_version) == (
        str(path),
        clock.now,
        second.version,
    )
