"""The impact estimate on a fixture catalog: stores by region, accounts, partners, diners."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from hikeshi.bootstrap import Container
from hikeshi.catalog import importing
from hikeshi.catalog.impact import estimate_impact
from hikeshi.catalog.partners import ContactIn, create_partner
from tests.support.catalog import store_csv

# 12 stores: who uses what, where. Web booking in Japan: J1, J2, J3 and J5 (4 stores).
CATALOG = [
    ("J1", "jp", "ipad-app;web-booking", "j1@example.jp|shared@example.jp"),
    ("J2", "jp", "web-booking", "j2@example.jp|shared@example.jp"),
    ("J3", "jp", "web-booking;sms", "j3@example.jp"),
    ("J4", "jp", "ipad-app", "j4@example.jp"),
    ("J5", "jp", "web-booking|fax", ""),
    ("J6", "jp", "fax", "j6@example.jp"),
    ("J7", "jp", "", "j7@example.jp"),
    ("O1", "overseas", "web-booking", "o1@example.com"),
    ("O2", "overseas", "ipad-app", "o2@example.com"),
    ("O3", "overseas", "web-booking;ipad-app", "o3@example.com|shared@example.jp"),
    ("O4", "overseas", "sms", "o4@example.com"),
    ("O5", "overseas", "", ""),
]


@pytest.fixture
def catalog(container: Container, products: dict[str, int]) -> Iterator[Session]:
    rows = [
        {
            "external_id": key,
            "name": f"店舗 {key}",
            "region": region,
            "timezone": "" if region == "jp" else "Europe/London",
            "products": used,
            "account_emails": emails,
        }
        for key, region, used, emails in CATALOG
    ]
    with container.sessions() as db:
        importing.import_stores(session=db, data=store_csv(rows).encode(), now=container.clock())
        create_partner(
            session=db,
            name="グルメ予約ナビ",
            product_slugs=["web-booking", "partner-api"],
            contacts=[ContactIn("連携 担当", "api@gourmet.example.jp", "03-0000-0000")],
            now=container.clock(),
        )
        create_partner(session=db, name="FAX 代行", product_slugs=["fax"], now=container.clock())
        db.commit()
    with container.sessions() as session:
        yield session


def test_web_booking_in_japan_counts_the_right_stores(catalog: Session, products: dict[str, int]) -> None:
    impact = estimate_impact(session=catalog, product_ids=[products["web-booking"]], region_codes=["jp"])
    assert impact.store_count == 4
    assert (impact.japan, impact.overseas) == (4, 0)
    assert [store.external_id for store in impact.stores] == ["J1", "J2", "J3", "J5"]
    assert impact.account_emails == ["j1@example.jp", "j2@example.jp", "j3@example.jp", "shared@example.jp"]
    assert [partner.name for partner in impact.partners] == ["グルメ予約ナビ"]
    assert impact.web_booking_affected is True


def test_every_region_when_none_is_named_and_products_add_up(
    catalog: Session, products: dict[str, int]
) -> None:
    impact = estimate_impact(session=catalog, product_ids=[products["web-booking"], products["fax"]])
    assert (impact.japan, impact.overseas) == (5, 2)  # J1 J2 J3 J5 J6; O1 O3
    assert "shared@example.jp" in impact.account_emails
    assert len(impact.account_emails) == len(set(impact.account_emails))  # each address once
    assert sorted(partner.name for partner in impact.partners) == ["FAX 代行", "グルメ予約ナビ"]


def test_sms_overseas_does_not_affect_diners(catalog: Session, products: dict[str, int]) -> None:
    impact = estimate_impact(session=catalog, product_ids=[products["sms"]], region_codes=["overseas"])
    assert (impact.store_count, impact.web_booking_affected, impact.partners) == (1, False, [])
    assert impact.account_emails == ["o4@example.com"]


def test_an_explicit_store_list_and_a_capped_page(catalog: Session, products: dict[str, int]) -> None:
    ids = [
        store.id for store in estimate_impact(session=catalog, region_codes=["jp"], store_limit=100).stores
    ]
    assert len(ids) == 7
    impact = estimate_impact(session=catalog, store_ids=[*ids[:3], ids[0]], store_limit=2)
    assert impact.store_count == 3
    assert len(impact.stores) == 2
    assert estimate_impact(session=catalog).store_count == 0  # nothing named, nothing known affected


def test_an_explicit_store_list_affects_diners_only_when_one_of_its_stores_uses_web_booking(
    catalog: Session, products: dict[str, int]
) -> None:
    by_key = {
        store.external_id: store.id
        for store in estimate_impact(session=catalog, region_codes=["jp", "overseas"], store_limit=100).stores
    }
    without = estimate_impact(session=catalog, store_ids=[by_key["J4"], by_key["O2"]])  # iPad app only
    assert (without.store_count, without.web_booking_affected) == (2, False)
    with_booking = estimate_impact(session=catalog, store_ids=[by_key["J4"], by_key["J2"]])
    assert (with_booking.store_count, with_booking.web_booking_affected) == (2, True)
    assert with_booking.account_emails == ["j2@example.jp", "j4@example.jp", "shared@example.jp"]
    # Named products narrow it: an SMS outage at a store that also takes web bookings spares its diners.
    sms_only = estimate_impact(session=catalog, store_ids=[by_key["J2"]], product_ids=[products["sms"]])
    assert sms_only.web_booking_affected is False
    booking = estimate_impact(
        session=catalog, store_ids=[by_key["J2"]], product_ids=[products["web-booking"]]
    )
    assert booking.web_booking_affected is True
