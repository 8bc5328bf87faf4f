"""Jinja2 templates with the request's language, time zone, CSRF token and user in every page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hikeshi import __version__
from hikeshi.core.i18n import LANGUAGE_NAMES, LANGUAGES
from hikeshi.web.kit.context import translator, viewer
from hikeshi.web.kit.csrf import CSRF_FIELD

BASE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the main navigation; a domain adds its own when it has pages."""

    path: str
    label: str
    roles: frozenset[str]
    # Empty: shown in the bar; otherwise the label of the drop-down menu it sits in.
    menu: str = ""

    def is_current(self, current_path: str) -> bool:
        return current_path == self.path or (self.path != "/" and current_path.startswith(self.path))


@dataclass(frozen=True, slots=True)
class NavMenu:
    """A drop-down of the main navigation: its label and the items the viewer may open."""

    label: str
    items: tuple[NavItem, ...]

    def is_current(self, current_path: str) -> bool:
        return any(item.is_current(current_path) for item in self.items)


def visible_navigation(navigation: Iterable[NavItem], role: str) -> list[NavItem | NavMenu]:
    """The bar in order, with each menu's items gathered where the menu first appears."""
    entries: list[NavItem | NavMenu] = []
    menus: dict[str, list[NavItem]] = {}
    for item in navigation:
        if role not in item.roles:
            continue
        if not item.menu:
            entries.append(item)
            continue
        if item.menu not in menus:
            menus[item.menu] = []
            entries.append(NavMenu(item.menu, ()))
        menus[item.menu].append(item)
    return [
        NavMenu(entry.label, tuple(menus[entry.label])) if isinstance(entry, NavMenu) else entry
        for entry in entries
    ]


class Templates:
    def __init__(self, *, domains: Iterable[str], navigation: Iterable[NavItem]) -> None:
        domain_loaders = {name: PackageLoader(f"hikeshi.{name}", f"templates/{name}") for name in domains}
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(BASE_TEMPLATES), PrefixLoader(domain_loaders)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.navigation = tuple(navigation)
        self.env.globals.update(version=__version__, languages=LANGUAGES, language_names=LANGUAGE_NAMES)

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        speaker = translator(request)
        user = viewer(request)
        csrf_token = request.scope.get("state", {}).get("csrf_token", "")
        values: dict[str, Any] = {
            "request": request,
            "user": user,
            "_": speaker.gettext,
            "gettext": speaker.gettext,
            "ngettext": speaker.ngettext,
            "lang": speaker.language,
            "when": speaker.format_datetime,
            "csrf_token": csrf_token,
            "csrf_field": Markup(  # noqa: S704 - the only value is escaped
                f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token)}">'
            ),
            "nav": visible_navigation(self.navigation, user.role) if user is not None else [],
            "current_path": request.url.path,
        }
        values.update(context or {})
        html = self.env.get_template(name).render(values)
        return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
