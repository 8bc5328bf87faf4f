"""What a notice's email says, and its unsubscribe link: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hikeshi.comms.campaign_rules import (
    address_from_token,
    delivery_key,
    email_language,
    message_id,
    recipient_status,
    render_notice_email,
    unsubscribe_headers,
    unsubscribe_key,
    unsubscribe_token,
)
from hikeshi.comms.models import Notice

KEY = unsubscribe_key("s" * 40)
STATUS = "https://hikeshi.example.jp/status"
UNSUBSCRIBE = "https://hikeshi.example.jp/notices/unsubscribe?token=abc.def"


def _notice(**fields: object) -> Notice:
    values: dict[str, object] = {
        "id": 7,
        "kind": "first",
        "status": "published",
        "title_ja": "Web 予約がご利用いただけません",
        "title_en": "Web booking is unavailable",
        "body_ja": "現在、Web 予約がご利用いただけません。\n\n復旧に向けて対応しております。",
        "body_en": "Web booking is unavailable.\n\nWe are working on it.",
        "published_at": datetime(2026, 12, 1, 3, 30, tzinfo=UTC),
        "updated_at": datetime(2026, 12, 1, 3, 30, tzinfo=UTC),
    }
    values.update(fields)
    return Notice(**values)


def test_japanese_email_is_polite_signed_and_timed_in_japan() -> None:
    email = render_notice_email(
        notice=_notice(),
        language="ja",
        status_url=STATUS,
        unsubscribe_url=UNSUBSCRIBE,
        company="予約台帳株式会社",
    )
    assert email.subject == "【障害のお知らせ】Web 予約がご利用いただけません"
    assert email.text.startswith("いつも弊社サービスをご利用いただき、誠にありがとうございます。")
    assert "復旧に向けて対応しております。" in email.text
    assert "掲載日時: 2026-12-01 12:30 JST" in email.text
    assert STATUS in email.text
    assert UNSUBSCRIBE in email.text
    assert "予約台帳株式会社" in email.text
    assert "影響を受けたサービスをご利用の店舗" in email.text  # why they get it
    assert '<html lang="ja">' in email.html
    assert "<p>復旧に向けて対応しております。</p>" in email.html


def test_english_email_names_the_zone_and_uses_the_english_text() -> None:
    email = render_notice_email(
        notice=_notice(kind="resolved"), language="en", status_url=STATUS, unsubscribe_url=UNSUBSCRIBE
    )
    assert email.subject == "[Notice of recovery] Web booking is unavailable"
    assert "Published: 2026-12-01 12:30 JST" in email.text
    assert "The service operations team" in email.text  # no company configured: a default signature
    assert "We are working on it." in email.text
    assert "予約" not in email.text


def test_english_falls_back_to_japanese_when_the_notice_has_no_english() -> None:
    email = render_notice_email(
        notice=_notice(title_en="", body_en=""), language="fr", status_url=STATUS, unsubscribe_url=UNSUBSCRIBE
    )
    assert email.subject == "[Notice of service disruption] Web 予約がご利用いただけません"


def test_html_escapes_the_notices_text_and_the_links() -> None:
    notice = _notice(title_ja='<script>alert("x")</script>', body_ja="A & B <b>bold</b>\nnext line")
    email = render_notice_email(
        notice=notice, language="ja", status_url=STATUS + '?"><x', unsubscribe_url=UNSUBSCRIBE + "&x=1"
    )
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "A &amp; B &lt;b&gt;bold&lt;/b&gt;<br>next line" in email.html
    assert 'href="https://hikeshi.example.jp/status?&quot;&gt;&lt;x"' in email.html
    assert "token=abc.def&amp;x=1" in email.html
    assert email.text.count("<script>") == 1  # the text part is plain text, shown as written


def test_only_the_notices_public_fields_are_rendered() -> None:
    # An incident's internal title or a store's name are not notice fields: nothing can bring them in.
    email = render_notice_email(
        notice=_notice(), language="ja", status_url=STATUS, unsubscribe_url=UNSUBSCRIBE
    )
    assert "鮨さいとう" not in email.text + email.html + email.subject


@pytest.mark.parametrize(
    ("language", "expected"), [("ja", "ja"), ("ja-JP", "ja"), ("en", "en"), ("zh", "en"), (None, "en")]
)
def test_customers_read_japanese_or_english(language: str | None, expected: str) -> None:
    assert email_language(language) == expected


def test_unsubscribe_token_round_trips_case_insensitively() -> None:
    token = unsubscribe_token(email=" Owner@Store.Example ", key=KEY)
    assert address_from_token(token=token, key=KEY) == "owner@store.example"
    assert token == unsubscribe_token(email="owner@store.example", key=KEY)
    assert all(ch.isalnum() or ch in "-_." for ch in token)  # safe in a URL as it is


def test_a_tampered_or_foreign_token_is_refused() -> None:
    token = unsubscribe_token(email="owner@store.example", key=KEY)
    encoded, _, signature = token.partition(".")
    other = unsubscribe_token(email="other@store.example", key=KEY)
    forged = f"{other.partition('.')[0]}.{signature}"  # someone else's address with this signature
    assert address_from_token(token=forged, key=KEY) is None
    assert address_from_token(token=token[:-2], key=KEY) is None
    assert address_from_token(token=encoded, key=KEY) is None
    assert address_from_token(token="%%%.###", key=KEY) is None
    assert address_from_token(token=token, key=unsubscribe_key("t" * 40)) is None  # another installation


def test_one_message_id_and_key_per_notice_and_address() -> None:
    first = message_id(notice_id=7, email="A@x.example", sender="Notices <notices@example.jp>")
    assert first == message_id(notice_id=7, email="a@x.example", sender="notices@example.jp")
    assert first.startswith("<notice-7.")
    assert first.endswith("@example.jp>")
    assert first != message_id(notice_id=8, email="a@x.example", sender="notices@example.jp")
    assert delivery_key(notice_id=7, email="A@x.example") == delivery_key(notice_id=7, email="a@x.example")
    assert len(delivery_key(notice_id=7, email="a" * 240 + "@x.example")) <= 200


def test_one_click_headers_follow_rfc_8058() -> None:
    headers = unsubscribe_headers(one_click_url="https://h.example/notices/unsubscribe/one-click?token=t")
    assert headers == {
        "List-Unsubscribe": "<https://h.example/notices/unsubscribe/one-click?token=t>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@pytest.mark.parametrize(
    ("own", "delivery", "expected"),
    [
        ("queued", "queued", "queued"),
        ("queued", "sending", "queued"),
        ("queued", "sent", "sent"),
        ("queued", "failed", "failed"),
        ("queued", "dead", "failed"),
        ("opted_out", None, "opted_out"),
    ],
)
def test_a_recipients_status_is_its_deliverys(own: str, delivery: str | None, expected: str) -> None:
    assert recipient_status(own=own, delivery_status=delivery) == expected
