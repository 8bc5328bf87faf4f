from __future__ import annotations

import pytest

from hikeshi.core.errors import ConfigurationError
from hikeshi.core.settings import DEVELOPMENT_SECRET_KEY, load_settings


def test_defaults_are_the_embedded_sqlite_database_in_japanese() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///./hikeshi.db"
    assert settings.timezone == "Asia/Tokyo"
    assert settings.language == "ja"
    assert settings.is_sqlite


def test_a_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIKESHI_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None)
    assert caught.value.message.startswith("HIKESHI_TIMEZONE: ")
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HIKESHI_DATABASE_URL", "mysql://root@localhost/x"),
        ("HIKESHI_LANGUAGE", "fr"),
        ("HIKESHI_BASE_URL", "hikeshi.example.com"),
        ("HIKESHI_SESSION_HOURS", "many"),
        ("HIKESHI_SECRET_KEY", "short"),
        ("HIKESHI_JOB_LEASE_SECONDS", "2"),
    ],
)
def test_each_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None)
    assert caught.value.message.startswith(f"{variable}: ")


def test_postgresql_scheme_is_normalised_to_psycopg() -> None:
    settings = load_settings(_env_file=None, database_url="postgresql://u@127.0.0.1/db")
    assert settings.database_url == "postgresql+psycopg://u@127.0.0.1/db"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, env="production", base_url="https://hikeshi.example.com")
    assert caught.value.message.startswith("HIKESHI_SECRET_KEY: ")


def test_production_needs_the_base_url() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, env="production", secret_key="s" * 40)
    assert caught.value.message.startswith("HIKESHI_BASE_URL: ")


def test_production_with_both_starts_and_uses_secure_cookies() -> None:
    settings = load_settings(
        _env_file=None, env="production", secret_key="s" * 40, base_url="https://hikeshi.example.com/"
    )
    assert settings.secret_key != DEVELOPMENT_SECRET_KEY
    assert settings.base_url == "https://hikeshi.example.com"
    assert settings.secure_cookies
