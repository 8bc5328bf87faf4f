"""The internal announcement read word for word, in Japanese and English, as the whole company sees it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hikeshi.incidents import announcement
from hikeshi.incidents.announcement import Facts, ProductName
from hikeshi.incidents.rules import SEVERITY_MEANINGS, STATUS_LABELS, Severity, Status

TOKYO = "Asia/Tokyo"
WEB_BOOKING = ProductName(ja="Web予約", en="Web booking")
SMS = ProductName(ja="SMS送信", en="SMS delivery")
IPAD = ProductName(ja="iPad台帳アプリ", en="iPad ledger app")
STORE_WEB = ProductName(ja="店舗向けWebアプリ", en="Store web app")

# Web booking has been failing since 19:05 in Tokyo; Sato deploys the hotfix at 20:30.
FIXTURE = Facts(
    number=12,
    title="Web予約ができない",
    status=Status.INVESTIGATING.value,
    status_label=STATUS_LABELS[Status.INVESTIGATING],
    severity_label="SEV1",
    severity_meaning=SEVERITY_MEANINGS[Severity.SEV1],
    started_at=datetime(2026, 11, 28, 10, 5, tzinfo=UTC),
    resolved_at=None,
    stores_japan=1200,
    stores_overseas=34,
    web_booking_affected=True,
    affected=(WEB_BOOKING,),
    unaffected=(IPAD, STORE_WEB, SMS),
    link="https://hikeshi.example.jp/incidents/12",
    hotfix_deployer="佐藤 健",
    hotfix_at=datetime(2026, 11, 28, 11, 30, tzinfo=UTC),
    commander="田中 美咲",
    comms_lead="鈴木 一郎",
)
RESOLVED = replace(
    FIXTURE,
    status=Status.RESOLVED.value,
    status_label=STATUS_LABELS[Status.RESOLVED],
    resolved_at=datetime(2026, 11, 28, 11, 40, tzinfo=UTC),
)


def test_japanese_announcement_reads_word_for_word() -> None:
    shown = announcement.render(FIXTURE, language="ja", timezone=TOKYO)

    assert shown.text == (
        "[障害] #12 Web予約ができない\n"
        "状態: 調査中\n"
        "重要度: SEV1(重大: 主要なサービスが多くの店舗で停止または利用できない)\n"
        "発生: 2026-11-28 19:05 (JST) から継続中\n"
        "影響範囲: 1,234店舗(国内 1,200・海外 34)/Web予約のお客様: 影響あり\n"
        "影響のあるサービス: Web予約\n"
        "影響のないサービス: iPad台帳アプリ、店舗向けWebアプリ、SMS送信\n"
        "復旧の見通し: 佐藤 健さんが 2026-11-28 20:30 (JST) に本番環境へ修正をデプロイ予定\n"
        "指揮者: 田中 美咲\n"
        "連絡担当: 鈴木 一郎\n"
        "詳細: https://hikeshi.example.jp/incidents/12"
    )


def test_english_announcement_reads_word_for_word() -> None:
    shown = announcement.render(FIXTURE, language="en", timezone=TOKYO)

    assert shown.text == (
        "[Incident] #12 Web予約ができない\n"
        "Status: Investigating\n"
        "Severity: SEV1 (Critical: a core product is down or unusable for many stores)\n"
        "Since: 2026-11-28 19:05 (JST), ongoing\n"
        "Impact: 1,234 stores (Japan 1,200, overseas 34); web-booking diners: affected\n"
        "Affected products: Web booking\n"
        "Not affected: iPad ledger app, Store web app, SMS delivery\n"
        "Recovery plan: 佐藤 健 deploys the hotfix to production at 2026-11-28 20:30 (JST)\n"
        "Commander: 田中 美咲\n"
        "Comms lead: 鈴木 一郎\n"
        "Incident page: https://hikeshi.example.jp/incidents/12"
    )


def test_the_recovered_announcement_says_when_it_ended() -> None:
    japanese = announcement.render(RESOLVED, language="ja", timezone=TOKYO)
    english = announcement.render(RESOLVED, language="en", timezone=TOKYO)

    assert japanese.headline == "[復旧] #12 Web予約ができない"
    assert ("状態", "解決済み") in japanese.lines
    assert ("発生", "2026-11-28 19:05 (JST) 〜 2026-11-28 20:40 (JST) に復旧") in japanese.lines
    assert english.headline == "[Recovered] #12 Web予約ができない"
    assert ("Since", "2026-11-28 19:05 (JST), resolved at 2026-11-28 20:40 (JST)") in english.lines


def test_an_empty_recovery_plan_is_not_decided_yet() -> None:
    undecided = replace(FIXTURE, hotfix_deployer=None, hotfix_at=None, commander=None)

    japanese = dict(announcement.render(undecided, language="ja", timezone=TOKYO).lines)
    english = dict(announcement.render(undecided, language="en", timezone=TOKYO).lines)

    assert japanese["復旧の見通し"] == "未定"
    assert japanese["指揮者"] == "未定"
    assert english["Recovery plan"] == "not decided yet"
    assert english["Commander"] == "not assigned yet"


def test_a_half_decided_recovery_plan_says_which_half_is_missing() -> None:
    who_only = replace(FIXTURE, hotfix_at=None)
    when_only = replace(FIXTURE, hotfix_deployer=None)

    assert dict(announcement.render(who_only, language="ja", timezone=TOKYO).lines)["復旧の見通し"] == (
        "佐藤 健さんが本番環境へ修正をデプロイ予定(時刻は未定)"
    )
    assert dict(announcement.render(when_only, language="en", timezone=TOKYO).lines)["Recovery plan"] == (
        "hotfix to production at 2026-11-28 20:30 (JST) (who deploys: not decided yet)"
    )


def test_times_are_shown_in_the_company_zone_with_its_name() -> None:
    lines = dict(announcement.render(FIXTURE, language="en", timezone="Europe/London").lines)

    assert lines["Since"] == "2026-11-28 10:05 (GMT), ongoing"


def test_no_named_products_and_no_diners_read_plainly() -> None:
    quiet = replace(FIXTURE, affected=(), web_booking_affected=False, stores_japan=0, stores_overseas=0)

    lines = dict(announcement.render(quiet, language="ja", timezone=TOKYO).lines)

    assert lines["影響のあるサービス"] == "なし"
    assert lines["影響範囲"] == "0店舗(国内 0・海外 0)/Web予約のお客様: 影響なし"


def test_slack_blocks_carry_the_headline_every_line_and_the_link() -> None:
    text, blocks = announcement.chat_message(FIXTURE, language="ja", timezone=TOKYO)

    assert text == announcement.render(FIXTURE, language="ja", timezone=TOKYO).text
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": ":fire: [障害] #12 Web予約ができない", "emoji": True},
    }
    section = blocks[1]["text"]["text"]
    assert "*影響のないサービス:* iPad台帳アプリ、店舗向けWebアプリ、SMS送信" in section
    assert "*復旧の見通し:* 佐藤 健さんが 2026-11-28 20:30 (JST) に本番環境へ修正をデプロイ予定" in section
    assert blocks[2]["elements"][0]["text"] == "<https://hikeshi.example.jp/incidents/12|#12 を開く>"
    _, resolved_blocks = announcement.chat_message(RESOLVED, language="en", timezone=TOKYO)
    assert resolved_blocks[0]["text"]["text"] == ":white_check_mark: [Recovered] #12 Web予約ができない"


def test_slack_markup_in_a_title_is_escaped() -> None:
    tricky = replace(FIXTURE, commander="<!channel> & co")

    _, blocks = announcement.chat_message(tricky, language="en", timezone=TOKYO)

    assert "*Commander:* &lt;!channel&gt; &amp; co" in blocks[1]["text"]["text"]


def test_changes_are_named_in_words() -> None:
    after = replace(
        FIXTURE,
        status=Status.IDENTIFIED.value,
        status_label=STATUS_LABELS[Status.IDENTIFIED],
        hotfix_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
    )

    japanese = announcement.change_lines(FIXTURE, after, language="ja", timezone=TOKYO)
    english = announcement.change_lines(FIXTURE, after, language="en", timezone=TOKYO)

    assert japanese == [
        "状態: 調査中 → 原因特定",
        "復旧の見通し: 佐藤 健さんが 2026-11-28 21:00 (JST) に本番環境へ修正をデプロイ予定",
    ]
    assert english == [
        "Status: Investigating → Identified",
        "Recovery plan: 佐藤 健 deploys the hotfix to production at 2026-11-28 21:00 (JST)",
    ]


def test_unchanged_facts_name_no_change_and_share_a_digest() -> None:
    assert announcement.change_lines(FIXTURE, FIXTURE, language="ja", timezone=TOKYO) == []
    assert FIXTURE.digest() == replace(FIXTURE).digest()
    assert FIXTURE.digest() != RESOLVED.digest()


def test_the_thread_reply_lists_the_changes_or_the_recovery() -> None:
    changes = ["状態: 調査中 → 原因特定"]

    update, _ = announcement.change_reply(FIXTURE, changes, language="ja", timezone=TOKYO)
    recovered, _ = announcement.change_reply(
        RESOLVED, ["状態: 原因特定 → 解決済み"], language="en", timezone=TOKYO
    )

    assert update == "#12 の続報:\n• 状態: 調査中 → 原因特定"
    assert recovered == "#12 has recovered (2026-11-28 20:40 (JST)).\n• 状態: 原因特定 → 解決済み"


def test_stored_facts_read_back_the_same() -> None:
    assert Facts.from_json(FIXTURE.to_json()) == FIXTURE
    assert Facts.from_json({**RESOLVED.to_json(), "from_a_later_version": 1}) == RESOLVED


def test_the_email_subject_names_the_incident() -> None:
    subject, text, html = announcement.email(FIXTURE, language="ja", timezone=TOKYO)
    en_subject, _, _ = announcement.email(FIXTURE, language="en", timezone=TOKYO)
    update_subject, update_text, _ = announcement.email(
        FIXTURE, changes=["Status: Investigating → Identified"], language="en", timezone=TOKYO
    )

    assert subject == "[障害] #12 Web予約ができない"
    assert text == announcement.render(FIXTURE, language="ja", timezone=TOKYO).text
    assert "<th>影響のないサービス</th><td>iPad台帳アプリ、店舗向けWebアプリ、SMS送信</td>" in html
    assert en_subject == "[Incident] #12 Web予約ができない"
    assert update_subject == "[Incident update] #12 Web予約ができない"
    assert update_text.startswith("What changed:\n• Status: Investigating → Identified\n\n[Incident] #12")


def test_a_misspelt_channel_or_address_stops_start_up_naming_the_variable() -> None:
    from hikeshi.core.errors import ConfigurationError
    from hikeshi.core.settings import load_settings

    with pytest.raises(ConfigurationError, match="HIKESHI_ANNOUNCE_CHANNEL"):
        load_settings(_env_file=None, announce_channel="all hands")
    with pytest.raises(ConfigurationError, match="HIKESHI_ANNOUNCE_EMAIL"):
        load_settings(_env_file=None, announce_email="all-staff")
    fine = load_settings(_env_file=None, announce_channel=" #all-hands ", announce_email="staff@example.jp")
    assert (fine.announce_channel, fine.announce_email) == ("#all-hands", "staff@example.jp")
