"""Japanese and English: message catalogs (Babel .po files read at start-up), locale negotiation.

Message ids are English, so the English catalog is complete by construction and the Japanese catalog
must translate every id (a test checks it). Japanese is the default language everywhere.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hikeshi.core.timezones import to_zone

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")
DEFAULT_LANGUAGE: Final[Language] = "ja"
LANGUAGE_NAMES: Final[dict[Language, str]] = {"ja": "日本語", "en": "English"}
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: Language) -> gettext.NullTranslations:
    """Compile the .po catalog in memory once per process: no build step, no stale .mo files."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def parse_language(value: str | None) -> Language | None:
    if value is None:
        return None
    short = value.strip().lower().replace("_", "-").split("-")[0]
    for language in LANGUAGES:
        if short == language:
            return language
    return None


def negotiate(accept_language: str | None, *, default: Language = DEFAULT_LANGUAGE) -> Language:
    """Pick ja or en from an Accept-Language header, honouring q-values; unknown means the default."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = parse_language(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else default


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything a template or a CLI needs to speak one language."""

    language: Language
    timezone: str

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return translations(self.language).ngettext(singular, plural, count)

    def format_datetime(self, moment: datetime | None, *, with_zone: bool = False) -> str:
        if moment is None:
            return "—"
        local = to_zone(moment, self.timezone)
        pattern = "yyyy-MM-dd HH:mm"
        text = format_datetime(local, pattern, locale=self.language)
        return f"{text} {local.tzname()}" if with_zone else text


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message for the catalog where it is defined; it is translated where it is shown."""
    return message
