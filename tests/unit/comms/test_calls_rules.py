"""The call list's order and its callers: open now first in each store's own zone, a fair share each."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from hikeshi.comms.call_rules import (
    OpenHours,
    StoreToCall,
    assign_callers,
    call_order,
    is_open,
    minutes_until_open,
    parse_open_hours,
    parse_outcome,
    parse_state,
)
from hikeshi.core.errors import InvalidInput

LUNCH_TO_LATE = parse_open_hours("11:00-23:00")
EVENING_PAST_MIDNIGHT = parse_open_hours("17:00-02:00")


def store(
    store_id: int,
    *,
    zone: str = "Asia/Tokyo",
    name: str | None = None,
    rep: int | None = None,
    web: bool = False,
    products: int = 1,
) -> StoreToCall:
    return StoreToCall(
        store_id=store_id,
        name=name or f"store {store_id:03d}",
        timezone=zone,
        sales_rep_user_id=rep,
        uses_web_booking=web,
        affected_products=products,
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_hours_parse_including_past_midnight_and_end_of_day() -> None:
    assert parse_open_hours("11:00-23:00") == OpenHours(opens=660, closes=1380)
    assert parse_open_hours(" 17:00 - 02:00 ") == OpenHours(opens=1020, closes=120)
    assert parse_open_hours("9:30-24:00") == OpenHours(opens=570, closes=0)


@pytest.mark.parametrize("text", ["11-23", "25:00-23:00", "11:60-23:00", "24:00-10:00", "", "11:00"])
def test_bad_hours_name_the_setting(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_open_hours(text)
    assert "store_open_hours" in str(caught.value)


def test_a_store_is_open_by_its_own_clock() -> None:
    # 03:00 UTC is 12:00 in Tokyo (open), 11:00 in Singapore (open), 03:00 in London (closed).
    now = utc("2026-12-01T03:00")
    assert is_open(LUNCH_TO_LATE, now=now, zone="Asia/Tokyo")
    assert is_open(LUNCH_TO_LATE, now=now, zone="Asia/Singapore")
    assert not is_open(LUNCH_TO_LATE, now=now, zone="Europe/London")


def test_hours_past_midnight_are_open_after_midnight_and_closed_before_opening() -> None:
    # Tokyo 01:30 (open: the evening's hours run until 02:00), 02:00 (closed), 16:59 (closed), 17:00 (open).
    assert is_open(EVENING_PAST_MIDNIGHT, now=utc("2026-11-30T16:30"), zone="Asia/Tokyo")
    assert not is_open(EVENING_PAST_MIDNIGHT, now=utc("2026-11-30T17:00"), zone="Asia/Tokyo")
    assert not is_open(EVENING_PAST_MIDNIGHT, now=utc("2026-12-01T07:59"), zone="Asia/Tokyo")
    assert is_open(EVENING_PAST_MIDNIGHT, now=utc("2026-12-01T08:00"), zone="Asia/Tokyo")


def test_minutes_until_open_wrap_to_tomorrow() -> None:
    # Tokyo 23:30: the next opening is 11:00 tomorrow, 11.5 hours away; with late hours it is open.
    now = utc("2026-12-01T14:30")
    assert minutes_until_open(LUNCH_TO_LATE, now=now, zone="Asia/Tokyo") == 690
    assert minutes_until_open(EVENING_PAST_MIDNIGHT, now=now, zone="Asia/Tokyo") == 0


def test_minutes_until_open_count_real_minutes_across_a_clock_change() -> None:
    # New York, Sunday 8 March 2026: clocks jump from 02:00 to 03:00. At 01:00 EST (06:00 UTC) the
    # 11:00 EDT opening (15:00 UTC) is 9 real hours away, not the 10 the wall clock suggests.
    now = utc("2026-03-08T06:00")
    assert minutes_until_open(LUNCH_TO_LATE, now=now, zone="America/New_York") == 9 * 60


def test_open_stores_come_first_then_the_soonest_to_open() -> None:
    # 01:30 UTC: Tokyo 10:30 (opens in 30 min), Singapore 09:30 (90 min), Sydney 12:30 (open),
    # Honolulu 15:30 the day before (open), London 01:30 (closed, opens in 570 min).
    now = utc("2026-12-01T01:30")
    stores = [
        store(1, zone="Europe/London"),
        store(2, zone="Asia/Singapore"),
        store(3, zone="Asia/Tokyo"),
        store(4, zone="Pacific/Honolulu"),
        store(5, zone="Australia/Sydney"),
    ]
    ordered = [s.store_id for s in call_order(stores, now=now, hours=LUNCH_TO_LATE)]
    assert ordered == [4, 5, 3, 2, 1]


def test_among_equals_web_booking_then_more_products_then_name() -> None:
    now = utc("2026-12-01T03:00")  # every Tokyo store is open
    stores = [
        store(1, name="Cafe B"),
        store(2, name="Cafe A"),
        store(3, name="Bistro", products=3),
        store(4, name="Zen", web=True),
        store(5, name="Yama", web=True, products=2),
    ]
    ordered = [s.store_id for s in call_order(stores, now=now, hours=LUNCH_TO_LATE)]
    assert ordered == [5, 4, 3, 2, 1]


def test_a_sales_representative_calls_their_own_stores() -> None:
    stores = [store(1, rep=50), store(2), store(3, rep=51), store(4)]
    assert assign_callers(stores, support_ids=[7, 8], active_ids={7, 8, 50, 51}) == [50, 7, 51, 8]


def test_an_inactive_representative_leaves_the_store_to_support() -> None:
    stores = [store(1, rep=50), store(2)]
    assert assign_callers(stores, support_ids=[7], active_ids={7}) == [7, 7]


def test_round_robin_is_balanced_and_deterministic() -> None:
    stores = [store(n) for n in range(1, 101)]
    first = assign_callers(stores, support_ids=[9, 3, 5], active_ids={3, 5, 9})
    assert first == assign_callers(stores, support_ids=[3, 5, 9], active_ids={3, 5, 9})
    counts = Counter(first)
    assert set(counts) == {3, 5, 9}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert first[:4] == [3, 5, 9, 3]


def test_round_robin_continues_from_the_calls_people_already_have() -> None:
    added = assign_callers([store(n) for n in range(5)], support_ids=[1, 2], active_ids={1, 2}, loads={1: 3})
    assert Counter(added) == {2: 4, 1: 1}


def test_without_support_people_calls_are_unassigned() -> None:
    assert assign_callers([store(1), store(2, rep=4)], support_ids=[], active_ids={4}) == [None, 4]


def test_outcomes_and_filters_name_the_field() -> None:
    assert parse_outcome(" Reached ") == "reached"
    assert parse_state("to_call") == "to_call"
    assert parse_state("voicemail") == "voicemail"
    assert parse_state("") is None
    with pytest.raises(InvalidInput, match="outcome: 'busy'"):
        parse_outcome("busy")
    with pytest.raises(InvalidInput, match="state: 'done'"):
        parse_state("done")
