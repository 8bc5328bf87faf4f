"""Scheduled maintenance: its status by the clock, what people may do when, the texts of its notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hikeshi.comms.maintenance_rules import Step, StepText, check_allowed, check_times, clean_text, step_text
from hikeshi.comms.rules import MaintenanceStatus, maintenance_status_at
from hikeshi.core.errors import Conflict, InvalidInput

START = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 02:00 on the 8th in Japan
END = START + timedelta(hours=2)


def _at(status: str, now: datetime) -> MaintenanceStatus:
    return maintenance_status_at(
        SimpleNamespace(status=status, scheduled_for=START, scheduled_until=END), now=now
    )


def test_the_clock_starts_and_completes_a_scheduled_maintenance() -> None:
    assert _at("scheduled", START - timedelta(seconds=1)) is MaintenanceStatus.SCHEDULED
    assert _at("scheduled", START) is MaintenanceStatus.IN_PROGRESS
    assert _at("in_progress", END - timedelta(seconds=1)) is MaintenanceStatus.IN_PROGRESS
    assert _at("in_progress", END) is MaintenanceStatus.COMPLETED


@given(
    status=st.sampled_from(["verifying", "completed", "cancelled"]),
    offset=st.integers(min_value=-10_000, max_value=10_000),
)
def test_what_people_set_holds_whatever_the_clock_says(status: str, offset: int) -> None:
    assert _at(status, START + timedelta(minutes=offset)).value == status


def test_people_may_only_do_what_the_status_allows() -> None:
    check_allowed("cancel", status=MaintenanceStatus.SCHEDULED, maintenance_id=1)
    check_allowed("complete", status=MaintenanceStatus.VERIFYING, maintenance_id=1)
    with pytest.raises(Conflict, match="maintenance 1 is in_progress: it cannot be cancelled now"):
        check_allowed("cancel", status=MaintenanceStatus.IN_PROGRESS, maintenance_id=1)
    with pytest.raises(Conflict, match="cannot be completed"):
        check_allowed("complete", status=MaintenanceStatus.SCHEDULED, maintenance_id=1)
    with pytest.raises(Conflict, match="cannot be changed"):
        check_allowed("edit", status=MaintenanceStatus.COMPLETED, maintenance_id=1)


def test_times_and_texts_are_checked() -> None:
    now = START - timedelta(days=1)
    check_times(scheduled_for=START, scheduled_until=END, now=now, new=True)
    with pytest.raises(InvalidInput, match="scheduled_until: must be after scheduled_for"):
        check_times(scheduled_for=END, scheduled_until=START, now=now, new=True)
    with pytest.raises(InvalidInput, match="scheduled_for: must not be in the past"):
        check_times(scheduled_for=START, scheduled_until=END, now=START + timedelta(minutes=1), new=True)
    check_times(scheduled_for=START, scheduled_until=END, now=START + timedelta(minutes=1), new=False)
    with pytest.raises(InvalidInput, match="scheduled_until: must be in the future"):
        check_times(scheduled_for=START, scheduled_until=END, now=END, new=False)
    assert clean_text("  Web  予約\n更新 ", field="title_ja", required=True) == "Web 予約 更新"
    with pytest.raises(InvalidInput, match="title_ja: the Japanese text is required"):
        clean_text(" ", field="title_ja", required=True)
    with pytest.raises(InvalidInput, match="at most 255"):
        clean_text("x" * 256, field="title_en", required=False)


def _text(step: Step, *, until: datetime = END, title_en: str = "DB upgrade") -> StepText:
    return step_text(
        step,
        title_ja="DB 更新",
        title_en=title_en,
        body_ja="Web 予約が止まります。",
        body_en="Web booking stops.",
        scheduled_for=START,
        scheduled_until=until,
    )


def test_each_step_says_what_happens_with_the_times_in_japan() -> None:
    announced = _text(Step.ANNOUNCED)
    assert announced.title_ja == "【メンテナンスのお知らせ】DB 更新"
    assert announced.body_ja == (
        "下記の日時にメンテナンスを実施いたします。\n実施日時: 2026年12月08日 02:00 〜 04:00（日本時間）\n\n"
        "Web 予約が止まります。"
    )
    assert announced.title_en == "Scheduled maintenance: DB upgrade"
    assert "When: 2026-12-08 02:00 to 04:00 JST (UTC+9)" in announced.body_en
    overnight = _text(Step.STARTED, until=START + timedelta(hours=30))
    assert "2026年12月08日 02:00 〜 2026年12月09日 08:00（日本時間）" in overnight.body_ja
    assert overnight.title_en == "Maintenance in progress: DB upgrade"
    completed = _text(Step.COMPLETED)
    assert completed.title_ja == "【メンテナンス完了】DB 更新"
    assert completed.body_ja.startswith("メンテナンスは完了しました。")
    # Not written in English: the draft says so by leaving the English body empty for a person to write.
    assert _text(Step.ANNOUNCED, title_en="").body_en == ""
