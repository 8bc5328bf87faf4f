"""The published Markdown: every section in Japanese, English only when written, safe names and HTML."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from hikeshi.core.i18n import Language
from hikeshi.postmortems import markdown
from hikeshi.postmortems.document import (
    ActionLine,
    ImpactFigures,
    PostmortemDocument,
    RecoveryLine,
    TimelineLine,
)
from hikeshi.postmortems.rules import durations

# Started 23:50 in Tokyo on 30 November, resolved 01:10 the next day: across midnight.
STARTED = datetime(2026, 11, 30, 14, 50, tzinfo=UTC)
DETECTED = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
DECLARED = datetime(2026, 11, 30, 15, 5, tzinfo=UTC)
RESOLVED = datetime(2026, 11, 30, 16, 10, tzinfo=UTC)


def document(language: Language = "ja", **changes: Any) -> PostmortemDocument:
    ja = language == "ja"
    base = PostmortemDocument(
        language=language,
        postmortem_id=3,
        incident_number=12,
        incident_title="Web予約で予約が保存できない",
        severity="SEV1",
        status="published",
        timezone="Asia/Tokyo",
        started_at=STARTED,
        detected_at=DETECTED,
        declared_at=DECLARED,
        resolved_at=RESOLVED,
        durations=durations(started_at=STARTED, detected_at=DETECTED, resolved_at=RESOLVED),
        affected_products=["Web予約" if ja else "Web booking"],
        unaffected_products=["POS"],
        impact_figures=ImpactFigures(
            stores_japan=120,
            stores_overseas=4,
            web_booking_diners=True,
            partners=2,
            emails_sent=118,
            calls_made=9,
            inquiries_linked=31,
        ),
        symptom="予約の保存で500エラー" if ja else "",
        recovery="ロック待ちを解消する修正をデプロイした" if ja else "",
        impact="全国の店舗でWeb予約が受けられなかった" if ja else "",
        cause="予約テーブルのロック競合" if ja else "",
        prevention="ロック待ちの監視を追加する" if ja else "",
        commander="佐藤",
        comms_lead="伊藤",
        url="https://hikeshi.example.jp/postmortems/3",
        recovery_actions=[
            RecoveryLine(
                kind="ホットフィックス",
                at=datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
                who="佐藤",
                description="ロック待ちを解消する修正をデプロイ",
            )
        ],
        action_items=[
            ActionLine(
                title="ロック待ちの監視を追加",
                owner="高橋",
                due_on=date(2026, 12, 15),
                status="open",
                status_label="未完了" if ja else "Open",
            )
        ],
        timeline=[TimelineLine(at=DECLARED, text="インシデント宣言 (佐藤)")],
    )
    return dataclasses.replace(base, **changes)


def test_japanese_document_has_every_section_with_its_facts() -> None:
    text = markdown.render(document(), None)

    assert text.startswith("# 障害報告: #12 Web予約で予約が保存できない\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 概要",
        "## 症状",
        "## 復旧作業",
        "## 影響範囲",
        "## 原因",
        "## 再発防止策",
        "## タイムライン",
    ]
    assert "## 症状\n\n予約の保存で500エラー\n" in text
    assert "## 原因\n\n予約テーブルのロック競合\n" in text
    assert "## 再発防止策\n\nロック待ちの監視を追加する\n" in text
    # Times in the company's zone, across midnight; durations are UTC differences.
    assert "- 発生日時: 2026-11-30 23:50 JST" in text
    assert "- 解決日時: 2026-12-01 01:10 JST" in text
    assert "- 発生から解決まで: 1時間20分" in text
    assert "- 検知から解決まで: 1時間10分" in text
    # The impact is people's words (pre-filled with the figures); the figures are not listed twice.
    assert "## 影響範囲\n\n全国の店舗でWeb予約が受けられなかった\n\n## 原因" in text
    assert "| ロック待ちの監視を追加 | 高橋 | 2026-12-15 | 未完了 |" in text
    assert "| 2026-12-01 01:00 JST | ホットフィックス | 佐藤 | ロック待ちを解消する修正をデプロイ |" in text
    assert "| 2026-12-01 00:05 JST | インシデント宣言 (佐藤) |" in text
    assert "<https://hikeshi.example.jp/postmortems/3>" in text
    assert "English" not in text


def test_english_section_follows_only_when_english_is_written() -> None:
    unwritten = markdown.render(document(), document("en"))
    written = markdown.render(document(), document("en", cause="Lock contention on the bookings table"))

    assert unwritten == markdown.render(document(), None)
    japanese, _, english = written.partition("\n---\n\n# English\n")
    assert "## 原因" in japanese
    assert "Lock contention" not in japanese
    assert "## Cause\n\nLock contention on the bookings table\n" in english
    # English not written for a section is said so, never filled with the Japanese text.
    assert "## Symptom\n\n_(not written)_\n" in english
    assert "予約の保存で500エラー" not in english
    assert "- Start to resolution: 1 h 20 min" in english
    assert "| ロック待ちの監視を追加 | 高橋 | 2026-12-15 | Open |" in english


def test_text_hikeshi_adds_cannot_break_the_tables() -> None:
    doc = document(
        incident_title="決済 | 予約 `障害`",
        action_items=[
            ActionLine(
                title="A | B\nC", owner="", due_on=date(2026, 12, 1), status="open", status_label="未完了"
            )
        ],
    )
    text = markdown.render(doc, None)

    assert "| A \\| B C | — | 2026-12-01 | 未完了 |" in text
    assert "# 障害報告: #12 決済 \\| 予約 \\`障害\\`" in text
    html = markdown.to_html(text)
    assert "<td>A | B C</td>" in html
    assert "<code>" not in html


def test_post_name_is_the_local_day_number_and_title_without_slashes_or_tags() -> None:
    doc = document(incident_title="Web予約/決済が\n  止まった #決済")

    name = markdown.post_name(doc)

    # esa would file a `/` as a category and a ` #word` as a tag.
    assert name == "2026-11-30 No.12 Web予約／決済が 止まった ＃決済"
    assert "/" not in name
    assert "#" not in name
    assert markdown.post_name(document(timezone="UTC")) == "2026-11-30 No.12 Web予約で予約が保存できない"
    assert markdown.post_name(document(started_at=None)) == "2026-12-01 No.12 Web予約で予約が保存できない"


def test_post_key_files_the_postmortem_under_the_year_it_began() -> None:
    assert markdown.post_key(document()) == "2026/incident-12"
    new_year = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 00:30 on 1 January in Tokyo
    assert markdown.post_key(document(started_at=new_year)) == "2027/incident-12"


def test_preview_html_shows_raw_html_as_text_and_drops_script_links() -> None:
    html = markdown.to_html("<script>alert(1)</script>\n\n[click](javascript:alert(1)) **bold**\n")

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<strong>bold</strong>" in html


def test_preview_html_renders_the_published_tables() -> None:
    html = markdown.to_html(markdown.render(document(), None))

    assert "<h1>障害報告: #12 Web予約で予約が保存できない</h1>" in html
    assert "<h2>再発防止策</h2>" in html
    assert "<th>担当者</th>" in html
    assert "<td>高橋</td>" in html
