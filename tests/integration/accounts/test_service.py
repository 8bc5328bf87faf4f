"""Accounts use cases against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from hikeshi.accounts import auth, service
from hikeshi.bootstrap import Container
from hikeshi.core.errors import Conflict, InvalidInput, NotFound

PASSWORD = "correct horse battery"


def _user(session: Session, container: Container, email: str, role: str = "engineer") -> int:
    user = service.create_user(
        session=session, email=email, name=email, role=role, password=PASSWORD, now=container.clock()
    )
    session.commit()
    return user.id


def test_email_is_unique_whatever_its_case(session: Session, container: Container) -> None:
    _user(session, container, "sato@example.jp")
    with pytest.raises(Conflict):
        service.create_user(
            session=session, email="SATO@example.jp", name="S", role="viewer", now=container.clock()
        )


def test_passwords_are_stored_as_argon2_hashes(session: Session, container: Container) -> None:
    user_id = _user(session, container, "sato@example.jp")
    stored = service.get_user(session=session, user_id=user_id).password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_last_admin_cannot_be_demoted_or_deactivated(session: Session, container: Container) -> None:
    admin_id = _user(session, container, "boss@example.jp", "admin")
    now = container.clock()
    with pytest.raises(Conflict):
        service.update_user(session=session, user_id=admin_id, role="viewer", now=now)
    with pytest.raises(Conflict):
        service.update_user(session=session, user_id=admin_id, is_active=False, now=now)
    _user(session, container, "second@example.jp", "admin")
    service.update_user(session=session, user_id=admin_id, role="viewer", now=now)
    assert service.get_user(session=session, user_id=admin_id).role == "viewer"


def test_teams_have_members_and_leads(session: Session, container: Container) -> None:
    sato = _user(session, container, "sato@example.jp")
    suzuki = _user(session, container, "suzuki@example.jp")
    team = service.create_team(session=session, slug="platform", name="Platform", now=container.clock())
    service.set_team_members(session=session, team_id=team.id, user_ids=[sato, suzuki], lead_ids=[sato])
    session.commit()
    stored = service.get_team(session=session, team_id=team.id)
    assert {(m.user_id, m.is_lead) for m in stored.members} == {(sato, True), (suzuki, False)}
    with pytest.raises(InvalidInput):
        service.set_team_members(session=session, team_id=team.id, user_ids=[sato], lead_ids=[suzuki])
    with pytest.raises(NotFound):
        service.set_team_members(session=session, team_id=team.id, user_ids=[999_999])
    with pytest.raises(Conflict):
        service.create_team(session=session, slug="platform", name="Again", now=container.clock())


def test_contact_methods_are_normalised_and_unique(session: Session, container: Container) -> None:
    user_id = _user(session, container, "sato@example.jp")
    now = container.clock()
    method = service.add_contact_method(
        session=session, user_id=user_id, kind="sms", address="090-1111-2222", now=now
    )
    assert method.address == "+819011112222"
    with pytest.raises(Conflict):
        service.add_contact_method(
            session=session, user_id=user_id, kind="sms", address="+819011112222", now=now
        )
    other = _user(session, container, "other@example.jp")
    with pytest.raises(NotFound):
        service.remove_contact_method(session=session, user_id=other, contact_method_id=method.id)


def test_api_tokens_are_stored_hashed_and_expire(session: Session, container: Container) -> None:
    user_id = _user(session, container, "sato@example.jp")
    now = container.clock()
    token, secret = auth.create_api_token(
        session=session, user_id=user_id, name="deploy", now=now, expires_at=now + timedelta(days=1)
    )
    session.commit()
    assert secret not in token.token_hash
    assert token.prefix == secret[:10]
    assert auth.user_for_api_token(session=session, secret=secret, now=now) is not None
    later = now + timedelta(days=2)
    assert auth.user_for_api_token(session=session, secret=secret, now=later) is None
    assert auth.user_for_api_token(session=session, secret=secret + "x", now=now) is None


def test_expired_web_sessions_sign_nobody_in(session: Session, container: Container) -> None:
    user_id = _user(session, container, "sato@example.jp")
    now = container.clock()
    user = service.get_user(session=session, user_id=user_id)
    token = auth.start_web_session(session=session, user=user, now=now, lifetime=timedelta(hours=1))
    session.commit()
    assert auth.user_for_web_session(session=session, token=token, now=now) is not None
    assert auth.user_for_web_session(session=session, token=token, now=now + timedelta(hours=2)) is None
