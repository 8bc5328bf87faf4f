"""HIKESHI_SMTP_URL: every form a mail provider documents, and a clear message for each mistake."""

from __future__ import annotations

import pytest

from hikeshi.adapters.smtp.config import SmtpConfig, parse_smtp_url
from hikeshi.core.errors import ConfigurationError


def test_plain_smtp_defaults_to_port_25_without_credentials() -> None:
    assert parse_smtp_url("smtp://relay.internal") == SmtpConfig(host="relay.internal", port=25)


def test_starttls_scheme_defaults_to_the_submission_port_and_decodes_credentials() -> None:
    config = parse_smtp_url("smtp+starttls://alerts%40example.com:p%40ss%3Aword@mail.example.com")
    assert (config.host, config.port, config.security) == ("mail.example.com", 587, "starttls")
    assert (config.username, config.password) == ("alerts@example.com", "p@ss:word")


def test_starttls_query_option_upgrades_plain_smtp() -> None:
    config = parse_smtp_url("smtp://user:secret@mail.example.com:2525?starttls=true")
    assert (config.port, config.security) == (2525, "starttls")


def test_smtps_is_implicit_tls_on_465() -> None:
    config = parse_smtp_url("smtps://user:secret@mail.example.com")
    assert (config.port, config.security) == (465, "tls")


def test_sender_and_timeout_come_from_the_query() -> None:
    config = parse_smtp_url(
        "smtp://mail.example.com?from=%E7%81%AB%E6%B6%88%E3%81%97%20%3Cnoreply%40example.com%3E&timeout=5"
    )
    assert config.from_address == "=?utf-8?b?54Gr5raI44GX?= <noreply@example.com>"
    assert config.timeout_seconds == 5.0


def test_password_never_shows_in_repr_or_redacted_url() -> None:
    config = parse_smtp_url("smtps://user:hunter2@mail.example.com")
    assert "hunter2" not in repr(config)
    assert config.redacted_url() == "smtps://user:***@mail.example.com:465"


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "use smtp://, smtp+starttls:// or smtps://"),
        ("smtp://", "the host is missing"),
        ("smtp://mail.example.com:99999", "the port must be a number"),
        ("smtp://mail.example.com:abc", "the port must be a number"),
        ("smtp://user@mail.example.com", "a user name needs a password"),
        ("smtp://mail.example.com?form=a@example.com", "unknown option form"),
        ("smtp://mail.example.com?starttls=maybe", "starttls must be true or false"),
        ("smtps://mail.example.com?starttls=true", "smtps:// already uses TLS"),
        ("smtp+starttls://mail.example.com?starttls=false", "contradicts starttls=false"),
        ("smtp://mail.example.com?timeout=0", "timeout must be a number of seconds"),
        ("smtp://mail.example.com?from=nobody", "is not an email address"),
    ],
)
def test_mistakes_name_the_setting_and_the_problem(url: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_smtp_url(url)
    assert str(caught.value).startswith("HIKESHI_SMTP_URL: ")
    assert complaint in str(caught.value)


def test_localhost_sender_is_accepted_for_local_relays() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:1025?from=hikeshi@localhost").from_address == "hikeshi@localhost"
