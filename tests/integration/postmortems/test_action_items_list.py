"""Action items across incidents: the filters, each row's incident, owner and "overdue", and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container
from hikeshi.postmortems import action_items
from hikeshi.postmortems.models import ActionItem
from hikeshi.postmortems.rules import ActionItemStatus
from tests.integration.postmortems.conftest import Crew, bearer
from tests.support.postmortems import insert_postmortem, resolved_incident

TODAY = date(2026, 12, 1)  # the clock's 2026-12-01 00:00 UTC is 09:00 in Tokyo


@dataclass(frozen=True)
class Items:
    """Two incidents' action items; their ids by a short name."""

    ids: dict[str, int]
    first_number: int
    second_number: int

    def names(self, found: list[Any]) -> list[str]:
        by_id = {item_id: name for name, item_id in self.ids.items()}
        return [by_id[row["id"] if isinstance(row, dict) else row.id] for row in found]


def add_item(
    world: Container,
    postmortem_id: int,
    title: str,
    due_on: date,
    owner: User | None,
    *,
    status: ActionItemStatus = ActionItemStatus.OPEN,
    note: str = "",
) -> int:
    with world.sessions() as db:
        item = action_items.create_action_item(
            session=db,
            postmortem_id=postmortem_id,
            title=title,
            due_on=due_on,
            owner_id=owner.id if owner else None,
            created_by_id=None,
            now=world.clock(),
        )
        if status != ActionItemStatus.OPEN:
            action_items.set_action_item_status(
                session=db, item_id=item.id, status=status, user_id=None, now=world.clock(), note=note
            )
        db.commit()
        return item.id


def two_incidents(world: Container, crew: Crew) -> Items:
    first = resolved_incident(world, by=crew.engineer.id, title="Web予約で予約が保存できない")
    second = resolved_incident(world, by=crew.engineer.id, title="SMSが送信できない", products=("sms",))
    p1, p2 = insert_postmortem(world, first), insert_postmortem(world, second)
    ids = {
        "a1": add_item(world, p1, "ロック待ちの監視を追加", date(2026, 11, 28), crew.engineer),
        "a2": add_item(world, p1, "負荷試験の手順を整備", date(2026, 12, 10), crew.reviewer),
        "a3": add_item(
            world, p1, "手順書を更新", date(2026, 11, 20), crew.engineer, status=ActionItemStatus.DONE
        ),
        "b1": add_item(world, p2, "SMS 事業者の切り替え手順", TODAY, crew.support),
        "b2": add_item(world, p2, "アラートの閾値を見直す", date(2026, 11, 30), None),
        "b3": add_item(
            world,
            p2,
            "予備回線の契約",
            date(2026, 11, 25),
            crew.engineer,
            status=ActionItemStatus.CANCELLED,
            note="別の対策で足りる",
        ),
    }
    return Items(ids=ids, first_number=first.number, second_number=second.number)


def listed(world: Container, **filters: Any) -> action_items.ActionItemPage:
    with world.sessions() as db:
        return action_items.list_action_items(session=db, today=TODAY, **filters)


def test_filters_combine_and_rows_carry_incident_owner_and_overdue(world: Container, crew: Crew) -> None:
    items = two_incidents(world, crew)
    open_items = listed(world, status=ActionItemStatus.OPEN)
    # The earliest due first; due today is not overdue yet; a done item is never overdue.
    assert items.names(open_items.rows) == ["a1", "b2", "b1", "a2"]
    assert [row.overdue for row in open_items.rows] == [True, True, False, False]
    a1 = open_items.rows[0]
    assert (a1.incident_number, a1.incident_title) == (items.first_number, "Web予約で予約が保存できない")
    assert (a1.owner_id, a1.owner_name) == (crew.engineer.id, crew.engineer.name)
    assert open_items.rows[1].owner_name is None

    assert items.names(listed(world, owner_id=crew.engineer.id).rows) == ["a3", "b3", "a1"]
    assert items.names(listed(world, overdue_on=TODAY).rows) == ["a1", "b2"]
    assert items.names(listed(world, overdue_on=date(2026, 11, 29)).rows) == ["a1"]
    assert items.names(listed(world, incident_number=items.second_number).rows) == ["b3", "b2", "b1"]
    window = listed(world, due_from=date(2026, 11, 25), due_until=TODAY)
    assert items.names(window.rows) == ["b3", "a1", "b2", "b1"]
    done = listed(world, status=ActionItemStatus.DONE)
    assert items.names(done.rows) == ["a3"]
    assert done.rows[0].done_at == world.clock()
    assert listed(world, incident_number=999).total == 0


def test_pages_count_every_match(world: Container, crew: Crew) -> None:
    items = two_incidents(world, crew)
    page = listed(world, limit=2, offset=2)
    assert (page.total, page.limit, page.offset) == (6, 2, 2)
    assert items.names(page.rows) == ["a1", "b2"]


def test_api_lists_with_the_same_filters(web: TestClient, world: Container, crew: Crew) -> None:
    items = two_incidents(world, crew)
    auth = bearer(world, crew.engineer)

    mine = web.get("/api/v1/action-items?owner=me&status=open", headers=auth)
    assert mine.status_code == 200
    [a1] = mine.json()
    assert a1["id"] == items.ids["a1"]
    assert (a1["incident_number"], a1["owner_name"], a1["overdue"]) == (items.first_number, "Sato", True)
    assert a1["due_on"] == "2026-11-28"

    assert web.get("/api/v1/action-items?owner=mine&status=open", headers=auth).json() == [a1]
    overdue = web.get("/api/v1/action-items?overdue=true", headers=auth).json()
    assert items.names(overdue) == ["a1", "b2"]
    by_owner = web.get(f"/api/v1/action-items?owner={crew.reviewer.id}", headers=auth).json()
    assert items.names(by_owner) == ["a2"]
    second = web.get(f"/api/v1/action-items?incident={items.second_number}&status=cancelled", headers=auth)
    [b3] = second.json()
    assert (b3["status"], b3["note"], b3["overdue"]) == ("cancelled", "別の対策で足りる", False)
    window = web.get("/api/v1/action-items?due_from=2026-11-30&due_until=2026-12-01", headers=auth).json()
    assert items.names(window) == ["b2", "b1"]
    assert items.names(web.get("/api/v1/action-items?limit=1&offset=1", headers=auth).json()) == ["b3"]

    one = web.get(f"/api/v1/action-items/{items.ids['b1']}", headers=auth).json()
    assert (one["title"], one["owner_name"], one["overdue"]) == ("SMS 事業者の切り替え手順", "Ito", False)


def test_api_refuses_bad_filters_naming_them(web: TestClient, world: Container, crew: Crew) -> None:
    two_incidents(world, crew)
    auth = bearer(world, crew.support)

    def refused(query: str, status: int = 400) -> str:
        answer = web.get(f"/api/v1/action-items{query}", headers=auth)
        assert answer.status_code == status, answer.text
        return str(answer.json()["error"]["message"])

    assert "status" in refused("?status=late")
    assert "owner" in refused("?owner=sato")
    assert "due_from" in refused("?due_from=2026-12-05&due_until=2026-12-01")
    assert "due_from" in refused("?due_from=tomorrow", 422)
    assert "Action item 4242 does not exist" in refused("/4242", 404)
    viewer = web.get("/api/v1/action-items", headers=bearer(world, crew.viewer))
    assert viewer.status_code == 403
    assert web.get("/api/v1/action-items").status_code == 401


def read(world: Container, item_id: int) -> ActionItem:
    with world.sessions() as db:
        item = action_items.get_action_item(session=db, item_id=item_id)
        db.expunge(item)
        return item


def test_responders_edit_any_field_over_the_api(web: TestClient, world: Container, crew: Crew) -> None:
    items = two_incidents(world, crew)
    with world.sessions() as db:
        item = action_items.get_action_item(session=db, item_id=items.ids["a2"])
        item.reminded_due_on = item.due_on
        db.commit()
    auth = bearer(world, crew.reviewer)
    changed = web.patch(
        f"/api/v1/action-items/{items.ids['a2']}",
        json={"title": "負荷試験を四半期ごとに実施", "due_on": "2026-12-24", "owner_id": crew.engineer.id},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["due_on"], body["owner_name"]) == (
        "負荷試験を四半期ごとに実施",
        "2026-12-24",
        "Sato",
    )
    assert read(world, items.ids["a2"]).reminded_due_on is None  # a new due day is reminded of again

    unowned = web.patch(f"/api/v1/action-items/{items.ids['a2']}", json={"owner_id": None}, headers=auth)
    assert unowned.json()["owner_id"] is None
    cancelled = web.patch(
        f"/api/v1/action-items/{items.ids['a2']}",
        json={"status": "cancelled", "note": "設計変更で不要"},
        headers=auth,
    )
    assert (cancelled.json()["status"], cancelled.json()["note"]) == ("cancelled", "設計変更で不要")
    reopened = web.patch(f"/api/v1/action-items/{items.ids['a2']}", json={"status": "open"}, headers=auth)
    assert (reopened.json()["status"], reopened.json()["done_at"]) == ("open", None)

    def refused(body: dict[str, Any]) -> str:
        answer = web.patch(f"/api/v1/action-items/{items.ids['a1']}", json=body, headers=auth)
        assert answer.status_code in (400, 422), answer.text
        return str(answer.json()["error"]["message"])

    assert "note" in refused({"status": "cancelled"})
    assert "status" in refused({"status": "finished"})
    assert "owner" in refused({"owner_id": 4242})
    assert "title" in refused({"title": "  "})
    assert read(world, items.ids["a1"]).status == "open"


def test_an_owner_marks_their_own_item_done_whatever_their_role(
    web: TestClient, world: Container, crew: Crew
) -> None:
    items = two_incidents(world, crew)
    support = bearer(world, crew.support)
    url = f"/api/v1/action-items/{items.ids['b1']}"

    done = web.patch(url, json={"status": "done", "note": "手順書に追記した"}, headers=support)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["note"]) == ("done", "手順書に追記した")
    undone = web.patch(url, json={"status": "open"}, headers=support)
    assert undone.json()["status"] == "open"

    for body in ({"title": "別の件名"}, {"status": "cancelled", "note": "やめる"}, {"due_on": "2027-01-31"}):
        refused = web.patch(url, json=body, headers=support)
        assert refused.status_code == 403, body
        assert "owner may mark it done" in refused.json()["error"]["message"]
    others = web.patch(f"/api/v1/action-items/{items.ids['a2']}", json={"status": "done"}, headers=support)
    assert others.status_code == 403
    assert read(world, items.ids["a2"]).status == "open"
    assert read(world, items.ids["b1"]).title == "SMS 事業者の切り替え手順"
