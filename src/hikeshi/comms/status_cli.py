"""`hikeshi status export DIR`: write a complete static copy of the public status page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hikeshi.comms.status_export import export_status_site
from hikeshi.comms.status_schemas import Site
from hikeshi.core.console import print_json, reported_errors

status_app = typer.Typer(help="The public status page.", no_args_is_help=True)


@status_app.command("export")
def export(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Where to write the copy (created if missing).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Write the status page (HTML ja/en, JSON, Atom, CSS) as static files that work from any host."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        result = export_status_site(
            session=db,
            now=container.clock(),
            directory=directory,
            site=Site.from_settings(container.settings),
        )
    if json_output:
        print_json(
            {
                "directory": result.directory,
                "files": list(result.files),
                "version": result.version,
                "incidents": result.incidents,
            }
        )
        return
    message = ctx.obj.gettext("Status page written to {directory}: {files} files, {incidents} incidents.")
    Console(highlight=False).print(
        message.format(directory=result.directory, files=len(result.files), incidents=result.incidents)
    )
