"""Keep the message catalogs in step with the code.

    python scripts/messages.py update   # extract every message, merge into ja and en .po files
    python scripts/messages.py check    # exit 1 if a message lacks its Japanese translation

Message ids are English. The English catalog only lists them (an empty msgstr falls back to the id);
the Japanese catalog must translate every one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "hikeshi"
LOCALES = PACKAGE / "locale"
ERROR_CLASSES = (
    "InvalidInput",
    "NotAuthenticated",
    "PermissionDenied",
    "NotFound",
    "Conflict",
    "TooManyRequests",
)
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    **dict.fromkeys(ERROR_CLASSES),
}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "", "trimmed": "true"}}


def extract() -> Catalog:
    template = Catalog(project="hikeshi", domain="messages")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), METHODS, options_map=OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if "/migrations/" in filename:
            continue
        template.add(
            message, None, [(f"src/hikeshi/{filename}", lineno)], auto_comments=comments, context=context
        )
    return template


def _po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def update() -> None:
    template = extract()
    for language in ("ja", "en"):
        path = _po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="hikeshi", domain="messages")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    print(f"{len(template)} messages")


def missing_translations() -> list[str]:
    template = extract()
    with _po_path("ja").open("rb") as handle:
        japanese = read_po(handle, locale="ja")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = japanese.get(message.id)
        strings = translated.string if translated is not None else None
        values = strings if isinstance(strings, tuple | list) else (strings,)
        if translated is None or translated.fuzzy or not all(values):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
        return 0
    missing = missing_translations()
    for message_id in missing:
        print(f"missing Japanese translation: {message_id!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
