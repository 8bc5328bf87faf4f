"""The unsubscribe link of notice emails: a confirm page, the button, and RFC 8058 one-click.

Public: the signed token in the link is the authority, for one address. The button on the page is a
form like any other (CSRF-checked). Mail apps that show an "Unsubscribe" button POST
`List-Unsubscribe=One-Click` to the one-click address without cookies, so that path is exempt from
the CSRF check (see `web/app.py`); a forged token opts no one out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import PlainTextResponse, Response

from hikeshi.accounts.deps import DbSession, Now, Public
from hikeshi.comms import campaigns, opt_outs
from hikeshi.comms.campaign_rules import unsubscribe_key
from hikeshi.core.errors import InvalidInput
from hikeshi.web.kit.context import container

router = APIRouter(tags=["unsubscribe"], include_in_schema=False, dependencies=[Public])
TokenQuery = Annotated[str, Query(max_length=1000)]
ONE_CLICK_PATH = campaigns.ONE_CLICK_PATH  # exempt from the CSRF check


def _render(request: Request, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(
        request,
        "comms/unsubscribe.html",
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )
    return response


def _key(request: Request) -> bytes:
    return unsubscribe_key(container(request).settings.secret_key)


@router.get(campaigns.UNSUBSCRIBE_PATH)
@router.get(campaigns.ONE_CLICK_PATH)
def unsubscribe_page(request: Request, db: DbSession, token: TokenQuery = "") -> Response:
    """Ask before opting out: link checkers and previews open links without meaning to unsubscribe."""
    try:
        address = opt_outs.token_address(token=token, key=_key(request))
    except InvalidInput:
        return _render(request, {"invalid": True}, status_code=400)
    done = opt_outs.is_opted_out(session=db, email=address)
    return _render(request, {"address": address, "token": token, "done": done})


@router.post(campaigns.UNSUBSCRIBE_PATH)
def unsubscribe_button(
    request: Request, db: DbSession, now: Now, token: Annotated[str, Form(max_length=1000)] = ""
) -> Response:
    try:
        address = opt_outs.unsubscribe(session=db, token=token, key=_key(request), now=now)
    except InvalidInput:
        return _render(request, {"invalid": True}, status_code=400)
    db.commit()
    return _render(request, {"address": address, "done": True, "just_now": True})


@router.post(campaigns.ONE_CLICK_PATH)
def unsubscribe_one_click(request: Request, db: DbSession, now: Now, token: TokenQuery = "") -> Response:
    """RFC 8058: the mail app's button; the body (`List-Unsubscribe=One-Click`) carries nothing more."""
    try:
        opt_outs.unsubscribe(session=db, token=token, key=_key(request), now=now)
    except InvalidInput:
        return PlainTextResponse("invalid unsubscribe link\n", status_code=400)
    db.commit()
    return PlainTextResponse("unsubscribed\n", headers={"Cache-Control": "no-store"})
