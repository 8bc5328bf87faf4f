"""Pure rules of the accounts domain: roles, validation, throttling. No I/O."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_


class Role(StrEnum):
    ADMIN = "admin"
    ENGINEER = "engineer"
    SUPPORT = "support"
    SALES = "sales"
    VIEWER = "viewer"


class ContactKind(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    SLACK = "slack"


# Who may do what is named by capability, so routes say what they need and roles can grow.
EVERYONE: Final = frozenset(Role)
STAFF: Final = frozenset({Role.ADMIN, Role.ENGINEER, Role.SUPPORT, Role.SALES})
RESPONDERS: Final = frozenset({Role.ADMIN, Role.ENGINEER})
ADMINS: Final = frozenset({Role.ADMIN})

ROLE_LABELS: Final[dict[Role, str]] = {
    Role.ADMIN: N_("Administrator"),
    Role.ENGINEER: N_("Engineer"),
    Role.SUPPORT: N_("Support"),
    Role.SALES: N_("Sales"),
    Role.VIEWER: N_("Viewer"),
}
CONTACT_KIND_LABELS: Final[dict[ContactKind, str]] = {
    ContactKind.EMAIL: N_("Email"),
    ContactKind.SMS: N_("SMS"),
    ContactKind.VOICE: N_("Voice call"),
    ContactKind.SLACK: N_("Slack"),
}

MIN_PASSWORD_LENGTH: Final = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{6,}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "role: '{value}' is not one of {choices}",
            field="role",
            value=value,
            choices=", ".join(Role),
        ) from None


def normalize_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("{field}: '{value}' is not an email address", field=field, value=value)
    return email


def validate_name(value: str, *, field: str = "name", max_length: int = 200) -> str:
    name = value.strip()
    if not name:
        raise InvalidInput("{field}: must not be empty", field=field)
    if len(name) > max_length:
        raise InvalidInput("{field}: at most {limit} characters", field=field, limit=max_length)
    return name


def validate_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password: at least {limit} characters", field="password", limit=MIN_PASSWORD_LENGTH
        )
    if len(value) > 1024:
        raise InvalidInput("password: at most {limit} characters", field="password", limit=1024)
    return value


def validate_slug(value: str, *, field: str = "slug") -> str:
    slug = value.strip().lower()
    if not _SLUG.match(slug):
        raise InvalidInput(
            "{field}: '{value}' must be lowercase letters, digits and hyphens",
            field=field,
            value=value,
        )
    return slug


def parse_contact_kind(value: str) -> ContactKind:
    try:
        return ContactKind(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "kind: '{value}' is not one of {choices}",
            field="kind",
            value=value,
            choices=", ".join(ContactKind),
        ) from None


def normalize_contact_address(kind: ContactKind, value: str) -> str:
    """Email as an address, SMS and voice as an E.164 number, Slack as a member id (U…)."""
    address = value.strip()
    if kind is ContactKind.EMAIL:
        return normalize_email(address, field="address")
    if kind in (ContactKind.SMS, ContactKind.VOICE):
        number = re.sub(r"[\s()-]", "", address)
        if number.startswith("0") and len(number) in (10, 11):
            number = "+81" + number[1:]  # a domestic Japanese number, the common case here
        if not _E164.match(number):
            raise InvalidInput(
                "address: '{value}' is not a phone number such as +81 90 1234 5678",
                field="address",
                value=value,
            )
        return number
    if not _SLACK_USER.match(address):
        raise InvalidInput(
            "address: '{value}' is not a Slack member id such as U012AB3CD",
            field="address",
            value=value,
        )
    return address


def throttle_wait(
    failures_at: list[datetime], *, now: datetime, max_failures: int, window: timedelta
) -> timedelta | None:
    """How long sign-in must wait after too many recent failures, or None when it may go ahead.

    The wait ends when the oldest failure that still counts leaves the window.
    """
    recent = sorted(moment for moment in failures_at if now - moment < window)
    if len(recent) < max_failures:
        return None
    return recent[-max_failures] + window - now
