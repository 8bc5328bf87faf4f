"""Reminders to the owners of action items, once a day: what is due soon and what is overdue.

Each owner gets one message a day at most (in the web inbox and by email, in their own language)
listing their items that are due within `remind_days` days (once per due day, `reminded_due_on`) and
those past their due day (the day after it, then every `overdue_every_days` days,
`overdue_reminded_on`). The marks are written in the same transaction as the messages are asked for,
so a second run on the same day finds nothing to send, and a run that rolled back sent nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from html import escape
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.core.i18n import translations
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.postmortems.action_items import ActionItemRow, action_item_rows
from hikeshi.postmortems.models import ActionItem
from hikeshi.postmortems.rules import ActionItemStatus

REMINDER_JOB: Final = "postmortems.action_item_reminders"
REMIND_AT: Final = "10:00"  # in HIKESHI_TIMEZONE, when people are at work
LIST_PATH: Final = "/action-items?owner=mine"
SOURCE: Final = "action-items"


class Reminder(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    remind_days: int  # "due soon": due today or within this many days
    overdue_every_days: int  # an overdue item is reminded of again after this many days


def reminder_due(
    *,
    due_on: date,
    today: date,
    reminded_due_on: date | None,
    overdue_reminded_on: date | None,
    policy: ReminderPolicy,
) -> Reminder | None:
    """Which reminder an open item earns today, if any."""
    if due_on >= today:
        soon = due_on - today <= timedelta(days=policy.remind_days)
        return Reminder.DUE_SOON if soon and reminded_due_on != due_on else None
    if overdue_reminded_on is None or overdue_reminded_on < due_on:
        return Reminder.OVERDUE  # the first day after the due day on which the job runs
    if today - overdue_reminded_on >= timedelta(days=policy.overdue_every_days):
        return Reminder.OVERDUE
    return None


@dataclass(slots=True)
class OwnerReminder:
    """What one owner hears today."""

    owner: User
    due_soon: list[ActionItem] = field(default_factory=list)
    overdue: list[ActionItem] = field(default_factory=list)


def reminders_due(*, session: Session, today: date, policy: ReminderPolicy) -> list[OwnerReminder]:
    """The owners to remind today with their items (locked until the transaction ends)."""
    horizon = today + timedelta(days=policy.remind_days)
    query = (
        select(ActionItem, User)
        .join(User, User.id == ActionItem.owner_id)
        .where(
            ActionItem.status == ActionItemStatus.OPEN.value,
            ActionItem.due_on <= horizon,
            User.is_active.is_(True),
        )
        .order_by(User.id, ActionItem.due_on, ActionItem.id)
        .with_for_update(of=ActionItem)
    )
    by_owner: dict[int, OwnerReminder] = {}
    for item, owner in session.execute(query):
        kind = reminder_due(
            due_on=item.due_on,
            today=today,
            reminded_due_on=item.reminded_due_on,
            overdue_reminded_on=item.overdue_reminded_on,
            policy=policy,
        )
        if kind is None:
            continue
        reminder = by_owner.setdefault(owner.id, OwnerReminder(owner=owner))
        (reminder.due_soon if kind is Reminder.DUE_SOON else reminder.overdue).append(item)
    return list(by_owner.values())


def send_action_item_reminders(
    *,
    session: Session,
    today: date,
    now: datetime,
    policy: ReminderPolicy,
    link: Callable[[str], str],
) -> int:
    """Ask for today's reminders (inbox and email) and mark the items; how many owners were reminded."""
    reminders = reminders_due(session=session, today=today, policy=policy)
    for reminder in reminders:
        _send(session=session, reminder=reminder, today=today, now=now, link=link)
        for item in reminder.due_soon:
            item.reminded_due_on = item.due_on
        for item in reminder.overdue:
            item.overdue_reminded_on = today
    session.flush()
    return len(reminders)


def _send(
    *, session: Session, reminder: OwnerReminder, today: date, now: datetime, link: Callable[[str], str]
) -> None:
    owner = reminder.owner
    speaker = translations("en" if owner.language == "en" else "ja")
    soon = action_item_rows(session=session, items=reminder.due_soon, today=today)
    late = action_item_rows(session=session, items=reminder.overdue, today=today)
    subject = _subject(speaker.gettext, len(soon), len(late))
    sections: list[tuple[str, list[ActionItemRow]]] = []
    if late:
        sections.append((speaker.gettext("Overdue:"), late))
    if soon:
        sections.append((speaker.gettext("Due soon:"), soon))
    due = speaker.gettext("due {day}")
    lines: list[str] = []
    for heading, rows in sections:
        lines.append(heading)
        lines.extend(f"- #{row.incident_number} {row.title} ({due.format(day=row.due_on)})" for row in rows)
        lines.append("")
    closing = speaker.gettext("Mark them done or change their due date: {link}")
    text = "\n".join([*lines, closing.format(link=link(LIST_PATH))])
    inbox = Outgoing(target=str(owner.id), text=text, subject=subject, extra={"link": LIST_PATH})
    delivery.send(session=session, channel="inbox", message=inbox, now=now, source=SOURCE)
    email = Outgoing(
        target=owner.email,
        text=text,
        subject=subject,
        html=_html(sections, due, closing, link),
        extra={"language": owner.language},
        user_id=owner.id,
    )
    delivery.send(session=session, channel="email", message=email, now=now, source=SOURCE)


def _subject(gettext: Callable[[str], str], soon: int, late: int) -> str:
    if soon and late:
        text = gettext("[hikeshi] Action items: {late} overdue, {soon} due soon")
    elif late:
        text = gettext("[hikeshi] Action items: {late} overdue")
    else:
        text = gettext("[hikeshi] Action items: {soon} due soon")
    return text.format(late=late, soon=soon)


def _html(
    sections: list[tuple[str, list[ActionItemRow]]], due: str, closing: str, link: Callable[[str], str]
) -> str:
    parts: list[str] = []
    for heading, rows in sections:
        parts.append(f"<p><strong>{escape(heading)}</strong></p><ul>")
        for row in rows:
            title = f"#{row.incident_number} {row.title}"
            href = escape(link(f"/postmortems/{row.postmortem_id}"), quote=True)
            when = escape(due.format(day=row.due_on))
            parts.append(f'<li><a href="{href}">{escape(title)}</a> ({when})</li>')
        parts.append("</ul>")
    anchor = f'<a href="{escape(link(LIST_PATH), quote=True)}">{escape(link(LIST_PATH))}</a>'
    parts.append(f"<p>{escape(closing).format(link=anchor)}</p>")
    return "".join(parts)
