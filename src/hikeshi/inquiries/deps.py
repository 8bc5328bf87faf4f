"""What the inquiry routes share: the burst and similarity policy and the alerting context, from settings."""

from __future__ import annotations

from fastapi import Request

from hikeshi.alerts.notify import Context
from hikeshi.inquiries.rules import InquiryPolicy
from hikeshi.web.kit.context import container


def policy_of(request: Request) -> InquiryPolicy:
    return InquiryPolicy.from_settings(container(request).settings)


def context_of(request: Request) -> Context:
    settings = container(request).settings
    return Context(language=settings.language, base_url=settings.public_url(""))
