"""The pages a person uses: language switch, profile, user and team management."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hikeshi.accounts import service
from hikeshi.bootstrap import Container
from tests.support.web import People, csrf_token, sign_in


def test_language_switch_before_signing_in(client: TestClient) -> None:
    response = client.post(
        "/language", data={"language": "en", "next": "/login", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert '<html lang="en">' in client.get("/login").text


def test_language_switch_when_signed_in_is_remembered_on_the_user(
    client: TestClient, people: People, container: Container
) -> None:
    user = people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    assert "ホーム" in client.get("/").text
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(client)})
    home = client.get("/")
    assert "Hello, Sato" in home.text
    with container.sessions() as db:
        assert service.get_user(session=db, user_id=user.id).language == "en"


def test_bad_language_is_a_400_not_a_crash(client: TestClient) -> None:
    response = client.post("/language", data={"language": "xx", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "ja でも en でもありません" in response.text


def test_profile_updates_name_zone_and_contacts(
    client: TestClient, people: People, container: Container
) -> None:
    user = people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    token = csrf_token(client)
    saved = client.post(
        "/profile",
        data={"name": "佐藤 健", "timezone": "Europe/London", "language": "ja", "csrf_token": token},
    )
    assert saved.status_code == 303
    added = client.post(
        "/profile/contacts", data={"kind": "sms", "address": "090-1234-5678", "csrf_token": token}
    )
    assert added.status_code == 303
    page = client.get("/profile")
    assert "佐藤 健" in page.text
    assert "+819012345678" in page.text
    with container.sessions() as db:
        assert service.get_user(session=db, user_id=user.id).timezone == "Europe/London"


def test_profile_bad_input_shows_the_problem_and_keeps_the_rest(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    token = csrf_token(client)
    bad_phone = client.post("/profile/contacts", data={"kind": "sms", "address": "12", "csrf_token": token})
    assert bad_phone.status_code == 400
    assert "電話番号" in bad_phone.text
    bad_zone = client.post(
        "/profile", data={"name": "Sato", "timezone": "Tokyo", "language": "ja", "csrf_token": token}
    )
    assert bad_zone.status_code == 400
    assert "IANA" in bad_zone.text
    wrong_current = client.post(
        "/profile/password",
        data={
            "current_password": "not-the-password",
            "new_password": "a-new-password-1",
            "csrf_token": token,
        },
    )
    assert wrong_current.status_code == 400
    assert "パスワードが違います" in wrong_current.text


def test_api_token_from_the_profile_is_shown_once_and_works(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    created = client.post("/profile/tokens", data={"name": "deploy", "csrf_token": csrf_token(client)})
    secret = created.text.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("hkt_")
    assert secret not in client.get("/profile").text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["email"] == "sato@example.jp"


def test_admin_adds_a_user_who_can_then_sign_in(client: TestClient, people: People) -> None:
    people.add("boss@example.jp", "admin")
    sign_in(client, "boss@example.jp")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "new@example.jp",
            "name": "新人",
            "role": "support",
            "password": "welcome-aboard-1",
            "timezone": "Asia/Tokyo",
            "language": "ja",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    assert "新人" in client.get("/admin/users").text
    newcomer = TestClient(client.app, follow_redirects=False)
    sign_in(newcomer, "new@example.jp", "welcome-aboard-1")
    assert newcomer.get("/").status_code == 200
    assert newcomer.get("/admin/users").status_code == 403


def test_admin_form_errors_are_shown_not_raised(client: TestClient, people: People) -> None:
    people.add("boss@example.jp", "admin")
    sign_in(client, "boss@example.jp")
    duplicate = client.post(
        "/admin/users/new",
        data={
            "email": "boss@example.jp",
            "name": "Again",
            "role": "viewer",
            "password": "welcome-aboard-1",
            "csrf_token": csrf_token(client),
        },
    )
    assert duplicate.status_code == 400
    assert "すでに存在します" in duplicate.text
    assert client.get("/admin/users/999999").status_code == 404


def test_admin_builds_a_team(client: TestClient, people: People) -> None:
    people.add("boss@example.jp", "admin")
    sato = people.add("sato@example.jp", "engineer")
    sign_in(client, "boss@example.jp")
    token = csrf_token(client)
    created = client.post("/admin/teams", data={"slug": "platform", "name": "Platform", "csrf_token": token})
    assert created.status_code == 303
    team_path = created.headers["location"].split("?")[0]
    saved = client.post(
        team_path,
        data={
            "name": "Platform",
            "description": "",
            "members": [str(sato.id)],
            "leads": [str(sato.id)],
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    page = client.get(team_path)
    assert f'name="members" value="{sato.id}"' in page.text
    assert "checked" in page.text
