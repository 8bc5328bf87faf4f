"""The notice email as people meet it: the progress page and API, the opt-out list, the unsubscribe
link in the email, and the `hikeshi notice campaign` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from hikeshi.bootstrap import Container
from hikeshi.cli import app as cli_app
from hikeshi.comms import campaigns
from hikeshi.comms.models import EmailOptOut
from hikeshi.core.settings import Settings
from tests.integration.comms.conftest import Crew, bearer
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.comms import published_notice
from tests.support.smtp_server import SmtpServer
from tests.support.web import csrf_token, sign_in

BASE_URL = "http://hikeshi.example.jp"  # https would make the cookies Secure, unsent by the test client


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={"smtp_url": smtp_server.url, "smtp_from": "notices@example.jp", "base_url": BASE_URL}
    )


def _publish(world: Container) -> int:
    with world.sessions() as db:
        notice = published_notice(db, now=world.clock())
        campaigns.start_campaign(session=db, notice=notice, now=world.clock())
        db.commit()
        return notice.id


def _send(world: Container, clock: FrozenClock) -> None:
    run_jobs(world)
    clock.advance(seconds=3)
    run_jobs(world)  # the follow-up job marks the campaign done


def _link(smtp_server: SmtpServer, address: str) -> str:
    """The unsubscribe link printed in the email's text, as the recipient would click it."""
    part = smtp_server.to(address)[0].message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"http://\S+/notices/unsubscribe\?token=\S+", str(part.get_content()))  # type: ignore[attr-defined]
    assert found is not None
    return found.group(0)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_progress_page_polls_while_sending_and_lists_the_failures_when_done(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer, web: TestClient
) -> None:
    smtp_server.refuse("t2@tanaka.example")
    notice_id = _publish(world)
    sign_in(web, crew.support.email)

    preparing = web.get(f"/notices/{notice_id}/campaign")
    assert preparing.status_code == 200
    assert 'hx-trigger="every 2s"' in preparing.text
    assert "送信先を集計中" in preparing.text

    _send(world, clock)
    done = web.get(f"/notices/{notice_id}/campaign/progress")
    assert done.status_code == 200
    assert "hx-trigger" not in done.text  # finished: the page stops polling
    assert re.search(r'id="campaign-sent">3<', done.text)
    assert re.search(r'id="campaign-failed">1<', done.text)
    failures = done.text.split('id="campaign-failures"')[1]
    assert "t2@tanaka.example" in failures
    assert "居酒屋たなか" in failures
    assert "550" in failures


def test_api_reports_counts_and_failed_recipients(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer, web: TestClient
) -> None:
    smtp_server.refuse("s1@segreta.example")
    notice_id = _publish(world)
    _send(world, clock)
    headers = bearer(world, crew.engineer)

    progress = web.get(f"/api/v1/notices/{notice_id}/campaign", headers=headers).json()
    assert {k: progress[k] for k in ("status", "total", "sent", "failed", "queued", "opted_out")} == {
        "status": "done",
        "total": 4,
        "sent": 3,
        "failed": 1,
        "queued": 0,
        "opted_out": 0,
    }
    failed = web.get(f"/api/v1/notices/{notice_id}/campaign/recipients?status=failed", headers=headers).json()
    assert [(row["email"], row["store_name"], row["language"]) for row in failed] == [
        ("s1@segreta.example", "Trattoria Segreta Marina Bay", "en")
    ]
    wrong = web.get(f"/api/v1/notices/{notice_id}/campaign/recipients?status=lost", headers=headers)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["message"].startswith("status:")
    missing = web.get("/api/v1/notices/999/campaign", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_support_keeps_the_opt_out_list_and_others_only_read_it(
    world: Container, crew: Crew, web: TestClient
) -> None:
    support, engineer = bearer(world, crew.support), bearer(world, crew.engineer)
    added = web.post("/api/v1/email-opt-outs", json={"email": " Owner@Store.Example "}, headers=support)
    assert added.status_code == 201
    assert added.json()["email"] == "owner@store.example"
    assert added.json()["source"] == "staff"
    refused = web.post("/api/v1/email-opt-outs", json={"email": "x@store.example"}, headers=engineer)
    assert refused.status_code == 403
    bad = web.post("/api/v1/email-opt-outs", json={"email": "not an address"}, headers=support)
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("email:")
    listed = web.get("/api/v1/email-opt-outs", headers=support).json()
    assert listed["total"] == 1
    assert listed["opt_outs"][0]["email"] == "owner@store.example"
    assert web.delete("/api/v1/email-opt-outs/OWNER@store.example", headers=support).status_code == 204
    again = web.delete("/api/v1/email-opt-outs/owner@store.example", headers=support)
    assert again.status_code == 404

    sign_in(web, crew.support.email)
    form = {"email": "head@office.example", "csrf_token": csrf_token(web)}
    assert web.post("/email-opt-outs", data=form).status_code == 303
    page = web.get("/email-opt-outs")
    assert "head@office.example" in page.text
    assert 'action="/email-opt-outs/remove"' in page.text


def test_an_engineer_sees_the_opt_out_page_without_the_forms(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.engineer.email)
    page = web.get("/email-opt-outs")
    assert page.status_code == 200
    assert "配信停止したアドレス" in page.text
    assert 'action="/email-opt-outs/remove"' not in page.text
    assert 'name="email"' not in page.text
    refused = web.post("/email-opt-outs", data={"email": "x@y.example", "csrf_token": csrf_token(web)})
    assert refused.status_code == 403


def test_the_link_in_the_email_asks_first_then_unsubscribes_and_later_emails_skip_the_address(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer, web: TestClient
) -> None:
    _publish(world)
    _send(world, clock)
    link = _link(smtp_server, "t2@tanaka.example")

    page = web.get(_local(link))
    assert page.status_code == 200
    assert (
        "t2@tanaka.example へのサービスのお知らせ（障害・メンテナンス）メールの配信を停止しますか？"
        in page.text
    )
    with world.sessions() as db:
        assert db.scalar(select(EmailOptOut)) is None  # opening the link alone changes nothing
    token = urlsplit(link).query.removeprefix("token=")
    done = web.post("/notices/unsubscribe", data={"token": token, "csrf_token": csrf_token(web)})
    assert done.status_code == 200
    assert "配信を停止しました" in done.text
    english = web.get(_local(link), headers={"Accept-Language": "en"})
    assert "t2@tanaka.example will no longer receive service notices by email." in english.text

    smtp_server.messages.clear()
    with world.sessions() as db:
        notice = published_notice(db, now=clock(), kind="resolved")
        campaigns.start_campaign(session=db, notice=notice, now=clock())
        db.commit()
    _send(world, clock)
    assert smtp_server.to("t2@tanaka.example") == []
    assert len(smtp_server.messages) == 3


def test_one_click_unsubscribe_from_the_mail_app_needs_no_cookie(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer, web: TestClient
) -> None:
    _publish(world)
    _send(world, clock)
    header = smtp_server.to("s1@segreta.example")[0].message["List-Unsubscribe"]
    one_click = _local(header.strip("<>"))
    web.cookies.clear()
    answer = web.post(
        one_click,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    with world.sessions() as db:
        opt_out = db.scalar(select(EmailOptOut))
        assert opt_out is not None
        assert (opt_out.email, opt_out.source) == ("s1@segreta.example", "link")
    # The button's form is not exempt from the CSRF check, only the one-click address is.
    token = one_click.partition("token=")[2]
    assert web.post("/notices/unsubscribe", data={"token": token}).status_code == 403


def test_a_damaged_link_unsubscribes_no_one(world: Container, crew: Crew, web: TestClient) -> None:
    page = web.get("/notices/unsubscribe?token=b3duZXJAc3RvcmUuZXhhbXBsZQ.AAAAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 400
    assert "この配信停止リンクは無効です" in page.text
    assert web.post("/notices/unsubscribe/one-click?token=forged.x").status_code == 400
    form = {"token": "forged.x", "csrf_token": csrf_token(web)}
    assert web.post("/notices/unsubscribe", data=form).status_code == 400
    with world.sessions() as db:
        assert db.scalar(select(EmailOptOut)) is None


def test_cli_shows_progress_and_failures(
    world: Container,
    crew: Crew,
    clock: FrozenClock,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp_server.refuse("m1@mori.example")
    with world.sessions() as db:
        notice = published_notice(db, now=clock(), products=("sms", "web-booking"))
        campaigns.start_campaign(session=db, notice=notice, now=clock())
        db.commit()
        notice_id = notice.id
    _send(world, clock)
    monkeypatch.chdir(tmp_path)  # no developer's .env
    environment = {
        "HIKESHI_DATABASE_URL": world.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }
    runner = CliRunner()
    shown = runner.invoke(
        cli_app, ["notice", "campaign", str(notice_id), "--watch", "--json"], env=environment
    )
    assert shown.exit_code == 0, shown.output
    assert {
        k: v for k, v in json.loads(shown.stdout).items() if k in ("status", "total", "sent", "failed")
    } == {
        "status": "done",
        "total": 5,
        "sent": 4,
        "failed": 1,
    }
    text = runner.invoke(cli_app, ["notice", "campaign", str(notice_id)], env=environment)
    assert "Sent: 4" in text.stdout
    assert "Failed: 1" in text.stdout
    failures = runner.invoke(
        cli_app, ["notice", "campaign", "failures", str(notice_id), "--json"], env=environment
    )
    rows = json.loads(failures.stdout)
    assert [(row["email"], row["store_name"]) for row in rows] == [("m1@mori.example", "カフェもり")]
    unknown = runner.invoke(cli_app, ["notice", "campaign", "999"], env=environment)
    assert unknown.exit_code == 2
    assert "notice 999 has no email campaign" in unknown.stderr
