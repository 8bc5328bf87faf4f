"""The folder of Markdown files used instead of esa when no knowledge base is configured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hikeshi.adapters.folder import FolderKnowledgeBase
from hikeshi.core.errors import ExternalServiceError

NAME = "2026-11-30 No.12 Web予約で予約が保存できない"


def _publish(folder: FolderKnowledgeBase, body: str, *, key: str = "2026/incident-12") -> str:
    return folder.publish(
        name=NAME, body_md=body, category="障害情報", tags=["postmortem", "SEV1"], number=None, key=key
    ).location


def test_publishing_writes_one_file_under_the_year(tmp_path: Path) -> None:
    folder = FolderKnowledgeBase(tmp_path / "postmortems")

    location = _publish(folder, "# 障害報告\n\n## 原因\n\nロック競合\n")

    assert location == str(tmp_path / "postmortems" / "2026" / "incident-12.md")
    assert Path(location).read_text(encoding="utf-8") == (
        "---\n"
        'title: "2026-11-30 No.12 Web予約で予約が保存できない"\n'
        'category: "障害情報"\n'
        'tags: ["postmortem", "SEV1"]\n'
        "---\n"
        "\n"
        "# 障害報告\n\n## 原因\n\nロック競合\n"
    )
    assert os.stat(location).st_mode & 0o777 == 0o644


def test_publishing_again_rewrites_the_same_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    folder = FolderKnowledgeBase(tmp_path)
    first = _publish(folder, "版1\n")

    second = _publish(folder, "版2\n")

    assert second == first
    assert Path(second).read_text(encoding="utf-8").endswith("\n\n版2\n")
    assert [path.name for path in (tmp_path / "2026").iterdir()] == ["incident-12.md"]


@pytest.mark.parametrize("key", ["../escape", "2026/../../etc/passwd", "/absolute", "a//b", "年/incident"])
def test_a_key_that_would_leave_the_folder_is_refused(tmp_path: Path, key: str) -> None:
    folder = FolderKnowledgeBase(tmp_path / "postmortems")

    with pytest.raises(ExternalServiceError) as caught:
        _publish(folder, "x", key=key)

    assert caught.value.permanent
    assert not (tmp_path / "postmortems").exists()


def test_an_unwritable_folder_is_an_error_the_job_retries(tmp_path: Path) -> None:
    blocker = tmp_path / "postmortems"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    folder = FolderKnowledgeBase(blocker)

    with pytest.raises(ExternalServiceError) as caught:
        _publish(folder, "x")

    assert not caught.value.permanent
    assert "could not be written" in str(caught.value)
