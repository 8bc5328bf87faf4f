"""A postmortem's life through the service: opened by the worker at resolution, reviewed, published."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from hikeshi.bootstrap import Container
from hikeshi.catalog import service as catalog
from hikeshi.comms.models import CallTask, CampaignRecipient, EmailCampaign, Notice
from hikeshi.core.errors import Conflict
from hikeshi.core.i18n import translations
from hikeshi.delivery.models import Delivery
from hikeshi.incidents import service as incidents
from hikeshi.incidents import work
from hikeshi.incidents.models import IncidentEvent
from hikeshi.incidents.schemas import IncidentCreate, IncidentUpdate
from hikeshi.inquiries.models import Inquiry
from hikeshi.jobs.models import Job
from hikeshi.postmortems import service
from hikeshi.postmortems.models import Postmortem
from hikeshi.postmortems.rules import PUBLISH_JOB, IncompletePostmortem, RequiredField
from hikeshi.postmortems.schemas import PostmortemUpdate
from tests.integration.postmortems.conftest import Crew
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.postmortems import resolved_incident

URL = "https://hikeshi.example.jp/postmortems/1"


def opened(world: Container, crew: Crew, **incident: object) -> Postmortem:
    """A resolved incident whose postmortem the worker opened."""
    found = resolved_incident(world, by=crew.engineer.id, **incident)  # type: ignore[arg-type]
    run_jobs(world)
    with world.sessions() as db:
        postmortem = service.postmortem_for_incident(session=db, incident_id=found.id)
        assert postmortem is not None
        db.expunge(postmortem)
        return postmortem


def write_all(world: Container, postmortem_id: int, by: int, **extra: str) -> None:
    with world.sessions() as db:
        service.update_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            changes=PostmortemUpdate(cause_ja="予約テーブルのロック待ち", **extra),
            by=by,
            now=world.clock(),
        )
        service.add_action_item(
            session=db,
            postmortem_id=postmortem_id,
            title="ロック待ちの監視を追加する",
            due_on=date(2026, 12, 15),
            owner_id=by,
            by=by,
            now=world.clock(),
        )
        db.commit()


def test_resolving_opens_one_prefilled_postmortem_even_when_resolved_twice(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    started = clock.now - timedelta(minutes=50)
    incident = resolved_incident(world, by=crew.engineer.id, started_at=started)
    with world.sessions() as db:
        incidents.update_incident(
            session=db,
            number=incident.number,
            update=IncidentUpdate(override_stores_japan=1200, override_stores_overseas=30),
            by=crew.engineer.id,
            now=clock.now,
        )
        db.commit()
    run_jobs(world)
    with world.sessions() as db:
        postmortem = service.postmortem_for_incident(session=db, incident_id=incident.id)
        assert postmortem is not None
        assert (postmortem.status, postmortem.owner_id, postmortem.version) == ("draft", crew.engineer.id, 1)
        assert postmortem.symptom_ja.startswith("Web予約で予約が保存できない\n")
        assert "Web予約で予約が保存できない" in postmortem.symptom_en
        assert "ロック待ちを解消する修正をデプロイ" in postmortem.recovery_ja
        assert postmortem.recovery_ja == "復旧のために行ったこと: ロック待ちを解消する修正をデプロイ"
        assert "- Web 予約" not in postmortem.impact_ja
        assert "Web 予約" in postmortem.impact_ja
        assert "Web booking" in postmortem.impact_en
        assert (postmortem.cause_ja, postmortem.prevention_ja) == ("", "")
        first_id = postmortem.id

    # Reopened and resolved again: the same postmortem, untouched.
    clock.advance(minutes=10)
    with world.sessions() as db:
        incidents.change_status(
            session=db, number=incident.number, status="investigating", by=crew.engineer.id, now=clock.now
        )
        db.commit()
    run_jobs(world)
    clock.advance(minutes=10)
    with world.sessions() as db:
        incidents.resolve_incident(session=db, number=incident.number, by=crew.admin.id, now=clock.now)
        db.commit()
    run_jobs(world)
    with world.sessions() as db:
        found = list(db.scalars(select(Postmortem)))
        assert [(p.id, p.version) for p in found] == [(first_id, 1)]
        kinds = [
            event.kind
            for event in work.list_events(session=db, incident_id=incident.id)
            if event.kind.startswith("postmortem")
        ]
        assert kinds == ["postmortem_opened"]


def test_the_resolver_owns_it_when_there_is_no_commander(world: Container, crew: Crew) -> None:
    postmortem = opened(world, crew)
    assert postmortem.owner_id == crew.engineer.id


def test_a_postmortem_does_not_open_before_resolution(world: Container, crew: Crew) -> None:
    with world.sessions() as db:
        incident = incidents.declare_incident(
            session=db,
            new=IncidentCreate(title="x", products=["web-booking"], declare=True),
            by=crew.engineer.id,
            now=world.clock(),
        )
        db.commit()
        with pytest.raises(Conflict):
            service.open_postmortem(session=db, incident_id=incident.id, now=world.clock())


def test_publishing_with_an_empty_cause_is_refused_naming_it(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    postmortem = opened(world, crew, started_at=clock.now - timedelta(hours=1))
    with world.sessions() as db:
        service.submit_postmortem(session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=clock.now)
        db.commit()
    with world.sessions() as db, pytest.raises(IncompletePostmortem) as refused:
        service.publish_postmortem(
            session=db, postmortem_id=postmortem.id, by=crew.reviewer, now=clock.now, url=URL
        )
    assert refused.value.missing == [RequiredField.CAUSE, RequiredField.PREVENTION]
    assert refused.value.status_code == 409
    japanese = refused.value.render(translations("ja").gettext)
    assert "原因" in japanese
    assert "Cause" in refused.value.render(translations("en").gettext)


def test_the_submitter_may_not_publish_but_another_engineer_does_and_the_job_is_enqueued(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    postmortem = opened(world, crew, started_at=clock.now - timedelta(hours=1))
    write_all(world, postmortem.id, crew.engineer.id)
    with world.sessions() as db:
        service.submit_postmortem(session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=clock.now)
        db.commit()
    with world.sessions() as db, pytest.raises(Conflict, match="Another person must review"):
        service.publish_postmortem(
            session=db, postmortem_id=postmortem.id, by=crew.engineer, now=clock.now, url=URL
        )
    with world.sessions() as db:
        published = service.publish_postmortem(
            session=db, postmortem_id=postmortem.id, by=crew.reviewer, now=clock.now, url=URL
        )
        db.commit()
        assert published.status == "published"
        assert published.published_by_id == crew.reviewer.id
        assert "予約テーブルのロック待ち" in published.published_markdown
        assert "ロック待ちの監視を追加する" in published.published_markdown
        assert "# English" not in published.published_markdown  # no English written
        jobs = list(db.scalars(select(Job).where(Job.kind == PUBLISH_JOB)))
        assert [job.payload for job in jobs] == [
            {"postmortem_id": postmortem.id, "version": published.version}
        ]
        assert jobs[0].idempotency_key == f"{PUBLISH_JOB}:{postmortem.id}:{published.version}"
        with pytest.raises(Conflict):
            service.update_postmortem(
                session=db,
                postmortem_id=postmortem.id,
                changes=PostmortemUpdate(cause_ja="別の原因"),
                by=crew.engineer.id,
                now=clock.now,
            )


def test_reopened_and_published_again_enqueues_a_second_job_with_english(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    postmortem = opened(world, crew, started_at=clock.now - timedelta(hours=1))
    write_all(world, postmortem.id, crew.engineer.id)
    with world.sessions() as db:
        service.submit_postmortem(session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=clock.now)
        service.publish_postmortem(
            session=db, postmortem_id=postmortem.id, by=crew.admin, now=clock.now, url=URL
        )
        service.reopen_postmortem(session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=clock.now)
        service.update_postmortem(
            session=db,
            postmortem_id=postmortem.id,
            changes=PostmortemUpdate(cause_en="Lock waits on the reservations table"),
            by=crew.engineer.id,
            now=clock.now,
        )
        service.submit_postmortem(session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=clock.now)
        again = service.publish_postmortem(
            session=db, postmortem_id=postmortem.id, by=crew.reviewer, now=clock.now, url=URL
        )
        db.commit()
        assert "Lock waits on the reservations table" in again.published_markdown
        versions = [job.payload["version"] for job in db.scalars(select(Job).where(Job.kind == PUBLISH_JOB))]
        assert len(versions) == 2
        assert versions[1] == again.version > versions[0]
        kinds = [
            event.kind
            for event in db.scalars(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == postmortem.incident_id)
                .order_by(IncidentEvent.id)
            )
            if event.kind.startswith("postmortem")
        ]
        assert kinds == [
            "postmortem_opened",
            "postmortem_submitted",
            "postmortem_published",
            "postmortem_reopened",
            "postmortem_submitted",
            "postmortem_published",
        ]


def test_an_edit_with_an_old_version_is_refused(world: Container, crew: Crew) -> None:
    postmortem = opened(world, crew)
    with world.sessions() as db:
        edited = service.update_postmortem(
            session=db,
            postmortem_id=postmortem.id,
            changes=PostmortemUpdate(cause_ja="原因A", version=1),
            by=crew.engineer.id,
            now=world.clock(),
        )
        assert edited.version == 2
        unchanged = service.update_postmortem(
            session=db,
            postmortem_id=postmortem.id,
            changes=PostmortemUpdate(cause_ja="原因A"),
            by=crew.engineer.id,
            now=world.clock(),
        )
        assert unchanged.version == 2  # nothing new: no new version
        with pytest.raises(Conflict, match="changed since you read it"):
            service.update_postmortem(
                session=db,
                postmortem_id=postmortem.id,
                changes=PostmortemUpdate(cause_ja="原因B", version=1),
                by=crew.engineer.id,
                now=world.clock(),
            )


def test_returned_to_draft_with_a_note_on_the_timeline(world: Container, crew: Crew) -> None:
    postmortem = opened(world, crew)
    with world.sessions() as db:
        service.submit_postmortem(
            session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=world.clock()
        )
        back = service.return_to_draft(
            session=db,
            postmortem_id=postmortem.id,
            by=crew.reviewer.id,
            now=world.clock(),
            note="原因を具体的に",
        )
        db.commit()
        assert (back.status, back.submitted_by_id) == ("draft", None)
        notes = [
            event.note
            for event in work.list_events(session=db, incident_id=postmortem.incident_id)
            if event.kind == "postmortem_returned"
        ]
        assert notes == ["原因を具体的に"]


def test_durations_across_midnight_are_utc_differences(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    # 23:30 to 01:10 in Tokyo (14:30 to 16:10 UTC): 1 h 40 min.
    clock.now = datetime(2026, 12, 1, 16, 10, tzinfo=UTC)
    postmortem = opened(world, crew, started_at=datetime(2026, 12, 1, 14, 30, tzinfo=UTC))
    with world.sessions() as db:
        stored = service.get_postmortem(session=db, postmortem_id=postmortem.id)
        ja, en = service.documents(session=db, postmortem=stored, timezone="Asia/Tokyo", url=URL)
    assert ja.durations.start_to_resolution == timedelta(hours=1, minutes=40)
    assert en.durations.start_to_resolution == timedelta(hours=1, minutes=40)


def test_impact_counts_emails_sent_calls_made_and_inquiries_linked(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    now = clock.now
    with world.sessions() as db:
        stores = [
            catalog.create_store(session=db, external_id=f"S{n}", name=f"店{n}", region="jp", now=now)
            for n in range(3)
        ]
        inquiry = Inquiry(
            channel="phone", body="予約が保存できない", reported_by_id=crew.support.id, created_at=now
        )
        db.add(inquiry)
        db.commit()
        store_ids, inquiry_id = [store.id for store in stores], inquiry.id
    incident = resolved_incident(world, by=crew.engineer.id)
    with world.sessions() as db:
        incidents.link_inquiries(
            session=db, number=incident.number, inquiry_ids=[inquiry_id], by=crew.support.id, now=now
        )
        notice = Notice(
            incident_id=incident.id,
            kind="first",
            status="published",
            title_ja="t",
            body_ja="b",
            public_status="identified",
            created_at=now,
            updated_at=now,
        )
        db.add(notice)
        db.flush()
        campaign = EmailCampaign(notice_id=notice.id, status="sending", created_at=now, updated_at=now)
        db.add(campaign)
        db.flush()
        # As campaigns list them: the recipient stays queued, its delivery carries the sending state.
        for n, state in enumerate(("sent", "sent", "failed", "queued", "opted_out")):
            delivery = None
            if state != "opted_out":
                delivery = Delivery(
                    channel="email", target=f"r{n}@example.jp", status=state, created_at=now, updated_at=now
                )
                db.add(delivery)
                db.flush()
            db.add(
                CampaignRecipient(
                    campaign_id=campaign.id,
                    email=f"r{n}@example.jp",
                    language="ja",
                    status="opted_out" if state == "opted_out" else "queued",
                    delivery_id=delivery.id if delivery else None,
                    updated_at=now,
                )
            )
        for priority, (store_id, outcome) in enumerate(
            zip(store_ids, ("reached", "no_answer", None), strict=True)
        ):
            db.add(
                CallTask(
                    incident_id=incident.id,
                    store_id=store_id,
                    priority=priority + 1,
                    outcome=outcome,
                    created_at=now,
                    updated_at=now,
                )
            )
        db.commit()
    run_jobs(world)
    with world.sessions() as db:
        postmortem = service.postmortem_for_incident(session=db, incident_id=incident.id)
        assert postmortem is not None
        ja, _ = service.documents(session=db, postmortem=postmortem, timezone="Asia/Tokyo", url=URL)
        figures = ja.impact_figures
        assert (figures.emails_sent, figures.calls_made, figures.inquiries_linked) == (2, 2, 1)
        assert "送信したお客様向けメール: 2 通" in postmortem.impact_ja
        assert "電話連絡した店舗: 2 店" in postmortem.impact_ja
        assert "紐づいた問い合わせ: 1 件" in postmortem.impact_ja
        assert "Customer emails sent: 2" in postmortem.impact_en
