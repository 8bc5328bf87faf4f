"""Scheduled maintenance, the rules: what people may do when, and the texts of its three notices (pure).

A maintenance is announced in advance, starts and completes; each step drafts a notice that a person
approves like any other. The texts say only what the maintenance itself says, with its times in
Japan's time for Japanese readers and in UTC, named, for English ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from hikeshi.comms.maintenance_schemas import BODY_LIMIT, TITLE_LIMIT
from hikeshi.comms.rules import MaintenanceStatus, NoticeChannel
from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.core.timezones import to_zone

JAPAN_TIME: Final = "Asia/Tokyo"
STATUS_LABELS: Final = {
    MaintenanceStatus.SCHEDULED: N_("Scheduled"),
    MaintenanceStatus.IN_PROGRESS: N_("In progress"),
    MaintenanceStatus.VERIFYING: N_("Verifying"),
    MaintenanceStatus.COMPLETED: N_("Completed"),
    MaintenanceStatus.CANCELLED: N_("Cancelled"),
}


class Step(StrEnum):
    """The moments a maintenance tells customers about."""

    ANNOUNCED = "announced"
    STARTED = "started"
    COMPLETED = "completed"


# The advance notice goes to the accounts by email too; the others only update the page and the app.
STEP_CHANNELS: Final = {
    Step.ANNOUNCED: [NoticeChannel.STATUS_PAGE.value, NoticeChannel.IN_APP.value, NoticeChannel.EMAIL.value],
    Step.STARTED: [NoticeChannel.STATUS_PAGE.value, NoticeChannel.IN_APP.value],
    Step.COMPLETED: [NoticeChannel.STATUS_PAGE.value, NoticeChannel.IN_APP.value],
}
# What a person may do in each status (the clock starts and ends the work on its own).
ALLOWED: Final = {
    "edit": (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS),
    "verify": (MaintenanceStatus.IN_PROGRESS,),
    "complete": (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING),
    "cancel": (MaintenanceStatus.SCHEDULED,),
}


_REFUSALS: Final = {
    "edit": N_("maintenance {value} is {status}: it cannot be changed now"),
    "verify": N_("maintenance {value} is {status}: it cannot be verified now"),
    "complete": N_("maintenance {value} is {status}: it cannot be completed now"),
    "cancel": N_("maintenance {value} is {status}: it cannot be cancelled now"),
}


def check_allowed(action: str, *, status: MaintenanceStatus, maintenance_id: int) -> None:
    if status not in ALLOWED[action]:
        raise Conflict(_REFUSALS[action], value=maintenance_id, status=status.value)


def check_times(*, scheduled_for: datetime, scheduled_until: datetime, now: datetime, new: bool) -> None:
    if scheduled_until <= scheduled_for:
        raise InvalidInput("scheduled_until: must be after scheduled_for", field="scheduled_until")
    if scheduled_until <= now:
        raise InvalidInput("scheduled_until: must be in the future", field="scheduled_until")
    if new and scheduled_for < now:
        raise InvalidInput("scheduled_for: must not be in the past", field="scheduled_for")


def clean_text(value: str, *, field: str, required: bool) -> str:
    limit = TITLE_LIMIT if field.startswith("title") else BODY_LIMIT
    text = " ".join(value.split()) if field.startswith("title") else value.strip()
    if required and not text:
        raise InvalidInput("{field}: the Japanese text is required", field=field)
    if len(text) > limit:
        raise InvalidInput("{field}: at most {limit} characters", field=field, limit=limit)
    return text


@dataclass(frozen=True, slots=True)
class StepText:
    title_ja: str
    title_en: str
    body_ja: str
    body_en: str


def _span_ja(start: datetime, end: datetime) -> str:
    start_local, end_local = to_zone(start, JAPAN_TIME), to_zone(end, JAPAN_TIME)
    end_format = "%H:%M" if start_local.date() == end_local.date() else "%Y年%m月%d日 %H:%M"
    return f"{start_local:%Y年%m月%d日 %H:%M} 〜 {end_local.strftime(end_format)}（日本時間）"


def _span_en(start: datetime, end: datetime) -> str:
    start_local, end_local = to_zone(start, JAPAN_TIME), to_zone(end, JAPAN_TIME)
    end_format = "%H:%M" if start_local.date() == end_local.date() else "%Y-%m-%d %H:%M"
    return f"{start_local:%Y-%m-%d %H:%M} to {end_local.strftime(end_format)} JST (UTC+9)"


def step_text(
    step: Step,
    *,
    title_ja: str,
    title_en: str,
    body_ja: str,
    body_en: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
) -> StepText:
    """The draft of a step's notice: the maintenance's own words, its times, and what has happened."""
    english_title = title_en or title_ja
    span_ja, span_en = _span_ja(scheduled_for, scheduled_until), _span_en(scheduled_for, scheduled_until)
    if step is Step.ANNOUNCED:
        titles = (f"【メンテナンスのお知らせ】{title_ja}", f"Scheduled maintenance: {english_title}")
        lead_ja = f"下記の日時にメンテナンスを実施いたします。\n実施日時: {span_ja}"
        lead_en = f"We will carry out maintenance at the following time.\nWhen: {span_en}"
    elif step is Step.STARTED:
        titles = (f"【メンテナンス実施中】{title_ja}", f"Maintenance in progress: {english_title}")
        lead_ja = f"ただいまメンテナンスを実施しております。\n予定時間: {span_ja}"
        lead_en = f"The maintenance is under way.\nScheduled: {span_en}"
    else:
        titles = (f"【メンテナンス完了】{title_ja}", f"Maintenance completed: {english_title}")
        lead_ja = "メンテナンスは完了しました。ご協力いただきありがとうございました。"
        lead_en = "The maintenance is complete. Thank you for your patience."
    return StepText(
        title_ja=titles[0][:TITLE_LIMIT],
        title_en=titles[1][:TITLE_LIMIT],
        body_ja="\n\n".join(part for part in (lead_ja, body_ja.strip()) if part),
        body_en="\n\n".join(part for part in (lead_en, body_en.strip()) if part) if title_en else "",
    )
