"""`hikeshi report weekly` and `hikeshi report metrics` against the hand-built week."""

from __future__ import annotations

import json
from pathlib import Path

from hikeshi.bootstrap import Container
from hikeshi.core.settings import Settings
from tests.integration.postmortems.conftest import Crew
from tests.support.cli import run
from tests.support.clock import FrozenClock
from tests.support.report_week import build_week


def test_weekly_report_as_markdown_html_and_json(
    world: Container, clock: FrozenClock, crew: Crew, settings: Settings, tmp_path: Path
) -> None:
    build_week(world, clock, by=crew.engineer.id)
    url = settings.database_url

    markdown = run("report", "weekly", "--week", "2026-W48", database_url=url)
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# 週次障害レポート 2026-W48（2026-11-23 〜 2026-11-29）")
    assert "- MTTR: 2時間10分（3件）" in markdown.stdout
    assert "| #2 | Web予約で予約が保存できない | SEV1 | Web 予約 | 2時間30分 |" in markdown.stdout

    target = tmp_path / "week.html"
    written = run(
        "report",
        "weekly",
        "--week",
        "2026-W48",
        "--format",
        "html",
        "--output",
        str(target),
        database_url=url,
        HIKESHI_LANGUAGE="en",
    )
    assert written.returncode == 0, written.stderr
    assert str(target) in written.stdout
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "Weekly incident report 2026-W48 (2026-11-23 to 2026-11-29)" in html
    assert "@media print" in html
    assert html.count('<svg class="chart"') == 4
    assert '<dd id="figure-mttr">2 h 10 min' in html

    as_json = json.loads(
        run("report", "weekly", "--week", "2026-W48", "--format", "json", database_url=url).stdout
    )
    assert [line["number"] for line in as_json["metrics"]["incidents"]] == [2, 4, 5]
    assert as_json["metrics"]["mtta"] == {"seconds": 420.0, "count": 2}


def test_bad_input_exits_2_naming_the_field(world: Container, settings: Settings) -> None:
    url = settings.database_url
    week = run("report", "weekly", "--week", "48", database_url=url)
    assert week.returncode == 2
    assert "2026-W48" in week.stderr
    form = run("report", "weekly", "--format", "pdf", database_url=url, HIKESHI_LANGUAGE="en")
    assert form.returncode == 2
    assert "format" in form.stderr
    days = run("report", "metrics", "--since", "2026-12-01", "--until", "2026-11-01", database_url=url)
    assert days.returncode == 2
    assert "until（終了日）" in days.stderr
    days = run(
        "report",
        "metrics",
        "--since",
        "2026-12-01",
        "--until",
        "2026-11-01",
        database_url=url,
        HIKESHI_LANGUAGE="en",
    )
    assert days.returncode == 2
    assert "until" in days.stderr


def test_metrics_over_days(world: Container, clock: FrozenClock, crew: Crew, settings: Settings) -> None:
    build_week(world, clock, by=crew.engineer.id)
    url = settings.database_url
    out = run(
        "report", "metrics", "--since", "2026-11-23", "--until", "2026-11-29", "--json", database_url=url
    )
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert (body["alerts"], body["pages"], body["night_pages"]) == (4, 2, 1)
    assert body["mttd"] == {"seconds": 2700.0, "count": 2}
    table = run("report", "metrics", "--since", "2026-11-23", "--until", "2026-11-29", database_url=url)
    assert "MTTR" in table.stdout
    assert "2時間10分" in table.stdout
