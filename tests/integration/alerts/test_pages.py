"""What people see of alerts in a browser: the groups (refreshing), one group, one alert, ack and resolve."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from hikeshi.accounts import service as accounts
from hikeshi.alerts import groups
from hikeshi.alerts.normalized import Action, Link, Severity
from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product
from tests.support.alerts import group_status, make_integration, raise_alert
from tests.support.web import People, csrf_token, sign_in


def _rows(html: str) -> list[str]:
    """The alert-group rows of a list page or fragment, as text."""
    return re.findall(r'<tr class="group-row.*?</tr>', html, flags=re.DOTALL)


def test_open_groups_show_severity_counts_source_and_times_in_the_viewers_zone(
    client: TestClient, people: People, container: Container
) -> None:
    engineer = people.add("sato@example.jp", "engineer")
    with container.sessions() as db:
        accounts.update_user(
            session=db, user_id=engineer.id, timezone="America/New_York", now=container.clock()
        )
        db.commit()
    prometheus, _ = make_integration(container, name="Prometheus 本番")
    first = raise_alert(container, prometheus, "web-1 のディスクが一杯", name="DiskFull", dedup_key="web-1")
    raise_alert(container, prometheus, "web-2 のディスクが一杯", name="DiskFull", dedup_key="web-2")
    raise_alert(container, prometheus, "応答が遅い", name="Latency", severity=Severity.WARNING)
    closed = raise_alert(container, prometheus, "昨日の障害", name="Old", dedup_key="old")
    raise_alert(container, prometheus, "昨日の障害", dedup_key="old", action=Action.RESOLVE)

    sign_in(client, "sato@example.jp")
    page = client.get("/alerts")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 2
    disk = next(row for row in rows if "web-1 のディスクが一杯" in row)
    assert 'class="sev sev-critical"' in disk
    assert "<strong>2</strong>/2" in disk
    assert "Prometheus 本番" in disk
    with container.sessions() as db:
        group = groups.get_group(session=db, group_id=first.group_id or 0)
        seen = group.first_seen_at.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert seen in disk
    assert 'class="sev sev-warning"' in next(row for row in rows if "応答が遅い" in row)
    assert "昨日の障害" not in page.text
    assert f"/alerts/groups/{closed.group_id}" in client.get("/alerts?status=resolved").text


def test_filters_by_status_product_and_severity(
    client: TestClient, people: People, container: Container
) -> None:
    engineer = people.add("sato@example.jp", "engineer")
    with container.sessions() as db:
        create_product(
            session=db, slug="web-booking", name_ja="Web 予約", name_en="Web booking", now=container.clock()
        )
        db.commit()
    booking, _ = make_integration(container, name="Booking", product="web-booking")
    other, _ = make_integration(container, name="Other")
    raise_alert(container, booking, "予約が失敗する", severity=Severity.CRITICAL)
    raise_alert(container, other, "ログが多い", severity=Severity.INFO)
    acked = raise_alert(container, other, "バッチが遅い", severity=Severity.WARNING)
    with container.sessions() as db:
        groups.acknowledge_group(
            session=db, group_id=acked.group_id or 0, user_id=engineer.id, now=container.clock()
        )
        db.commit()

    sign_in(client, "sato@example.jp")

    def titles(query: str) -> set[str]:
        page = client.get(f"/alerts?{query}")
        assert page.status_code == 200, page.text
        return {
            title
            for title in ("予約が失敗する", "ログが多い", "バッチが遅い")
            if title in "".join(_rows(page.text))
        }

    assert titles("") == {"予約が失敗する", "ログが多い", "バッチが遅い"}
    assert titles("status=triggered") == {"予約が失敗する", "ログが多い"}
    assert titles("status=acknowledged") == {"バッチが遅い"}
    assert titles("product=web-booking") == {"予約が失敗する"}
    assert titles("severity=info&status=all") == {"ログが多い"}
    assert titles("status=resolved") == set()
    assert "Web 予約" in client.get("/alerts?product=web-booking").text
    assert client.get("/alerts?status=lost").status_code == 400
    assert client.get("/alerts?severity=panic").status_code == 400
    assert client.get("/alerts?product=nothing").status_code == 404


def test_list_refreshes_itself_through_a_table_fragment(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    integration, _ = make_integration(container)
    sign_in(client, "sato@example.jp")
    page = client.get("/alerts?severity=critical")
    assert 'hx-get="/alerts/table?status=open&amp;product=&amp;severity=critical"' in page.text
    assert 'hx-trigger="every 10s"' in page.text
    assert 'hx-swap="outerHTML"' in page.text
    # htmx attributes only: the content security policy allows no inline script
    assert "<script>" not in page.text.split("<body", 1)[1]

    raise_alert(container, integration, "新しい障害が発生")
    fragment = client.get("/alerts/table?status=open&severity=critical")
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="alert-groups"')
    assert "<html" not in fragment.text
    assert "<nav" not in fragment.text
    assert "新しい障害が発生" in fragment.text
    assert 'hx-trigger="every 10s"' in fragment.text  # the swapped-in table keeps polling


def test_acknowledge_and_resolve_buttons_change_the_group_and_history_says_who(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    integration, _ = make_integration(container)
    outcome = raise_alert(container, integration, "決済 API が 500 を返す")
    group_id = outcome.group_id or 0
    sign_in(client, "sato@example.jp")
    listing = client.get("/alerts")
    assert f'action="/alerts/groups/{group_id}/acknowledge"' in listing.text

    token = csrf_token(client)
    acked = client.post(
        f"/alerts/groups/{group_id}/acknowledge", data={"csrf_token": token, "next": "/alerts?status=open"}
    )
    assert acked.status_code == 303
    assert acked.headers["location"] == "/alerts?status=open"
    assert group_status(container, group_id) == "acknowledged"
    row = _rows(client.get("/alerts").text)[0]
    assert "Sato" in row  # acknowledged by
    assert f'action="/alerts/groups/{group_id}/acknowledge"' not in row

    resolved = client.post(f"/alerts/groups/{group_id}/resolve", data={"csrf_token": token})
    assert resolved.status_code == 303
    assert resolved.headers["location"] == f"/alerts/groups/{group_id}"
    assert group_status(container, group_id) == "resolved"
    history = client.get(f"/alerts/groups/{group_id}").text.split('class="timeline"')[1]
    assert re.search(r'event-acknowledged">.*?<span class="who">Sato</span>', history, flags=re.DOTALL)
    assert re.search(r'event-resolved">.*?<span class="who">Sato</span>', history, flags=re.DOTALL)
    assert "event-opened" in history

    again = client.post(f"/alerts/groups/{group_id}/acknowledge", data={"csrf_token": token})
    assert again.status_code == 409
    assert 'class="notice error"' in again.text


def test_offsite_next_is_ignored(client: TestClient, people: People, container: Container) -> None:
    people.add("sato@example.jp", "engineer")
    integration, _ = make_integration(container)
    group_id = raise_alert(container, integration, "x").group_id
    sign_in(client, "sato@example.jp")
    answer = client.post(
        f"/alerts/groups/{group_id}/acknowledge",
        data={"csrf_token": csrf_token(client), "next": "//evil.example"},
    )
    assert answer.headers["location"] == "/"


def test_group_page_lists_its_alerts_and_the_alert_page_shows_everything_escaped(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    integration, _ = make_integration(container)
    summary = "<script>alert('x')</script> ディスク"
    raw = {"summary": summary, "nested": {"host": "web-1", "value": 95.2}, "list": [1, 2]}
    outcome = raise_alert(
        container,
        integration,
        summary,
        dedup_key="web-1/disk",
        labels={"env": "production", "team": "<b>web</b>"},
        links=(Link(href="https://grafana.example.jp/d/1", text="Grafana"),),
        raw=raw,
    )
    raise_alert(container, integration, summary, dedup_key="web-1/disk")  # counted, not a new alert
    sign_in(client, "sato@example.jp")

    group_page = client.get(f"/alerts/groups/{outcome.group_id}")
    assert group_page.status_code == 200
    assert f'href="/alerts/{outcome.alert_id}"' in group_page.text
    assert "<script>alert" not in group_page.text
    assert "&lt;script&gt;" in group_page.text

    page = client.get(f"/alerts/{outcome.alert_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    raw_block = page.text.split('class="json raw-payload">')[1].split("</pre>")[0]
    assert "&#34;nested&#34;: {\n    &#34;host&#34;: &#34;web-1&#34;" in raw_block  # pretty-printed, escaped
    assert "web-1/disk" in page.text
    assert "env=production" in page.text
    assert "team=&lt;b&gt;web&lt;/b&gt;" in page.text
    assert 'href="https://grafana.example.jp/d/1"' in page.text
    facts = page.text.split('class="facts"')[1].split("</dl>")[0]
    assert re.search(r"<dd>2</dd>", facts)  # the count


def test_pagerduty_raw_payload_does_not_show_the_integration_key(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    integration, key = make_integration(container, kind="pagerduty")
    raw = {"routing_key": key, "event_action": "trigger", "payload": {"summary": "x"}}
    outcome = raise_alert(container, integration, "x", raw=raw)
    sign_in(client, "sato@example.jp")
    page = client.get(f"/alerts/{outcome.alert_id}")
    assert key not in page.text
    assert key[:8] + "…" in page.text


def test_support_sees_alerts_but_cannot_act_and_viewer_sees_none(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("suzuki@example.jp", "support")
    people.add("nakamura@example.jp", "viewer")
    integration, _ = make_integration(container)
    outcome = raise_alert(container, integration, "FAX が送れない")

    sign_in(client, "suzuki@example.jp")
    listing = client.get("/alerts")
    assert listing.status_code == 200
    assert "FAX が送れない" in listing.text
    assert "/acknowledge" not in listing.text
    assert 'href="/alerts"' in listing.text  # in the navigation
    assert client.get(f"/alerts/groups/{outcome.group_id}").status_code == 200
    assert client.get(f"/alerts/{outcome.alert_id}").status_code == 200
    refused = client.post(
        f"/alerts/groups/{outcome.group_id}/acknowledge", data={"csrf_token": csrf_token(client)}
    )
    assert refused.status_code == 403
    assert group_status(container, outcome.group_id or 0) == "triggered"
    assert client.get("/integrations").status_code == 403

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, "nakamura@example.jp")
    for path in ("/alerts", "/alerts/table", f"/alerts/groups/{outcome.group_id}", "/integrations"):
        assert client.get(path).status_code == 403, path
    assert 'href="/alerts"' not in client.get("/").text


def test_empty_list_says_all_is_quiet_in_japanese(client: TestClient, people: People) -> None:
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    page = client.get("/alerts")
    assert '<html lang="ja">' in page.text
    assert 'class="all-quiet"' in page.text
    assert "アラート" in page.text


def test_a_storm_does_not_flood_the_history(client: TestClient, people: People, container: Container) -> None:
    people.add("sato@example.jp", "engineer")
    integration, _ = make_integration(container)
    first = raise_alert(container, integration, "web-0 が応答しない", name="Down", dedup_key="web-0")
    for n in range(1, 26):
        raise_alert(container, integration, f"web-{n} が応答しない", name="Down", dedup_key=f"web-{n}")
    sign_in(client, "sato@example.jp")
    page = client.get(f"/alerts/groups/{first.group_id}").text
    history = page.split('class="timeline"')[1].split("</ol>")[0]
    # opened + 25 added: the latest 20 entries, oldest first, and a count of the 6 before them
    assert history.count('<li class="event-') == 20
    assert "これより前の 6 件は表示していません" in history
    assert "event-opened" not in history
    assert history.index("web-6 が応答しない") < history.index("web-25 が応答しない")
    assert "web-5 が応答しない" not in history
    assert "web-0 が応答しない" in page  # every alert is still listed below
