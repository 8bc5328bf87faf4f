"""`hikeshi init --demo` fills the product: signed in as the demo administrator, every page of the bar,
the set-up menu and the admin menu shows the demo company's rows, not its empty state."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.catalog.models import Store, StoreAccount
from hikeshi.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, load_demo
from hikeshi.jobs.models import Job
from hikeshi.web.app import NAVIGATION
from tests.support.web import sign_in

# Each page: where it is read (the bar's link, or the view a person picks for the history), what only
# the demo's rows put there, and what the page says when it has nothing to show.
PAGES = {
    "/inbox": ("/inbox", ("hikeshi テストメッセージ",), "Nothing yet."),
    "/incidents": ("/incidents", ("Web 予約の応答が遅い",), "No incident here."),
    "/alerts": (
        "/alerts",
        (
            "Web 予約 API の p99 応答時間が 2 秒を超えています",
            "store-web-3 のメモリ使用率が 85% を超えています",
        ),
        "No alert group matches these filters.",
    ),
    # Open pages are the unanswered ones: the demo leaves none, or a server on it would call people.
    "/pages": (
        "/pages?status=all",
        ("SMS 送信の失敗率が 100% です", "FAX が届かないとの問い合わせが 3 件"),
        "No pages.",
    ),
    "/oncall": ("/oncall", ("プラットフォーム オンコール",), "No schedule yet."),
    "/inquiries": ("/inquiries", ("予約確認の SMS がお客様に届いていないようです。",), "No inquiry matches."),
    "/notices": ("/notices", ('<a href="/incidents/1">#1</a>',), "No notice has been published yet."),
    "/catalog": ("/catalog/stores", ("300 stores", "Sushi Hanabusa"), "No store matches."),
    "/postmortems": ("/postmortems", ("予約確認の SMS が送信されない",), "No postmortem yet."),
    "/integrations": (
        "/integrations",
        (
            "Prometheus (本番)",
            "Grafana Web 予約ダッシュボード",
            "Sentry 予約台帳アプリ",
            "Datadog パートナー API",
        ),
        "No integration yet.",
    ),
    "/escalation-policies": (
        "/escalation-policies",
        ("プラットフォーム エスカレーション",),
        "No policy yet.",
    ),
    "/heartbeats": ("/heartbeats", ("夜間バックアップ",), "No heartbeat yet."),
    "/maintenance": ("/maintenance", ("予約台帳アプリのサーバー移行",), "None scheduled."),
    "/admin/users": ("/admin/users", ("Emily Clark", "中村 陽太"), "No user yet."),
    "/admin/teams": ("/admin/teams", ("カスタマーサポート",), "No team yet."),
    "/admin/jobs": ("/admin/jobs", ("postmortems.publish",), "Nothing is waiting."),
    "/admin/deliveries": ("/admin/deliveries", ("inbox",), "Nothing was sent yet."),
    "/admin/mailbox": ("/admin/mailbox", ("hikeshi テストメッセージ",), "No email yet."),
}


def test_the_demo_company_fills_every_page_of_the_navigation(
    container: Container, client: TestClient
) -> None:
    with container.sessions() as db:
        assert load_demo(session=db, now=container.clock())
        db.commit()
    sign_in(client, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
    client.cookies.set("hikeshi_lang", "en")
    assert {item.path for item in NAVIGATION} == set(PAGES)  # a new page of the bar needs its line here
    wrong = []
    for url, shown, empty in PAGES.values():
        page = client.get(url)
        text = html.unescape(page.text)
        wrong += [f"{url}: answered {page.status_code}"] if page.status_code != 200 else []
        wrong += [f"{url}: no {expected!r}" for expected in shown if expected not in text]
        wrong += [f"{url}: says {empty!r}"] if empty in text else []
    assert wrong == []
    # The open alerts and the incident in triage are internal: customers read that all is well.
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "none"
    # 300 stores, most in Japan, several zones abroad; one to three accounts each, a chain's head office
    # signing in to all of its stores.
    with container.sessions() as db:
        by_region = dict(db.execute(select(Store.region, func.count()).group_by(Store.region)).all())
        zones = set(db.scalars(select(Store.timezone).where(Store.region == "overseas")))
        per_store = db.execute(select(func.count()).select_from(StoreAccount).group_by(StoreAccount.store_id))
        counts = {count for (count,) in per_store}
        shared = db.scalar(
            select(func.count())
            .select_from(StoreAccount)
            .where(StoreAccount.email == "honbu@miyabi.example.jp")
        )
        # Everything the demo left in the outbox is past work or a future timer: nothing sends now.
        kinds = set(
            db.scalars(select(Job.kind).where(Job.status == "pending", Job.due_at <= container.clock()))
        )
    assert by_region == {"jp": 255, "overseas": 45}
    assert len(zones) >= 5
    assert counts == {1, 2, 3}
    assert shared == 24  # the head office of Yakiniku Miyabi: 15 stores in Japan, 9 abroad
    assert "delivery.send" not in kinds
