"""Reading a store CSV: detect the encoding, check every row, report problems by line and column. No I/O.

The columns (header names, any order; only the first three are required):

    external_id      the store's id in the company's own systems (unique; re-imports update by it)
    name             the store's name
    region           jp or overseas (or 日本 / 海外, Japan / Overseas)
    timezone         an IANA zone such as Asia/Tokyo (default for jp: Asia/Tokyo; required overseas)
    language         ja or en (default: ja in Japan, en overseas)
    products         product slugs separated by ';' or '|'
    account_emails   the store's sign-in addresses separated by ';' or '|', each optionally followed by
                     '=' and its last sign-in (ISO 8601, e.g. 2026-11-20T09:30; local to the store)
    phone            the store's phone number
    sales_rep_email  the email address of its sales representative (a hikeshi user)
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from hikeshi.accounts.rules import normalize_email
from hikeshi.catalog.rules import (
    Region,
    default_language,
    default_timezone,
    normalize_phone,
    parse_region,
    parse_store_language,
)
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.core.timezones import known_timezones

COLUMNS: Final = (
    "external_id",
    "name",
    "region",
    "timezone",
    "language",
    "products",
    "account_emails",
    "phone",
    "sales_rep_email",
)
REQUIRED_COLUMNS: Final = ("external_id", "name", "region")
MAX_PROBLEMS: Final = 100  # enough to fix a file; a wrong file would otherwise print 100,000 lines
_SEPARATORS = re.compile(r"[;|]")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong with the file: its line (1 is the header), the column, what is wrong."""

    line: int
    column: str
    message: str  # an English message id with {placeholders}
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoreRow:
    line: int
    external_id: str
    name: str
    region: str
    timezone: str
    language: str
    product_slugs: tuple[str, ...]
    accounts: tuple[tuple[str, datetime | None], ...]
    phone: str
    sales_rep_email: str | None


class ImportRejected(InvalidInput):
    """The file has problems, so nothing of it was imported; `problems` lists them (at most 100)."""

    code = "import_rejected"

    def __init__(self, problems: list[RowProblem], *, total: int) -> None:
        self.problems = problems
        self.total = total
        super().__init__(N_("Problems found: {count}. Nothing was imported."), field="file", count=total)


class StoreRejected(InvalidInput):
    """One store given field by field (a form, the API) has problems; `problems` names each field."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.message, field=first.column, **first.params)

    def render(self, translate: Callable[[str], str]) -> str:
        return "; ".join(
            f"{problem.column}: {translate(problem.message).format(**problem.params)}"
            for problem in self.problems
        )


def check_store(record: Mapping[str, str], *, product_slugs: Set[str], user_emails: Set[str]) -> StoreRow:
    """One store, its fields as text (`COLUMNS`), checked by the rules every CSV row meets."""
    values = {name: record.get(name, "") for name in COLUMNS}
    row, problems = _check_row(0, values, product_slugs=product_slugs, user_emails=user_emails)
    if problems:
        raise StoreRejected(problems)
    if row is None:  # not reached: a row is only missing when a problem says why
        raise StoreRejected([RowProblem(0, "region", N_("'{value}' is not jp or overseas"), {"value": ""})])
    return row


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without a BOM, or Shift_JIS as Japanese Excel saves it (cp932)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("file: the file is neither UTF-8 nor Shift_JIS text", field="file")


def parse_store_csv(
    text: str, *, product_slugs: Set[str], user_emails: Set[str]
) -> tuple[list[StoreRow], list[RowProblem], int]:
    """Every row checked: the good rows, the first problems, and how many problems there are in all."""
    problems: list[RowProblem] = []
    total = 0
    rows: list[StoreRow] = []
    lines = _records(text)
    header = next(lines, None)
    if header is None:
        raise InvalidInput("file: the file is empty; the first line names the columns", field="file")
    columns, header_problems = _columns(header[1])
    for problem in header_problems:
        problems.append(problem)
        total += 1
    if header_problems:
        return rows, problems, total
    first_seen: dict[str, int] = {}
    for line, values in lines:
        if not any(value.strip() for value in values):
            continue
        record = {name: (values[index] if index < len(values) else "") for name, index in columns.items()}
        row, row_problems = _check_row(line, record, product_slugs=product_slugs, user_emails=user_emails)
        if row is not None and row.external_id in first_seen:
            row_problems.append(
                RowProblem(
                    line,
                    "external_id",
                    N_("'{value}' appears again (first on line {first})"),
                    {"value": row.external_id, "first": first_seen[row.external_id]},
                )
            )
        total += len(row_problems)
        problems.extend(row_problems[: max(0, MAX_PROBLEMS - len(problems))])
        if row is not None and not row_problems:
            first_seen[row.external_id] = line
            rows.append(row)
    return rows, problems, total


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    for values in reader:
        yield previous_end + 1, values
        previous_end = reader.line_num


def _columns(header: list[str]) -> tuple[dict[str, int], list[RowProblem]]:
    columns: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in COLUMNS:
            problems.append(
                RowProblem(
                    1, name, N_("unknown column; the columns are {choices}"), {"choices": ", ".join(COLUMNS)}
                )
            )
        elif name in columns:
            problems.append(RowProblem(1, name, N_("the column appears twice")))
        else:
            columns[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(RowProblem(1, name, N_("this column is required")))
    return columns, problems


def _check_row(
    line: int, record: dict[str, str], *, product_slugs: Set[str], user_emails: Set[str]
) -> tuple[StoreRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def problem(column: str, message: str, **params: object) -> None:
        problems.append(RowProblem(line, column, message, params))

    external_id = _text(record, "external_id", 100, problem)
    name = _text(record, "name", 200, problem)
    region, timezone, language = _place(record, problem)
    slugs = _products(record.get("products", ""), product_slugs, problem)
    accounts = _accounts(record.get("account_emails", ""), timezone, problem)
    phone = ""
    try:
        phone = normalize_phone(record.get("phone", ""))
    except InvalidInput:
        problem("phone", N_("'{value}' is not a phone number"), value=record.get("phone", ""))
    sales_rep = record.get("sales_rep_email", "").strip().lower() or None
    if sales_rep is not None and sales_rep not in user_emails:
        problem("sales_rep_email", N_("no hikeshi user has the address '{value}'"), value=sales_rep)
    if problems or region is None or timezone is None:
        return None, problems
    row = StoreRow(
        line=line,
        external_id=external_id,
        name=name,
        region=region.value,
        timezone=timezone,
        language=language,
        product_slugs=slugs,
        accounts=accounts,
        phone=phone,
        sales_rep_email=sales_rep,
    )
    return row, problems


def _text(record: dict[str, str], column: str, limit: int, problem: _Problem) -> str:
    value = record.get(column, "").strip()
    if not value:
        problem(column, N_("must not be empty"))
    elif len(value) > limit:
        problem(column, N_("at most {limit} characters"), limit=limit)
    return value


def _place(record: dict[str, str], problem: _Problem) -> tuple[Region | None, str | None, str]:
    """The region, time zone and language, with the region's defaults for the last two."""
    region = None
    try:
        region = parse_region(record.get("region", ""))
    except InvalidInput:
        problem("region", N_("'{value}' is not jp or overseas"), value=record.get("region", ""))
    timezone = record.get("timezone", "").strip() or (default_timezone(region) if region else None)
    if timezone is None:
        if region is not None:
            problem("timezone", N_("required for a store overseas, e.g. America/Los_Angeles"))
    elif timezone not in known_timezones():
        problem("timezone", N_("unknown time zone '{value}'"), value=timezone)
        timezone = None
    language = record.get("language", "").strip()
    if language:
        try:
            language = parse_store_language(language)
        except InvalidInput:
            problem("language", N_("'{value}' is not ja or en"), value=language)
    elif region is not None:
        language = default_language(region)
    return region, timezone, language


def _split(value: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(value) if part.strip()]


def _products(value: str, known: Set[str], problem: _Problem) -> tuple[str, ...]:
    slugs: list[str] = []
    for part in _split(value):
        slug = part.lower()
        if slug not in known:
            problem("products", N_("unknown product '{value}'"), value=part)
        elif slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def _accounts(value: str, timezone: str | None, problem: _Problem) -> tuple[tuple[str, datetime | None], ...]:
    accounts: dict[str, datetime | None] = {}
    for part in _split(value):
        address, _, signed_in = part.partition("=")
        try:
            email = normalize_email(address, field="account_emails")
        except InvalidInput:
            problem("account_emails", N_("'{value}' is not an email address"), value=address.strip())
            continue
        last_login_at = None
        if signed_in.strip():
            last_login_at = _moment(signed_in.strip(), timezone)
            if last_login_at is None:
                problem(
                    "account_emails",
                    N_("'{value}' is not a time such as 2026-11-20T09:30"),
                    value=signed_in.strip(),
                )
                continue
        accounts[email] = last_login_at
    return tuple(accounts.items())


def _moment(value: str, timezone: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone or "UTC"))
    return moment


class _Problem(Protocol):
    """The shape of the `problem(column, message, **params)` callback rows report through."""

    def __call__(self, column: str, message: str, **params: object) -> None: ...
