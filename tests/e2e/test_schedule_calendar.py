"""The demo's on-call schedule in a real browser: who is on call, the calendar, an override, on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import ARTIFACTS, CHROMIUM_ARGS, hikeshi_server, require_chromium

pytestmark = pytest.mark.browser
DEMO_ENGINEERS = ("佐藤 健", "鈴木 美咲", "高橋 翔")


@pytest.fixture
def browser() -> Iterator[Browser]:
    executable = require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    with hikeshi_server(f"sqlite:///{tmp_path}/hikeshi.db") as url:
        yield url


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"schedule-{name}.png"), full_page=True)


def _sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", "admin@demo.hikeshi.jp")
    page.fill("input[name=password]", "hikeshi-demo")
    page.click("button.primary")


def test_demo_schedule_calendar_and_an_override(browser: Browser, base_url: str) -> None:
    page = browser.new_page(locale="ja-JP")
    _sign_in(page, base_url)
    page.click(".mainnav >> text=オンコール")
    row = page.locator("table.oncall-now tbody tr").first
    expect(row).to_contain_text("プラットフォーム オンコール")
    on_call = row.locator("td").nth(1).inner_text().strip()
    assert on_call in (*DEMO_ENGINEERS, "Emily Clark")
    _shot(page, "1-list")

    row.locator("a").click()
    expect(page.locator("h1")).to_have_text("プラットフォーム オンコール")
    page.click("text=カレンダー")
    expect(page.locator(".oncall-day")).to_have_count(7)
    expect(page.locator(".oncall-day").first).to_contain_text("月")
    _shot(page, "2-calendar")
    first_day = page.locator(".oncall-day").first.get_attribute("data-date")
    page.click("a[rel=next]")
    expect(page.locator(".oncall-day").first).not_to_have_attribute("data-date", first_day or "")

    page.click("text=スケジュール >> nth=0")
    page.click("text=オーバーライドを追加")
    page.select_option("select[name=user_id]", label="Emily Clark")
    page.fill("input[name=starts_at]", "2030-01-07T10:00")
    page.fill("input[name=ends_at]", "2030-01-08T10:00")
    page.fill("input[name=reason]", "年始の交代")
    page.click("#new-override button.primary")
    expect(page.locator("#overrides")).to_contain_text("年始の交代")
    expect(page.locator("#overrides")).to_contain_text("Emily Clark（全員と交代）")
    _shot(page, "3-override")


def test_calendar_fits_a_phone(browser: Browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ja-JP")
    _sign_in(page, base_url)
    page.goto(f"{base_url}/oncall")
    page.locator("table.oncall-now a").first.click()
    # Wait for the schedule page to finish loading: the URL changes before its document exists.
    page.wait_for_url(re.compile(r"/oncall/schedules/\d+$"), wait_until="load")
    url = page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the schedule page scrolls sideways on a phone: {width}px"
    page.goto(f"{url}/calendar?days=14")
    expect(page.locator(".oncall-day")).to_have_count(14)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the calendar scrolls sideways on a phone: {width}px"
    _shot(page, "4-calendar-phone")
