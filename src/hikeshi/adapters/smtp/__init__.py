"""Email over SMTP (`SmtpEmail`, configured by `HIKESHI_SMTP_URL`) and its fake."""

from hikeshi.adapters.smtp.client import SmtpEmail
from hikeshi.adapters.smtp.config import SmtpConfig, parse_smtp_url
from hikeshi.adapters.smtp.fake import FakeEmail

__all__ = ["FakeEmail", "SmtpConfig", "SmtpEmail", "parse_smtp_url"]
