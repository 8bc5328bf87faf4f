"""What the incident routes share: where announcements go, from settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from hikeshi.incidents.announcing import AnnouncementContext
from hikeshi.web.kit.context import container


def announcing_context(request: Request) -> AnnouncementContext:
    return AnnouncementContext.from_settings(container(request).settings)


# An incident's number or a row id in a path: out-of-range numbers are a 4xx, not a database error.
Number = Annotated[int, Path(ge=1, le=2_147_483_647)]
