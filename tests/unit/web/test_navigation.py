"""The main navigation: what each role sees, and which entries gather into menus."""

from __future__ import annotations

from hikeshi.web.app import NAVIGATION
from hikeshi.web.kit.templating import NavItem, NavMenu, visible_navigation


def _labels(role: str) -> list[str | tuple[str, list[str]]]:
    return [
        (entry.label, [item.path for item in entry.items]) if isinstance(entry, NavMenu) else entry.path
        for entry in visible_navigation(NAVIGATION, role)
    ]


def test_an_admin_sees_the_bar_then_the_set_up_and_administration_menus() -> None:
    entries = _labels("admin")
    bar = [entry for entry in entries if isinstance(entry, str)]
    menus = dict(entry for entry in entries if isinstance(entry, tuple))
    assert bar[:2] == ["/inbox", "/incidents"]  # the brand is the way home
    assert len(bar) <= 9  # what incident work needs (notices and postmortems included) fits on one line
    assert menus["Set-up"] == ["/integrations", "/escalation-policies", "/heartbeats", "/maintenance"]
    assert "/admin/users" in menus["Admin"]


def test_a_viewer_sees_no_menu_it_could_not_open() -> None:
    entries = _labels("viewer")
    assert all(isinstance(entry, str) for entry in entries)
    assert "/incidents" in entries
    assert "/admin/users" not in entries


def test_a_menu_is_current_when_the_page_is_one_of_its_items() -> None:
    menu = NavMenu("Set-up", (NavItem("/integrations", "Integrations", frozenset({"admin"})),))
    assert menu.is_current("/integrations/4")
    assert not menu.is_current("/incidents")
    assert NavItem("/", "Home", frozenset({"admin"})).is_current("/")
    assert not NavItem("/", "Home", frozenset({"admin"})).is_current("/alerts")
