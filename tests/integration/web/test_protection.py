"""CSRF, roles, API tokens, security headers, error answers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hikeshi.accounts.deps import ROLE_CHECK_MARK
from tests.support.web import PASSWORD, People, csrf_token, sign_in


def test_form_without_csrf_token_is_refused(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    client.get("/login")
    response = client.post("/login", data={"email": "sato@example.jp", "password": PASSWORD})
    assert response.status_code == 403
    assert "フォームの有効期限が切れた" in response.text


def test_form_with_a_forged_csrf_token_is_refused(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    response = client.post("/profile/tokens", data={"name": "x", "csrf_token": "forged" * 8})
    assert response.status_code == 403


def test_htmx_header_carries_the_csrf_token(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    response = client.post(
        "/profile/tokens", data={"name": "via htmx"}, headers={"X-CSRF-Token": csrf_token(client)}
    )
    assert response.status_code == 200
    assert "hkt_" in response.text


def test_viewer_opening_an_admin_page_gets_403(client: TestClient, people: People) -> None:
    people.add("nakamura@example.jp", "viewer")
    sign_in(client, "nakamura@example.jp")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "権限がありません" in response.text


def test_api_without_token_gets_401_json(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"]["code"] == "not_authenticated"
    assert "Bearer" in body["error"]["message"]


def test_api_with_token_answers_and_respects_roles(client: TestClient, people: People) -> None:
    viewer = people.add("nakamura@example.jp", "viewer")
    token = people.token(viewer)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == "nakamura@example.jp"
    denied = client.post(
        "/api/v1/users",
        headers={"Authorization": f"Bearer {token}"},
        json={"email": "x@example.jp", "name": "X", "role": "admin"},
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"


def test_revoked_token_stops_working(client: TestClient, people: People) -> None:
    admin = people.add("boss@example.jp", "admin")
    token = people.token(admin)
    headers = {"Authorization": f"Bearer {token}"}
    token_id = client.get("/api/v1/tokens", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_api_bad_input_gets_a_json_error_naming_the_field(client: TestClient, people: People) -> None:
    admin = people.add("boss@example.jp", "admin")
    headers = {"Authorization": f"Bearer {people.token(admin)}", "Accept-Language": "en"}
    bad_role = client.post(
        "/api/v1/users", headers=headers, json={"email": "a@example.jp", "name": "A", "role": "chief"}
    )
    assert bad_role.status_code == 400
    assert bad_role.json()["error"] == {
        "code": "invalid_input",
        "message": "role: 'chief' is not one of admin, engineer, support, sales, viewer",
    }
    missing = client.post("/api/v1/users", headers=headers, json={"name": "A"})
    assert missing.status_code == 422
    assert "email" in missing.json()["error"]["message"]
    not_json = client.post("/api/v1/users", headers=headers, content=b"{nope")
    assert not_json.status_code == 422
    duplicate = client.post(
        "/api/v1/users", headers=headers, json={"email": "boss@example.jp", "name": "B", "role": "viewer"}
    )
    assert duplicate.status_code == 409


def test_unknown_api_path_is_json_404_and_unknown_page_is_friendly(client: TestClient) -> None:
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    page = client.get("/nothing-here")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "ページが見つかりません" in page.text


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for path in ("/login", "/healthz", "/api/v1/me", "/static/hikeshi.css"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json() == {"status": "ready", "database": "ok"}
    client.get("/login")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'hikeshi_http_requests_total{method="GET",route="/login",status="200"}' in metrics.text


def test_every_route_states_who_may_use_it(app: FastAPI) -> None:
    unchecked = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path.startswith("/api/v1/openapi"):
            continue
        stack = list(route.dependant.dependencies)
        marked = False
        while stack:
            dependency = stack.pop()
            if hasattr(dependency.call, ROLE_CHECK_MARK):
                marked = True
                break
            stack.extend(dependency.dependencies)
        if not marked:
            unchecked.append(f"{sorted(route.methods)} {route.path}")
    assert unchecked == []


def test_htmx_refresh_after_the_session_expired_sends_the_page_to_sign_in(client: TestClient) -> None:
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/alerts?status=open"}
    response = client.get("/alerts/table?status=open", headers=headers)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/alerts%3Fstatus%3Dopen"
