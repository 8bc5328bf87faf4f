"""The weekly report page, its Markdown, the metrics page and the API, as people see them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.postmortems.conftest import Crew, bearer
from tests.support.clock import FrozenClock
from tests.support.report_week import build_week
from tests.support.web import People, sign_in


def _figure(html: str, name: str) -> str:
    found = re.search(rf'<dd id="figure-{name}">([^<]*)', html)
    assert found, name
    return found.group(1).strip()


def test_weekly_page_in_japanese_is_printable_with_charts(
    world: Container, clock: FrozenClock, crew: Crew, web: TestClient
) -> None:
    build_week(world, clock, by=crew.engineer.id)
    sign_in(web, crew.support.email)
    response = web.get("/reports/weekly")  # the last complete week: 2026-W48
    assert response.status_code == 200
    html = response.text
    assert "週次障害レポート 2026-W48（2026-11-23 〜 2026-11-29）" in html
    assert [_figure(html, name) for name in ("incidents", "mttd", "mtta", "mttr", "alerts", "pages")] == [
        "3",
        "45分",
        "7分",
        "2時間10分",
        "4",
        "2",
    ]
    assert [_figure(html, name) for name in ("night-pages", "open-items", "overdue-items", "done-items")] == [
        "1",
        "3",
        "2",
        "1",
    ]
    assert 'href="/reports/weekly?week=2026-W47"' in html
    assert 'href="/reports/weekly?week=2026-W49"' in html
    assert 'aria-current="page">週次レポート' in html
    assert html.count('<svg class="chart"') == 4
    assert 'aria-label="週ごとの障害件数"' in html
    assert "DBのロック待ち" in html
    assert "平均検知時間" in html
    # The strict CSP stands: no inline style or script in the page, the stylesheet carries the print rules.
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "<style" not in html
    assert "style=" not in html
    assert "<script>" not in html
    css = web.get("/static/hikeshi.css").text
    assert "@media print" in css
    assert ".no-print" in css


def test_weekly_page_in_english_and_other_weeks(
    world: Container, clock: FrozenClock, crew: Crew, web: TestClient
) -> None:
    build_week(world, clock, by=crew.engineer.id)
    sign_in(web, crew.viewer.email)  # a viewer is not staff
    assert web.get("/reports/weekly").status_code == 403
    web.cookies.clear()
    People(world).add("smith@example.jp", "engineer", language="en")
    sign_in(web, "smith@example.jp")
    html = web.get("/reports/weekly?week=2026-w48").text
    assert "Weekly incident report 2026-W48 (2026-11-23 to 2026-11-29)" in html
    assert _figure(html, "mttr").startswith("2 h 10 min")
    assert "Lock waits in the database" in html
    assert "Web booking, SMS delivery" in html
    earlier = web.get("/reports/weekly?week=2026-W47").text
    assert _figure(earlier, "incidents") == "1"
    bad = web.get("/reports/weekly?week=48")
    assert bad.status_code == 400
    assert "2026-W48" in bad.text


def test_markdown_download(world: Container, clock: FrozenClock, crew: Crew, web: TestClient) -> None:
    build_week(world, clock, by=crew.engineer.id)
    sign_in(web, crew.engineer.email)
    response = web.get("/reports/weekly/markdown?week=2026-W48")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# 週次障害レポート 2026-W48")


def test_metrics_page_over_any_days(
    world: Container, clock: FrozenClock, crew: Crew, web: TestClient
) -> None:
    build_week(world, clock, by=crew.engineer.id)
    sign_in(web, crew.engineer.email)
    html = web.get("/reports/metrics?since=2026-11-23&until=2026-11-29").text
    assert [_figure(html, name) for name in ("incidents", "mttd", "mtta", "mttr", "alerts", "pages")] == [
        "3",
        "45分",
        "7分",
        "2時間10分",
        "4",
        "2",
    ]
    assert 'aria-current="page">指標' in html
    # Default: the last 30 days up to today (1 December in Tokyo), which holds every incident.
    whole = web.get("/reports/metrics").text
    assert 'value="2026-11-02"' in whole
    assert 'value="2026-12-01"' in whole
    assert _figure(whole, "incidents") == "5"
    bad = web.get("/reports/metrics?since=2026-12-01&until=2026-11-01")
    assert bad.status_code == 400
    assert web.get("/reports/metrics?since=yesterday").status_code == 400


def test_api_weekly_and_metrics(world: Container, clock: FrozenClock, crew: Crew, web: TestClient) -> None:
    week = build_week(world, clock, by=crew.engineer.id)
    headers = bearer(world, crew.support)
    body = web.get("/api/v1/reports/weekly?week=2026-W48", headers=headers).json()
    assert (body["week"], body["previous_week"], body["next_week"]) == ("2026-W48", "2026-W47", "2026-W49")
    metrics = body["metrics"]
    assert [line["number"] for line in metrics["incidents"]] == [2, 4, 5]
    assert (metrics["mttr"]["seconds"], metrics["mtta"]["seconds"], metrics["mttd"]["seconds"]) == (
        7800.0,
        420.0,
        2700.0,
    )
    assert metrics["integrations"][0] == {
        "integration_id": week.prometheus,
        "name": "Prometheus",
        "kind": "alertmanager",
        "alerts": 3,
    }
    assert [point["week"] for point in body["trend"]][-2:] == ["2026-W47", "2026-W48"]
    ranged = web.get("/api/v1/reports/metrics?since=2026-11-23&until=2026-11-29", headers=headers).json()
    assert ranged == metrics
    bad = web.get("/api/v1/reports/metrics?since=2026-11-30&until=2026-11-01", headers=headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"]
    assert "until" in bad.json()["error"]["message"]
    assert web.get("/api/v1/reports/weekly?week=W99", headers=headers).status_code == 400
    assert web.get("/api/v1/reports/weekly", headers=bearer(world, crew.viewer)).status_code == 403
