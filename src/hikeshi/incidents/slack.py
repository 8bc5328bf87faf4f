"""Slack's `/hikeshi incident <what is broken>`: open an incident in triage by hand, from chat.

The route that checks Slack's signature and answers within 3 s lives with the other slash commands;
it hands the command's fields here and sends back the ephemeral text this returns. The incident starts
in triage, so nothing is announced to the company until an engineer declares it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from hikeshi.accounts.rules import ContactKind
from hikeshi.accounts.service import find_user_by_contact
from hikeshi.core.errors import HikeshiError
from hikeshi.core.i18n import Language, translations
from hikeshi.incidents import service
from hikeshi.incidents.announcing import AnnouncementContext, incident_link
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.incidents.work import TITLE_LIMIT

COMMAND = "incident"


def declare_from_slack(
    *, session: Session, fields: Mapping[str, str], now: datetime, context: AnnouncementContext
) -> str:
    """Open a triage incident titled with the command's text; the ephemeral reply to show.

    `fields` are the slash command's form fields (`text`, `user_id`, `user_name`, `response_url`);
    `text` may start with the word `incident`. The caller commits.
    """
    _ = _speaker(context.language)
    title = incident_title(fields.get("text", ""))
    if not title:
        return _("Say what is broken: `/hikeshi incident <what is broken>`")
    if len(title) > TITLE_LIMIT:
        return _("The title is too long: at most {limit} characters.").format(limit=TITLE_LIMIT)
    slack_user, slack_name = fields.get("user_id", "").strip(), fields.get("user_name", "").strip()
    person = None
    if slack_user:
        person = find_user_by_contact(session=session, kind=ContactKind.SLACK, address=slack_user)
    summary = _("Opened from Slack by @{name}.").format(name=slack_name or slack_user or "?")
    new = IncidentCreate(title=title, summary=summary)
    try:
        with session.begin_nested():  # a refusal leaves nothing half-made for the caller's commit
            incident = service.declare_incident(
                session=session, new=new, by=person.id if person else None, now=now, context=context
            )
    except HikeshiError as error:
        return _("The incident could not be opened: {reason}").format(reason=error.render(_))
    reply = _(
        "Incident #{number} is open in triage: {title}\n{link}\n"
        "Declare it there once customer impact is confirmed; the company is told then."
    )
    link = incident_link(context.base_url, incident.number)
    return reply.format(number=incident.number, title=incident.title, link=link)


def incident_title(text: str) -> str:
    """The command's text without its leading `incident` word, spaces tidied."""
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() == COMMAND:
        words = words[1:]
    return " ".join(" ".join(words).split())


def _speaker(language: str) -> Callable[[str], str]:
    chosen: Language = "en" if language == "en" else "ja"
    return translations(chosen).gettext
