"""The demo's support desk: inquiries from restaurants (those of the SMS outage linked to it) and the
administrator's inbox after testing that hikeshi reaches them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.alerts.notify import Context
from hikeshi.delivery import service as delivery
from hikeshi.delivery.mailbox import DEFAULT_SENDER, capture_email
from hikeshi.delivery.ports import EmailMessage
from hikeshi.incidents import service as incident_service
from hikeshi.inquiries import service as inquiries
from hikeshi.inquiries.rules import InquiryPolicy

QUIET = Context(language="ja", base_url="")
DEMO_ADMIN_ADDRESS = "admin@demo.hikeshi.jp"
# (store, product, channel, minutes before now or None for during the SMS outage, body, by)
INQUIRIES = (
    ("DEMO-0003", "sms", "phone", 10, "予約確認の SMS がお客様に届いていないようです。", "tanaka"),
    ("DEMO-0009", "sms", "email", 25, "今日の予約分の SMS が送信済みになりません。", "ito"),
    ("DEMO-0021", "sms", "phone", 45, "SMS のリマインドが止まっていると常連さんに言われました。", "tanaka"),
    ("DEMO-0014", "fax", "phone", None, "FAX の予約表が届かない日がありました。今は届いています。", "ito"),
    ("DEMO-0041", "web-booking", "email", None, "Web 予約の画面が少し重いとお客様から聞きました。", "tanaka"),
    ("DEMO-0262", "ipad-app", "email", None, "How do I move a booking to another table?", "ito"),
    ("DEMO-0105", "store-web", "phone", None, "スタッフのアカウントを追加する方法を知りたい。", "ito"),
)  # fmt: skip


def load_demo_support(
    *, session: Session, ids: dict[str, int], outage_started: datetime, now: datetime
) -> None:
    linked = []
    for position, (store, product, channel, minutes, body, by) in enumerate(INQUIRIES):
        at = (
            outage_started + timedelta(minutes=minutes)
            if minutes is not None
            else now - timedelta(days=position, hours=2)
        )
        inquiry = inquiries.log_inquiry(
            session=session,
            reported_by_id=ids[by],
            channel=channel,
            body=body,
            store=store,
            product_slug=product,
            now=at,
            policy=InquiryPolicy(),
            context=QUIET,
        )
        if minutes is not None:
            linked.append(inquiry.id)
    incident_service.link_inquiries(
        session=session,
        number=1,
        inquiry_ids=linked,
        by=ids["tanaka"],
        now=outage_started + timedelta(minutes=50),
    )
    admin = ids["admin"]
    tested = now - timedelta(days=30)
    delivery.send_test(
        session=session, channel="inbox", target=str(admin), user_id=admin, language="ja", now=tested
    )
    # The same test by email, before the mail server was set up: it stayed in the mailbox.
    test = EmailMessage(
        to=DEMO_ADMIN_ADDRESS,
        subject="hikeshi テストメッセージ",
        text="hikeshi からのテストです。これが読めれば、hikeshi はこの方法であなたに連絡できます。",
    )
    capture_email(
        session=session,
        message=test,
        sender=DEFAULT_SENDER,
        message_id="<demo-test-message@localhost>",
        now=tested,
    )
