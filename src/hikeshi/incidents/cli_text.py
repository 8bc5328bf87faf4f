"""`hikeshi incident show` in words: the war room as lines of text, in the configured language.

The facts are the announcement's own lines (what the company was told), so the terminal, the page
and the chat post never disagree; then tasks, recovery actions, links, pages and the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hikeshi.core.i18n import Translator
from hikeshi.incidents import announcement
from hikeshi.incidents.announcement import Facts
from hikeshi.incidents.rules import (
    EVENT_LABELS,
    FIELD_LABELS,
    RECOVERY_LABELS,
    STATUS_LABELS,
    RecoveryKind,
    Status,
)
from hikeshi.incidents.views import TimelineEntry, WarRoom


def room_lines(
    room: WarRoom, facts: Facts, *, speaker: Translator, product_names: Mapping[int, str]
) -> list[str]:
    _ = speaker.gettext
    incident = room.incident
    shown = announcement.render(facts, language=speaker.language, timezone=speaker.timezone)
    lines = [f"#{incident.number} [{_(STATUS_LABELS[Status(incident.status)])}] {incident.title}"]
    lines += [f"{label}: {value}" for label, value in shown.lines]
    lines += [
        f"{_('Detected')}: {speaker.format_datetime(incident.detected_at, with_zone=True)}",
        f"{_('Declared')}: {speaker.format_datetime(incident.declared_at, with_zone=True)}",
    ]
    if incident.dismiss_reason:
        lines.append(_("Dismissed: {reason}").format(reason=incident.dismiss_reason))
    if incident.no_action_reason:
        lines.append(_("Resolved with no recovery action: {reason}").format(reason=incident.no_action_reason))
    nexts = ", ".join(f"{status.value} ({_(STATUS_LABELS[status])})" for status in room.transitions)
    lines.append(_("Next: {statuses}").format(statuses=nexts or "—"))
    lines += _section(_("Tasks"), [_task_line(view.task, view.overdue, room, speaker) for view in room.tasks])
    lines += _section(_("Recovery actions"), [_action_line(action, room, speaker) for action in room.actions])
    links = [_("Alert group #{id}").format(id=group.id) + f" {group.title}" for group in room.alert_groups]
    links += [_("Inquiry #{id}").format(id=item.id) + f" {item.body[:80]}" for item in room.inquiries]
    lines += _section(_("Linked alerts and inquiries"), links)
    lines += _section(
        _("Pages"), [_("Page #{id}").format(id=page.id) + f" {page.status}" for page in room.pages]
    )
    entries = [_entry_line(entry, room, speaker, product_names) for entry in room.timeline]
    lines += _section(_("Timeline"), entries)
    return lines


def _section(title: str, items: list[str]) -> list[str]:
    return ["", f"{title}:", *(f"  {item}" for item in items)] if items else []


def _person(room: WarRoom, user_id: int | None) -> str:
    person = room.users.get(user_id) if user_id is not None else None
    return person.name if person is not None else "—"


def _task_line(task: Any, overdue: bool, room: WarRoom, speaker: Translator) -> str:
    _ = speaker.gettext
    mark = "[x]" if task.done_at else "[!]" if overdue else "[ ]"
    owner = _person(room, task.owner_id) if task.owner_id else _("Unassigned ({role})").format(role=task.role)
    line = f"{mark} {task.id}: {_(task.title)} · {owner}"
    if task.done_at:
        done = _("done {time} by {person}")
        return f"{line} · " + done.format(
            time=speaker.format_datetime(task.done_at), person=_person(room, task.done_by_id)
        )
    if task.due_at:
        line += " · " + _("due {time}").format(time=speaker.format_datetime(task.due_at))
    return f"{line} · {_('Overdue')}" if overdue else line


def _action_line(action: Any, room: WarRoom, speaker: Translator) -> str:
    _ = speaker.gettext
    kind = _(RECOVERY_LABELS[RecoveryKind(action.kind)]) if action.kind in set(RecoveryKind) else action.kind
    when = speaker.format_datetime(action.performed_at)
    described = f": {action.description}" if action.description else ""
    return f"{when} {kind} · {_person(room, action.performed_by_id)}{described}"


def _entry_line(
    entry: TimelineEntry, room: WarRoom, speaker: Translator, product_names: Mapping[int, str]
) -> str:
    _ = speaker.gettext
    head = f"{speaker.format_datetime(entry.at)} {_(EVENT_LABELS.get(entry.kind, entry.kind))}"
    if entry.change is not None:
        return f"{head}: {entry.change.summary}"
    event = entry.event
    assert event is not None
    who = f" · {_person(room, event.actor_user_id)}" if event.actor_user_id else ""
    detail = event.note
    if event.kind == "status":
        moved = (_(STATUS_LABELS[Status(event.data[end])]) for end in ("from", "to"))
        detail = " → ".join(moved) + (f" ({event.note})" if event.note else "")
    elif event.kind == "field":
        name = str(event.data.get("field", ""))
        old, new = (_value(name, event.data.get(end), room, speaker, product_names) for end in ("from", "to"))
        detail = f"{_(FIELD_LABELS.get(name, name))}: {old} → {new}"
    elif event.kind == "inquiry_linked":
        detail = _("Inquiry #{id}").format(id=event.data.get("inquiry_id"))
    elif event.kind.startswith("task"):
        detail = _(event.note)
    return f"{head}{who}" + (f": {detail}" if detail else "")


def _value(
    name: str, value: Any, room: WarRoom, speaker: Translator, product_names: Mapping[int, str]
) -> str:
    _ = speaker.gettext
    if value is None or value == "" or value == []:
        return "—"
    if name.endswith("_id"):
        return _person(room, int(value))
    if name == "product_ids":
        return ", ".join(product_names.get(int(pid), f"#{pid}") for pid in value)
    if name.endswith("_at"):
        return speaker.format_datetime(datetime.fromisoformat(str(value)))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)
