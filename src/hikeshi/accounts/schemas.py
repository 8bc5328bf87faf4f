"""JSON shapes of the accounts API."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ContactMethodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    address: str
    label: str
    verified_at: datetime | None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str
    timezone: str
    language: str
    is_active: bool
    created_at: datetime


class UserDetailOut(UserOut):
    contact_methods: list[ContactMethodOut]


class UserCreate(BaseModel):
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    role: str
    password: str | None = Field(default=None, max_length=1024)
    timezone: str = "Asia/Tokyo"
    language: str = "ja"


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    role: str | None = None
    timezone: str | None = None
    language: str | None = None
    is_active: bool | None = None


class ContactMethodCreate(BaseModel):
    kind: str
    address: str = Field(max_length=254)
    label: str = Field(default="", max_length=100)


class TeamMemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    is_lead: bool


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    description: str
    members: list[TeamMemberOut]


class TeamCreate(BaseModel):
    slug: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    member_ids: list[int] = Field(default_factory=list)
    lead_ids: list[int] = Field(default_factory=list)


class TeamUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    member_ids: list[int] | None = None
    lead_ids: list[int] | None = None


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreate(BaseModel):
    name: str = Field(max_length=100)
    expires_at: AwareDatetime | None = None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="The secret. Shown once; only its hash is stored.")
