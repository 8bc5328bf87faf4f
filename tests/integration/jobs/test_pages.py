"""The admin page and the JSON API of the outbox."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.jobs import claims, service
from tests.support.jobs import enqueue_committed, read_job
from tests.support.web import People, csrf_token, sign_in


def _make_dead(container: Container, kind: str, error: str) -> int:
    job_id = enqueue_committed(container, kind, {"to": "a@example.jp"})
    with container.sessions() as db:
        job = service.get_job(session=db, job_id=job_id)
        job.status, job.attempts, job.last_error = "dead", 8, error
        db.commit()
    return job_id


def test_admin_sees_counts_and_dead_jobs_with_their_error_and_can_retry(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("boss@example.jp", "admin", language="en")
    dead = _make_dead(container, "email.send", "ExternalServiceError: 451 try later")
    enqueue_committed(container, "chat.post", {})
    sign_in(client, "boss@example.jp")

    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert '<a href="/admin/jobs" aria-current="page">Jobs</a>' in page.text
    assert '<dd data-status="dead">1</dd>' in page.text
    assert '<dd data-status="pending">1</dd>' in page.text
    assert "ExternalServiceError: 451 try later" in page.text
    assert f'action="/admin/jobs/{dead}/retry"' in page.text

    retried = client.post(f"/admin/jobs/{dead}/retry", data={"csrf_token": csrf_token(client)})
    assert retried.status_code == 303
    assert read_job(container, dead).status == "pending"
    after = client.get(retried.headers["location"])
    assert f"Job {dead} is due again." in after.text
    assert '<dd data-status="dead">0</dd>' in after.text


def test_page_is_in_japanese_by_default(client: TestClient, people: People, container: Container) -> None:
    people.add("boss@example.jp", "admin")
    _make_dead(container, "email.send", "boom")
    sign_in(client, "boss@example.jp")
    page = client.get("/admin/jobs")
    assert "ジョブ" in page.text
    assert "再実行" in page.text


def test_retrying_a_running_job_says_why_not(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("boss@example.jp", "admin", language="en")
    job_id = enqueue_committed(container, "chat.post", {})
    with container.sessions() as db:
        claims.claim_due_jobs(
            session=db,
            worker_id="w",
            now=container.clock(),
            limit=1,
            leases={},
            default_lease=timedelta(minutes=5),
        )
        db.commit()
    sign_in(client, "boss@example.jp")
    response = client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 409
    assert f"job {job_id} is running; only pending and dead jobs can be retried" in response.text


def test_retry_all_dead_jobs_button(client: TestClient, people: People, container: Container) -> None:
    people.add("boss@example.jp", "admin", language="en")
    ids = [_make_dead(container, "email.send", "x") for _ in range(3)]
    sign_in(client, "boss@example.jp")
    response = client.post("/admin/jobs/retry-dead", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert "3 dead jobs are due again." in client.get(response.headers["location"]).text
    assert {read_job(container, job_id).status for job_id in ids} == {"pending"}


def test_viewer_and_engineer_get_403_and_no_jobs_link(client: TestClient, people: People) -> None:
    people.add("nakamura@example.jp", "engineer", language="en")
    sign_in(client, "nakamura@example.jp")
    assert client.get("/admin/jobs").status_code == 403
    assert 'href="/admin/jobs"' not in client.get("/").text


def test_viewer_gets_403(client: TestClient, people: People) -> None:
    people.add("view@example.jp", "viewer")
    sign_in(client, "view@example.jp")
    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/retry-dead", data={"csrf_token": csrf_token(client)}).status_code == 403


def test_api_lists_counts_and_retries_jobs_for_admins_only(
    client: TestClient, people: People, container: Container
) -> None:
    admin = {"Authorization": f"Bearer {people.token(people.add('boss@example.jp', 'admin'))}"}
    viewer = {"Authorization": f"Bearer {people.token(people.add('view@example.jp', 'viewer'))}"}
    dead = _make_dead(container, "email.send", "boom")
    enqueue_committed(container, "chat.post", {"text": "hi"})

    listed = client.get("/api/v1/jobs", params={"status": "dead"}, headers=admin)
    assert listed.status_code == 200
    assert [(job["id"], job["kind"], job["last_error"]) for job in listed.json()] == [
        (dead, "email.send", "boom")
    ]
    assert client.get("/api/v1/jobs/counts", headers=admin).json() == {
        "pending": 1,
        "running": 0,
        "succeeded": 0,
        "dead": 1,
    }
    bad = client.get("/api/v1/jobs", params={"status": "failed"}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_input"

    assert client.get("/api/v1/jobs", headers=viewer).status_code == 403
    assert client.post(f"/api/v1/jobs/{dead}/retry", headers=viewer).status_code == 403
    retried = client.post(f"/api/v1/jobs/{dead}/retry", headers=admin)
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert client.post("/api/v1/jobs/999999/retry", headers=admin).status_code == 404
