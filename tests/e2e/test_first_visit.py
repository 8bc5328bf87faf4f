"""A new user's first visit, in a real browser against a real server: sign in, switch language, sign out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import ARTIFACTS, CHROMIUM_ARGS, hikeshi_server, require_chromium

pytestmark = pytest.mark.browser


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
    page.screenshot(path=str(ARTIFACTS / f"first-visit-{name}.png"), full_page=True)


def test_sign_in_switch_to_english_and_sign_out(browser: Browser, base_url: str) -> None:
    page = browser.new_page(locale="ja-JP")
    page.goto(base_url)
    expect(page).to_have_url(f"{base_url}/login?next=/")
    expect(page.locator("h1")).to_have_text("サインイン")
    _shot(page, "1-sign-in")

    page.fill("input[name=email]", "admin@demo.hikeshi.jp")
    page.fill("input[name=password]", "wrong password")
    page.click("button.primary")
    expect(page.locator(".notice.error")).to_contain_text("メールアドレスまたはパスワードが違います")

    page.fill("input[name=password]", "hikeshi-demo")
    page.click("button.primary")
    expect(page.locator("h1")).to_contain_text("さん、こんにちは")
    expect(page.locator(".mainnav")).to_contain_text("ユーザー")
    _shot(page, "2-home-ja")

    page.click("details.usermenu summary")
    page.click("button[value=en]")
    expect(page.locator("h1")).to_contain_text("Hello,")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _shot(page, "3-home-en")
    # An admin's bar, in the language with the longer labels and its longest label current (bold),
    # stays one line on a laptop screen.
    assert page.viewport_size == {"width": 1280, "height": 720}
    page.goto(f"{base_url}/postmortems")
    rows = page.evaluate(
        "['.mainnav', '.topbar-end'].map(s => document.querySelector(s).getBoundingClientRect().top)"
    )
    assert rows[0] == rows[1], f"the top bar wraps onto a second line: {rows}"
    page.goto(f"{base_url}/")

    page.click("details.usermenu summary")
    page.click("text=Sign out")
    expect(page).to_have_url(f"{base_url}/login")
    page.goto(f"{base_url}/admin/users")
    expect(page).to_have_url(f"{base_url}/login?next=/admin/users")


def test_phone_sized_screen_keeps_everything_reachable(browser: Browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", "admin@demo.hikeshi.jp")
    page.fill("input[name=password]", "hikeshi-demo")
    page.click("button.primary")
    page.goto(f"{base_url}/profile")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
    page.click("details.usermenu summary")
    expect(page.locator("text=サインアウト")).to_be_visible()
    _shot(page, "4-profile-phone")
