"""The in-app notice feed over HTTP: what each store sees, caching (ETag, 304), the fast path, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.comms import changes, notices, publishing
from hikeshi.incidents import service as incidents
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew, declare
from tests.support.clock import FrozenClock
from tests.support.comms import feed_test_client, published_notice

FEED = "/notices/feed.json"


def _advance(world: Container, *, minutes: int) -> None:
    assert isinstance(world.clock, FrozenClock)
    world.clock.advance(minutes=minutes)


@pytest.fixture
def feed_client(world: Container) -> Iterator[TestClient]:
    with feed_test_client(world, fast=True) as client:
        yield client


@pytest.fixture
def app_client(world: Container) -> Iterator[TestClient]:
    with feed_test_client(world, fast=False) as client:
        yield client


def publish(
    world: Container,
    crew: Crew,
    *,
    incident_id: int,
    kind: str = "first",
    channels: tuple[str, ...] = ("status_page", "in_app"),
    title_ja: str = "Web 予約がご利用いただけない状態です",
    title_en: str = "Web booking is unavailable",
    public_status: str | None = None,
) -> int:
    """A notice drafted and published the way people do it (a support lead approves)."""
    with world.sessions() as db:
        notice = notices.create_notice(
            session=db,
            incident_id=incident_id,
            maintenance_id=None,
            kind=kind,
            by=crew.engineer.id,
            now=world.clock(),
            channels=list(channels),
            title_ja=title_ja,
            title_en=title_en,
            body_ja=f"{title_ja}。復旧に向けて対応しております。",
            body_en=f"{title_en}. We are working on it.",
            public_status=public_status,
        )
        publishing.publish_notice(
            session=db,
            notice_id=notice.id,
            by=crew.support_lead.id,
            now=world.clock(),
            base_url="http://hikeshi.test",
            open_hours="11:00-23:00",
        )
        db.commit()
        return notice.id


def test_a_store_sees_the_notices_of_the_products_it_uses(
    world: Container, crew: Crew, feed_client: TestClient
) -> None:
    incident = declare(world, crew, products=("web-booking",))
    notice_id = publish(world, crew, incident_id=incident.id)

    answer = feed_client.get(FEED, params={"store": "T1"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["x-content-type-options"] == "nosniff"
    document = answer.json()
    assert document["store"] == "T1"
    assert document["language"] == "ja"
    [entry] = document["notices"]
    assert entry["id"] == notice_id
    assert entry["kind"] == "first"
    assert entry["title"] == "Web 予約がご利用いただけない状態です"
    assert entry["products"] == [{"slug": "web-booking", "name": "Web 予約"}]
    assert entry["level"] in ("minor", "major", "critical", "info")
    assert entry["published_at"] == "2026-12-01T00:00:00Z"
    assert entry["url"].endswith(f"/status/incidents/n{notice_id}?lang=ja")
    # The link opens the incident's page on the status page.
    page = feed_client.get(urlsplit(entry["url"]).path, params={"lang": "ja"})
    assert page.status_code == 200
    assert "Web 予約がご利用いただけない状態です" in page.text
    assert entry["updates"] == []

    # A store using only SMS has nothing to hear about web booking.
    assert feed_client.get(FEED, params={"store": "M1"}).json()["notices"] == []
    # English, when asked for.
    english = feed_client.get(FEED, params={"store": "T1", "lang": "en"}).json()["notices"][0]
    assert english["title"] == "Web booking is unavailable"
    assert english["products"] == [{"slug": "web-booking", "name": "Web booking"}]
    # Nothing internal: the incident's title names a store, its summary is a note.
    for language in ("ja", "en"):
        text = feed_client.get(FEED, params={"lang": language}).text
        for secret in (*SECRET_STORE_NAMES, "内部メモ", incident.title):
            assert secret not in text


def test_an_overseas_store_does_not_see_a_notice_for_japan(
    world: Container, crew: Crew, feed_client: TestClient
) -> None:
    with world.sessions() as db:
        published_notice(db, now=world.clock(), regions=("jp",), channels=("in_app",))
        everywhere = published_notice(
            db, now=world.clock(), channels=("in_app",), title_ja="全地域のお知らせ", title_en="Everywhere"
        )
        changes.mark_changed(session=db, now=world.clock())
        db.commit()
        everywhere_id = everywhere.id

    overseas = feed_client.get(FEED, params={"store": "S1"}).json()["notices"]
    assert [entry["id"] for entry in overseas] == [everywhere_id]
    assert len(feed_client.get(FEED, params={"store": "T2"}).json()["notices"]) == 2
    # By product: everything about web booking, whoever reads it.
    assert len(feed_client.get(FEED, params={"product": "web-booking"}).json()["notices"]) == 2
    assert feed_client.get(FEED, params={"product": "fax"}).json()["notices"] == []


def test_only_in_app_notices_are_in_the_feed_and_updates_gather_under_the_latest(
    world: Container, crew: Crew, feed_client: TestClient
) -> None:
    incident = declare(world, crew)
    first = publish(world, crew, incident_id=incident.id)
    publish(
        world, crew, incident_id=incident.id, kind="update", channels=("status_page",), title_ja="ページだけ"
    )
    _advance(world, minutes=20)
    update = publish(world, crew, incident_id=incident.id, kind="update", title_ja="原因を特定しました")

    [entry] = feed_client.get(FEED).json()["notices"]
    assert entry["id"] == update
    assert entry["title"] == "原因を特定しました"
    assert [item["id"] for item in entry["updates"]] == [first]
    assert "ページだけ" not in feed_client.get(FEED).text


def test_an_unchanged_feed_answers_304_until_a_notice_is_published(
    world: Container, crew: Crew, feed_client: TestClient
) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident_id=incident.id)
    first = feed_client.get(FEED, params={"store": "T1"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public, max-age=60")
    assert modified == "Tue, 01 Dec 2026 00:00:00 GMT"

    again = feed_client.get(FEED, params={"store": "T1"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    since = feed_client.get(FEED, params={"store": "T1"}, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    # Another store's query is another representation.
    other = feed_client.get(FEED, params={"store": "T2"}, headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers["etag"] != etag

    _advance(world, minutes=5)
    publish(world, crew, incident_id=incident.id, kind="update", title_ja="復旧作業中です")
    changed = feed_client.get(FEED, params={"store": "T1"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["notices"][0]["title"] == "復旧作業中です"
    stale = feed_client.get(FEED, params={"store": "T1"}, headers={"If-Modified-Since": modified})
    assert stale.status_code == 200
    assert stale.headers["last-modified"] == "Tue, 01 Dec 2026 00:05:00 GMT"


def test_a_resolved_incident_leaves_the_feed_three_days_later_and_the_etag_says_so(
    world: Container, crew: Crew, feed_client: TestClient
) -> None:
    clock = world.clock
    assert isinstance(clock, FrozenClock)
    incident = declare(world, crew)
    publish(world, crew, incident_id=incident.id)
    clock.advance(hours=1)
    resolved = publish(
        world,
        crew,
        incident_id=incident.id,
        kind="resolved",
        title_ja="復旧しました",
        public_status="resolved",
    )
    seen = feed_client.get(FEED, params={"store": "T1"})
    [entry] = seen.json()["notices"]
    assert entry["id"] == resolved
    assert entry["level"] == "resolved"

    clock.advance(timedelta(days=3) - timedelta(minutes=1))
    assert (
        feed_client.get(
            FEED, params={"store": "T1"}, headers={"If-None-Match": seen.headers["etag"]}
        ).status_code
        == 304
    )
    clock.advance(minutes=2)
    gone = feed_client.get(FEED, params={"store": "T1"}, headers={"If-None-Match": seen.headers["etag"]})
    assert gone.status_code == 200
    assert gone.json()["notices"] == []


def test_the_fast_path_and_the_app_answer_the_same(
    world: Container, crew: Crew, feed_client: TestClient, app_client: TestClient
) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident_id=incident.id)
    for params in ({"store": "T1"}, {"store": "S1", "lang": "en"}, {"product": "web-booking"}, {}):
        fast, slow = feed_client.get(FEED, params=params), app_client.get(FEED, params=params)
        assert fast.status_code == slow.status_code == 200
        assert fast.content == slow.content
        for header in (
            "etag",
            "last-modified",
            "cache-control",
            "access-control-allow-origin",
            "content-type",
        ):
            assert fast.headers[header] == slow.headers[header]
        conditional = {"If-None-Match": fast.headers["etag"]}
        assert feed_client.get(FEED, params=params, headers=conditional).status_code == 304
        assert app_client.get(FEED, params=params, headers=conditional).status_code == 304
    # The fast path answered: it counts its requests like the app.
    metrics = feed_client.get("/metrics").text
    assert 'route="/notices/feed.json",status="304"' in metrics


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "app"])
def test_bad_parameters_and_unknown_stores_answer_json_errors(
    world: Container, crew: Crew, fast: bool
) -> None:
    with feed_test_client(world, fast=fast) as client:
        unknown = client.get(FEED, params={"store": "NOPE-42"}, headers={"Accept-Language": "en"})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"
        assert "NOPE-42" in unknown.json()["error"]["message"]
        assert unknown.headers["access-control-allow-origin"] == "*"
        # A store's name is not its id: the feed never searches, nor says which stores match.
        by_name = client.get(FEED, params={"store": "居酒屋たなか"})
        assert by_name.status_code == 404
        bad_lang = client.get(FEED, params={"lang": "fr"}, headers={"Accept-Language": "en"})
        assert bad_lang.status_code == 400
        assert bad_lang.json()["error"]["message"] == "lang: 'fr' is not ja or en"
        assert client.get(FEED, params={"product": "no-such"}).status_code == 404
        assert client.get(FEED, params={"store": "x" * 500}).status_code == 400
        preflight = client.options(
            FEED, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 204
        assert "If-None-Match" in preflight.headers["access-control-allow-headers"]


def test_the_feed_is_empty_before_anything_was_published(world: Container, feed_client: TestClient) -> None:
    answer = feed_client.get(FEED)
    assert answer.status_code == 200
    assert answer.json()["notices"] == []
    assert "last-modified" not in answer.headers
    assert feed_client.get(FEED, headers={"If-None-Match": answer.headers["etag"]}).status_code == 304


def test_resolving_the_incident_keeps_its_last_notice_for_three_days(
    world: Container, crew: Crew, feed_client: TestClient
) -> None:
    clock = world.clock
    assert isinstance(clock, FrozenClock)
    incident = declare(world, crew)
    publish(world, crew, incident_id=incident.id)
    with world.sessions() as db:
        incidents.resolve_incident(
            session=db, number=incident.number, by=crew.engineer.id, now=clock(), no_action_reason="自然復旧"
        )
        db.commit()
    assert len(feed_client.get(FEED).json()["notices"]) == 1
    clock.advance(days=3, minutes=1)
    assert feed_client.get(FEED).json()["notices"] == []
