"""`hikeshi import stores FILE.csv` and `hikeshi store list|show`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hikeshi.catalog import importing, service
from hikeshi.catalog.impact import estimate_impact
from hikeshi.catalog.import_rules import ImportRejected, RowProblem
from hikeshi.catalog.schemas import ImportOut, ProductOut, StoreOut, StorePageOut, store_detail_out
from hikeshi.core.console import EXIT_BAD_INPUT, fail, print_json, reported_errors
from hikeshi.core.errors import HikeshiError

import_app = typer.Typer(help="Import catalog data from CSV files.", no_args_is_help=True)
store_app = typer.Typer(help="Stores (tenants): list, search, show.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def problem_line(problem: RowProblem, gettext: Callable[[str], str]) -> str:
    """`line 17, column timezone: unknown time zone 'Asia/Tokio'` in the speaking language."""
    detail = gettext(problem.message).format(**problem.params)
    return gettext("line {line}, column {column}: {problem}").format(
        line=problem.line, column=problem.column, problem=detail
    )


def _report_problems(rejected: ImportRejected, gettext: Callable[[str], str]) -> None:
    for problem in rejected.problems:
        sys.stderr.write(problem_line(problem, gettext) + "\n")
    if rejected.total > len(rejected.problems):
        more = gettext("… and {count} more problems.").format(count=rejected.total - len(rejected.problems))
        sys.stderr.write(more + "\n")
    fail(rejected.render(gettext))


@import_app.command("stores")
def import_stores(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file: UTF-8 (with or without BOM) or Shift_JIS.")],
    json_output: JsonOption = False,
) -> None:
    """Create or update stores from a CSV file; a file with any bad row imports nothing (exit 2)."""
    gettext = ctx.obj.gettext
    try:
        data = file.read_bytes()
    except OSError as error:
        sys.stderr.write(f"hikeshi: file: {error.strerror or error}: {file}\n")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    container = ctx.obj.container()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=json_output,
    )
    with progress, container.sessions() as db:
        task = progress.add_task(gettext("Importing stores"), total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = importing.import_stores(session=db, data=data, now=container.clock(), progress=advance)
        except ImportRejected as rejected:
            progress.stop()
            _report_problems(rejected, gettext)
        except HikeshiError as error:
            progress.stop()
            fail(error.render(gettext))
        db.commit()
    out = ImportOut(
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        product_links=result.product_links,
        accounts=result.accounts,
    )
    if json_output:
        print_json(out)
        return
    message = gettext("{rows} stores imported: {created} created, {updated} updated.")
    Console().print(message.format(rows=out.rows, created=out.created, updated=out.updated))


@store_app.command("list")
def list_stores(
    ctx: typer.Context,
    search: Annotated[str | None, typer.Option(help="Part of the name, or the external id.")] = None,
    region: Annotated[str | None, typer.Option(help="jp or overseas.")] = None,
    product: Annotated[str | None, typer.Option(help="Only stores using this product (slug).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    json_output: JsonOption = False,
) -> None:
    """List stores by name, a page at a time."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        page = service.list_stores(
            session=db, search=search, region=region, product_slug=product, limit=limit, offset=offset
        )
        rows = [StoreOut.model_validate(store) for store in page.stores]
    if json_output:
        print_json(StorePageOut(stores=rows, total=page.total, limit=page.limit, offset=page.offset))
        return
    gettext = ctx.obj.gettext
    table = Table("id", gettext("External id"), gettext("Name"), gettext("Region"), gettext("Time zone"))
    for row in rows:
        table.add_row(str(row.id), row.external_id, row.name, row.region, row.timezone)
    console = Console()
    console.print(table)
    console.print(gettext("{shown} of {total} stores.").format(shown=len(rows), total=page.total))


@store_app.command("show")
def show_store(
    ctx: typer.Context,
    store: Annotated[str, typer.Argument(help="The external id, or #ID.")],
    json_output: JsonOption = False,
) -> None:
    """One store with its products and accounts."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = service.find_store(session=db, key=store)
        products = [
            ProductOut.model_validate(p) for p in service.store_products(session=db, store_id=found.id)
        ]
        out = store_detail_out(found, products, service.store_accounts(session=db, store_id=found.id))
    if json_output:
        print_json(out)
        return
    console = Console(highlight=False)
    console.print(f"[bold]{out.name}[/bold] ({out.external_id}) {out.region} {out.timezone} {out.language}")
    console.print(", ".join(out.products) or "—")
    for account in out.accounts:
        console.print(f"  {account.email}  {account.last_login_at or '—'}")


@store_app.command("impact")
def impact(
    ctx: typer.Context,
    product: Annotated[list[str], typer.Option(help="An affected product (slug); repeat for more.")],
    region: Annotated[list[str] | None, typer.Option(help="jp or overseas; none: every region.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Which stores, accounts and partners an outage of these products reaches."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        products = service.products_by_slug(session=db, slugs=product)
        found = estimate_impact(session=db, product_ids=[p.id for p in products], region_codes=region or [])
        out = {
            "store_count": found.store_count,
            "stores_by_region": found.stores_by_region,
            "account_email_count": len(found.account_emails),
            "partners": [partner.name for partner in found.partners],
            "web_booking_affected": found.web_booking_affected,
        }
    if json_output:
        print_json(out)
        return
    gettext = ctx.obj.gettext
    message = gettext("{count} stores: {japan} in Japan, {overseas} overseas; {emails} account addresses.")
    Console().print(
        message.format(
            count=found.store_count,
            japan=found.japan,
            overseas=found.overseas,
            emails=len(found.account_emails),
        )
    )
