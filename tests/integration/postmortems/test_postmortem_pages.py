"""The postmortem pages as each role sees them: the incident panel, the list, writing, review, publishing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.postmortems import service
from hikeshi.postmortems.models import Postmortem
from tests.integration.postmortems.conftest import Crew
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.postmortems import resolved_incident
from tests.support.web import csrf_token, sign_in


def opened(world: Container, crew: Crew, clock: FrozenClock, **incident: object) -> tuple[int, Postmortem]:
    found = resolved_incident(
        world,
        by=crew.engineer.id,
        started_at=clock.now - timedelta(minutes=45),
        **incident,  # type: ignore[arg-type]
    )
    run_jobs(world)
    with world.sessions() as db:
        postmortem = service.postmortem_for_incident(session=db, incident_id=found.id)
        assert postmortem is not None
        db.expunge(postmortem)
    return found.number, postmortem


def form(web: TestClient, postmortem: Postmortem, **fields: str) -> dict[str, str]:
    values = {
        f"{name}_{language}": getattr(postmortem, f"{name}_{language}")
        for name in ("symptom", "recovery", "impact", "cause", "prevention")
        for language in ("ja", "en")
    }
    return {**values, "owner_id": str(postmortem.owner_id or ""), "csrf_token": csrf_token(web), **fields}


def test_write_submit_review_and_publish_from_the_pages(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    number, postmortem = opened(world, crew, clock)
    sign_in(web, crew.engineer.email)
    room = web.get(f"/incidents/{number}")
    assert f'hx-get="/incidents/{number}/postmortem-panel"' in room.text
    panel = web.get(f"/incidents/{number}/postmortem-panel")
    assert f'href="/postmortems/{postmortem.id}"' in panel.text
    assert "下書き" in panel.text
    assert "未記入の項目: 原因、再発防止策（対策を1件以上）" in panel.text

    page = web.get(f"/postmortems/{postmortem.id}")
    assert page.status_code == 200
    gate = page.text[page.text.index('id="gate"') : page.text.index('id="facts"')]
    assert "原因" in gate
    assert "再発防止策（対策を1件以上）" in gate
    assert "Web予約で予約が保存できない" in page.text
    assert 'name="cause_ja"' in page.text
    assert 'name="cause_en"' in page.text
    assert "ロック待ちを解消する修正をデプロイ" in page.text  # recovery pre-filled and recorded
    assert re.search(r'id="duration-start">45分<', page.text)

    saved = web.post(
        f"/postmortems/{postmortem.id}",
        data=form(web, postmortem, cause_ja="予約テーブルのロック待ち", version="1"),
    )
    assert saved.status_code == 303
    added = web.post(
        f"/postmortems/{postmortem.id}/action-items",
        data={
            "title": "ロック待ちの監視を追加する",
            "owner_id": str(crew.reviewer.id),
            "due_on": "2026-12-15",
            "csrf_token": csrf_token(web),
        },
    )
    assert added.status_code == 303
    page = web.get(f"/postmortems/{postmortem.id}")
    assert 'id="gate-ready"' in page.text
    assert "ロック待ちの監視を追加する" in page.text
    assert "2026-12-15" in page.text
    assert (
        web.post(f"/postmortems/{postmortem.id}/submit", data={"csrf_token": csrf_token(web)}).status_code
        == 303
    )
    page = web.get(f"/postmortems/{postmortem.id}")
    assert "レビュー中" in page.text
    assert 'id="own-submission"' in page.text
    assert f'action="/postmortems/{postmortem.id}/publish"' not in page.text
    refused = web.post(f"/postmortems/{postmortem.id}/publish", data={"csrf_token": csrf_token(web)})
    assert refused.status_code == 409
    assert "別の人がレビューして公開する必要があります" in refused.text

    web.cookies.clear()
    sign_in(web, crew.reviewer.email)
    page = web.get(f"/postmortems/{postmortem.id}")
    assert f'action="/postmortems/{postmortem.id}/publish"' in page.text
    published = web.post(f"/postmortems/{postmortem.id}/publish", data={"csrf_token": csrf_token(web)})
    assert published.status_code == 303
    page = web.get(f"/postmortems/{postmortem.id}")
    assert "公開済み" in page.text
    assert 'id="kb-pending"' in page.text
    assert 'name="cause_ja"' not in page.text  # no edit form once published

    run_jobs(world)  # the publish job writes the Markdown file (no esa configured)
    page = web.get(f"/postmortems/{postmortem.id}")
    location = re.search(r'id="kb-location"><code>([^<]+)</code>', page.text)
    assert location is not None
    assert "予約テーブルのロック待ち" in Path(location.group(1)).read_text(encoding="utf-8")
    panel = web.get(f"/incidents/{number}/postmortem-panel")
    assert 'id="panel-kb"' in panel.text
    listing = web.get("/postmortems?status=published")
    assert f'href="/postmortems/{postmortem.id}"' in listing.text
    assert "/postmortems" in web.get("/incidents").text  # the navigation's item

    reopened = web.post(f"/postmortems/{postmortem.id}/reopen", data={"csrf_token": csrf_token(web)})
    assert reopened.status_code == 303
    assert 'name="cause_ja"' in web.get(f"/postmortems/{postmortem.id}").text
    assert f'href="/postmortems/{postmortem.id}"' not in web.get("/postmortems?status=published").text


def test_publishing_with_an_empty_cause_is_refused_naming_the_field(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    _, postmortem = opened(world, crew, clock)
    sign_in(web, crew.engineer.email)
    web.post(f"/postmortems/{postmortem.id}/submit", data={"csrf_token": csrf_token(web)})
    web.cookies.clear()
    sign_in(web, crew.reviewer.email)
    refused = web.post(f"/postmortems/{postmortem.id}/publish", data={"csrf_token": csrf_token(web)})
    assert refused.status_code == 409
    error = refused.text[refused.text.index('id="error"') :].split("</p>")[0]
    assert (
        "次の項目が未記入のため、ポストモーテムを公開できません: 原因, 再発防止策（対策を1件以上）" in error
    )
    with world.sessions() as db:
        assert service.get_postmortem(session=db, postmortem_id=postmortem.id).status == "in_review"


def test_a_stale_edit_is_refused_and_shows_the_form_again(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    _, postmortem = opened(world, crew, clock)
    sign_in(web, crew.engineer.email)
    assert (
        web.post(
            f"/postmortems/{postmortem.id}", data=form(web, postmortem, cause_ja="A", version="1")
        ).status_code
        == 303
    )
    stale = web.post(f"/postmortems/{postmortem.id}", data=form(web, postmortem, cause_ja="B", version="1"))
    assert stale.status_code == 409
    assert "読み込んだ後にポストモーテムが変更されました" in stale.text
    bad_day = web.post(
        f"/postmortems/{postmortem.id}/action-items",
        data={"title": "x", "owner_id": "", "due_on": "15/12", "csrf_token": csrf_token(web)},
    )
    assert bad_day.status_code == 400
    assert "due_on: 日付は YYYY-MM-DD の形式で指定してください: 15/12" in bad_day.text


def test_roles_support_reads_viewer_sees_the_panel_only(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    number, postmortem = opened(world, crew, clock)
    sign_in(web, crew.support.email)
    page = web.get(f"/postmortems/{postmortem.id}")
    assert page.status_code == 200
    assert 'name="cause_ja"' not in page.text
    assert 'id="review"' not in page.text
    assert (
        web.post(f"/postmortems/{postmortem.id}/submit", data={"csrf_token": csrf_token(web)}).status_code
        == 403
    )
    web.cookies.clear()
    sign_in(web, crew.viewer.email)  # English
    panel = web.get(f"/incidents/{number}/postmortem-panel")
    assert panel.status_code == 200
    assert "Postmortem of incident" in panel.text
    assert "Draft" in panel.text
    assert "/postmortems/" not in panel.text
    assert web.get(f"/postmortems/{postmortem.id}").status_code == 403


def test_the_page_and_the_preview_in_english(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    _, postmortem = opened(world, crew, clock)
    sign_in(web, crew.engineer.email)
    web.cookies.set("hikeshi_lang", "en")
    page = web.get(f"/postmortems/{postmortem.id}")
    assert "Publishing is refused until these are filled in:" in page.text
    assert "Prevention measures (at least one action item)" in page.text
    assert "Start to resolution" in page.text
    assert re.search(r'id="duration-start">45 min<', page.text)
    preview = web.get(f"/postmortems/{postmortem.id}/preview")
    assert preview.status_code == 200
    assert "As it would be published now." in preview.text
    assert "<h1>障害報告: #" in preview.text  # the document itself is Japanese first


def test_a_resolved_incident_without_a_postmortem_can_open_it_from_the_panel(
    world: Container, crew: Crew, web: TestClient
) -> None:
    found = resolved_incident(world, by=crew.engineer.id)  # the worker has not run yet
    sign_in(web, crew.engineer.email)
    panel = web.get(f"/incidents/{found.number}/postmortem-panel")
    assert "ポストモーテムを作成しています。" in panel.text
    made = web.post(f"/incidents/{found.number}/postmortem", data={"csrf_token": csrf_token(web)})
    assert made.status_code == 303
    run_jobs(world)  # the listener finds it there already
    with world.sessions() as db:
        assert db.query(Postmortem).count() == 1
