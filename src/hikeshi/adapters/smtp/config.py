"""`HIKESHI_SMTP_URL`: where and how hikeshi hands its mail over, in one URL.

    smtp://HOST[:PORT]                    plain SMTP (port 25), e.g. a relay on the same network
    smtp://USER:PASS@HOST:587?starttls=true
    smtp+starttls://USER:PASS@HOST[:587]  STARTTLS before AUTH (RFC 3207), the usual submission port
    smtps://USER:PASS@HOST[:465]          implicit TLS (RFC 8314)

Query options: `from=` the sender (`noreply@example.com`, or `Name <noreply@example.com>` encoded),
`timeout=` seconds for connecting and for each reply (default 30), `starttls=true|false`.
User and password are percent-decoded, so a password may contain `@` or `:` written as %40 and %3A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Literal
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from hikeshi.core.errors import ConfigurationError

Security = Literal["plain", "starttls", "tls"]
SETTING = "HIKESHI_SMTP_URL"
DEFAULT_TIMEOUT_SECONDS = 30.0
SCHEMES: dict[str, Security] = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
DEFAULT_PORTS: dict[Security, int] = {"plain": 25, "starttls": 587, "tls": 465}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
OPTIONS = frozenset({"from", "timeout", "starttls"})


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security = "plain"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    from_address: str | None = None  # a header value: `addr@domain` or `Name <addr@domain>`
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def redacted_url(self) -> str:
        """The URL without its password, for logs and the admin page."""
        scheme = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.security]
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str, *, setting: str = SETTING) -> SmtpConfig:
    """Parse and check the URL; every mistake is a `ConfigurationError` naming the setting."""
    parts = urlsplit(url.strip())
    security = SCHEMES.get(parts.scheme.lower())
    if security is None:
        raise _bad(setting, "use smtp://, smtp+starttls:// or smtps:// (got {scheme!r})", scheme=parts.scheme)
    if not parts.hostname:
        raise _bad(setting, "the host is missing, e.g. smtp+starttls://user:password@mail.example.com:587")
    options = _options(parts.query, setting)
    security = _with_starttls_option(security, options.get("starttls"), setting)
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if username and not password:
        raise _bad(setting, "a user name needs a password: smtp+starttls://USER:PASSWORD@HOST")
    return SmtpConfig(
        host=parts.hostname,
        port=_port(parts, security, setting),
        security=security,
        username=username,
        password=password,
        from_address=check_sender(options["from"], setting=setting) if "from" in options else None,
        timeout_seconds=_timeout(options.get("timeout"), setting),
    )


def check_sender(value: str, *, setting: str = SETTING) -> str:
    """A sender as a header value; it needs a domain (Message-IDs are made from it)."""
    text = value.strip()
    name, address = parseaddr(text)
    local, _, domain = address.rpartition("@")
    # A bare host such as `localhost` is allowed: a local relay's default sender uses one.
    if not local or not domain.strip(".") or " " in address or any(mark in text for mark in "\r\n,;"):
        raise _bad(
            setting, "the sender {value!r} is not an email address like noreply@example.com", value=text
        )
    return formataddr((name, address)) if name else address


def _options(query: str, setting: str) -> dict[str, str]:
    values = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(values) - OPTIONS)
    if unknown:
        raise _bad(
            setting, "unknown option {names}; known: from, timeout, starttls", names=", ".join(unknown)
        )
    return {name: items[-1] for name, items in values.items()}


def _with_starttls_option(security: Security, option: str | None, setting: str) -> Security:
    if option is None:
        return security
    word = option.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise _bad(setting, "starttls must be true or false (got {value!r})", value=option)
    if word in FALSE_WORDS:
        if security == "starttls":
            raise _bad(setting, "smtp+starttls:// contradicts starttls=false")
        return security
    if security == "tls":
        raise _bad(setting, "smtps:// already uses TLS; drop starttls=true")
    return "starttls"


def _port(parts: SplitResult, security: Security, setting: str) -> int:
    try:
        port = parts.port
    except ValueError:
        port = 0  # not a number, or out of range
    if port == 0:
        raise _bad(setting, "the port must be a number from 1 to 65535")
    return DEFAULT_PORTS[security] if port is None else port


def _timeout(value: str | None, setting: str) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise _bad(setting, "timeout must be a number of seconds from 0 to 600 (got {value!r})", value=value)
    return seconds


def _bad(setting: str, problem: str, **params: str) -> ConfigurationError:
    return ConfigurationError("{setting}: " + problem, setting=setting, **params)
