"""Incidents against a real database: the demo products, stores in Japan and overseas, a partner on the
partner API, people in every role, and a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.catalog.partners import create_partner
from hikeshi.catalog.service import create_store
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
    support: User
    sales: User
    viewer: User


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def world(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    """Two web-booking stores in Japan, one overseas, one SMS store; a partner on the partner API."""
    container = bootstrap(settings, clock=clock)
    upgrade_database(container.engine)
    with container.sessions() as db:
        add_products(db, container)
        now = clock()
        for external_id, region, products in (
            ("T1", "jp", ["web-booking", "ipad-app"]),
            ("T2", "jp", ["web-booking"]),
            ("S1", "overseas", ["web-booking"]),
            ("M1", "jp", ["sms"]),
        ):
            create_store(
                session=db,
                external_id=external_id,
                name=f"Store {external_id}",
                region=region,
                timezone="Asia/Tokyo" if region == "jp" else "Asia/Singapore",
                product_slugs=products,
                now=now,
            )
        create_partner(session=db, name="Gourmet Portal", product_slugs=["partner-api"], now=now)
        db.commit()
    yield container
    container.close()


@pytest.fixture
def crew(world: Container) -> Crew:
    people = People(world)
    return Crew(
        admin=people.add("admin@example.jp", "admin"),
        engineer=people.add("sato@example.jp", "engineer"),
        support=people.add("ito@example.jp", "support"),
        sales=people.add("kato@example.jp", "sales"),
        viewer=people.add("mori@example.jp", "viewer"),
    )


@pytest.fixture
def web(world: Container) -> Iterator[TestClient]:
    with TestClient(create_app(world), raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def bearer(world: Container, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {People(world).token(user)}", "Accept-Language": "en"}
