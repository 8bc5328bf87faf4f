"""Customer communications against a real database.

The company: the demo products; stores in Japan and overseas whose names and addresses are easy to spot
in a page that must not show them; one address shared by two stores (a chain's head office); a sales
representative for some stores; a partner on the partner API with a contact and a webhook; people in
every role, and a support lead (a support person who leads a team) who may speak for the company.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts import service as accounts
from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.catalog.partners import ContactIn, create_partner
from hikeshi.catalog.service import create_store
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.incidents import service as incidents
from hikeshi.incidents.models import Incident
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.web.app import create_app
from tests.support.catalog import add_products
from tests.support.clock import FrozenClock
from tests.support.web import People

# Store names that must never appear on a public page, in a feed or in a customer email to someone else.
SECRET_STORE_NAMES = ("鮨さいとう 銀座本店", "Trattoria Segreta Marina Bay")
PARTNER_WEBHOOK = "https://partner.example.com/hooks/hikeshi"


@dataclass(frozen=True)
class Crew:
    admin: User
    engineer: User
    support: User
    support_lead: User
    sales: User
    viewer: User


@dataclass(frozen=True)
class StoreSpec:
    external_id: str
    name: str
    region: str
    language: str
    products: tuple[str, ...]
    emails: tuple[str, ...]
    sales_rep: bool = False


STORES = (
    StoreSpec(
        "T1",
        SECRET_STORE_NAMES[0],
        "jp",
        "ja",
        ("web-booking", "ipad-app"),
        ("t1@ginza.example", "hq@chain.example"),
        sales_rep=True,
    ),
    StoreSpec("T2", "居酒屋たなか", "jp", "ja", ("web-booking",), ("t2@tanaka.example", "hq@chain.example")),
    StoreSpec("S1", SECRET_STORE_NAMES[1], "overseas", "en", ("web-booking",), ("s1@segreta.example",)),
    StoreSpec("M1", "カフェもり", "jp", "ja", ("sms",), ("m1@mori.example",)),
)


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
    crew = Crew(
        admin=people.add("admin@example.jp", "admin"),
        engineer=people.add("sato@example.jp", "engineer"),
        support=people.add("ito@example.jp", "support"),
        support_lead=people.add("suzuki@example.jp", "support"),
        sales=people.add("kato@example.jp", "sales"),
        viewer=people.add("mori@example.jp", "viewer", language="en"),
    )
    now = world.clock()
    with world.sessions() as db:
        team = accounts.create_team(session=db, slug="support", name="サポート", now=now)
        accounts.set_team_members(
            session=db,
            team_id=team.id,
            user_ids=[crew.support.id, crew.support_lead.id],
            lead_ids=[crew.support_lead.id],
        )
        for spec in STORES:
            create_store(
                session=db,
                external_id=spec.external_id,
                name=spec.name,
                region=spec.region,
                timezone="Asia/Tokyo" if spec.region == "jp" else "Asia/Singapore",
                language=spec.language,
                product_slugs=list(spec.products),
                account_emails=list(spec.emails),
                phone="+81-3-0000-0000",
                sales_rep_user_id=crew.sales.id if spec.sales_rep else None,
                now=now,
            )
        create_partner(
            session=db,
            name="Gourmet Portal",
            product_slugs=["partner-api"],
            contacts=[ContactIn(name="Portal Ops", email="ops@portal.example")],
            webhook_url=PARTNER_WEBHOOK,
            now=now,
        )
        create_partner(session=db, name="Unaffected Partner", product_slugs=["fax"], now=now)
        db.commit()
    return crew


@pytest.fixture
def web(world: Container) -> Iterator[TestClient]:
    with TestClient(create_app(world), raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def bearer(world: Container, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {People(world).token(user)}", "Accept-Language": "en"}


def declare(
    world: Container,
    crew: Crew,
    *,
    products: tuple[str, ...] = ("web-booking",),
    title: str = f"{SECRET_STORE_NAMES[0]} で予約が保存できない",
    summary: str = "内部メモ: DB のロック待ち",
) -> Incident:
    """A declared incident (investigating) whose internal fields name a store, as real ones often do."""
    with world.sessions() as db:
        incident = incidents.declare_incident(
            session=db,
            new=IncidentCreate(
                title=title,
                summary=summary,
                products=list(products),
                comms_lead_id=crew.support_lead.id,
                declare=True,
            ),
            by=crew.engineer.id,
            now=world.clock(),
        )
        db.commit()
        db.refresh(incident)
        db.expunge(incident)
        return incident
