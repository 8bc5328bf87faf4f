"""Tables of the catalog domain: products, stores (tenants) with their products and accounts, partners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class Product(Base):
    """A customer-facing part of the service (the iPad app, web booking, SMS delivery, …)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(String(2000), default="")
    description_en: Mapped[str] = mapped_column(String(2000), default="")
    customer_facing: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Store(Base):
    """A restaurant (tenant) using the service; `external_id` is its id in the company's own systems."""

    __tablename__ = "stores"
    __table_args__ = (Index("ix_stores_region_name", "region", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(20))  # a `rules.Region` code: jp, overseas
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    phone: Mapped[str] = mapped_column(String(40), default="")
    sales_rep_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StoreProduct(Base):
    """A product a store uses: what makes an outage of that product the store's problem."""

    __tablename__ = "store_products"
    __table_args__ = (Index("ix_store_products_product_store", "product_id", "store_id"),)

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)


class StoreAccount(Base):
    """A sign-in of a store's staff: the address its notices go to, and when it last signed in."""

    __tablename__ = "store_accounts"
    __table_args__ = (UniqueConstraint("store_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class Partner(Base):
    """A company integrated through the API: told when the products it depends on are down."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500), default=None)
    notes: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime]


class PartnerContact(Base):
    __tablename__ = "partner_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class PartnerProduct(Base):
    """A product the partner's integration depends on."""

    __tablename__ = "partner_products"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StoreImport(Base):
    """A store CSV uploaded on the page, imported by a job; its progress is what the page polls.

    `data` holds the file until the import finishes (done or failed), then is cleared. `problems`
    keeps the first ones found ({line, column, message, params}); `problem_count` counts them all.
    """

    __tablename__ = "store_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))  # queued, checking, importing, done, failed
    rows_total: Mapped[int | None] = mapped_column(Integer, default=None)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    product_links: Mapped[int] = mapped_column(Integer, default=0)
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # {message, params}
    data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
