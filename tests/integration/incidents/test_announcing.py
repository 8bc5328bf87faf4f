"""The company-wide announcement through the outbox: posted once at declaration, updated in place with a
thread reply naming each change, turned into the recovered version at resolution, emailed to all staff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hikeshi.accounts.models import User
from hikeshi.adapters.slack import FakeChat, FakeChatWebhook
from hikeshi.adapters.smtp import FakeEmail
from hikeshi.adapters.twilio import FakeSms, FakeVoice
from hikeshi.adapters.webhook import FakeWebhook
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.delivery.models import Delivery
from hikeshi.incidents import service
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.announcing import (
    CHANNEL,
    NOT_AFFECTED_JA,
    STAFF,
    START,
    Desk,
    company,
    drain,
    posts,
    replies,
)
from tests.support.clock import FrozenClock
from tests.support.web import People


@pytest.fixture
def fakes() -> Fakes:
    return Fakes(FakeEmail(), FakeChat(), FakeChatWebhook(), FakeSms(), FakeVoice(), FakeWebhook())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START + timedelta(minutes=10))


@pytest.fixture
def announcing(settings: Settings, clock: FrozenClock, fakes: Fakes) -> Iterator[Container]:
    tuned = settings.model_copy(
        update={"rate_limits": "chat=1000/s", "announce_channel": CHANNEL, "announce_email": STAFF}
    )
    container = bootstrap(tuned, clock=clock, delivery_ports=fakes.ports())
    upgrade_database(container.engine)
    company(container)
    yield container
    container.close()


@pytest.fixture
def worker(announcing: Container) -> Iterator[Worker]:
    with Worker(container=announcing, registry=announcing.jobs, worker_id="test") as worker:
        yield worker


@pytest.fixture
def sato(announcing: Container) -> User:
    return People(announcing).add("sato@example.jp", "engineer")


@pytest.fixture
def desk(announcing: Container, sato: User) -> Desk:
    return Desk(announcing, sato)


def test_nothing_is_announced_while_in_triage(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    desk.declare(confirm=False)
    drain(worker, clock)

    assert fakes.chat.posts == []
    assert fakes.email.sent == []


def test_declaring_posts_the_announcement_once(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    drain(worker, clock)

    [post] = fakes.chat.in_channel(CHANNEL)
    assert post.message.text == (
        f"[障害] #{number} Web予約ができない\n"
        "状態: 調査中\n"
        f"重要度: SEV1({_ja_meaning()})\n"
        "発生: 2026-11-28 19:05 (JST) から継続中\n"
        "影響範囲: 3店舗(国内 2・海外 1)/Web予約のお客様: 影響あり\n"
        "影響のあるサービス: Web 予約\n"
        f"影響のないサービス: {NOT_AFFECTED_JA}\n"
        "復旧の見通し: 未定\n"
        "指揮者: Sato\n"
        "連絡担当: 未定\n"
        f"詳細: http://127.0.0.1:8000/incidents/{number}"
    )
    assert post.message.blocks[0]["text"]["text"] == f":fire: [障害] #{number} Web予約ができない"
    assert post.updates == []


def test_a_field_change_updates_the_post_and_replies_once_naming_it(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes, sato: User
) -> None:
    number = desk.declare()
    drain(worker, clock)

    desk.update(
        number, hotfix_deployer_id=sato.id, hotfix_planned_at=datetime(2026, 11, 28, 11, 30, tzinfo=UTC)
    )
    drain(worker, clock)

    [post] = posts(fakes)
    plan = "Satoさんが 2026-11-28 20:30 (JST) に本番環境へ修正をデプロイ予定"
    assert f"復旧の見通し: {plan}" in post.current_text
    assert len(post.updates) == 1
    assert replies(fakes, post) == [f"#{number} の続報:\n• 復旧の見通し: {plan}"]
    assert not any(p.message.broadcast for p in fakes.chat.posts)  # a change stays in the thread


def test_a_status_change_is_named_with_before_and_after(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    drain(worker, clock)

    desk.status(number, "identified")
    drain(worker, clock)

    [post] = posts(fakes)
    assert "状態: 原因特定" in post.current_text
    assert replies(fakes, post) == [f"#{number} の続報:\n• 状態: 調査中 → 原因特定"]


def test_a_change_outside_the_announced_facts_posts_nothing(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    drain(worker, clock)

    desk.update(number, summary="ログを確認中", impact_note="問い合わせ 3 件")
    drain(worker, clock)

    [post] = posts(fakes)
    assert post.updates == []
    assert replies(fakes, post) == []


def test_resolution_turns_the_post_into_the_recovered_announcement(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    drain(worker, clock)
    clock.now = START + timedelta(minutes=95)  # 20:40 in Tokyo

    desk.resolve(number)
    drain(worker, clock)

    [post] = posts(fakes)
    assert post.current_text.startswith(f"[復旧] #{number} Web予約ができない\n状態: 解決済み\n")
    assert "発生: 2026-11-28 19:05 (JST) 〜 2026-11-28 20:40 (JST) に復旧" in post.current_text
    assert post.updates[-1].blocks[0]["text"]["text"].startswith(":white_check_mark: [復旧]")
    assert replies(fakes, post) == [
        f"#{number} は復旧しました(2026-11-28 20:40 (JST))。\n"
        "• 状態: 調査中 → 解決済み\n"
        "• 発生: 2026-11-28 19:05 (JST) 〜 2026-11-28 20:40 (JST) に復旧"
    ]
    [reply] = [p for p in fakes.chat.posts if p.message.thread_ts == post.receipt.ts]
    assert reply.message.broadcast  # "a second internal share": shown in the channel, not only the thread


def test_all_staff_get_one_email_at_declaration_and_one_at_recovery(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    desk.update(number, title="Web予約と店舗アプリが使えない")  # not material: no email of its own
    desk.resolve(number)
    drain(worker, clock)

    sent = fakes.email.to(STAFF)
    assert [email.subject for email in sent] == [
        f"[障害] #{number} Web予約ができない",
        f"[復旧] #{number} Web予約と店舗アプリが使えない",
    ]
    assert f"影響のないサービス: {NOT_AFFECTED_JA}" in sent[0].text
    assert sent[0].html is not None
    assert "<th>復旧の見通し</th><td>未定</td>" in sent[0].html


def test_material_changes_are_emailed_at_most_every_half_hour(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    desk.update(number, severity="SEV2")  # 10 minutes is too soon after the first email
    clock.advance(minutes=31)
    desk.status(number, "identified")
    drain(worker, clock)

    subjects = [email.subject for email in fakes.email.to(STAFF)]
    assert subjects == [f"[障害] #{number} Web予約ができない", f"[障害・続報] #{number} Web予約ができない"]
    assert fakes.email.to(STAFF)[1].text.startswith("変更点:\n• 状態: 調査中 → 原因特定\n\n[障害]")


def test_a_reply_asked_for_before_the_post_is_out_waits_for_it(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    desk.status(number, "identified")  # the post is still in the outbox
    drain(worker, clock)

    [post] = posts(fakes)
    assert replies(fakes, post) == [f"#{number} の続報:\n• 状態: 調査中 → 原因特定"]
    assert "状態: 原因特定" in post.current_text


def test_a_rolled_back_declaration_announces_nothing(
    announcing: Container, desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    with announcing.sessions() as db:
        new = IncidentCreate(title="誤報", products=["sms"], declare=True)
        service.declare_incident(session=db, new=new, by=desk.by.id, now=clock(), context=desk.context)
        db.rollback()
    drain(worker, clock)

    assert fakes.chat.posts == []
    assert fakes.email.sent == []
    with announcing.sessions() as db:
        assert db.scalar(select(func.count(Delivery.id))) == 0


def test_english_company_reads_english(settings: Settings, clock: FrozenClock, fakes: Fakes) -> None:
    tuned = settings.model_copy(
        update={
            "rate_limits": "chat=1000/s",
            "announce_channel": CHANNEL,
            "language": "en",
            "base_url": "https://hikeshi.example.com",
        }
    )
    container = bootstrap(tuned, clock=clock, delivery_ports=fakes.ports())
    upgrade_database(container.engine)
    company(container)
    desk = Desk(container, People(container).add("sato@example.com", "engineer"))
    number = desk.declare()
    desk.status(number, "identified")
    with Worker(container=container, registry=container.jobs, worker_id="test") as worker:
        drain(worker, clock)
    container.close()

    [post] = posts(fakes)
    assert post.current_text.splitlines()[:2] == [
        f"[Incident] #{number} Web予約ができない",
        "Status: Identified",
    ]
    assert "Impact: 3 stores (Japan 2, overseas 1); web-booking diners: affected" in post.current_text
    assert f"Incident page: https://hikeshi.example.com/incidents/{number}" in post.current_text
    assert replies(fakes, post) == [f"Update to #{number}:\n• Status: Investigating → Identified"]
    assert fakes.email.sent == []  # no all-staff address configured


def _ja_meaning() -> str:
    from hikeshi.core.i18n import translations
    from hikeshi.incidents.rules import SEVERITY_MEANINGS, Severity

    return translations("ja").gettext(SEVERITY_MEANINGS[Severity.SEV1])


def test_reopening_a_recovered_incident_is_announced_and_emailed(
    desk: Desk, worker: Worker, clock: FrozenClock, fakes: Fakes
) -> None:
    number = desk.declare()
    desk.resolve(number)
    drain(worker, clock)
    desk.status(number, "investigating")  # the fix did not hold
    drain(worker, clock)

    [post] = posts(fakes)
    assert post.current_text.startswith(f"[障害] #{number} Web予約ができない\n状態: 調査中\n")
    assert replies(fakes, post)[-1] == (
        f"#{number} の続報:\n• 状態: 解決済み → 調査中\n• 発生: 2026-11-28 19:05 (JST) から継続中"
    )
    assert [email.subject for email in fakes.email.to(STAFF)] == [
        f"[障害] #{number} Web予約ができない",
        f"[復旧] #{number} Web予約ができない",
        f"[障害・続報] #{number} Web予約ができない",
    ]
