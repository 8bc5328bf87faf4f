"""The announcement on the incident page: the text the company was told, in the reader's language.

The war room includes `incidents/announcement_slot.html`, which loads this fragment and polls it; the
poll names the version it shows, and an unchanged announcement is answered 204 (htmx swaps nothing).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hikeshi.accounts.deps import AnyUserPage, DbSession
from hikeshi.incidents import announcement, announcing, service
from hikeshi.incidents.announcement import Facts
from hikeshi.incidents.deps import Number
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/incidents", tags=["incident pages"], include_in_schema=False)
REFRESH_SECONDS = 15


@router.get("/{number}/announcement")
def announcement_part(
    request: Request, number: Number, db: DbSession, _: AnyUserPage, shown: str = ""
) -> Response:
    incident = service.get_incident(session=db, number=number)
    announced = announcing.find_announcement(session=db, incident_id=incident.id)
    speaker = translator(request)
    version = f"{announced.facts_hash[:16]}-{speaker.language}" if announced else f"none-{incident.status}"
    if shown == version:
        return Response(status_code=204)
    settings = container(request).settings
    context: dict[str, object] = {
        "number": incident.number,
        "version": version,
        "announced": announced,
        "refresh_seconds": REFRESH_SECONDS,
        "status": incident.status,
    }
    if announced is not None:
        facts = Facts.from_json(announced.facts)
        context["shown"] = announcement.render(facts, language=speaker.language, timezone=settings.timezone)
    response: Response = request.app.state.templates.render(
        request, "incidents/announcement_panel.html", context
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
