"""The delivery engine end to end with fake channels: outbox, retries, failures, the log, chat updates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hikeshi.accounts.service import create_user
from hikeshi.bootstrap import Container
from hikeshi.core.errors import ExternalServiceError, NotFound
from hikeshi.delivery import service
from hikeshi.delivery.models import Delivery, InboxMessage
from hikeshi.delivery.ports import DeliveryPorts, EmailMessage, EmailReceipt
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.models import Job
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock


def _ask(
    container: Container,
    channel: str,
    target: str,
    text: str = "本番環境で障害が発生しています",
    **extra: object,
) -> int:
    with container.sessions() as db:
        message = Outgoing(target=target, text=text, subject="【障害】Web 予約", extra=dict(extra))
        delivery = service.send(session=db, channel=channel, message=message, now=container.clock())
        db.commit()
        return delivery.id


def _delivery(container: Container, delivery_id: int) -> Delivery:
    with container.sessions() as db:
        return service.get_delivery(session=db, delivery_id=delivery_id)


def test_nothing_is_sent_for_a_change_that_rolled_back(
    delivering: Container, worker: Worker, fakes: Fakes
) -> None:
    with delivering.sessions() as db:
        service.send(
            session=db,
            channel="email",
            message=Outgoing(target="a@example.jp", text="x"),
            now=delivering.clock(),
        )
        db.rollback()
    assert worker.run_once() == 0
    with delivering.sessions() as db:
        assert db.scalar(select(func.count(Delivery.id))) == 0
        assert db.scalar(select(func.count(Job.id))) == 0
    assert fakes.email.sent == []


def test_committed_email_is_sent_and_logged(delivering: Container, worker: Worker, fakes: Fakes) -> None:
    delivery_id = _ask(delivering, "email", "store@example.jp")
    assert worker.run_once() == 1
    [sent] = fakes.email.sent
    assert (sent.to, sent.subject) == ("store@example.jp", "【障害】Web 予約")
    delivery = _delivery(delivering, delivery_id)
    assert delivery.status == "sent"
    assert delivery.provider_id == fakes.email.receipts[0].message_id
    assert [(a.attempt, a.outcome) for a in delivery.attempt_log] == [(1, "sent")]
    [logged] = delivery.attempt_log  # the log line says what the delivery says
    assert (logged.provider_id, logged.error) == (delivery.provider_id, None)
    assert logged.attempted_at == delivery.sent_at
    assert logged.duration_ms >= 0


def test_temporary_failure_is_retried_with_backoff(
    delivering: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    fakes.email.fail_next(ExternalServiceError("451 try again later"))
    delivery_id = _ask(delivering, "email", "store@example.jp")
    worker.run_once()
    waiting = _delivery(delivering, delivery_id)
    assert waiting.status == "queued"
    assert waiting.last_error == "451 try again later"
    assert worker.run_once() == 0  # not due yet
    clock.advance(hours=2)
    assert worker.run_once() == 1
    delivery = _delivery(delivering, delivery_id)
    assert delivery.status == "sent"
    assert [a.outcome for a in delivery.attempt_log] == ["retry", "sent"]
    assert len(fakes.email.sent) == 1


def test_permanent_failure_is_not_retried(
    delivering: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    fakes.sms.fail_next(ExternalServiceError("21211 invalid To number", permanent=True))
    delivery_id = _ask(delivering, "sms", "+819012345678")
    worker.run_once()
    clock.advance(hours=2)
    assert worker.run_once() == 0
    delivery = _delivery(delivering, delivery_id)
    assert delivery.status == "failed"
    assert "21211" in (delivery.last_error or "")
    assert fakes.sms.sent == []


def test_one_bad_address_does_not_hold_up_the_batch(
    delivering: Container, worker: Worker, fakes: Fakes
) -> None:
    fakes.email.fail_next(ExternalServiceError("550 no such user", permanent=True))
    with delivering.sessions() as db:
        messages = [Outgoing(target=f"store{n}@example.jp", text="x") for n in range(5)]
        service.send_many(session=db, channel="email", messages=messages, now=delivering.clock())
        db.commit()
    worker.run_once()
    with delivering.sessions() as db:
        statuses = sorted(db.scalars(select(Delivery.status)))
    assert statuses == ["failed", "sent", "sent", "sent", "sent"]
    assert len(fakes.email.sent) == 4


def test_unconfigured_channel_fails_clearly(
    settings: object, delivering: Container, fakes: Fakes, clock: FrozenClock
) -> None:
    ports: DeliveryPorts = delivering.delivery_ports
    ports.voice = None
    delivery_id = _ask(delivering, "voice", "+819012345678")
    with Worker(container=delivering, registry=delivering.jobs) as worker:
        worker.run_once()
    delivery = _delivery(delivering, delivery_id)
    assert delivery.status == "failed"
    assert delivery.last_error == "the voice channel is not configured"


def test_voice_call_reads_the_message_in_japanese(
    delivering: Container, worker: Worker, fakes: Fakes
) -> None:
    _ask(delivering, "voice", "+819012345678", text="予約台帳 <障害> です")
    worker.run_once()
    [call] = fakes.voice.calls
    assert '<Say language="ja-JP">予約台帳 &lt;障害&gt; です</Say>' in call.twiml


def test_webhook_is_signed_with_the_configured_secret(
    delivering: Container, worker: Worker, fakes: Fakes
) -> None:
    _ask(delivering, "webhook", "https://hooks.example.jp/hikeshi", payload={"event": "test"})
    worker.run_once()
    [post] = fakes.webhook.posts
    assert post.payload == {"event": "test"}
    assert post.secret == "test-webhook-secret"


def test_inbox_is_written_at_once_without_a_job(delivering: Container, worker: Worker) -> None:
    with delivering.sessions() as db:
        user = create_user(
            session=db, email="sato@example.jp", name="佐藤", role="engineer", now=delivering.clock()
        )
        message = Outgoing(target=str(user.id), text="呼び出しがあります", subject="Page")
        service.send(session=db, channel="inbox", message=message, now=delivering.clock())
        db.commit()
        user_id = user.id
    with delivering.sessions() as db:
        [inbox] = db.scalars(select(InboxMessage))
        assert (inbox.user_id, inbox.title) == (user_id, "Page")
        assert db.scalar(select(func.count(Job.id))) == 0


def test_inbox_for_an_unknown_user_is_refused(delivering: Container) -> None:
    message = Outgoing(target="424242", text="x")
    with delivering.sessions() as db, pytest.raises(NotFound):
        service.send(session=db, channel="inbox", message=message, now=delivering.clock())


def test_idempotency_key_asks_only_once(delivering: Container, worker: Worker, fakes: Fakes) -> None:
    for _ in range(3):
        with delivering.sessions() as db:
            message = Outgoing(target="a@example.jp", text="x", idempotency_key="notice-7:a@example.jp")
            service.send(session=db, channel="email", message=message, now=delivering.clock())
            db.commit()
    worker.run_once()
    assert len(fakes.email.sent) == 1


def test_queued_chat_update_is_replaced_by_a_newer_one(
    delivering: Container, worker: Worker, fakes: Fakes
) -> None:
    original = _ask(delivering, "chat", "C0INCIDENT", text="障害: 1 件")
    worker.run_once()
    with delivering.sessions() as db:
        first = service.update_chat_message(
            session=db, delivery_id=original, text="障害: 2 件", blocks=[], now=delivering.clock()
        )
        db.commit()
        second = service.update_chat_message(
            session=db, delivery_id=original, text="障害: 3 件", blocks=[], now=delivering.clock()
        )
        db.commit()
        first_id, second_id = first.id, second.id
    worker.run_once()
    [posted] = fakes.chat.posts
    assert [update.text for update in posted.updates] == ["障害: 3 件"]
    assert _delivery(delivering, first_id).status == "superseded"
    assert _delivery(delivering, second_id).status == "sent"


def test_update_waits_for_its_message_to_be_posted(
    delivering: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    fakes.chat.fail_next(ExternalServiceError("ratelimited", retry_after_seconds=30))
    original = _ask(delivering, "chat", "C0INCIDENT", text="first")
    with delivering.sessions() as db:
        service.update_chat_message(
            session=db, delivery_id=original, text="second", blocks=[], now=delivering.clock()
        )
        db.commit()
    worker.run_once()
    assert fakes.chat.posts == []
    clock.advance(seconds=31)
    worker.run_once()
    clock.advance(seconds=5)
    worker.run_once()
    [posted] = fakes.chat.posts
    assert posted.current_text == "second"


def test_message_left_in_flight_by_a_crash_is_sent_again_and_flagged(
    delivering: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    delivery_id = _ask(delivering, "email", "store@example.jp")
    with delivering.sessions() as db:
        delivery = db.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.status = "sending"  # as if the worker died after handing it to the SMTP server
        delivery.attempts = 1
        db.commit()
    worker.run_once()
    delivery = _delivery(delivering, delivery_id)
    assert delivery.status == "sent"
    assert delivery.possible_duplicate is True
    assert [(a.attempt, a.outcome) for a in delivery.attempt_log] == [(1, "interrupted"), (2, "sent")]
    assert "may have arrived" in (delivery.attempt_log[0].error or "")


class _WatchingEmail:
    """An email port that looks at the database as each message is handed over."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.seen: list[tuple[str, list[str], int]] = []

    def send(self, message: EmailMessage) -> EmailReceipt:
        with self.container.sessions() as db:
            sending = list(db.scalars(select(Delivery.target).where(Delivery.status == "sending")))
            sent = db.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent")) or 0
        self.seen.append((message.to, sending, sent))
        return EmailReceipt(message_id=f"<{len(self.seen)}@example.jp>")

    def close(self) -> None:
        pass


def test_a_batch_has_one_message_in_flight_and_every_earlier_one_recorded(
    delivering: Container, worker: Worker
) -> None:
    watching = _WatchingEmail(delivering)
    delivering.delivery_ports.email = watching
    addresses = [f"store{n}@example.jp" for n in range(5)]
    with delivering.sessions() as db:
        messages = [Outgoing(target=address, text="x") for address in addresses]
        service.send_many(session=db, channel="email", messages=messages, now=delivering.clock())
        db.commit()
    worker.run_once()
    # A crash at any of these moments would leave one message to send again, never an earlier one.
    assert watching.seen == [(address, [address], n) for n, address in enumerate(addresses)]
    with delivering.sessions() as db:
        assert set(db.scalars(select(Delivery.status))) == {"sent"}
