"""The postmortem's computed parts without a database: timeline lines, impact in words, action item rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hikeshi.core.errors import InvalidInput
from hikeshi.incidents.models import IncidentEvent
from hikeshi.postmortems.deps import parse_day, today
from hikeshi.postmortems.document import ImpactFigures
from hikeshi.postmortems.facts import has_english, impact_lines, timeline_line
from hikeshi.postmortems.models import ActionItem, Postmortem
from hikeshi.postmortems.schemas import ActionItemOut

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def event(kind: str, *, note: str = "", by: int | None = None, **data: object) -> IncidentEvent:
    return IncidentEvent(incident_id=1, kind=kind, actor_user_id=by, note=note, data=data, at=AT)


@pytest.mark.parametrize(
    ("made", "language", "text"),
    [
        (
            event("status", by=7, **{"from": "investigating", "to": "resolved"}),
            "ja",
            "状態を変更: 調査中 → 解決済み (Sato)",
        ),
        (
            event("status", by=7, **{"from": "investigating", "to": "resolved"}),
            "en",
            "Status changed: Investigating → Resolved (Sato)",
        ),
        (event("field", field="severity", to="SEV1"), "en", "Changed: Severity → SEV1"),
        (event("field", field="commander_id", to=3), "en", "Changed: Commander"),
        (
            event("task_done", note="Prepare the hotfix"),
            "ja",
            "タスク完了: ホットフィックスを準備する",
        ),
        (event("note", note="DB のロックを確認中", by=8), "en", "Note: DB のロックを確認中 (#8)"),
        (event("inquiry_linked", inquiry_id=42), "en", "Inquiry linked: #42"),
    ],
)
def test_timeline_lines_say_what_happened_in_the_readers_language(
    made: IncidentEvent, language: str, text: str
) -> None:
    names = {7: "Sato", 8: "#8"}
    assert timeline_line(made, language=language, names=names).text == text  # type: ignore[arg-type]


def test_impact_in_words_lists_every_figure() -> None:
    figures = ImpactFigures(
        stores_japan=1200,
        stores_overseas=3,
        web_booking_diners=True,
        partners=2,
        emails_sent=1180,
        calls_made=15,
        inquiries_linked=4,
    )
    assert impact_lines(figures, ["Web 予約"], language="ja") == [
        "影響のあるサービス: Web 予約",
        "影響を受けた店舗（国内）: 1,200 店",
        "影響を受けた店舗（海外）: 3 店",
        "Web予約のお客様: 影響あり",
        "影響を受けたパートナー: 2 社",
        "送信したお客様向けメール: 1,180 通",
        "電話連絡した店舗: 15 店",
        "紐づいた問い合わせ: 4 件",
    ]
    quiet = ImpactFigures(0, 0, False, 0, 0, 0, 0)
    assert impact_lines(quiet, [], language="en") == [
        "Stores in Japan: 0",
        "Stores overseas: 0",
        "Diners booking on the web: not affected",
        "Customer emails sent: 0",
        "Stores called: 0",
        "Inquiries linked: 0",
    ]


def test_english_is_published_only_when_people_wrote_its_cause_or_prevention() -> None:
    prefilled = Postmortem(symptom_en="Web booking fails", recovery_en="- hotfix", impact_en="- 3 stores")
    prefilled.cause_en, prefilled.prevention_en = "", ""
    assert not has_english(prefilled)
    prefilled.cause_en = "Lock waits"
    assert has_english(prefilled)


def test_an_action_item_is_overdue_the_day_after_its_due_day_while_open() -> None:
    item = ActionItem(
        id=5,
        postmortem_id=1,
        incident_id=2,
        title="監視を追加",
        description="",
        owner_id=None,
        due_on=date(2026, 12, 1),
        status="open",
        note="",
        done_at=None,
        created_at=AT,
        updated_at=AT,
    )
    on_the_day = ActionItemOut.of(item, incident_number=12, owner_name=None, today=date(2026, 12, 1))
    assert not on_the_day.overdue
    assert ActionItemOut.of(item, incident_number=12, owner_name=None, today=date(2026, 12, 2)).overdue
    item.status = "done"
    assert not ActionItemOut.of(item, incident_number=12, owner_name=None, today=date(2026, 12, 9)).overdue


def test_today_is_the_company_day_and_days_parse_strictly() -> None:
    late_evening_utc = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 01:00 on the 2nd in Tokyo
    assert today(late_evening_utc, "Asia/Tokyo") == date(2026, 12, 2)
    assert today(late_evening_utc, "Europe/London") == date(2026, 12, 1)
    assert parse_day(" 2026-12-15 ", field="due") == date(2026, 12, 15)
    with pytest.raises(InvalidInput, match="due: give a day as YYYY-MM-DD: 12/15"):
        parse_day("12/15", field="due")
