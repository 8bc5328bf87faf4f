"""The notice pages as each role sees them in a browser: the list, one notice, the incident's panel."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.comms import notices
from hikeshi.comms.models import Notice
from tests.integration.comms.conftest import Crew, declare
from tests.support.web import csrf_token, sign_in


def draft(world: Container, crew: Crew, incident_id: int, **fields: Any) -> Notice:
    with world.sessions() as db:
        notice = notices.create_notice(
            session=db,
            incident_id=incident_id,
            maintenance_id=None,
            kind="first",
            by=None,
            now=world.clock(),
            **fields,
        )
        db.commit()
        db.refresh(notice)
        db.expunge(notice)
        return notice


def test_support_drafts_edits_and_the_support_lead_approves_from_the_pages(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident = declare(world, crew)
    sign_in(web, crew.support.email)
    room = web.get(f"/incidents/{incident.number}")
    assert f'hx-get="/incidents/{incident.number}/comms-panel"' in room.text
    panel = web.get(f"/incidents/{incident.number}/comms-panel")
    assert "お客様へのお知らせはまだありません。" in panel.text
    assert "下書きを作成: 第一報" in panel.text

    made = web.post(
        f"/incidents/{incident.number}/notices", data={"kind": "first", "csrf_token": csrf_token(web)}
    )
    assert made.status_code == 303
    location = made.headers["location"]
    page = web.get(location)
    assert page.status_code == 200
    assert 'name="title_ja"' in page.text
    assert 'name="title_en"' in page.text
    assert 'id="preview-status-ja"' in page.text
    assert 'id="preview-email-en"' in page.text
    assert 'id="preview-in-app-ja"' in page.text
    assert 'id="preview-partners"' in page.text
    assert "/publish" not in page.text  # plain support may not approve
    assert "管理者またはサポートのチームリーダーだけです" in page.text
    assert "承認を依頼してください: Admin, Suzuki" in page.text

    notice_id = int(location.rsplit("/", 1)[1])
    form = {
        "title_ja": "Web 予約がご利用いただけません",
        "title_en": "Web booking is unavailable",
        "body_ja": "現在、Web 予約がご利用いただけません。",
        "body_en": "Web booking is currently unavailable.",
        "channels": ["status_page", "in_app"],
        "public_status": "identified",
        "impact": "major",
        "components": ["3:", "1:degraded_performance"],
        "csrf_token": csrf_token(web),
    }
    saved = web.post(location, data=form)
    assert saved.status_code == 303
    with world.sessions() as db:
        stored = notices.get_notice(session=db, notice_id=notice_id)
        assert (stored.title_ja, stored.channels, stored.public_status) == (
            "Web 予約がご利用いただけません",
            ["status_page", "in_app"],
            "identified",
        )
        assert stored.component_statuses == {"1": "degraded_performance"}
    shown = web.get(location).text
    english = shown[shown.index('id="preview-status-en"') : shown.index('id="preview-in-app-ja"')]
    assert "Identified" in english
    assert "Reservation ledger (iPad): Degraded performance" in english
    assert "Web booking is unavailable" in english
    assert web.post(f"{location}/publish", data={"csrf_token": csrf_token(web)}).status_code == 403

    web.cookies.clear()
    sign_in(web, crew.support_lead.email)
    page = web.get(location)
    assert f'action="/notices/{notice_id}/publish"' in page.text
    published = web.post(f"{location}/publish", data={"csrf_token": csrf_token(web)})
    assert published.status_code == 303
    page = web.get(location)
    assert "公開済み" in page.text
    assert 'id="published-by"' in page.text
    assert "Suzuki" in page.text
    assert 'name="title_ja"' not in page.text  # no edit form once published
    assert "承認・公開" in page.text  # the history
    listing = web.get("/notices")
    assert "Web 予約がご利用いただけません" in listing.text
    assert 'href="/notices"' in listing.text  # the bar's item


def test_a_refused_edit_shows_the_notice_again_with_the_reason(
    world: Container, crew: Crew, web: TestClient
) -> None:
    notice = draft(world, crew, declare(world, crew).id)
    sign_in(web, crew.engineer.email)
    answer = web.post(
        f"/notices/{notice.id}",
        data={
            "title_ja": "",
            "title_en": "x",
            "body_ja": "本文",
            "body_en": "b",
            "csrf_token": csrf_token(web),
        },
    )
    assert answer.status_code == 400
    assert "title_ja: 日本語の文面は必須です" in answer.text
    discarded = web.post(f"/notices/{notice.id}/discard", data={"reason": "", "csrf_token": csrf_token(web)})
    assert discarded.status_code == 400
    assert "破棄する理由" in discarded.text
    unknown = web.post("/incidents/1/notices", data={"kind": "apology", "csrf_token": csrf_token(web)})
    assert unknown.status_code == 400
    assert "apology" in unknown.text
    assert "のいずれでもありません" in unknown.text
    assert 'href="/incidents/1"' in unknown.text


def test_drafts_awaiting_approval_come_first_on_the_list(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident = declare(world, crew)
    draft(world, crew, incident.id, title_ja="承認待ちのお知らせ")
    sign_in(web, crew.sales.email)
    page = web.get("/notices")
    assert page.status_code == 200
    waiting = page.text.index('id="awaiting-approval"')
    assert waiting < page.text.index("承認待ちのお知らせ") < page.text.index('id="published"')
    assert f'href="/incidents/{incident.number}"' in page.text


def test_viewers_see_the_panel_without_buttons_and_not_the_notices(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident = declare(world, crew)
    draft(world, crew, incident.id, title_ja="第一報の下書き")
    sign_in(web, crew.viewer.email)
    assert web.get("/notices").status_code == 403
    panel = web.get(f"/incidents/{incident.number}/comms-panel")
    assert panel.status_code == 200
    assert "Notices to customers" in panel.text
    assert "第一報の下書き" in panel.text
    assert "Awaiting approval" in panel.text
    assert f'action="/incidents/{incident.number}/notices"' not in panel.text
    assert 'href="/notices"' not in web.get("/").text
