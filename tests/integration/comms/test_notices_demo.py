"""The demo company's resolved incident carries real notices, so the status page's history has a story."""

from __future__ import annotations

from hikeshi.accounts import service as accounts
from hikeshi.bootstrap import Container
from hikeshi.comms import campaigns, notices
from hikeshi.demo import load_demo
from tests.support.catalog import run_jobs


def test_the_demo_incident_has_a_published_first_and_resolved_notice_and_nothing_more(
    container: Container,
) -> None:
    with container.sessions() as db:
        assert load_demo(session=db, now=container.clock())
        db.commit()
    run_jobs(container)  # the rule sees the demo's status changes: it must not draft anything
    with container.sessions() as db:
        lead = accounts.find_user_by_email(session=db, email="tanaka@demo.hikeshi.jp")
        assert lead is not None
        # The incident's notices (the demo also announces next week's maintenance: test_maintenance_demo).
        found = [n for n in notices.list_notices(session=db) if n.incident_id is not None]
        assert sorted((n.kind, n.status) for n in found) == [
            ("first", "published"),
            ("resolved", "published"),
        ]
        for notice in found:
            assert notice.channels == ["status_page", "in_app"]
            assert notice.approved_by_id == lead.id
            assert campaigns.campaign_progress(session=db, notice_id=notice.id) is None
        resolved = next(n for n in found if n.kind == "resolved")
        assert "SMS 送信" in resolved.title_ja
        assert resolved.public_status == "resolved"
        assert "予約確認の SMS が送信されない" not in resolved.body_ja  # the internal title stays inside
