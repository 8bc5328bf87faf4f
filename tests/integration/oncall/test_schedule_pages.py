"""The on-call pages as people use them in a browser: who is on call, a schedule, its forms, the calendar."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.schedules import Crew, signed_in
from tests.support.web import csrf_token


def post(client: TestClient, path: str, data: dict[str, str | list[str]]) -> object:
    return client.post(path, data={**data, "csrf_token": csrf_token(client)})


def test_schedules_list_shows_who_is_on_call_now_and_next(
    schedule_client: TestClient, schedule_crew: Crew
) -> None:
    page = signed_in(schedule_client, schedule_crew.support).get("/oncall")
    assert page.status_code == 200
    row = re.search(r'<tr id="schedule-\d+".*?</tr>', page.text, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert "Platform" in cells[0]
    assert cells[1].strip() == "Sato"
    assert "2026-12-02 19:00 JST" in cells[2]
    assert cells[3].strip() == "Emily"
    assert "現在の当番" in page.text
    assert 'href="/oncall"' in page.text  # the navigation item
    assert "新しいスケジュール" not in page.text  # support staff view, they do not edit


def test_english_readers_get_english(schedule_client: TestClient, schedule_crew: Crew) -> None:
    schedule_client.cookies.set("hikeshi_lang", "en")
    page = signed_in(schedule_client, schedule_crew.sato).get("/oncall")
    assert "On call now" in page.text
    assert "New schedule" in page.text


def test_an_engineer_builds_a_schedule_with_the_forms(
    schedule_client: TestClient, schedule_crew: Crew
) -> None:
    client = signed_in(schedule_client, schedule_crew.sato)
    created = client.post(
        "/oncall/schedules",
        data={"name": "Store app", "timezone": "America/Los_Angeles", "csrf_token": csrf_token(client)},
    )
    assert created.status_code == 303
    location = created.headers["location"]
    added = client.post(
        f"{location}/rotations",
        data={
            "name": "Business hours",
            "kind": "custom",
            "length": "1",
            "unit": "days",
            "timezone": "America/Los_Angeles",
            "start_date": "2026-11-30",
            "handoff_time": "09:00",
            "member_ids": [str(schedule_crew.emily.id), "", str(schedule_crew.suzuki.id)],
            "restrictions": "mon-fri 09:00-17:00",
            "csrf_token": csrf_token(client),
        },
    )
    assert added.status_code == 303, added.text
    page = client.get(location)
    assert "Business hours" in page.text
    assert "Emily → Suzuki" in page.text
    assert "mon-fri 09:00-17:00" in page.text
    assert "1 回 24 時間" in page.text
    assert 'id="gap-warning"' in page.text  # nights and weekends have nobody
    assert "America/Los_Angeles" in page.text
    override = client.post(
        f"{location}/overrides",
        data={
            "kind": "replace",
            "user_id": str(schedule_crew.takahashi.id),
            "replaced_user_id": "",
            "starts_at": "2026-12-02T12:00",
            "ends_at": "2026-12-02T18:00",
            "reason": "Emily at the dentist",
            "csrf_token": csrf_token(client),
        },
    )
    assert override.status_code == 303, override.text
    page = client.get(location)
    assert "Emily at the dentist" in page.text
    assert "Takahashi（全員と交代）" in page.text
    assert "2026-12-02 12:00 PST" in page.text  # the form's times are the schedule's zone


def test_bad_form_input_shows_the_page_again_with_the_field(
    schedule_client: TestClient, schedule_crew: Crew
) -> None:
    client = signed_in(schedule_client, schedule_crew.sato)
    answer = client.post(
        f"/oncall/schedules/{schedule_crew.schedule_id}/rotations",
        data={
            "name": "Broken",
            "kind": "weekly",
            "timezone": "Mars/Olympus",
            "start_date": "2026-11-30",
            "handoff_time": "09:00",
            "member_ids": [str(schedule_crew.sato.id)],
            "csrf_token": csrf_token(client),
        },
    )
    assert answer.status_code == 400
    assert "timezone" in answer.text
    assert "Mars/Olympus" in answer.text
    assert "Broken" not in re.sub(r'<p class="notice error".*?</p>', "", answer.text, flags=re.S)


def test_staff_cannot_change_and_viewers_cannot_look(
    schedule_client: TestClient, schedule_crew: Crew
) -> None:
    client = signed_in(schedule_client, schedule_crew.support)
    refused = client.post(
        "/oncall/schedules", data={"name": "Mine", "timezone": "Asia/Tokyo", "csrf_token": csrf_token(client)}
    )
    assert refused.status_code == 403
    schedule_client.cookies.clear()
    viewer = signed_in(schedule_client, schedule_crew.viewer)
    assert viewer.get("/oncall").status_code == 403
    assert viewer.get(f"/oncall/schedules/{schedule_crew.schedule_id}/calendar").status_code == 403


def test_calendar_shows_a_week_per_day_and_moves_between_weeks(
    schedule_client: TestClient, schedule_crew: Crew
) -> None:
    client = signed_in(schedule_client, schedule_crew.support)
    page = client.get(f"/oncall/schedules/{schedule_crew.schedule_id}/calendar")
    assert page.status_code == 200
    days = re.findall(r'data-date="([\d-]+)"', page.text)
    assert days == [f"2026-11-{day}" for day in (30,)] + [f"2026-12-0{day}" for day in range(1, 7)]
    wednesday = page.text.split('data-date="2026-12-02"')[1].split("</li>\n  \n  <li")[0]
    assert "09:00–19:00" in wednesday
    assert "19:00–…" in wednesday
    assert 'href="?start=2026-12-07&amp;days=7"' in page.text
    two = client.get(f"/oncall/schedules/{schedule_crew.schedule_id}/calendar?start=2026-12-07&days=14")
    assert len(re.findall(r'data-date="', two.text)) == 14
    assert "Suzuki" in two.text  # the Monday 7 Dec handoff
    assert 'class="oncall-day has-gap' not in two.text
    bad = client.get(f"/oncall/schedules/{schedule_crew.schedule_id}/calendar?start=someday")
    assert bad.status_code == 400


def test_calendar_marks_gaps(schedule_client: TestClient, schedule_crew: Crew) -> None:
    client = signed_in(schedule_client, schedule_crew.sato)
    created = post(client, "/oncall/schedules", {"name": "Nights only", "timezone": "Asia/Tokyo"})
    location = created.headers["location"]  # type: ignore[attr-defined]
    post(
        client,
        f"{location}/rotations",
        {
            "name": "Nights",
            "kind": "daily",
            "timezone": "Asia/Tokyo",
            "start_date": "2026-11-30",
            "handoff_time": "19:00",
            "member_ids": [str(schedule_crew.emily.id)],
            "restrictions": "mon-fri 19:00-09:00",
        },
    )
    page = client.get(f"{location}/calendar?start=2026-11-30")
    assert page.text.count('class="oncall-day has-gap') == 7
    assert "当番不在" in page.text


def test_my_shifts_lists_my_own_shifts(schedule_client: TestClient, schedule_crew: Crew) -> None:
    page = signed_in(schedule_client, schedule_crew.suzuki).get("/oncall/my-shifts")
    assert page.status_code == 200
    assert "2026-12-07 10:00 JST" in page.text  # Suzuki's first turn starts on Monday
    assert "Platform" in page.text
    rows = re.findall(r"<tr>(.*?)</tr>", page.text.split("<tbody>")[1].split("</tbody>")[0], re.S)
    starts = [re.findall(r"<td>(.*?)</td>", row, re.S)[1] for row in rows]
    assert starts[:3] == ["2026-12-07 10:00 JST", "2026-12-08 09:00 JST", "2026-12-09 09:00 JST"]
    assert all(re.findall(r"<td>(.*?)</td>", row, re.S)[3].strip() == "Suzuki" for row in rows)
