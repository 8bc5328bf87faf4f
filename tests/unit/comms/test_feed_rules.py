"""The in-app feed's item shape, who it concerns, when it shows, and its HTTP validators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from hikeshi.comms import feed_rules
from hikeshi.comms.feed_rules import FeedQuery
from hikeshi.comms.models import Maintenance, Notice
from hikeshi.core.errors import InvalidInput

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
PRODUCTS = {
    1: SimpleNamespace(slug="web-booking", name_ja="Web 予約", name_en="Web booking"),
    2: SimpleNamespace(slug="sms", name_ja="SMS 送信", name_en="SMS delivery"),
}


def _notice(**fields: object) -> Notice:
    values: dict[str, object] = {
        "id": 7,
        "incident_id": 3,
        "maintenance_id": None,
        "kind": "first",
        "status": "published",
        "channels": ["in_app"],
        "title_ja": "Web 予約がご利用いただけません",
        "title_en": "Web booking is unavailable",
        "body_ja": "復旧に向けて対応しております。",
        "body_en": "We are working on it.",
        "public_status": "investigating",
        "impact": "major",
        "product_ids": [1, 99],
        "region_codes": [],
        "published_at": NOW - timedelta(minutes=5),
        "updated_at": NOW - timedelta(minutes=5),
    }
    values.update(fields)
    return Notice(**values)


def _maintenance(**fields: object) -> Maintenance:
    values: dict[str, object] = {
        "id": 4,
        "status": "scheduled",
        "scheduled_for": NOW + timedelta(hours=1),
        "scheduled_until": NOW + timedelta(hours=3),
        "completed_at": None,
        "cancelled_at": None,
    }
    values.update(fields)
    return Maintenance(**values)


def test_an_item_speaks_the_language_asked_for_with_the_products_names() -> None:
    item = feed_rules.feed_item(notice=_notice(), language="en", products=PRODUCTS, base_url="https://x.test")
    assert item["title"] == "Web booking is unavailable"
    assert item["body"] == "We are working on it."
    assert item["language"] == "en"
    assert item["products"] == [{"slug": "web-booking", "name": "Web booking"}]  # 99: not a product any more
    assert item["published_at"] == "2026-12-01T02:55:00Z"
    assert item["level"] == "major"
    assert item["maintenance"] is None
    assert item["url"] == "https://x.test/status?lang=en"  # not on the status page (yet)
    japanese = feed_rules.feed_item(notice=_notice(), language="ja", products=PRODUCTS)
    assert japanese["title"] == "Web 予約がご利用いただけません"
    assert japanese["products"] == [{"slug": "web-booking", "name": "Web 予約"}]


def test_english_falls_back_to_japanese_where_it_was_not_written() -> None:
    item = feed_rules.feed_item(notice=_notice(title_en="", body_en=" "), language="en")
    assert item["title"] == "Web 予約がご利用いただけません"
    assert item["body"] == "復旧に向けて対応しております。"
    assert item["language"] == "ja"


@pytest.mark.parametrize(
    ("fields", "level"),
    [
        ({"impact": "none"}, "info"),
        ({"impact": "minor"}, "minor"),
        ({"impact": "critical"}, "critical"),
        ({"kind": "resolved", "public_status": "resolved"}, "resolved"),
        ({"kind": "update", "public_status": "resolved"}, "resolved"),
    ],
)
def test_the_banner_level_follows_the_impact_until_resolved(fields: dict[str, object], level: str) -> None:
    assert feed_rules.feed_item(notice=_notice(**fields), language="ja")["level"] == level


def test_a_maintenance_item_carries_its_schedule_and_current_status() -> None:
    notice = _notice(kind="maintenance", incident_id=None, maintenance_id=4, public_status="scheduled")
    upcoming = feed_rules.feed_item(notice=notice, language="ja", maintenance=_maintenance(), now=NOW)
    assert upcoming["level"] == "maintenance"
    assert upcoming["maintenance"] == {
        "status": "scheduled",
        "scheduled_for": "2026-12-01T04:00:00Z",
        "scheduled_until": "2026-12-01T06:00:00Z",
    }
    assert upcoming["url"] == "/status?lang=ja#m4"
    on_page = feed_rules.feed_item(notice=_notice(), language="en", status_id="n5")
    assert on_page["url"] == "/status/incidents/n5?lang=en"
    later = feed_rules.feed_item(
        notice=notice, language="ja", maintenance=_maintenance(), now=NOW + timedelta(hours=2)
    )
    assert later["maintenance"]["status"] == "in_progress"  # type: ignore[index]
    over = feed_rules.feed_item(
        notice=notice, language="ja", maintenance=_maintenance(), now=NOW + timedelta(hours=4)
    )
    assert over["level"] == "resolved"


def test_a_notice_concerns_readers_of_its_products_in_its_regions() -> None:
    def concerns(products: list[int], regions: list[str], uses: set[int] | None, region: str | None) -> bool:
        return feed_rules.concerns(
            notice_products=products,
            notice_regions=regions,
            product_ids=None if uses is None else frozenset(uses),
            region=region,
        )

    assert concerns([1], [], {1, 2}, "jp")
    assert not concerns([1], [], {2}, "jp")  # SMS only
    assert concerns([], [], {2}, "jp")  # about no product in particular: everyone
    assert not concerns([1], ["jp"], {1}, "overseas")
    assert concerns([1], ["jp", "overseas"], {1}, "overseas")
    assert concerns([1], ["jp"], None, None)  # no store given: everything


def test_an_incident_stays_three_days_after_its_resolution() -> None:
    open_notice = _notice()
    assert feed_rules.incident_visible(
        latest=open_notice, incident_resolved_at=None, now=NOW + timedelta(days=30)
    )
    resolved_at = NOW
    assert feed_rules.incident_visible(
        latest=open_notice,
        incident_resolved_at=resolved_at,
        now=NOW + timedelta(days=3) - timedelta(seconds=1),
    )
    assert not feed_rules.incident_visible(
        latest=open_notice, incident_resolved_at=resolved_at, now=NOW + timedelta(days=3)
    )
    said_resolved = _notice(kind="resolved", public_status="resolved", published_at=NOW)
    assert feed_rules.incident_visible(
        latest=said_resolved, incident_resolved_at=None, now=NOW + timedelta(days=2)
    )
    assert not feed_rules.incident_visible(
        latest=said_resolved, incident_resolved_at=None, now=NOW + timedelta(days=3, seconds=1)
    )


def test_a_maintenance_shows_until_a_day_after_it_is_over_and_never_once_cancelled() -> None:
    assert feed_rules.maintenance_visible(_maintenance(), now=NOW)
    assert feed_rules.maintenance_visible(_maintenance(), now=NOW + timedelta(hours=3, minutes=1))
    assert not feed_rules.maintenance_visible(_maintenance(), now=NOW + timedelta(days=1, hours=3))
    completed_early = _maintenance(status="completed", completed_at=NOW + timedelta(hours=2))
    assert not feed_rules.maintenance_visible(completed_early, now=NOW + timedelta(days=1, hours=2))
    assert not feed_rules.maintenance_visible(_maintenance(status="cancelled"), now=NOW)
    verifying = _maintenance(status="verifying")
    assert feed_rules.maintenance_visible(verifying, now=NOW + timedelta(days=5))


def test_the_query_is_checked() -> None:
    assert feed_rules.parse_feed_query(store=" T1 ", product="", lang="en-US") == FeedQuery("T1", None, "en")
    assert feed_rules.parse_feed_query(store=None, product=None, lang=None).language == "ja"
    with pytest.raises(InvalidInput, match="lang: 'fr' is not ja or en"):
        feed_rules.parse_feed_query(store=None, product=None, lang="fr")
    with pytest.raises(InvalidInput, match="store"):
        feed_rules.parse_feed_query(store="x" * 101, product=None, lang=None)
    with pytest.raises(InvalidInput, match="product"):
        feed_rules.parse_feed_query(store=None, product="a\nb", lang=None)


def test_the_etag_names_the_version_the_clock_mark_and_the_query() -> None:
    query = FeedQuery("T1", None, "ja")
    tag = feed_rules.etag(version=3, modified=NOW, query=query)
    assert tag.startswith('"3-')
    assert tag.endswith('"')
    assert tag == feed_rules.etag(version=3, modified=NOW, query=FeedQuery("T1", None, "ja"))
    others = {
        feed_rules.etag(version=4, modified=NOW, query=query),
        feed_rules.etag(version=3, modified=NOW + timedelta(seconds=1), query=query),
        feed_rules.etag(version=3, modified=NOW, query=FeedQuery("T1", None, "en")),
        feed_rules.etag(version=3, modified=NOW, query=FeedQuery("T2", None, "ja")),
        feed_rules.etag(version=3, modified=NOW, query=FeedQuery(None, "T1", "ja")),
    }
    assert tag not in others
    assert len(others) == 5


def test_last_modified_is_the_later_of_the_change_and_the_last_mark_passed() -> None:
    changed = NOW - timedelta(hours=2, microseconds=5)
    marks = [NOW - timedelta(hours=1), NOW + timedelta(hours=1)]
    assert feed_rules.last_modified(changed_at=changed, marks=marks, now=NOW) == NOW - timedelta(hours=1)
    assert feed_rules.last_modified(changed_at=changed, marks=[], now=NOW) == changed.replace(microsecond=0)
    assert feed_rules.last_modified(changed_at=None, marks=[NOW + timedelta(1)], now=NOW) is None
    maintenance = _maintenance()
    assert feed_rules.clock_marks(resolved_at=[NOW], resolved_notices_at=[], maintenances=[maintenance]) == [
        NOW + timedelta(days=3),
        maintenance.scheduled_for,
        maintenance.scheduled_until,
        maintenance.scheduled_until + timedelta(days=1),
    ]


def test_conditional_requests_follow_rfc_9110() -> None:
    tag = '"5-100-abc"'
    modified = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    date = feed_rules.http_date(modified)
    assert date == "Tue, 01 Dec 2026 00:00:00 GMT"

    def check(if_none_match: str | None = None, if_modified_since: str | None = None) -> bool:
        return feed_rules.not_modified(
            current_etag=tag,
            modified=modified,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )

    assert check(if_none_match=tag)
    assert check(if_none_match=f'"other", W/{tag}')  # weak comparison, a list
    assert check(if_none_match="*")
    assert not check(if_none_match='"other"')
    assert not check(if_none_match='"other"', if_modified_since=date)  # If-None-Match decides
    assert check(if_modified_since=date)
    assert check(if_modified_since="Wed, 02 Dec 2026 00:00:00 GMT")
    assert not check(if_modified_since="Mon, 30 Nov 2026 23:59:59 GMT")
    assert not check(if_modified_since="yesterday")
    assert not check()
    headers = dict(feed_rules.feed_headers(current_etag=tag, modified=modified))
    assert headers["last-modified"] == date
    assert headers["cache-control"].startswith("public, max-age=60")
    assert headers["access-control-allow-origin"] == "*"
