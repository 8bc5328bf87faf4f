"""JSON shapes of the inquiries API and CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class InquiryCreate(BaseModel):
    channel: str = Field(description="phone, email, chat or internal")
    body: str = Field(max_length=10_000)
    store: str | None = Field(default=None, max_length=100, description="The store's external id, or #ID")
    store_id: int | None = None
    product: str | None = Field(default=None, max_length=64, description="A product slug")
    looks_like_bug: bool = Field(default=False, description="Ask an engineer to investigate at once")


class InquiryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    store_id: int | None
    product_id: int | None
    channel: str
    body: str
    looks_like_bug: bool
    reported_by_id: int | None
    alert_group_id: int | None = Field(description="The alert group engineers triage it in, if any")
    burst_id: int | None
    created_at: datetime


class SimilarInquiryOut(BaseModel):
    inquiry: InquiryOut
    score: float = Field(description="Text similarity, 0 to 1")


class InquiryDetailOut(InquiryOut):
    similar: list[SimilarInquiryOut]


class InquiryPageOut(BaseModel):
    inquiries: list[InquiryOut]
    total: int
    limit: int
    offset: int
