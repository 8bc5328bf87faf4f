"""The one wiring module: settings, database, clock, job handlers and the delivery ports, built once."""

from __future__ import annotations

import hashlib
import hmac
import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from hikeshi.accounts.auth import ThrottlePolicy
from hikeshi.adapters.esa import EsaKnowledgeBase, EsaTeam
from hikeshi.adapters.folder import FolderKnowledgeBase
from hikeshi.adapters.slack import SlackChat, SlackIncomingWebhook
from hikeshi.adapters.smtp import SmtpEmail
from hikeshi.adapters.twilio import TwilioAccount, TwilioSms, TwilioVoice
from hikeshi.adapters.webhook import SignedWebhook
from hikeshi.alerts import handlers as alerts_handlers
from hikeshi.alerts import timers as alerts_timers
from hikeshi.catalog import handlers as catalog_handlers
from hikeshi.comms import campaign_handlers as comms_campaign_handlers
from hikeshi.comms import handlers as comms_handlers
from hikeshi.comms import maintenance_handlers as comms_maintenance_handlers
from hikeshi.comms import status_handlers as comms_status_handlers
from hikeshi.core.clock import Clock, utc_now
from hikeshi.core.errors import ConfigurationError, InvalidInput
from hikeshi.core.settings import Settings, load_settings
from hikeshi.db.base import Base
from hikeshi.db.engine import make_engine, make_session_factory
from hikeshi.db.group_commit import GroupCommit
from hikeshi.delivery import handlers as delivery_handlers
from hikeshi.delivery.mailbox import MailboxEmail
from hikeshi.delivery.ports import DeliveryPorts, EmailPort
from hikeshi.delivery.ratelimit import RateLimiter
from hikeshi.delivery.rules import parse_rate_limits
from hikeshi.incidents import announcing
from hikeshi.jobs.registry import JobRegistry
from hikeshi.oncall import handlers as oncall_paging_handlers
from hikeshi.oncall import timers as oncall_paging_timers
from hikeshi.postmortems import handlers as postmortems_handlers
from hikeshi.postmortems import publishing_handlers as postmortems_publishing_handlers
from hikeshi.postmortems import reminder_handlers as postmortems_reminder_handlers
from hikeshi.postmortems import report_handlers as postmortems_report_handlers
from hikeshi.postmortems.ports import KnowledgeBasePort

# Every domain that owns tables; Alembic and the test fixtures see the metadata through this list.
MODEL_MODULES = (
    "hikeshi.accounts.models",
    "hikeshi.jobs.models",
    "hikeshi.delivery.models",
    "hikeshi.catalog.models",
    "hikeshi.alerts.models",
    "hikeshi.alerts.heartbeats_models",
    "hikeshi.oncall.models",
    "hikeshi.oncall.paging_models",
    "hikeshi.inquiries.models",
    "hikeshi.incidents.models",
    "hikeshi.incidents.announcement_models",
    "hikeshi.comms.models",
    "hikeshi.postmortems.models",
)


def model_metadata() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


@dataclass(slots=True)
class Container:
    """What the entry points hand to services: built once per process, never at import time."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # The channels messages leave through, and how fast each may be used.
    delivery_ports: DeliveryPorts
    rate_limiter: RateLimiter
    # Where published postmortems go: esa when configured, else a folder of Markdown files.
    knowledge_base: KnowledgeBasePort
    clock: Clock = field(default=utc_now)
    # Every kind of job and its handler; workers run what is registered here.
    jobs: JobRegistry = field(default_factory=JobRegistry)
    # Ingest's writes, many requests to one commit; its thread starts on first use.
    group_commit: GroupCommit = field(init=False)

    def __post_init__(self) -> None:
        self.group_commit = GroupCommit(self.sessions, inline=self.settings.is_sqlite)

    @property
    def throttle(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures=self.settings.login_max_failures,
            window=timedelta(minutes=self.settings.login_window_minutes),
        )

    def close(self) -> None:
        ports = self.delivery_ports
        for port in (ports.email, ports.chat, ports.chat_webhook, ports.sms, ports.voice, ports.webhook):
            close = getattr(port, "close", None)
            if close is not None:
                close()
        close_knowledge_base = getattr(self.knowledge_base, "close", None)
        if close_knowledge_base is not None:
            close_knowledge_base()
        self.group_commit.close()
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    delivery_ports: DeliveryPorts | None = None,
    knowledge_base: KnowledgeBasePort | None = None,
) -> Container:
    """Build the process's Container; tests may hand in fake delivery ports and knowledge base."""
    settings = settings or load_settings()
    model_metadata()
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    registry = JobRegistry()
    delivery_handlers.register(registry, lease=timedelta(seconds=settings.job_lease_seconds))
    alerts_handlers.register(registry)
    alerts_timers.register(registry)
    oncall_paging_timers.register(registry)
    oncall_paging_handlers.register(registry)
    announcing.register(registry)
    catalog_handlers.register(registry, lease=timedelta(seconds=settings.job_lease_seconds))
    comms_campaign_handlers.register(registry, lease=timedelta(seconds=settings.job_lease_seconds))
    comms_handlers.register(registry)
    comms_maintenance_handlers.register(registry)
    comms_status_handlers.register(registry)
    # After comms: postmortems listen to incidents' status changes too, and run after the notices.
    postmortems_handlers.register(registry, settings)
    postmortems_publishing_handlers.register(registry, settings)
    postmortems_reminder_handlers.register(registry, settings)
    postmortems_report_handlers.register(registry, settings)
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        jobs=registry,
        delivery_ports=delivery_ports or real_delivery_ports(settings, sessions=sessions, clock=clock),
        rate_limiter=RateLimiter(_rate_limits(settings)),
        knowledge_base=knowledge_base or real_knowledge_base(settings, clock=clock),
    )


def real_knowledge_base(settings: Settings, *, clock: Clock) -> KnowledgeBasePort:
    """esa when its team and token are set; otherwise Markdown files in HIKESHI_POSTMORTEM_DIR."""
    if settings.esa_team and settings.esa_token:
        team = EsaTeam(name=settings.esa_team, token=settings.esa_token, api_url=settings.esa_api_url)
        return EsaKnowledgeBase(team, clock=clock)
    return FolderKnowledgeBase(settings.postmortem_dir)


def _rate_limits(settings: Settings) -> dict[Any, Any]:
    try:
        return dict(parse_rate_limits(settings.rate_limits))
    except InvalidInput as error:
        raise ConfigurationError(str(error)) from None


def real_delivery_ports(
    settings: Settings, *, sessions: sessionmaker[Session], clock: Clock
) -> DeliveryPorts:
    """Each channel that is configured; email falls back to the embedded mailbox."""
    email: EmailPort
    if settings.smtp_url:
        email = SmtpEmail.from_url(settings.smtp_url, from_address=settings.smtp_from)
    else:
        email = MailboxEmail(sessions=sessions, clock=clock, sender=settings.smtp_from)
    ports = DeliveryPorts(
        email=email,
        chat_webhook=SlackIncomingWebhook(),
        webhook=SignedWebhook(timeout_seconds=settings.webhook_timeout_seconds, clock=clock),
        webhook_secret=settings.webhook_signing_secret or _derived_secret(settings, "outgoing-webhooks"),
    )
    if settings.slack_bot_token:
        ports.chat = SlackChat(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from:
        account = TwilioAccount(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from,
            api_url=settings.twilio_api_url,
        )
        ports.sms = TwilioSms(account)
        ports.voice = TwilioVoice(account)
    return ports


def _derived_secret(settings: Settings, purpose: str) -> str:
    """A per-purpose key derived from the secret key, so one leaked key does not reveal another."""
    return hmac.new(settings.secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()
