"""The action items page: filters, overdue rows standing out, done/cancel/reopen in place, who may."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.postmortems.conftest import Crew
from tests.integration.postmortems.test_action_items_list import Items, read, two_incidents
from tests.support.web import csrf_token, sign_in

HTMX = "true"


def row_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="action-item-(\d+)"', html)]


def row(html: str, item_id: int) -> str:
    start = html.index(f'<tr id="action-item-{item_id}"')
    return html[start : html.index("</tr>", start)]


def names(items: Items, html: str) -> list[str]:
    by_id = {item_id: name for name, item_id in items.ids.items()}
    return [by_id[item_id] for item_id in row_ids(html)]


def test_staff_see_open_items_with_overdue_ones_standing_out(
    web: TestClient, world: Container, crew: Crew
) -> None:
    items = two_incidents(world, crew)
    sign_in(web, crew.support.email)
    page = web.get("/action-items")
    assert page.status_code == 200
    html = page.text
    assert names(items, html) == ["a1", "b2", "b1", "a2"]  # open ones, the earliest due first
    assert 'aria-current="page">対策</a>' in html  # the section tab
    a1 = row(html, items.ids["a1"])
    assert "overdue" in a1.split(">")[0]
    assert "期限超過" in a1
    assert f'href="/incidents/{items.first_number}"' in a1
    assert "Sato" in a1
    b1 = row(html, items.ids["b1"])  # due today: not overdue yet
    assert "overdue" not in b1.split(">")[0]
    assert "期限超過" not in b1
    assert "4 件の対策が該当します。" in html
    assert "なし" in row(html, items.ids["b2"])  # no owner

    assert names(items, web.get("/action-items?overdue=1").text) == ["a1", "b2"]
    assert names(items, web.get("/action-items?owner=mine").text) == ["b1"]
    assert names(items, web.get(f"/action-items?owner={crew.engineer.id}&status=all").text) == [
        "a3",
        "b3",
        "a1",
    ]
    assert names(items, web.get(f"/action-items?incident=%23{items.second_number}&status=all").text) == [
        "b3",
        "b2",
        "b1",
    ]
    done = web.get("/action-items?status=done").text
    assert names(items, done) == ["a3"]
    assert "完了" in row(done, items.ids["a3"])


def test_the_page_speaks_english_and_refuses_bad_filters(
    web: TestClient, world: Container, crew: Crew
) -> None:
    items = two_incidents(world, crew)
    sign_in(web, crew.engineer.email)
    web.cookies.set("hikeshi_lang", "en")
    html = web.get("/action-items").text
    assert "4 action items match." in html
    assert "Overdue" in row(html, items.ids["a1"])
    assert "today is 2026-12-01" in html

    bad = web.get("/action-items?status=late")
    assert bad.status_code == 400
    assert "status must be one of: open, done, cancelled, all" in bad.text
    assert names(items, bad.text) == ["a1", "b2", "b1", "a2"]  # the default list below the message
    wrong_incident = web.get("/action-items?incident=twelve")
    assert wrong_incident.status_code == 400
    assert "incident: &#39;twelve&#39; is not an incident number" in wrong_incident.text


def test_viewers_may_not_see_the_list(web: TestClient, world: Container, crew: Crew) -> None:
    two_incidents(world, crew)
    sign_in(web, crew.viewer.email)
    assert web.get("/action-items").status_code == 403


def change(web: TestClient, item_id: int, **form: str) -> str:
    answer = web.post(
        f"/action-items/{item_id}/status",
        data=form,
        headers={"HX-Request": HTMX, "X-CSRF-Token": csrf_token(web)},
    )
    assert answer.status_code == 200, answer.text
    assert answer.text.lstrip().startswith(f'<tr id="action-item-{item_id}"')  # the row, to swap in
    return answer.text


def test_engineers_mark_done_cancel_and_reopen_in_place(
    web: TestClient, world: Container, crew: Crew
) -> None:
    items = two_incidents(world, crew)
    sign_in(web, crew.engineer.email)
    a2 = items.ids["a2"]

    done = change(web, a2, status="done")
    assert '<strong class="status">完了</strong>' in done
    assert "再開する" in done
    assert names(items, web.get("/action-items").text) == ["a1", "b2", "b1"]

    reopened = change(web, a2, status="open")
    assert '<strong class="status">未解決</strong>' in reopened
    assert read(world, a2).done_at is None

    refused = change(web, a2, status="cancelled")  # no reason given
    assert 'role="alert"' in refused
    assert "対策を中止する理由を書いてください" in refused
    assert read(world, a2).status == "open"
    cancelled = change(web, a2, status="cancelled", note="設計変更で不要")
    assert "取り消し済み" in cancelled
    assert "メモ: 設計変更で不要" in cancelled
    assert read(world, a2).note == "設計変更で不要"


def test_an_owner_without_an_engineers_role_marks_only_their_own_item_done(
    web: TestClient, world: Container, crew: Crew
) -> None:
    items = two_incidents(world, crew)
    sign_in(web, crew.support.email)
    html = web.get("/action-items").text
    # Support owns b1: a Done button there, and no cancel; nothing to press on the others.
    assert 'value="done"' in row(html, items.ids["b1"])
    assert 'value="cancelled"' not in row(html, items.ids["b1"])
    assert "<form" not in row(html, items.ids["a1"])

    done = change(web, items.ids["b1"], status="done", note="手順書に追記した")
    assert "完了" in done
    assert read(world, items.ids["b1"]).done_by_id == crew.support.id
    refused = change(web, items.ids["a1"], status="done")
    assert "この対策を変更できるのはエンジニアと管理者だけです" in refused
    assert read(world, items.ids["a1"]).status == "open"


def test_a_plain_form_post_comes_back_to_the_filtered_list(
    web: TestClient, world: Container, crew: Crew
) -> None:
    items = two_incidents(world, crew)
    sign_in(web, crew.admin.email)
    answer = web.post(
        f"/action-items/{items.ids['a1']}/status",
        data={"status": "done", "back": "/action-items?overdue=1", "csrf_token": csrf_token(web)},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/action-items?overdue=1#action-item-{items.ids['a1']}"
    assert read(world, items.ids["a1"]).status == "done"
    elsewhere = web.post(
        f"/action-items/{items.ids['a2']}/status",
        data={"status": "done", "back": "https://evil.example/", "csrf_token": csrf_token(web)},
    )
    assert elsewhere.headers["location"] == f"/action-items#action-item-{items.ids['a2']}"
    bad = web.post(
        f"/action-items/{items.ids['a2']}/status",
        data={"status": "finished", "csrf_token": csrf_token(web)},
    )
    assert bad.status_code == 400
