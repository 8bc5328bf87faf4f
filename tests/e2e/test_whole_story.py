"""The whole incident story of FLOW.md, in a real browser against a real server and real neighbours.

A real prometheus-alertmanager sends a critical alert → the chat message reaches the local Slack and the
on-call engineer is paged → acknowledged by the signed link → the engineer declares an incident from the
alert group, names the product and the recovery plan → the announcement is posted → the late-recovery rule
drafts the first notice → the comms lead approves it → the status page, the JSON summary and the in-app feed
show it, the local SMTP server receives one email per affected account and none for the others, the call
list exists → a recovery action → resolved → the "resolved" notice → the postmortem is written, reviewed
and published → the weekly report of the incident's week lists it. Screenshots: test-artifacts/whole-story-*.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.alertmanager import alertmanager, require_alertmanager
from tests.support.browser import ARTIFACTS, CHROMIUM_ARGS, free_port, hikeshi_server, require_chromium
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.browser

PASSWORD = "hikeshi-demo"
ADMIN = "admin@demo.hikeshi.jp"
COMMS_LEAD = "tanaka@demo.hikeshi.jp"  # the support team's lead speaks to customers
ALERTS_CHANNEL = "#alerts"
ANNOUNCE_CHANNEL = "#all-hands"
T = TypeVar("T")


@pytest.fixture
def browser() -> Iterator[Browser]:
    executable = require_chromium()
    require_alertmanager()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = 30.0) -> T:
    """Poll until `probe` returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.2)


class Story:
    def __init__(self, browser: Browser, base_url: str, database: Path) -> None:
        self.browser = browser
        self.base_url = base_url
        self.database = database
        self.step = 0

    def shot(self, page: Page, name: str) -> None:
        self.step += 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"whole-story-{self.step:02d}-{name}.png"), full_page=True)

    def sign_in(self, email: str) -> Page:
        page = self.browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{self.base_url}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        expect(page).to_have_url(f"{self.base_url}/")  # signed in: the home page, in their own language
        return page

    def rows(self, query: str, *parameters: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as connection:
            return list(connection.execute(query, parameters))

    def user_id(self, email: str) -> int:
        (found,) = self.rows("SELECT id FROM users WHERE lower(email) = ?", email.lower())
        return int(str(found[0]))


def _affected(story: Story, product_slug: str) -> tuple[set[str], set[str], int]:
    """From the catalog as it is now: the affected accounts (less the opted out), every other store
    account, and how many stores use the product."""
    every = {str(row[0]).lower() for row in story.rows("SELECT email FROM store_accounts")}
    using = story.rows(
        "SELECT DISTINCT lower(a.email) FROM store_accounts a"
        " JOIN store_products sp ON sp.store_id = a.store_id"
        " JOIN products p ON p.id = sp.product_id WHERE p.slug = ?",
        product_slug,
    )
    opted = {str(row[0]).lower() for row in story.rows("SELECT email FROM email_opt_outs")}
    affected = {str(row[0]) for row in using} - opted
    (stores,) = story.rows(
        "SELECT count(DISTINCT sp.store_id) FROM store_products sp"
        " JOIN products p ON p.id = sp.product_id WHERE p.slug = ?",
        product_slug,
    )
    return affected, every - affected, int(str(stores[0]))


def _least_used_product(story: Story) -> str:
    """The product the fewest stores use (at least one): the smallest campaign the catalog allows."""
    counts = story.rows(
        "SELECT p.slug, count(sp.store_id) AS n FROM products p"
        " JOIN store_products sp ON sp.product_id = p.id GROUP BY p.slug HAVING n > 0 ORDER BY n, p.slug"
    )
    return str(counts[0][0])


def _store_mail(smtp: SmtpServer, accounts: set[str]) -> Counter[tuple[str, str]]:
    """(recipient, subject) of every email the SMTP server took for these store accounts."""
    received: Counter[tuple[str, str]] = Counter()
    with smtp.lock:
        for item in smtp.messages:
            for address in item.rcpt_tos:
                if address.lower() in accounts:
                    received[(address.lower(), str(item.message["Subject"]))] += 1
    return received


def test_the_whole_story(browser: Browser, tmp_path: Path) -> None:
    started = time.monotonic()
    database = tmp_path / "hikeshi.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        SlackServer() as slack,
        SmtpServer() as smtp,
        hikeshi_server(
            f"sqlite:///{database}",
            port=port,
            HIKESHI_BASE_URL=base,
            HIKESHI_SLACK_BOT_TOKEN=slack.token,
            HIKESHI_SLACK_API_URL=slack.api_url,
            HIKESHI_ANNOUNCE_CHANNEL=ANNOUNCE_CHANNEL,
            HIKESHI_SMTP_URL=smtp.url,
            HIKESHI_LATE_RECOVERY_MINUTES="1",
            HIKESHI_POSTMORTEM_DIR=str(tmp_path / "postmortems"),
        ) as base_url,
    ):
        story = Story(browser, base_url, database)
        product = _least_used_product(story)
        affected, others, store_count = _affected(story, product)
        assert affected, f"no store account uses {product}"

        # Set-up: the administrator connects Alertmanager; critical alerts page the platform's policy.
        admin = story.sign_in(ADMIN)
        admin.goto(f"{base_url}/integrations")
        admin.fill("form.integration-form input[name=name]", "Prometheus (本番)")
        admin.select_option("form.integration-form select[name=kind]", "alertmanager")
        admin.select_option("form.integration-form select[name=product]", product)
        admin.fill("form.integration-form input[name=chat_channel]", ALERTS_CHANNEL)
        (policy,) = story.rows(
            "SELECT p.id FROM escalation_policies p JOIN teams t ON t.id = p.team_id"
            " WHERE t.slug = 'platform' ORDER BY p.id LIMIT 1"
        )
        admin.select_option("form.integration-form select[name=escalation_policy_id]", str(policy[0]))
        admin.click("form.integration-form button.primary")
        webhook_url = admin.locator("#revealed-url").inner_text().strip()
        assert webhook_url.startswith(f"{base_url}/"), webhook_url
        story.shot(admin, "integration")

        # 1. A real Alertmanager sends a critical alert.
        title = "予約の確定処理が失敗しています"
        with alertmanager(webhook_url, tmp_path) as am:
            am.post_alerts(
                [
                    {
                        "labels": {"alertname": "BookingConfirmFailing", "severity": "critical"},
                        "annotations": {"summary": title},
                    }
                ]
            )
            posted = wait_for(
                "the alert in the chat channel",
                lambda: [m for m in slack.in_channel(ALERTS_CHANNEL) if title in str(m)],
            )
        assert "critical" in str(posted[0]).lower() or "重大" in str(posted[0]), posted[0]

        # 2. The on-call engineer is paged: a Slack DM with the signed acknowledgement link.
        def page_dm() -> tuple[str, str] | None:
            with slack.lock:
                for message in slack.messages:
                    link = re.search(r"https?://\S+/pages/ack/[\w.\-~%]+", message.text or "")
                    if message.channel.startswith("D") and link:
                        return message.channel, link.group(0)
            return None

        dm_channel, ack_link = wait_for("the page's Slack DM", page_dm)
        slack_user = "U" + dm_channel[1:]
        (engineer_row,) = story.rows(
            "SELECT u.email, u.name, u.timezone FROM users u JOIN contact_methods c ON c.user_id = u.id"
            " WHERE c.kind = 'slack' AND c.address = ?",
            slack_user,
        )
        engineer_email, engineer_name, engineer_zone = (str(value) for value in engineer_row)
        assert ack_link.startswith(base_url), ack_link

        # 3. Acknowledged by the signed link, from the phone, without signing in.
        phone = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}).new_page()
        phone.goto(ack_link)
        phone.click("button.ack")
        expect(phone.locator(".notice.ok")).to_contain_text(engineer_name)
        story.shot(phone, "acknowledged-by-link")

        # 4. The engineer declares an incident from the alert group, names the product and the plan.
        engineer = story.sign_in(engineer_email)
        engineer.goto(f"{base_url}/alerts")
        engineer.locator("a", has_text=title).first.click()
        expect(engineer.locator("h1")).to_contain_text(title)
        expect(engineer.locator(".alert-head")).to_have_class(re.compile(r"\bhead-acknowledged\b"))
        story.shot(engineer, "alert-group")
        engineer.click("button.declare-incident")
        expect(engineer).to_have_url(re.compile(r"/incidents/\d+$"))
        number = engineer.url.rsplit("/", 1)[1]
        if engineer.locator("button.to-investigating").count():
            engineer.click("button.to-investigating")
        fields = engineer.locator("#fields form")
        for box in fields.locator("input[name=products]").all():
            box.set_checked(box.get_attribute("value") == product)
        fields.locator("select[name=comms_lead_id]").select_option(str(story.user_id(COMMS_LEAD)))
        fields.locator("select[name=hotfix_deployer_id]").select_option(str(story.user_id(engineer_email)))
        # The form and the war room speak the engineer's own time zone; the announcement the company's.
        hotfix_at = datetime.now(ZoneInfo(engineer_zone)).replace(second=0, microsecond=0)
        hotfix_at += timedelta(hours=1)
        hotfix_in_japan = hotfix_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
        fields.locator("input[name=hotfix_planned_at]").fill(hotfix_at.strftime("%Y-%m-%dT%H:%M"))
        fields.locator("button[type=submit]").click()
        room = engineer.locator("#war-room")
        expect(room).to_contain_text(engineer_name)
        expect(room).to_contain_text(hotfix_at.strftime("%H:%M"))
        story.shot(engineer, "declared")

        # 5. The announcement reaches the all-hands channel.
        announced = wait_for(
            "the announcement",
            lambda: [m for m in slack.in_channel(ANNOUNCE_CHANNEL) if title in str(m)],
        )
        assert f"#{number}" in str(announced[-1]), announced
        # Re-posted in place as the facts change: the product and the recovery plan are in it now.
        wait_for(
            "the announcement updated with the recovery plan",
            lambda: [
                m for m in slack.in_channel(ANNOUNCE_CHANNEL) if title in str(m) and hotfix_in_japan in str(m)
            ],
        )

        # 6. The late-recovery rule drafts the first notice (a minute after the declaration).
        lead = story.sign_in(COMMS_LEAD)

        def drafted() -> str | None:
            lead.goto(f"{base_url}/inbox")
            link = lead.locator("li", has_text=f"#{number}").locator("a[href^='/notices/']").first
            return link.get_attribute("href") if link.count() else None

        notice_path = wait_for("the drafted first notice in the comms lead's inbox", drafted, seconds=90)
        story.shot(lead, "inbox-draft")

        # 7. The comms lead approves and publishes it.
        lead.goto(f"{base_url}{notice_path}")
        expect(lead.locator(f"a[href='/incidents/{number}']")).to_be_visible()
        notice_title = lead.locator("input[name=title_ja]").input_value()
        assert notice_title
        story.shot(lead, "first-notice-draft")
        lead.click("form[action$='/publish'] button")
        expect(lead.locator("#published-by")).to_be_visible()
        story.shot(lead, "first-notice-published")

        # 8. The status page, the JSON summary and the in-app feed show it.
        visitor = browser.new_context(locale="ja-JP").new_page()
        visitor.goto(f"{base_url}/status")
        expect(visitor.locator("body")).to_contain_text(notice_title)
        story.shot(visitor, "status-page")
        summary = httpx.get(f"{base_url}/api/v2/summary.json", timeout=10).json()
        assert summary["incidents"], summary
        assert notice_title in str(summary["incidents"])
        feed = httpx.get(f"{base_url}/notices/feed.json", timeout=10).json()
        assert notice_title in str(feed)

        # 9. One email per affected account, none for the others.
        wait_for(
            "the first notice's emails",
            lambda: len(_store_mail(smtp, affected)) >= len(affected),
            seconds=60,
        )
        first_mail = _store_mail(smtp, affected | others)
        assert {address for address, _ in first_mail} == affected
        assert all(count == 1 for count in first_mail.values()), first_mail.most_common(3)
        assert len(first_mail) == len(affected)
        lead.goto(f"{base_url}{notice_path}")
        expect(lead.locator("#campaign-summary")).to_contain_text(f"{len(affected):,}")

        # 10. The call list exists: every affected store, none called yet.
        lead.goto(f"{base_url}/incidents/{number}/calls")
        expect(lead.locator("#call-filters + p.muted")).to_contain_text(f"{store_count} ")
        assert 0 < lead.locator("tr.call-row").count() <= store_count
        lead.goto(f"{base_url}{notice_path}")
        expect(lead.locator("#calls-summary")).to_contain_text(f"{store_count} 店舗中 0 店舗")
        story.shot(lead, "call-list")

        # 11. A recovery action, then resolved.
        engineer.goto(f"{base_url}/incidents/{number}")
        recovery = engineer.locator("#add-recovery form")
        recovery.locator("select[name=kind]").select_option(index=0)
        recovery.locator("textarea[name=description]").fill("予約確定 API の修正を本番にデプロイ")
        recovery.locator("button[type=submit]").click()
        expect(engineer.locator("#war-room")).to_contain_text("予約確定 API の修正を本番にデプロイ")
        engineer.click("button.to-resolved")
        expect(engineer.locator(".incident-head")).to_have_class(re.compile(r"\bhead-resolved\b"))
        story.shot(engineer, "resolved")

        # 12. The "resolved" notice: drafted at once, approved by the comms lead, sent to the same people.
        def resolved_draft() -> str | None:
            lead.goto(f"{base_url}/incidents/{number}")
            links = lead.locator("#customer-notices a[href^='/notices/']")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            fresh = [href for href in hrefs if href and href != notice_path and "campaign" not in href]
            return fresh[0] if fresh else None

        resolved_path = wait_for("the drafted resolved notice", resolved_draft)
        lead.goto(f"{base_url}{resolved_path}")
        resolved_title = lead.locator("input[name=title_ja]").input_value()
        lead.click("form[action$='/publish'] button")
        expect(lead.locator("#published-by")).to_be_visible()
        story.shot(lead, "resolved-notice-published")
        visitor.goto(f"{base_url}/status")
        expect(visitor.locator("body")).to_contain_text(resolved_title)
        wait_for(
            "the resolved notice's emails",
            lambda: sum(_store_mail(smtp, affected).values()) >= 2 * len(affected),
            seconds=60,
        )
        mail = _store_mail(smtp, affected | others)
        per_account = Counter(address for address, _ in mail.elements())
        assert set(per_account) == affected
        assert set(per_account.values()) == {2}, per_account.most_common(3)

        # 13. The postmortem: the engineer writes and submits it, another engineer publishes it.
        def postmortem_link() -> str | None:
            engineer.goto(f"{base_url}/incidents/{number}")
            panel = engineer.locator("#postmortem-panel")
            expect(panel).to_be_visible()
            link = panel.locator("a[href^='/postmortems/']")
            return link.get_attribute("href") if link.count() else None

        engineer.goto(f"{base_url}{wait_for('the postmortem opened at resolution', postmortem_link)}")
        write = engineer.locator("#write form")
        texts = {
            "symptom_ja": "予約を確定できなかった",
            "recovery_ja": "予約確定 API の修正を本番にデプロイした",
            "impact_ja": f"{store_count} 店舗",
            "cause_ja": "予約確定 API のタイムアウト設定の誤り",
            "prevention_ja": "設定値をテストで検証する",
        }
        for name, text in texts.items():
            write.locator(f"textarea[name={name}]").fill(text)
        write.locator("button[type=submit]").click()
        item = engineer.locator("#add-action-item")
        item.locator("input[name=title]").fill("タイムアウト設定のテストを追加")
        item.locator("select[name=owner_id]").select_option(str(story.user_id(engineer_email)))
        item.locator("input[name=due_on]").fill((datetime.now(UTC) + timedelta(days=14)).date().isoformat())
        item.locator("button[type=submit]").click()
        engineer.click("#review form[action$='/submit'] button")
        expect(engineer.locator("#postmortem-status")).to_have_class(re.compile(r"\bpostmortem-in_review\b"))
        postmortem_url = engineer.url
        story.shot(engineer, "postmortem-submitted")
        reviewer_email = str(
            story.rows(
                "SELECT email FROM users WHERE role IN ('engineer', 'admin') AND lower(email) != ?"
                " AND is_active ORDER BY role = 'admin', id",
                engineer_email.lower(),
            )[0][0]
        )
        reviewer = story.sign_in(reviewer_email)
        reviewer.goto(postmortem_url.split("?")[0])
        reviewer.click("#review form[action$='/publish'] button")
        expect(reviewer.locator("#postmortem-status")).to_have_class(re.compile(r"\bpostmortem-published\b"))
        story.shot(reviewer, "postmortem-published")
        sent = reviewer.locator("#impact-figures dd").nth(4)  # customer emails sent
        expect(sent).to_have_text(f"{2 * len(affected):,}")  # both notices, every affected account

        # 14. The weekly report of the incident's week lists it.
        (declared,) = story.rows("SELECT declared_at FROM incidents WHERE number = ?", int(number))
        declared_at = datetime.fromisoformat(str(declared[0])).replace(tzinfo=UTC)
        week = declared_at.astimezone(ZoneInfo("Asia/Tokyo")).date().isocalendar()
        reviewer.goto(f"{base_url}/reports/weekly?week={week.year}-W{week.week:02d}")
        expect(reviewer.locator("body")).to_contain_text(f"#{number}")
        expect(reviewer.locator("body")).to_contain_text(title)
        story.shot(reviewer, "weekly-report")
    assert time.monotonic() - started < 150, "the whole story took longer than 2.5 minutes"
