from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hikeshi.core.i18n import Translator, negotiate, parse_language, translations

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ja"),
        ("", "ja"),
        ("en-US,en;q=0.9", "en"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("fr-FR,en;q=0.5,ja;q=0.7", "ja"),
        ("en;q=0, ja;q=0.1", "ja"),
        ("de, fr", "ja"),
        ("en;q=notanumber, ja", "ja"),
    ],
)
def test_negotiates_japanese_or_english_by_quality(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_unknown_languages_fall_back_to_the_given_default() -> None:
    assert negotiate("de", default="en") == "en"
    assert parse_language("EN_us") == "en"
    assert parse_language("zz") is None


def test_japanese_catalog_translates_and_english_keeps_the_ids() -> None:
    assert translations("ja").gettext("Sign in") == "サインイン"
    assert translations("en").gettext("Sign in") == "Sign in"


def test_every_message_has_a_japanese_translation() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "messages.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_times_are_shown_in_the_viewers_zone() -> None:
    moment = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    assert Translator(language="ja", timezone="Asia/Tokyo").format_datetime(moment) == "2026-03-02 00:30"
    shown = Translator(language="en", timezone="America/Los_Angeles").format_datetime(moment, with_zone=True)
    assert shown == "2026-03-01 07:30 PST"
    assert Translator(language="ja", timezone="Asia/Tokyo").format_datetime(None) == "—"
