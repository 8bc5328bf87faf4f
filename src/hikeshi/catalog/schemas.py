"""JSON shapes of the catalog API and CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    customer_facing: bool
    position: int


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=64, description="Lowercase letters, digits and hyphens")
    name_ja: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    description_ja: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    customer_facing: bool = True
    position: int = Field(default=0, description="Smaller first, from 0 to 10000")


class ProductUpdate(BaseModel):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    slug: str | None = Field(default=None, max_length=64)
    name_ja: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    description_ja: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    customer_facing: bool | None = None
    position: int | None = None


class StoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    region: str
    timezone: str
    language: str
    phone: str
    sales_rep_user_id: int | None
    created_at: datetime
    updated_at: datetime


class StoreAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    email: str
    last_login_at: datetime | None


class StoreAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    last_login_at: datetime | None = Field(
        default=None, description="ISO 8601; without an offset it is the store's local time"
    )

    def as_text(self) -> str:
        """As the CSV column writes it: `email` or `email=last sign-in`."""
        return f"{self.email}={self.last_login_at.isoformat()}" if self.last_login_at else self.email


class StoreCreate(BaseModel):
    """A store, by the rules of a row of the CSV import."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(max_length=1000, description="The store's id in your systems; unique")
    name: str = Field(max_length=1000)
    region: str = Field(max_length=20, description="jp or overseas")
    timezone: str = Field(default="", max_length=64, description="IANA zone; Asia/Tokyo by default in jp")
    language: str = Field(default="", max_length=5, description="ja or en; by region if empty")
    products: list[str] = Field(default_factory=list, max_length=200, description="Product slugs")
    accounts: list[StoreAccountIn] = Field(default_factory=list, max_length=1000)
    phone: str = Field(default="", max_length=100)
    sales_rep_email: str | None = Field(default=None, max_length=254, description="A hikeshi user's email")


class StoreUpdate(BaseModel):
    """The fields to change; those left out stay. `products` and `accounts` replace the store's."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = Field(default=None, max_length=1000)
    name: str | None = Field(default=None, max_length=1000)
    region: str | None = Field(default=None, max_length=20)
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=5)
    products: list[str] | None = Field(default=None, max_length=200)
    accounts: list[StoreAccountIn] | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=100)
    sales_rep_email: str | None = Field(default=None, max_length=254, description="null or empty: none")


class StoreDetailOut(StoreOut):
    products: list[str] = Field(description="Slugs of the products the store uses")
    accounts: list[StoreAccountOut]


class StorePageOut(BaseModel):
    stores: list[StoreOut]
    total: int
    limit: int
    offset: int


class PartnerContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    email: str
    phone: str


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    webhook_url: str | None
    notes: str
    products: list[str] = Field(default_factory=list, description="Slugs of the products it depends on")
    contacts: list[PartnerContactOut] = Field(default_factory=list)


class PartnerContactIn(BaseModel):
    name: str = Field(max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)


class PartnerCreate(BaseModel):
    name: str = Field(max_length=200)
    products: list[str] = Field(default_factory=list, description="Product slugs")
    contacts: list[PartnerContactIn] = Field(default_factory=list, max_length=50)
    webhook_url: str | None = Field(default=None, max_length=500)
    notes: str = Field(default="", max_length=2000)


class PartnerUpdate(BaseModel):
    """What is given changes; `products` and `contacts` replace the partner's; "" removes the webhook."""

    name: str | None = Field(default=None, max_length=200)
    products: list[str] | None = Field(default=None, description="Product slugs")
    contacts: list[PartnerContactIn] | None = Field(default=None, max_length=50)
    webhook_url: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=2000)


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    product_links: int
    accounts: int


class ImpactOut(BaseModel):
    store_count: int
    stores_by_region: dict[str, int]
    stores: list[StoreOut] = Field(description="The first affected stores, by name")
    account_email_count: int
    account_emails: list[str]
    partners: list[PartnerOut]
    web_booking_affected: bool


def store_detail_out(
    store: object, products: Sequence[ProductOut], accounts: Sequence[object]
) -> StoreDetailOut:
    base = StoreOut.model_validate(store)
    return StoreDetailOut(
        **base.model_dump(),
        products=[product.slug for product in products],
        accounts=[StoreAccountOut.model_validate(account) for account in accounts],
    )
