"""EsaKnowledgeBase against the local esa server: create, update the same post, and how failures map."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hikeshi.adapters.esa import EsaKnowledgeBase, EsaPost, EsaTeam, FakeKnowledgeBase
from hikeshi.core.errors import ExternalServiceError
from tests.support.esa_server import EsaServer

NAME = "2026-11-30 No.12 Web予約で予約が保存できない"
BODY = "# 障害報告: #12 Web予約で予約が保存できない\n\n## 原因\n\nロック競合\n"
CATEGORY = "障害情報"


def _team(server: EsaServer, **changes: str) -> EsaTeam:
    fields = {"name": server.team, "token": server.token, "api_url": server.api_url}
    return EsaTeam(**{**fields, **changes})


@pytest.fixture
def esa(esa_server: EsaServer) -> Iterator[EsaKnowledgeBase]:
    with EsaKnowledgeBase(_team(esa_server)) as client:
        yield client


def _publish(
    esa: EsaKnowledgeBase, *, number: int | None = None, body: str = BODY, name: str = NAME
) -> EsaPost:
    return esa.publish(
        name=name,
        body_md=body,
        category=CATEGORY,
        tags=["postmortem", "SEV1"],
        number=number,
        key="2026/incident-12",
    )


def _failure(esa: EsaKnowledgeBase, *, name: str = NAME) -> ExternalServiceError:
    with pytest.raises(ExternalServiceError) as caught:
        _publish(esa, name=name)
    return caught.value


def test_first_publish_creates_a_shipped_post_in_the_category(
    esa: EsaKnowledgeBase, esa_server: EsaServer
) -> None:
    post = _publish(esa)

    [request] = esa_server.requests
    assert (request.method, request.path, request.status) == (
        "POST",
        f"/v1/teams/{esa_server.team}/posts",
        201,
    )
    assert request.headers["authorization"] == f"Bearer {esa_server.token}"
    assert request.body == {
        "post": {
            "name": NAME,
            "body_md": BODY,
            "category": CATEGORY,
            "tags": ["postmortem", "SEV1"],
            "wip": False,
        }
    }
    stored = esa_server.posts[post.number]
    assert (stored.full_name, stored.wip) == (f"{CATEGORY}/{NAME}", False)
    assert post.location == f"https://{esa_server.team}.esa.io/posts/{post.number}"
    assert post.revision_number == 1


def test_publishing_again_updates_the_same_post(esa: EsaKnowledgeBase, esa_server: EsaServer) -> None:
    first = _publish(esa)
    second = _publish(esa, number=first.number, body=BODY + "\n追記\n")

    assert [(item.method, item.number) for item in esa_server.requests] == [
        ("POST", first.number),
        ("PATCH", first.number),
    ]
    assert esa_server.requests[1].path == f"/v1/teams/{esa_server.team}/posts/{first.number}"
    assert (second.number, second.location, second.revision_number) == (first.number, first.location, 2)
    assert esa_server.posts[first.number].body_md.endswith("追記\n")
    assert len(esa_server.posts) == 1


def test_a_post_deleted_on_esa_is_created_again(esa: EsaKnowledgeBase, esa_server: EsaServer) -> None:
    first = _publish(esa)
    esa_server.delete_post(first.number)

    again = _publish(esa, number=first.number)

    assert [(item.method, item.status) for item in esa_server.requests] == [
        ("POST", 201),
        ("PATCH", 404),
        ("POST", 201),
    ]
    assert again.number != first.number
    assert list(esa_server.posts) == [again.number]


def test_throttling_is_retried_after_retry_after(esa: EsaKnowledgeBase, esa_server: EsaServer) -> None:
    esa_server.fail_next(1, status=429, retry_after=7)

    error = _failure(esa)

    assert not error.permanent
    assert error.retry_after_seconds == 7
    assert "too_many_requests" in str(error)
    assert _publish(esa).number == 1  # the next attempt goes through


def test_throttling_without_retry_after_waits_for_the_rate_limit_reset(esa_server: EsaServer) -> None:
    esa_server.rate_limit_reset_in = 600
    esa_server.fail_next(1, status=429)
    with EsaKnowledgeBase(_team(esa_server), clock=lambda: datetime.now(UTC)) as esa:
        error = _failure(esa)

    assert not error.permanent
    assert error.retry_after_seconds is not None
    assert 590 <= error.retry_after_seconds <= 601


def test_server_errors_are_retried(esa: EsaKnowledgeBase, esa_server: EsaServer) -> None:
    esa_server.fail_next(1, status=503)

    error = _failure(esa)

    assert not error.permanent
    assert "503" in str(error)


def test_a_wrong_token_is_permanent_and_says_so(esa_server: EsaServer) -> None:
    with EsaKnowledgeBase(_team(esa_server, token="wrong")) as esa:
        error = _failure(esa)

    assert error.permanent
    assert "401" in str(error)
    assert "unauthorized" in str(error)
    assert esa_server.posts == {}


def test_an_unknown_team_is_permanent(esa_server: EsaServer) -> None:
    with EsaKnowledgeBase(_team(esa_server, name="someone-else")) as esa:
        error = _failure(esa)

    assert error.permanent
    assert "404" in str(error)
    assert "not_found" in str(error)


def test_a_refused_body_is_permanent(esa_server: EsaServer) -> None:
    esa_server.expected_category = "開発"

    with EsaKnowledgeBase(_team(esa_server)) as esa:
        error = _failure(esa)

    assert error.permanent
    assert "bad_request" in str(error)
    assert "unexpected category" in str(error)


def test_a_name_with_a_slash_is_refused_before_it_is_sent(
    esa: EsaKnowledgeBase, esa_server: EsaServer
) -> None:
    error = _failure(esa, name="2026-11-30 No.12 Web/決済")

    assert error.permanent
    assert esa_server.requests == []


def test_an_unreachable_esa_is_retried(esa_server: EsaServer) -> None:
    team = _team(esa_server)
    esa_server.stop()
    with EsaKnowledgeBase(team, timeout_seconds=2) as esa:
        error = _failure(esa)

    assert not error.permanent
    assert "could not be reached" in str(error)


def test_the_fake_numbers_posts_and_updates_them_in_place() -> None:
    fake = FakeKnowledgeBase()
    first = fake.publish(
        name=NAME, body_md=BODY, category=CATEGORY, tags=[], number=None, key="2026/incident-12"
    )
    second = fake.publish(name=NAME, body_md="v2", category=CATEGORY, tags=[], number=first.number, key="k")

    assert (first.number, second.number, second.revision_number) == (1, 1, 2)
    assert [write.created for write in fake.writes] == [True, False]
    assert fake.posts == {1: "v2"}
