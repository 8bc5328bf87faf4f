"""Pages of the notice emails: a campaign's progress (polled while it sends), the opt-out list.

Linked from the notice's page. Staff follow a campaign; support and administrators keep the opt-outs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, StaffPage
from hikeshi.accounts.models import User
from hikeshi.comms import campaigns, opt_outs
from hikeshi.comms.notices import get_notice
from hikeshi.core.errors import HikeshiError
from hikeshi.web.kit.context import translator

router = APIRouter(tags=["notice email pages"], include_in_schema=False)
FAILURES_SHOWN = 200
OPT_OUTS_PAGE = 100


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _progress_context(db: Session, notice_id: int) -> dict[str, object]:
    progress = campaigns.campaign_progress(session=db, notice_id=notice_id)
    failures = (
        campaigns.campaign_failures(session=db, notice_id=notice_id, limit=FAILURES_SHOWN)
        if progress is not None and progress.failed
        else []
    )
    return {"notice_id": notice_id, "progress": progress, "failures": failures}


@router.get("/notices/{notice_id:int}/campaign")
def campaign_page(request: Request, notice_id: int, db: DbSession, _: StaffPage) -> Response:
    notice = get_notice(session=db, notice_id=notice_id)
    return _render(request, "comms/campaign.html", {"notice": notice, **_progress_context(db, notice_id)})


@router.get("/notices/{notice_id:int}/campaign/progress")
def campaign_progress_fragment(request: Request, notice_id: int, db: DbSession, _: StaffPage) -> Response:
    """What the page polls every two seconds while the emails go out."""
    return _render(request, "comms/_campaign_progress.html", _progress_context(db, notice_id))


def _opt_out_page(
    request: Request,
    db: Session,
    user: User,
    *,
    q: str = "",
    offset: int = 0,
    error: str = "",
    status_code: int = 200,
) -> Response:
    page, total = opt_outs.list_opt_outs(session=db, search=q, limit=OPT_OUTS_PAGE, offset=offset)
    context = {
        "opt_outs": page,
        "total": total,
        "q": q,
        "offset": offset,
        "page_size": OPT_OUTS_PAGE,
        "may_change": user.role in opt_outs.OPT_OUT_KEEPERS,
        "error": error,
    }
    return _render(request, "comms/opt_outs.html", context, status_code=status_code)


@router.get("/email-opt-outs")
def opt_outs_page(
    request: Request,
    db: DbSession,
    user: StaffPage,
    q: Annotated[str, Query(max_length=254)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    return _opt_out_page(request, db, user, q=q, offset=offset)


@router.post("/email-opt-outs")
def add_opt_out(
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffPage,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    try:
        opt_outs.check_opt_out_keeper(role=user.role)
        opt_outs.add_opt_out(session=db, email=email, source="staff", by=user.id, now=now)
    except HikeshiError as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _opt_out_page(request, db, user, error=message, status_code=error.status_code)
    db.commit()
    return RedirectResponse("/email-opt-outs", status_code=303)


@router.post("/email-opt-outs/remove")
def remove_opt_out(
    request: Request, db: DbSession, user: StaffPage, email: Annotated[str, Form(max_length=254)] = ""
) -> Response:
    try:
        opt_outs.check_opt_out_keeper(role=user.role)
        opt_outs.remove_opt_out(session=db, email=email)
    except HikeshiError as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _opt_out_page(request, db, user, error=message, status_code=error.status_code)
    db.commit()
    return RedirectResponse("/email-opt-outs", status_code=303)
