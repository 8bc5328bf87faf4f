"""SMS and voice calls in the Twilio REST shape (`TwilioSms`, `TwilioVoice`) and their fakes."""

from hikeshi.adapters.twilio.client import TwilioAccount, TwilioSms, TwilioVoice
from hikeshi.adapters.twilio.fake import FakeSms, FakeVoice

__all__ = ["FakeSms", "FakeVoice", "TwilioAccount", "TwilioSms", "TwilioVoice"]
