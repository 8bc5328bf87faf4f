"""JSON API of the accounts domain under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, status

from hikeshi.accounts import auth, service
from hikeshi.accounts.deps import AdminApi, AnyUserApi, DbSession, Now, StaffApi
from hikeshi.accounts.rules import Role
from hikeshi.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    ContactMethodCreate,
    ContactMethodOut,
    TeamCreate,
    TeamOut,
    TeamUpdate,
    UserCreate,
    UserDetailOut,
    UserOut,
    UserUpdate,
)
from hikeshi.core.errors import PermissionDenied

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", response_model=UserDetailOut)
def read_me(user: AnyUserApi) -> UserDetailOut:
    return UserDetailOut.model_validate(user)


@router.get("/users", response_model=list[UserOut])
def list_users(db: DbSession, _: StaffApi) -> list[UserOut]:
    return [UserOut.model_validate(user) for user in service.list_users(session=db)]


@router.post("/users", response_model=UserDetailOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, db: DbSession, now: Now, _: AdminApi) -> UserDetailOut:
    user = service.create_user(session=db, now=now, **body.model_dump())
    db.commit()
    return UserDetailOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserDetailOut)
def read_user(user_id: int, db: DbSession, _: StaffApi) -> UserDetailOut:
    return UserDetailOut.model_validate(service.get_user(session=db, user_id=user_id))


@router.patch("/users/{user_id}", response_model=UserDetailOut)
def update_user(user_id: int, body: UserUpdate, db: DbSession, now: Now, _: AdminApi) -> UserDetailOut:
    user = service.update_user(session=db, user_id=user_id, now=now, **body.model_dump(exclude_unset=True))
    db.commit()
    return UserDetailOut.model_validate(user)


def _own_or_admin(user_id: int, caller: object) -> None:
    if getattr(caller, "id", None) != user_id and getattr(caller, "role", None) != Role.ADMIN:
        raise PermissionDenied("Only the user or an administrator may change contact methods.")


@router.post(
    "/users/{user_id}/contact-methods",
    response_model=ContactMethodOut,
    status_code=status.HTTP_201_CREATED,
)
def add_contact_method(
    user_id: int, body: ContactMethodCreate, db: DbSession, now: Now, caller: AnyUserApi
) -> ContactMethodOut:
    _own_or_admin(user_id, caller)
    method = service.add_contact_method(session=db, user_id=user_id, now=now, **body.model_dump())
    db.commit()
    return ContactMethodOut.model_validate(method)


@router.delete("/users/{user_id}/contact-methods/{method_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_contact_method(user_id: int, method_id: int, db: DbSession, caller: AnyUserApi) -> None:
    _own_or_admin(user_id, caller)
    service.remove_contact_method(session=db, user_id=user_id, contact_method_id=method_id)
    db.commit()


@router.get("/teams", response_model=list[TeamOut])
def list_teams(db: DbSession, _: AnyUserApi) -> list[TeamOut]:
    return [TeamOut.model_validate(team) for team in service.list_teams(session=db)]


@router.post("/teams", response_model=TeamOut, status_code=status.HTTP_201_CREATED)
def create_team(body: TeamCreate, db: DbSession, now: Now, _: AdminApi) -> TeamOut:
    team = service.create_team(
        session=db, slug=body.slug, name=body.name, description=body.description, now=now
    )
    if body.member_ids:
        team = service.set_team_members(
            session=db, team_id=team.id, user_ids=body.member_ids, lead_ids=body.lead_ids
        )
    db.commit()
    return TeamOut.model_validate(team)


@router.patch("/teams/{team_id}", response_model=TeamOut)
def update_team(team_id: int, body: TeamUpdate, db: DbSession, _: AdminApi) -> TeamOut:
    team = service.update_team(session=db, team_id=team_id, name=body.name, description=body.description)
    if body.member_ids is not None:
        team = service.set_team_members(
            session=db, team_id=team_id, user_ids=body.member_ids, lead_ids=body.lead_ids or []
        )
    db.commit()
    return TeamOut.model_validate(team)


@router.get("/tokens", response_model=list[ApiTokenOut])
def list_tokens(db: DbSession, user: AnyUserApi) -> list[ApiTokenOut]:
    return [ApiTokenOut.model_validate(t) for t in auth.list_api_tokens(session=db, user_id=user.id)]


@router.post("/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, db: DbSession, now: Now, user: AnyUserApi) -> ApiTokenCreated:
    token, secret = auth.create_api_token(
        session=db, user_id=user.id, name=body.name, now=now, expires_at=body.expires_at
    )
    db.commit()
    return ApiTokenCreated.model_validate({**ApiTokenOut.model_validate(token).model_dump(), "token": secret})


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: int, db: DbSession, now: Now, user: AnyUserApi) -> None:
    auth.revoke_api_token(session=db, user_id=user.id, token_id=token_id, now=now)
    db.commit()
