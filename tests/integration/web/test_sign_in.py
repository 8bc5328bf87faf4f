"""Signing in and out as a person would, through the HTTP interface."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hikeshi.accounts.deps import SESSION_COOKIE
from hikeshi.accounts.models import LoginAttempt, WebSession
from hikeshi.bootstrap import Container
from tests.support.web import PASSWORD, People, csrf_token, sign_in


def _count_sessions(container: Container) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count(WebSession.id))) or 0


def test_home_redirects_to_sign_in_page_in_japanese(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert "サインイン" in page.text


def test_english_browser_gets_english_sign_in_page(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9,ja;q=0.5"})
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text


def test_sign_in_then_home_then_sign_out(client: TestClient, people: People, container: Container) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    assert _count_sessions(container) == 1
    home = client.get("/")
    assert home.status_code == 200
    assert "Sato さん、こんにちは" in home.text

    out = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert out.status_code == 303
    assert _count_sessions(container) == 0
    assert client.get("/").status_code == 303


def test_stolen_cookie_is_useless_after_sign_out(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    stolen = client.cookies[SESSION_COOKIE]
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    client.cookies.set(SESSION_COOKIE, stolen)
    assert client.get("/").status_code == 303


def test_wrong_password_shows_error_and_creates_no_session(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    response = client.post(
        "/login",
        data={"email": "sato@example.jp", "password": "wrong password!", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが違います" in response.text
    assert SESSION_COOKIE not in client.cookies
    assert _count_sessions(container) == 0


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"email": "nobody@example.jp", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが違います" in response.text


def test_repeated_failures_throttle_even_the_right_password(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    token = csrf_token(client)
    for _ in range(5):
        client.post(
            "/login", data={"email": "sato@example.jp", "password": "guess-guess", "csrf_token": token}
        )
    response = client.post(
        "/login", data={"email": "sato@example.jp", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "分後にもう一度お試しください" in response.text
    assert _count_sessions(container) == 0
    with container.sessions() as db:
        failures = db.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False)))
    assert failures == 5


def test_deactivated_user_cannot_sign_in(client: TestClient, people: People, container: Container) -> None:
    people.add("boss@example.jp", "admin")
    person = people.add("gone@example.jp", "engineer")
    sign_in(client, "boss@example.jp")
    client.post(
        f"/admin/users/{person.id}",
        data={
            "name": "Gone",
            "role": "engineer",
            "timezone": "Asia/Tokyo",
            "language": "ja",
            "csrf_token": csrf_token(client),
        },
    )
    other = TestClient(client.app, follow_redirects=False)
    response = other.post(
        "/login", data={"email": "gone@example.jp", "password": PASSWORD, "csrf_token": csrf_token(other)}
    )
    assert response.status_code == 401


def test_next_parameter_cannot_redirect_off_site(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    response = client.post(
        "/login",
        data={
            "email": "sato@example.jp",
            "password": PASSWORD,
            "next": "//evil.example/phish",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_session_cookie_is_http_only_and_same_site(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    response = client.post(
        "/login",
        data={"email": "sato@example.jp", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
