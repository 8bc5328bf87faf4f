"""What the fuzzers found, each kept as a plain test: the answers a client sees now."""

from __future__ import annotations

import warnings

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hikeshi.core.settings import Settings
from tests.support.web import People

HUGE = 10**30  # more digits than any database integer holds


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", f"/api/v1/users/{HUGE}"),
        ("DELETE", f"/api/v1/tokens/{HUGE}"),
        ("GET", f"/api/v1/stores/{HUGE}"),
        ("POST", f"/api/v1/heartbeats/{HUGE}/pause"),
        ("GET", f"/api/v1/oncall/schedules/{HUGE}"),
        ("POST", f"/api/v1/alert-groups/{HUGE}/acknowledge"),
        ("GET", f"/api/v1/jobs/{HUGE}"),
        ("GET", f"/api/v1/inquiries?offset={HUGE}"),
        ("GET", f"/api/v1/inquiries?store_id={-HUGE}"),
    ],
)
def test_numbers_beyond_the_database_range_are_refused_not_a_500(
    client: TestClient, people: People, method: str, url: str
) -> None:
    token = people.token(people.add("admin@example.jp", "admin", language="en"))
    answer = client.request(method, url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (404, 422), answer.text
    error = answer.json()["error"]
    assert error["code"] in ("not_found", "invalid_input"), error
    if answer.status_code == 422:
        assert error["message"] == "A value in the request is too large or too long."


def test_the_openapi_document_names_each_operation_once_and_the_media_types_answered(
    app: FastAPI, client: TestClient
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI warns of an operation id used twice
        document = client.get("/api/v1/openapi.json").json()
    ids = [operation["operationId"] for path in document["paths"].values() for operation in path.values()]
    assert len(ids) == len(set(ids))
    pings = document["paths"]["/ping/{key}"]
    assert set(pings) == {"get", "post"}
    assert pings["get"]["operationId"] != pings["post"]["operationId"]
    # /metrics answers Prometheus' text format, the postmortem's Markdown is text/markdown: as documented.
    assert set(document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    markdown = document["paths"]["/api/v1/postmortems/{postmortem_id}/markdown"]["get"]
    assert set(markdown["responses"]["200"]["content"]) == {"text/markdown"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_pings_answer_both_methods_after_the_routes_were_split(client: TestClient, method: str) -> None:
    answer = client.request(method, "/ping/no-such-key/start")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_a_nul_character_refused_by_the_database_is_answered_in_the_users_language(
    client: TestClient, people: People, settings: Settings
) -> None:
    """PostgreSQL refuses the NUL at the write and the route's session is rolled back; the error is still
    answered in the user's own language (read before the rollback), not a 500 from the detached user."""
    token = people.token(people.add("sato@example.jp", "admin", language="ja"))
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/incidents", json={"title": "予約が保存できない"}, headers=headers)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    answer = client.post(
        f"/api/v1/incidents/{number}/tasks", json={"title": "調査\u0000", "role": "engineer"}, headers=headers
    )
    if settings.is_sqlite:
        assert answer.status_code == 201, answer.text  # SQLite stores it as sent
        return
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == {
        "code": "invalid_input",
        "message": "リクエストのテキストに NUL 文字が含まれているため保存できません。",
    }
