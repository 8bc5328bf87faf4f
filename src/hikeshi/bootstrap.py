"""The one wiring module: settings, database, clock and (later) the delivery ports, built once."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from hikeshi.accounts.auth import ThrottlePolicy
from hikeshi.core.clock import Clock, utc_now
from hikeshi.core.settings import Settings, load_settings
from hikeshi.db.base import Base
from hikeshi.db.engine import make_engine, make_session_factory

# Every domain that owns tables; Alembic and the test fixtures see the metadata through this list.
MODEL_MODULES = ("hikeshi.accounts.models",)


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
    clock: Clock = field(default=utc_now)

    @property
    def throttle(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures=self.settings.login_max_failures,
            window=timedelta(minutes=self.settings.login_window_minutes),
        )

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock = utc_now) -> Container:
    settings = settings or load_settings()
    model_metadata()
    engine = make_engine(settings.database_url)
    return Container(settings=settings, engine=engine, sessions=make_session_factory(engine), clock=clock)
