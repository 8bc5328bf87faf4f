"""Recent similar inquiries: same product, Japanese text, within the window."""

from __future__ import annotations

from datetime import timedelta

from hikeshi.bootstrap import Container
from hikeshi.inquiries import service
from tests.integration.inquiries.conftest import POLICY, Log
from tests.support.clock import FrozenClock


def test_finds_the_japanese_near_duplicate_and_ignores_the_unrelated_one(
    supporting: Container, log: Log, clock: FrozenClock
) -> None:
    for text, product in [
        ("FAXが送信できないとのお問い合わせ", "fax"),
        ("メールが届かないとのお問い合わせ", "email"),
        ("請求書の宛名を変更したいとのお問い合わせ", None),
    ]:
        log(text, product=product, after=60)
    unrelated = log("予約の変更方法を教えてほしいとのお問い合わせ", after=60)
    near = log("お客様からＷｅｂ予約ができないと連絡。予約画面が開かないそうです", after=60)
    other_product = log("Web予約の画面が開かない (iPad アプリの話)", product="ipad-app", after=60)
    new = log("Web予約の画面が開かず、お客様が予約できないとのお問い合わせ")
    with supporting.sessions() as db:
        found = service.similar_to(session=db, inquiry_id=new.id, now=clock(), policy=POLICY)
    assert [item.inquiry.id for item in found] == [near.id]
    assert unrelated.id not in {item.inquiry.id for item in found}
    assert other_product.id not in {item.inquiry.id for item in found}


def test_only_inquiries_within_the_window_count(supporting: Container, log: Log, clock: FrozenClock) -> None:
    old = log("SMSが送信できない", product="sms")
    clock.advance(timedelta(days=15))  # the window is 14 days
    recent = log("SMSが送信できません", product="sms", after=60)
    new = log("SMS が送信できない", product="sms")
    with supporting.sessions() as db:
        found = service.similar_to(session=db, inquiry_id=new.id, now=clock(), policy=POLICY)
    assert [item.inquiry.id for item in found] == [recent.id]
    assert old.id not in [item.inquiry.id for item in found]
