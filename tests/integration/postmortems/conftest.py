"""Postmortems, action items and reports against a real database.

The company: the demo products, two engineers (one writes, the other reviews), support, a viewer and
an admin; tests add the incidents they need with `tests.support.postmortems.resolved_incident`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.web.app import create_app
from tests.support.catalog import add_products
from tests.support.clock import FrozenClock
from tests.support.web import People


@dataclass(frozen=True)
class Crew:
    admin: User
    engineer: User
    reviewer: User
    support: User
    viewer: User


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def world(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    container = bootstrap(settings, clock=clock)
    upgrade_database(container.engine)
    with container.sessions() as db:
        add_products(db, container)
        db.commit()
    yield container
    container.close()


@pytest.fixture
def crew(world: Container) -> Crew:
    people = People(world)
    return Crew(
        admin=people.add("admin@example.jp", "admin"),
        engineer=people.add("sato@example.jp", "engineer"),
        reviewer=people.add("takahashi@example.jp", "engineer"),
        support=people.add("ito@example.jp", "support"),
        viewer=people.add("mori@example.jp", "viewer", language="en"),
    )


@pytest.fixture
def web(world: Container) -> Iterator[TestClient]:
    with TestClient(create_app(world), raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def bearer(world: Container, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {People(world).token(user)}", "Accept-Language": "en"}
