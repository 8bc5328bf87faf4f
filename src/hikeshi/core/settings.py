"""Configuration from `HIKESHI_*` environment variables (and an optional `.env` file).

A wrong value stops start-up with one readable line naming the variable (`load_settings`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hikeshi.core.errors import ConfigurationError, InvalidInput
from hikeshi.core.i18n import Language
from hikeshi.core.timezones import DEFAULT_TIMEZONE, validate_timezone

# Known and public on purpose: development only. Production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "hikeshi-development-secret-key-do-not-use-in-production"  # noqa: S105
ENV_PREFIX = "HIKESHI_"
# What the delivery engine accepts as an email address and a Slack channel: checked at start-up.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CHAT_CHANNEL = re.compile(r"^([CG][A-Z0-9]{6,}|#?[a-z0-9][a-z0-9._-]{0,79})$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./hikeshi.db"
    secret_key: str = Field(default=DEVELOPMENT_SECRET_KEY, min_length=32, repr=False)
    base_url: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    language: Language = "ja"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # How long a worker may hold a job before another worker takes it back (PostgreSQL; on SQLite a
    # restarted worker takes back its dead predecessor's jobs at once). Longer than a batch can take.
    job_lease_seconds: int = Field(default=300, ge=5, le=24 * 3600)
    # Paging floods stop here: at most this many notifications per person per window; the rest are
    # recorded as held back (HIKESHI_PAGING_RATE_LIMIT, HIKESHI_PAGING_RATE_WINDOW_MINUTES).
    paging_rate_limit: int = Field(default=10, ge=1, le=1000)
    paging_rate_window_minutes: int = Field(default=10, ge=1, le=24 * 60)

    # Delivery channels: each is used when configured; email falls back to the embedded mailbox.
    slack_bot_token: str | None = Field(default=None, repr=False)
    slack_signing_secret: str | None = Field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    smtp_url: str | None = Field(default=None, repr=False)
    smtp_from: str = "hikeshi@localhost"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = Field(default=None, repr=False)
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    webhook_signing_secret: str | None = Field(default=None, repr=False)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    rate_limits: str = ""

    # Support inquiries: this many about one product within so many minutes raise one alert; similar
    # inquiries are those of the last so many days scoring at least the threshold (0–1).
    inquiry_burst_count: int = Field(default=5, ge=2, le=1000)
    inquiry_burst_minutes: int = Field(default=10, ge=1, le=24 * 60)
    similar_inquiry_threshold: float = Field(default=0.3, gt=0, le=1)
    similar_inquiry_days: int = Field(default=14, ge=1, le=365)

    # Incident announcements to the whole company: the all-hands chat channel (e.g. #all-hands) and an
    # all-staff email address; empty: not announced there.
    announce_channel: str = Field(default="", max_length=200)
    announce_email: str = Field(default="", max_length=254)

    # Customer notices: the first notice is drafted for approval when an incident is not resolved this
    # many minutes after it was declared (the late-recovery rule).
    late_recovery_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # The public status page's title; empty: "サービス稼働状況" / "Service status".
    status_page_title: str = Field(default="", max_length=200)
    # A directory kept up to date with a static copy of the status page after every public change;
    # empty: written only by `hikeshi status export DIR`.
    status_export_dir: str = Field(default="", max_length=1000)
    # When stores are usually open (their own local time): the call list puts open stores first.
    store_open_hours: str = Field(default="11:00-23:00", pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")

    # Postmortems are published to esa (the knowledge base) when its team and token are set, in the
    # category below; otherwise as Markdown files in HIKESHI_POSTMORTEM_DIR.
    esa_team: str = Field(default="", max_length=100, pattern=r"^[a-z0-9-]*$")
    esa_token: str | None = Field(default=None, repr=False)
    esa_api_url: str = "https://api.esa.io"
    esa_category: str = Field(default="障害情報", min_length=1, max_length=255)
    postmortem_dir: str = Field(default="postmortems", min_length=1, max_length=1000)
    # Action items: their owners are reminded this many days before the due date, and every so many
    # days once it has passed.
    action_item_remind_days: int = Field(default=2, ge=0, le=60)
    action_item_overdue_every_days: int = Field(default=7, ge=1, le=60)
    # The weekly report is posted to this chat channel every Monday at this time (HIKESHI_TIMEZONE);
    # empty: not posted.
    weekly_report_channel: str = Field(default="", max_length=200)
    weekly_report_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            return validate_timezone(value)
        except InvalidInput as error:
            raise ValueError(str(error)) from None

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("slack_api_url", "twilio_api_url", "esa_api_url")
    @classmethod
    def _service_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("announce_channel", "announce_email", "weekly_report_channel")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("announce_email")
    @classmethod
    def _staff_address(cls, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise ValueError("must be an email address such as all-staff@example.com, or empty")
        return value

    @field_validator("announce_channel", "weekly_report_channel")
    @classmethod
    def _chat_channel(cls, value: str) -> str:
        if value and not _CHAT_CHANNEL.match(value):
            raise ValueError("must be a Slack channel such as #all-hands or C0123ABCD, or empty")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _sender_address(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("must be an email address such as hikeshi@example.com")
        return value.strip()

    @model_validator(mode="after")
    def _twilio_is_complete(self) -> Settings:
        parts = {
            "HIKESHI_TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "HIKESHI_TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "HIKESHI_TWILIO_FROM": self.twilio_from,
        }
        missing = [name for name, value in parts.items() if not value]
        if 0 < len(missing) < len(parts):
            raise ValueError(f"{missing[0]}: Twilio needs the account SID, auth token and sender together")
        return self

    @model_validator(mode="after")
    def _esa_is_complete(self) -> Settings:
        if bool(self.esa_team) != bool(self.esa_token):
            missing = "HIKESHI_ESA_TOKEN" if self.esa_team else "HIKESHI_ESA_TEAM"
            raise ValueError(f"{missing}: esa needs the team name and an access token together")
        return self

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.env == "production":
            if self.secret_key == DEVELOPMENT_SECRET_KEY:
                raise ValueError(
                    "HIKESHI_SECRET_KEY: production refuses the development default; "
                    "set a random value of at least 32 characters"
                )
            if self.base_url is None:
                raise ValueError(
                    "HIKESHI_BASE_URL: production needs the public URL, e.g. https://hikeshi.example.com"
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" or (self.base_url or "").startswith("https://")

    def public_url(self, path: str) -> str:
        return f"{self.base_url or 'http://127.0.0.1:8000'}{path}"


def load_settings(**overrides: object) -> Settings:
    """Read the environment; turn pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        location = [str(part) for part in first["loc"]]
        variable = ENV_PREFIX + location[0].upper() if location else "HIKESHI_*"
        message = str(first["msg"]).removeprefix("Value error, ")
        if message.startswith(ENV_PREFIX):
            raise ConfigurationError(message) from None
        raise ConfigurationError(f"{variable}: {message}") from None
