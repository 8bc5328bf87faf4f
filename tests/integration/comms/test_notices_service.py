"""Notices against a real database: drafted from an incident, edited, approved by the right people,
published to every channel once, with the whole history kept."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.comms import approvers, calls, campaigns, changes, notices, partner_notices, publishing
from hikeshi.comms.models import Notice
from hikeshi.comms.schemas import NoticeUpdate
from hikeshi.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew, declare

BASE_URL = "https://hikeshi.example.com"
SECRET_SUMMARY = "内部メモ: DB のロック待ち"


def draft(world: Container, crew: Crew, incident_id: int, **fields: Any) -> Notice:
    with world.sessions() as db:
        notice = notices.create_notice(
            session=db,
            incident_id=incident_id,
            maintenance_id=None,
            kind=fields.pop("kind", "first"),
            by=crew.engineer.id,
            now=world.clock(),
            **fields,
        )
        db.commit()
        db.refresh(notice)
        db.expunge(notice)
        return notice


def publish(world: Container, notice_id: int, by: int) -> Notice:
    with world.sessions() as db:
        notice = publishing.publish_notice(
            session=db,
            notice_id=notice_id,
            by=by,
            now=world.clock(),
            base_url=BASE_URL,
            open_hours="00:00-23:59",
        )
        db.commit()
        db.refresh(notice)
        db.expunge(notice)
        return notice


def test_the_draft_is_prefilled_in_both_languages_and_never_names_the_store_or_internal_notes(
    world: Container, crew: Crew
) -> None:
    incident = declare(world, crew, products=("web-booking", "partner-api"))
    notice = draft(world, crew, incident.id)
    texts = " ".join([notice.title_ja, notice.title_en, notice.body_ja, notice.body_en])
    for secret in (*SECRET_STORE_NAMES, incident.title, SECRET_SUMMARY, "ロック待ち", "Sato", "Suzuki"):
        assert secret not in texts
    assert "Web 予約、パートナー API" in notice.title_ja
    assert "Web booking, Partner API" in notice.title_en
    assert "予約台帳アプリ (iPad)" in notice.body_ja  # not affected, said so
    assert notice.status == "draft"
    assert notice.kind == "first"
    assert notice.channels == ["status_page", "in_app", "email", "calls", "partners"]
    assert notice.public_status == "investigating"
    assert notice.impact == "major"
    assert set(notice.component_statuses.values()) == {"partial_outage"}
    assert notice.product_ids == incident.product_ids


def test_partners_are_left_out_when_none_is_affected_and_given_fields_win(
    world: Container, crew: Crew
) -> None:
    incident = declare(world, crew)
    notice = draft(
        world, crew, incident.id, title_ja="Web 予約の不具合について", channels=["in_app", "status_page"]
    )
    assert notice.title_ja == "Web 予約の不具合について"
    assert notice.title_en.startswith("Service disruption")
    assert notice.channels == ["status_page", "in_app"]
    default = draft(world, crew, incident.id, kind="update")
    assert default.channels == ["status_page", "in_app", "email"]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "apology"}, "kind"),
        ({"channels": ["status_page", "fax"]}, "channels"),
        ({"title_ja": "   "}, "title_ja"),
        ({"impact": "huge"}, "impact"),
        ({"public_status": "on_fire"}, "public_status"),
        ({"component_statuses": {"99999": "major_outage"}}, "component_statuses"),
        ({"component_statuses": {"1": "melted"}}, "component_statuses"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(
    world: Container, crew: Crew, fields: dict[str, Any], named: str
) -> None:
    incident = declare(world, crew)
    with pytest.raises(InvalidInput) as refused:
        draft(world, crew, incident.id, **fields)
    assert refused.value.field == named or str(refused.value).startswith(named)


def test_who_may_speak_for_the_company(world: Container, crew: Crew) -> None:
    with world.sessions() as db:
        allowed = {
            name: approvers.may_speak_for_company(session=db, user_id=getattr(crew, name).id)
            for name in ("admin", "engineer", "support", "support_lead", "sales", "viewer")
        }
        listed = [user.id for user in approvers.list_approvers(session=db)]
    assert allowed == {
        "admin": True,
        "engineer": False,
        "support": False,
        "support_lead": True,
        "sales": False,
        "viewer": False,
    }
    assert listed == [crew.admin.id, crew.support_lead.id]


@pytest.mark.parametrize("who", ["engineer", "support", "sales"])
def test_publishing_is_refused_to_people_who_may_not_speak_for_the_company(
    world: Container, crew: Crew, who: str
) -> None:
    notice = draft(world, crew, declare(world, crew).id)
    with pytest.raises(PermissionDenied) as refused:
        publish(world, notice.id, getattr(crew, who).id)
    assert "support team lead" in str(refused.value)
    with world.sessions() as db:
        assert notices.get_notice(session=db, notice_id=notice.id).status == "draft"
        assert changes.current_version(session=db)[0] == 0


def test_history_keeps_every_step_and_a_published_notice_cannot_change(world: Container, crew: Crew) -> None:
    notice = draft(world, crew, declare(world, crew).id, channels=["status_page", "in_app"])
    with world.sessions() as db:
        notices.update_notice(
            session=db,
            notice_id=notice.id,
            changes=NoticeUpdate(title_ja="Web 予約がご利用いただけません", impact="critical"),
            by=crew.support.id,
            now=world.clock(),
        )
        notices.update_notice(  # nothing changes: no revision
            session=db,
            notice_id=notice.id,
            changes=NoticeUpdate(impact="critical"),
            by=crew.support.id,
            now=world.clock(),
        )
        db.commit()
    published = publish(world, notice.id, crew.support_lead.id)
    assert (published.status, published.approved_by_id) == ("published", crew.support_lead.id)
    assert published.published_at == world.clock()
    with world.sessions() as db:
        history = notices.notice_history(session=db, notice_id=notice.id)
        assert [(r.action, r.actor_user_id) for r in history] == [
            ("drafted", crew.engineer.id),
            ("edited", crew.support.id),
            ("published", crew.support_lead.id),
        ]
        assert history[1].snapshot["title_ja"] == "Web 予約がご利用いただけません"
        assert history[1].snapshot["impact"] == "critical"
        with pytest.raises(Conflict, match="already published"):
            notices.update_notice(
                session=db,
                notice_id=notice.id,
                changes=NoticeUpdate(title_ja="x"),
                by=None,
                now=world.clock(),
            )
    with pytest.raises(Conflict, match="already published"):
        publish(world, notice.id, crew.admin.id)


def test_english_is_required_to_publish_and_a_discarded_draft_keeps_its_reason(
    world: Container, crew: Crew
) -> None:
    incident = declare(world, crew)
    notice = draft(world, crew, incident.id, title_en="", channels=["status_page"])
    with pytest.raises(InvalidInput) as refused:
        publish(world, notice.id, crew.admin.id)
    assert refused.value.field == "title_en"
    with world.sessions() as db:
        with pytest.raises(InvalidInput, match="reason"):
            notices.discard_notice(
                session=db, notice_id=notice.id, reason=" ", by=crew.admin.id, now=world.clock()
            )
        notices.discard_notice(
            session=db, notice_id=notice.id, reason="第一報は不要と判断", by=crew.admin.id, now=world.clock()
        )
        db.commit()
        history = notices.notice_history(session=db, notice_id=notice.id)
    assert history[-1].action == "discarded"
    assert history[-1].snapshot["reason"] == "第一報は不要と判断"
    with pytest.raises(Conflict, match="discarded"):
        publish(world, notice.id, crew.admin.id)


def test_publishing_fans_out_to_every_channel_once(world: Container, crew: Crew) -> None:
    incident = declare(world, crew, products=("web-booking", "partner-api"))
    notice = draft(world, crew, incident.id)
    assert set(notice.channels) == {"status_page", "in_app", "email", "calls", "partners"}
    publish(world, notice.id, crew.admin.id)
    with world.sessions() as db:
        version, changed_at = changes.current_version(session=db)
        assert (version, changed_at) == (1, world.clock())
        progress = campaigns.campaign_progress(session=db, notice_id=notice.id)
        assert progress is not None
        assert progress.status == "preparing"
        called = calls.call_progress(session=db, incident_id=incident.id)
        assert called.total == 3
        assert called.to_call == 3  # the three web-booking stores
        sent = partner_notices.partner_notifications(session=db, notice_id=notice.id)
        assert {(row.channel, row.target) for row in sent} == {
            ("email", "ops@portal.example"),
            ("webhook", "https://partner.example.com/hooks/hikeshi"),
        }


def test_a_notice_for_an_incident_in_triage_is_refused(world: Container, crew: Crew) -> None:
    from hikeshi.incidents import service as incidents
    from hikeshi.incidents.schemas import IncidentCreate

    with world.sessions() as db:
        triage = incidents.declare_incident(
            session=db,
            new=IncidentCreate(title="調査中", products=["sms"]),
            by=crew.engineer.id,
            now=world.clock(),
        )
        db.commit()
        triage_id = triage.id
    with pytest.raises(Conflict, match="not declared"):
        draft(world, crew, triage_id)


def test_publishing_the_resolved_notice_shows_the_incident_resolved_on_the_status_page(
    world: Container, crew: Crew, web: TestClient
) -> None:
    from hikeshi.incidents import service as incidents

    incident = declare(world, crew)
    first = draft(world, crew, incident.id, channels=["status_page"])
    publish(world, first.id, crew.support_lead.id)
    unresolved = web.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    assert [item["status"] for item in unresolved] == ["investigating"]
    with world.sessions() as db:
        incidents.resolve_incident(
            session=db, number=incident.number, by=None, now=world.clock(), no_action_reason="回復"
        )
        db.commit()
    resolved = draft(world, crew, incident.id, kind="resolved", channels=["status_page"])
    publish(world, resolved.id, crew.admin.id)
    assert web.get("/api/v2/incidents/unresolved.json").json()["incidents"] == []
    [shown] = web.get("/api/v2/incidents.json").json()["incidents"]
    assert shown["status"] == "resolved"
    assert shown["name"] == resolved.title_ja
    assert incident.title not in str(shown)


def test_a_maintenance_notice_is_drafted_from_the_maintenance_itself(world: Container, crew: Crew) -> None:
    from datetime import timedelta

    from hikeshi.comms.models import Maintenance

    now = world.clock()
    with world.sessions() as db:
        maintenance = Maintenance(
            title_ja="Web 予約の定期メンテナンス",
            title_en="Scheduled maintenance of web booking",
            body_ja="12月3日 2:00〜4:00 の間、Web 予約を停止します。",
            body_en="Web booking pauses on 3 Dec, 2:00-4:00 JST.",
            product_ids=[3],
            region_codes=[],
            scheduled_for=now + timedelta(days=2),
            scheduled_until=now + timedelta(days=2, hours=2),
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        db.add(maintenance)
        db.flush()
        notice = notices.create_notice(
            session=db, incident_id=None, maintenance_id=maintenance.id, kind="maintenance", by=None, now=now
        )
        assert (notice.title_ja, notice.body_en) == (maintenance.title_ja, maintenance.body_en)
        assert (notice.public_status, notice.incident_id) == ("scheduled", None)
        assert notice.channels == ["status_page", "in_app", "email"]
        with pytest.raises(InvalidInput, match="maintenance_id"):
            notices.create_notice(
                session=db, incident_id=None, maintenance_id=None, kind="maintenance", by=None, now=now
            )
        with pytest.raises(InvalidInput, match="public_status"):
            notices.update_notice(
                session=db,
                notice_id=notice.id,
                changes=NoticeUpdate(public_status="investigating"),
                by=None,
                now=now,
            )
