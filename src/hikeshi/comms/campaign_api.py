"""JSON API of the notice emails: a campaign's progress and recipients; the opted-out addresses.

Support and administrators keep the opt-out list (a customer may ask on the phone); any staff member
may follow a campaign.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from hikeshi.accounts.deps import DbSession, Now, StaffApi
from hikeshi.comms import campaigns, opt_outs
from hikeshi.comms.rules import RecipientStatus
from hikeshi.core.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1", tags=["notice emails"])


class CampaignOut(BaseModel):
    campaign_id: int
    notice_id: int
    status: str
    total: int | None = Field(description="null while the recipients are still being listed")
    queued: int
    sent: int
    failed: int
    opted_out: int


class RecipientOut(BaseModel):
    email: str
    store_id: int | None
    store_name: str
    language: str
    status: str
    error: str


class OptOutIn(BaseModel):
    email: str = Field(max_length=254)


class OptOutOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    email: str
    source: str
    created_at: datetime


class OptOutPageOut(BaseModel):
    opt_outs: list[OptOutOut]
    total: int


@router.get("/notices/{notice_id}/campaign", response_model=CampaignOut)
def get_campaign_progress(notice_id: int, db: DbSession, _: StaffApi) -> CampaignOut:
    progress = campaigns.campaign_progress(session=db, notice_id=notice_id)
    if progress is None:
        raise NotFound("notice {value} has no email campaign", value=notice_id)
    return CampaignOut.model_validate(progress, from_attributes=True)


@router.get("/notices/{notice_id}/campaign/recipients", response_model=list[RecipientOut])
def list_campaign_recipients(
    notice_id: int,
    db: DbSession,
    _: StaffApi,
    status_filter: Annotated[str | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RecipientOut]:
    """`status`: queued, sent, failed or opted_out; failed ones carry the server's answer."""
    if status_filter is not None and status_filter not in set(RecipientStatus):
        known = ", ".join(RecipientStatus)
        raise InvalidInput(
            "status: unknown status {value}; use {known}", field="status", value=status_filter, known=known
        )
    rows = campaigns.list_recipients(
        session=db, notice_id=notice_id, status=status_filter, limit=limit, offset=offset
    )
    return [RecipientOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/email-opt-outs", response_model=OptOutPageOut)
def list_opt_outs(
    db: DbSession,
    user: StaffApi,
    q: Annotated[str | None, Query(max_length=254)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OptOutPageOut:
    opt_outs.check_opt_out_keeper(role=user.role)
    page, total = opt_outs.list_opt_outs(session=db, search=q, limit=limit, offset=offset)
    return OptOutPageOut(opt_outs=[OptOutOut.model_validate(item) for item in page], total=total)


@router.post("/email-opt-outs", response_model=OptOutOut, status_code=status.HTTP_201_CREATED)
def add_opt_out(body: OptOutIn, db: DbSession, now: Now, user: StaffApi) -> OptOutOut:
    opt_outs.check_opt_out_keeper(role=user.role)
    opt_out = opt_outs.add_opt_out(session=db, email=body.email, source="staff", by=user.id, now=now)
    db.commit()
    return OptOutOut.model_validate(opt_out)


@router.delete("/email-opt-outs/{email}", status_code=status.HTTP_204_NO_CONTENT)
def remove_opt_out(email: str, db: DbSession, user: StaffApi) -> Response:
    opt_outs.check_opt_out_keeper(role=user.role)
    opt_outs.remove_opt_out(session=db, email=email)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
