"""Helpers for tests that talk to the web app as a browser or an API client would."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from hikeshi.accounts import auth, service
from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container
from hikeshi.web.kit.csrf import CSRF_COOKIE

PASSWORD = "correct horse battery"


@dataclass
class People:
    """Make users straight through the service, as an administrator would."""

    container: Container

    def add(self, email: str, role: str, *, language: str = "ja") -> User:
        with self.container.sessions() as db:
            user = service.create_user(
                session=db,
                email=email,
                name=email.split("@")[0].title(),
                role=role,
                password=PASSWORD,
                language=language,
                now=self.container.clock(),
            )
            db.commit()
            return user

    def token(self, user: User) -> str:
        with self.container.sessions() as db:
            _, secret = auth.create_api_token(
                session=db, user_id=user.id, name="test", now=self.container.clock()
            )
            db.commit()
            return secret


def csrf_token(client: TestClient) -> str:
    """What a browser holds after it has loaded any page."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return str(client.cookies[CSRF_COOKIE])


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303, response.text
