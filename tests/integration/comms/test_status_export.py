"""The static copy of the status page: a complete site with relative links, written by the CLI and by
the job every public change enqueues.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hikeshi.bootstrap import Container
from hikeshi.cli import app
from hikeshi.comms.status_export import export_status_site
from hikeshi.comms.status_schemas import Site
from hikeshi.core.settings import Settings
from tests.integration.comms.conftest import Crew
from tests.integration.comms.test_status_page import outage, publish
from tests.support.catalog import run_jobs

API_FILES = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append(value)


def links_of(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.targets


def export(world: Container, directory: Path) -> list[str]:
    with world.sessions() as db:
        result = export_status_site(
            session=db, now=world.clock(), directory=directory, site=Site.from_settings(world.settings)
        )
    return list(result.files)


def test_the_copy_is_a_complete_site_whose_links_all_resolve(
    world: Container, crew: Crew, tmp_path: Path
) -> None:
    incident_id, first = outage(world, crew)
    world.clock.advance(minutes=40)  # type: ignore[attr-defined]
    publish(world, crew, incident_id, kind="resolved", public_status="resolved")
    site = tmp_path / "site"
    files = export(world, site)
    incident = f"n{first.id}"
    for expected in (
        "index.html",
        "en/index.html",
        f"incidents/{incident}.html",
        f"en/incidents/{incident}.html",
        "feed.atom",
        "en/feed.atom",
        "assets/status.css",
        *(f"api/v2/{name}" for name in API_FILES),
        *(f"en/api/v2/{name}" for name in API_FILES),
    ):
        assert expected in files, expected
        assert (site / expected).is_file(), expected
    assert files[-1] == "index.html"  # the front door last: it never links to a page not yet there
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 4
    for page in pages:
        for target in links_of(page):
            assert not target.startswith(("/", "http:", "https:")), f"{page}: {target}"
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.is_file(), f"{page.relative_to(site)} links to a missing {target}"
            assert site.resolve() in path.parents
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "すべてのシステムが正常に稼働しています" in home
    assert f'href="incidents/{incident}.html"' in home
    assert 'href="en/index.html"' in home
    english = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert "All Systems Operational" in english
    assert 'href="../assets/status.css"' in english
    detail = (site / "en" / "incidents" / f"{incident}.html").read_text(encoding="utf-8")
    assert "Web booking is currently unavailable." in detail
    assert 'href="../../incidents/' in detail  # the switch to the Japanese page of the same incident
    summary = json.loads((site / "api/v2/summary.json").read_text(encoding="utf-8"))
    assert summary["status"]["indicator"] == "none"
    listed = json.loads((site / "en/api/v2/incidents.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in listed["incidents"]] == [incident]
    assert listed["incidents"][0]["status"] == "resolved"
    feed = ET.fromstring((site / "en" / "feed.atom").read_bytes())  # noqa: S314 - our own feed
    hrefs = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert f"../en/incidents/{incident}.html" in hrefs  # relative to en/feed.atom


def test_exporting_again_replaces_files_and_leaves_no_temporary_ones(
    world: Container, crew: Crew, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    export(world, site)
    assert "Web 予約がご利用いただけない状態です" not in (site / "index.html").read_text(encoding="utf-8")
    outage(world, crew)
    export(world, site)
    assert "Web 予約がご利用いただけない状態です" in (site / "index.html").read_text(encoding="utf-8")
    assert [path for path in site.rglob("*") if path.name.endswith(".tmp")] == []


def _cli(world: Container, *args: str) -> object:
    environment = {
        "HIKESHI_DATABASE_URL": world.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }
    return CliRunner().invoke(app, list(args), env=environment)


def test_cli_exports_and_refuses_a_file_for_a_directory(
    world: Container, crew: Crew, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    outage(world, crew)
    result = _cli(world, "status", "export", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    document = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert document["incidents"] == 1
    assert "index.html" in document["files"]
    assert (tmp_path / "out" / "index.html").is_file()
    plain = _cli(world, "status", "export", str(tmp_path / "out"))
    assert plain.exit_code == 0  # type: ignore[attr-defined]
    assert "Status page written to" in plain.stdout  # type: ignore[attr-defined]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    refused = _cli(world, "status", "export", str(blocker))
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "directory:" in refused.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in refused.output  # type: ignore[attr-defined]


class TestTheExportJob:
    @pytest.fixture
    def settings(self, settings: Settings, tmp_path: Path) -> Settings:
        return settings.model_copy(update={"status_export_dir": str(tmp_path / "public")})

    def test_a_publish_refreshes_the_configured_directory(
        self, world: Container, crew: Crew, tmp_path: Path
    ) -> None:
        public = tmp_path / "public"
        outage(world, crew)
        assert not public.exists()  # the job waits a moment, so a burst of changes is written once
        world.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
        run_jobs(world)
        page = (public / "index.html").read_text(encoding="utf-8")
        assert "Web 予約がご利用いただけない状態です" in page
        assert (public / "en" / "index.html").is_file()
        assert json.loads((public / "api/v2/status.json").read_text())["status"]["indicator"] == "major"
