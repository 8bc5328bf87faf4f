"""A static copy of the status page that any static host (or a file:// URL) serves while hikeshi is down.

Layout (every link relative): `index.html` (ja) and `en/index.html`; `incidents/<id>.html` and
`en/incidents/<id>.html`; `feed.atom` and `en/feed.atom`; `api/v2/*.json` (ja) and `en/api/v2/*.json`;
`assets/status.css`. Each file is written to a temporary file beside it and renamed into place, so a
reader sees the old file or the new one, never half of one; the index pages go last, so they never link
to a page not yet written.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hikeshi.comms import status, status_views
from hikeshi.comms.status_schemas import PublicIncident, Site, StatusSummary
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import LANGUAGES


@dataclass(frozen=True, slots=True)
class ExportResult:
    directory: str
    files: tuple[str, ...]  # relative to the directory, in the order written
    version: int
    incidents: int


def export_status_site(*, session: Session, now: datetime, directory: Path, site: Site) -> ExportResult:
    """Write (or refresh) the whole static copy into `directory`, creating it if needed."""
    root = _prepare(directory)
    written: list[str] = []

    def write(relative: str, content: bytes) -> None:
        try:
            _write_atomically(root / relative, content)
        except OSError as error:
            raise InvalidInput(
                "directory: {value} cannot be written ({reason})",
                field="directory",
                value=str(root / relative),
                reason=error.strerror or str(error),
            ) from None
        written.append(relative)

    write(f"assets/{status_views.CSS_NAME}", status_views.stylesheet())
    summaries = {
        language: status.public_summary(session=session, now=now, language=language, site=site)
        for language in LANGUAGES
    }
    for language, summary in summaries.items():
        prefix = "" if language == "ja" else f"{language}/"
        depth = 0 if language == "ja" else 1
        for name, document in status_views.JSON_DOCUMENTS.items():
            body = json.dumps(document(summary), ensure_ascii=False, indent=1).encode()
            write(f"{prefix}api/v2/{name}", body)
        for incident in _incidents(summary):
            write(f"{prefix}incidents/{incident.id}.html", _incident_page(summary, incident, depth + 1))
        links = status_views.Links(static=True, depth=depth)
        write(f"{prefix}feed.atom", status_views.atom_feed(summary, links=links, self_url="feed.atom"))
    for language in reversed(LANGUAGES):  # the Japanese index, the copy's front door, last
        prefix = "" if language == "ja" else f"{language}/"
        links = status_views.Links(static=True, depth=0 if language == "ja" else 1)
        html = status_views.render_html("status/page.html", summary=summaries[language], links=links)
        write(f"{prefix}index.html", html.encode())
    ja = summaries["ja"]
    return ExportResult(
        directory=str(root), files=tuple(written), version=ja.version, incidents=len(_incidents(ja))
    )


def _prepare(directory: Path) -> Path:
    root = directory.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise InvalidInput(
            "directory: {value} is a file, not a directory", field="directory", value=str(root)
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInput(
            "directory: {value} cannot be created ({reason})",
            field="directory",
            value=str(root),
            reason=error.strerror or str(error),
        ) from None
    return root


def _incidents(summary: StatusSummary) -> list[PublicIncident]:
    """Every incident the pages link to: the recent list, the active ones, the recently resolved."""
    chosen: dict[str, PublicIncident] = {}
    for incident in (*summary.incidents, *summary.active_incidents, *summary.resolved_incidents):
        chosen.setdefault(incident.id, incident)
    return list(chosen.values())


def _incident_page(summary: StatusSummary, incident: PublicIncident, depth: int) -> bytes:
    links = status_views.Links(static=True, depth=depth)
    html = status_views.render_html(
        "status/incident.html",
        summary=summary,
        links=links,
        incident=incident,
        switch_to=lambda other: links.incident(incident.id, other),
    )
    return html.encode()


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # readable by the web server, like any other static file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
