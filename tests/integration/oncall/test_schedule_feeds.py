"""iCalendar feeds: made from the page, fetched by a calendar app with the token, parsed with icalendar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.support.clock import FrozenClock
from tests.support.schedules import NOON_WEDNESDAY, Crew, signed_in
from tests.support.web import csrf_token


def feed_path(page: str) -> str:
    match = re.search(r'<code class="secret" id="feed-url">https?://[^/]+(/[^<]+)</code>', page)
    assert match is not None, "the feed address is shown once"
    return match.group(1).replace("&amp;", "&")


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_schedule_feed_lists_final_shifts_in_utc_with_stable_uids(
    schedule_client: TestClient, schedule_crew: Crew, schedule_clock: FrozenClock
) -> None:
    client = signed_in(schedule_client, schedule_crew.sato)
    made = client.post(
        f"/oncall/schedules/{schedule_crew.schedule_id}/feed", data={"csrf_token": csrf_token(client)}
    )
    assert made.status_code == 200
    path = feed_path(made.text)
    assert path.startswith(f"/oncall/{schedule_crew.schedule_id}.ics?token=hkc_")
    schedule_client.cookies.clear()  # a calendar app has no session
    first = schedule_client.get(path + "&lang=en")
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(first.content)
    assert str(calendar["X-WR-CALNAME"]) == "On call: Platform"
    found = events(first.content)
    wednesday_noon = next(e for e in found if e.decoded("dtstart") <= NOON_WEDNESDAY < e.decoded("dtend"))
    assert str(wednesday_noon["SUMMARY"]) == "Platform: Sato on call"
    assert wednesday_noon.decoded("dtstart") == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 09:00 Tokyo
    assert b"DTSTART:20261202T000000Z\r\n" in first.content  # UTC, CRLF line ends
    assert min(e.decoded("dtstart") for e in found) <= NOON_WEDNESDAY - timedelta(weeks=4)
    assert max(e.decoded("dtend") for e in found) >= NOON_WEDNESDAY + timedelta(weeks=12)
    assert len({str(e["UID"]) for e in found}) == len(found)

    schedule_clock.advance(hours=3)
    again = events(schedule_client.get(path).content)
    same = next(e for e in again if e.decoded("dtstart") == wednesday_noon.decoded("dtstart"))
    assert str(same["UID"]) == str(wednesday_noon["UID"])
    assert str(same["SUMMARY"]) == "Platform: Sato が当番"  # the company language by default


def test_wrong_or_old_tokens_get_nothing(schedule_client: TestClient, schedule_crew: Crew) -> None:
    client = signed_in(schedule_client, schedule_crew.sato)
    target = f"/oncall/schedules/{schedule_crew.schedule_id}/feed"
    old = feed_path(client.post(target, data={"csrf_token": csrf_token(client)}).text)
    new = feed_path(client.post(target, data={"csrf_token": csrf_token(client)}).text)
    schedule_client.cookies.clear()
    for path in (
        old,
        f"/oncall/{schedule_crew.schedule_id}.ics?token=hkc_guess",
        f"/oncall/{schedule_crew.schedule_id}.ics",
    ):
        refused = schedule_client.get(path)
        assert refused.status_code == 404
        assert "Platform" not in refused.text
        assert "BEGIN:VCALENDAR" not in refused.text
    other = new.replace(f"/oncall/{schedule_crew.schedule_id}.ics", "/oncall/999.ics")
    assert schedule_client.get(other).status_code == 404
    assert schedule_client.get(new).status_code == 200


def test_personal_feed_holds_only_my_shifts(schedule_client: TestClient, schedule_crew: Crew) -> None:
    client = signed_in(schedule_client, schedule_crew.emily)
    made = client.post("/oncall/my-shifts/feed", data={"csrf_token": csrf_token(client)})
    path = feed_path(made.text)
    assert path.startswith(f"/oncall/users/{schedule_crew.emily.id}.ics?token=")
    schedule_client.cookies.clear()
    body = schedule_client.get(path)
    assert body.status_code == 200
    found = events(body.content)
    assert found
    assert {str(e["SUMMARY"]) for e in found} == {"Platform: Emily が当番"}
    first_night = min(
        (e for e in found if e.decoded("dtstart") >= NOON_WEDNESDAY), key=lambda e: e.decoded("dtstart")
    )
    assert first_night.decoded("dtstart") == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 19:00 Tokyo
    assert first_night.decoded("dtend") == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 09:00 Tokyo
    wrong_person = path.replace(f"/users/{schedule_crew.emily.id}.ics", f"/users/{schedule_crew.sato.id}.ics")
    assert schedule_client.get(wrong_person).status_code == 404
