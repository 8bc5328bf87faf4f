"""The public status page in a real browser on a phone: served by hikeshi, and as the static copy
opened from a file:// URL (what customers read while the service and hikeshi are down).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import ARTIFACTS, CHROMIUM_ARGS, hikeshi_server, require_chromium

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def browser() -> Iterator[Browser]:
    executable = require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


def _styled(page: Page) -> None:
    """The page's own stylesheet is applied: the headline is a coloured band, not plain text."""
    colour = page.eval_on_selector(".headline", "element => getComputedStyle(element).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")


def test_status_page_on_a_phone_and_its_static_copy(browser: Browser, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/hikeshi.db"
    ARTIFACTS.mkdir(exist_ok=True)
    with hikeshi_server(database) as base_url:
        page = browser.new_page(viewport=PHONE, locale="ja-JP")
        page.goto(f"{base_url}/status")
        expect(page.locator("h1")).to_have_text("すべてのシステムが正常に稼働しています")
        components = page.locator("li.component")
        assert components.count() >= 3
        expect(components.first.locator(".bar")).to_have_count(90)
        _styled(page)
        _fits_the_screen(page)
        page.screenshot(path=str(ARTIFACTS / "status-phone-ja.png"), full_page=True)
        page.click("nav.langs >> text=English")
        expect(page.locator("h1")).to_have_text("All Systems Operational")
        page.goto(f"{base_url}/status")  # the switch is remembered
        expect(page.locator("html")).to_have_attribute("lang", "en")
        _fits_the_screen(page)

    environment = {k: v for k, v in os.environ.items() if not k.startswith("HIKESHI_")}
    environment["HIKESHI_DATABASE_URL"] = database
    copy = tmp_path / "copy"
    subprocess.run(
        [sys.executable, "-m", "hikeshi", "status", "export", str(copy)],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    page = browser.new_page(viewport=PHONE, locale="ja-JP")
    page.goto((copy / "index.html").as_uri())
    expect(page.locator("h1")).to_have_text("すべてのシステムが正常に稼働しています")
    _styled(page)
    _fits_the_screen(page)
    page.click("nav.langs >> text=English")
    expect(page.locator("h1")).to_have_text("All Systems Operational")
    assert page.url == (copy / "en" / "index.html").as_uri()
    _styled(page)
    page.screenshot(path=str(ARTIFACTS / "status-phone-static-en.png"), full_page=True)
