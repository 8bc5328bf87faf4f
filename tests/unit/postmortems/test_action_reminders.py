"""Which reminder an open action item earns on a given day: due soon once per due day, overdue weekly."""

from __future__ import annotations

from datetime import date

import pytest

from hikeshi.postmortems.reminders import Reminder, ReminderPolicy, reminder_due

POLICY = ReminderPolicy(remind_days=2, overdue_every_days=7)
DUE = date(2026, 12, 5)


def earned(
    today: date,
    *,
    reminded: date | None = None,
    overdue_reminded: date | None = None,
    policy: ReminderPolicy = POLICY,
) -> Reminder | None:
    return reminder_due(
        due_on=DUE, today=today, reminded_due_on=reminded, overdue_reminded_on=overdue_reminded, policy=policy
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 1), None),  # four days ahead
        (date(2026, 12, 2), None),  # three days ahead
        (date(2026, 12, 3), Reminder.DUE_SOON),  # two days ahead
        (date(2026, 12, 5), Reminder.DUE_SOON),  # the due day, not reminded yet
        (date(2026, 12, 6), Reminder.OVERDUE),  # the day after
        (date(2027, 1, 30), Reminder.OVERDUE),  # long overdue, never reminded
    ],
)
def test_a_fresh_item(today: date, expected: Reminder | None) -> None:
    assert earned(today) == expected


def test_due_soon_once_per_due_day() -> None:
    assert earned(date(2026, 12, 4), reminded=DUE) is None
    assert earned(date(2026, 12, 5), reminded=DUE) is None
    # The due day moved later (its mark was for the old day): reminded again before the new one.
    assert earned(date(2026, 12, 5), reminded=date(2026, 12, 1)) is Reminder.DUE_SOON


def test_overdue_again_every_so_many_days() -> None:
    first = date(2026, 12, 6)
    assert earned(first, reminded=DUE, overdue_reminded=first) is None
    assert earned(date(2026, 12, 12), overdue_reminded=first) is None
    assert earned(date(2026, 12, 13), overdue_reminded=first) is Reminder.OVERDUE
    assert earned(date(2026, 12, 8), overdue_reminded=first, policy=ReminderPolicy(2, 2)) is Reminder.OVERDUE


def test_remind_days_zero_reminds_on_the_due_day_only() -> None:
    policy = ReminderPolicy(remind_days=0, overdue_every_days=7)
    assert earned(date(2026, 12, 4), policy=policy) is None
    assert earned(DUE, policy=policy) is Reminder.DUE_SOON
