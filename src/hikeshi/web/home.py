"""The home page: what a person signing in needs to see first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession
from hikeshi.accounts.rules import ROLE_LABELS, Role

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, db: DbSession, user: AnyUserPage) -> Response:
    teams = [
        team for team in accounts.list_teams(session=db) if any(m.user_id == user.id for m in team.members)
    ]
    context = {
        "my_teams": teams,
        "contact_count": len(user.contact_methods),
        "role_label": ROLE_LABELS[Role(user.role)],
    }
    response: Response = request.app.state.templates.render(request, "home.html", context)
    return response
