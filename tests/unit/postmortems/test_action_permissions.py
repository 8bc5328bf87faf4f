"""Who may change an action item: engineers and admins anything; its owner, whatever their role,
may mark it done (or undo that), and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from hikeshi.accounts.models import User
from hikeshi.core.errors import PermissionDenied
from hikeshi.postmortems.action_items import check_may_change
from hikeshi.postmortems.models import ActionItem
from hikeshi.postmortems.rules import ActionItemStatus

DONE, OPEN, CANCELLED = ActionItemStatus.DONE, ActionItemStatus.OPEN, ActionItemStatus.CANCELLED


def person(user_id: int, role: str) -> User:
    return User(id=user_id, email=f"{user_id}@example.jp", name=str(user_id), role=role)


def item(owner_id: int | None, status: ActionItemStatus = OPEN) -> ActionItem:
    return ActionItem(id=1, owner_id=owner_id, status=status.value, title="t", due_on=date(2026, 12, 5))


@pytest.mark.parametrize("role", ["admin", "engineer"])
def test_responders_change_anything(role: str) -> None:
    check_may_change(user=person(1, role), item=item(2), fields={"title", "owner_id", "due_on"})
    check_may_change(user=person(1, role), item=item(None), fields={"status", "note"}, status=CANCELLED)


@pytest.mark.parametrize("role", ["support", "sales", "viewer"])
def test_an_owner_marks_done_and_undoes_it(role: str) -> None:
    owner = person(7, role)
    check_may_change(user=owner, item=item(7), fields={"status", "note"}, status=DONE)
    check_may_change(user=owner, item=item(7, DONE), fields={"status"}, status=OPEN)
    check_may_change(user=owner, item=item(7), fields={"note"})


@pytest.mark.parametrize(
    ("owner_id", "current", "fields", "status"),
    [
        (7, OPEN, {"status", "note"}, CANCELLED),  # cancelling is a responder's call
        (7, CANCELLED, {"status"}, OPEN),  # and so is bringing back a cancelled item
        (7, OPEN, {"title"}, None),
        (7, OPEN, {"status", "due_on"}, DONE),
        (8, OPEN, {"status"}, DONE),  # someone else's item
        (None, OPEN, {"status"}, DONE),
    ],
)
def test_everything_else_is_refused(
    owner_id: int | None, current: ActionItemStatus, fields: set[str], status: ActionItemStatus | None
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_may_change(
            user=person(7, "support"), item=item(owner_id, current), fields=fields, status=status
        )
    assert "its owner may mark it done" in str(refused.value)
