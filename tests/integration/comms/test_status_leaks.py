"""Nothing internal ever reaches a customer: an incident whose title, summary, notes, impact note and
timeline name stores and people, with published notices (drafted from its facts, as people do), and
every public output rendered: the status page and its incident pages, every /api/v2 JSON, the Atom
feeds, every file of the static copy, the in-app feed, and the customer email of every notice.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.comms import campaign_rules
from hikeshi.comms.models import Notice
from hikeshi.comms.status_export import export_status_site
from hikeshi.comms.status_schemas import Site
from hikeshi.incidents import service as incidents
from hikeshi.incidents import work
from hikeshi.incidents.schemas import IncidentUpdate
from tests.integration.comms.conftest import SECRET_STORE_NAMES, STORES, Crew, declare
from tests.integration.comms.test_status_page import publish
from tests.support.comms import product_ids

INTERNAL_TITLE = f"{SECRET_STORE_NAMES[0]} で予約が保存できない (担当: 渡辺 精一郎)"
INTERNAL_SUMMARY = f"内部メモ: {SECRET_STORE_NAMES[1]} の DB ロック待ち。渡辺 精一郎 が調査中"
NOTE = f"{SECRET_STORE_NAMES[0]} の店長 (090-1234-5678) から電話。渡辺 精一郎 が折り返す"
IMPACT_NOTE = f"{SECRET_STORE_NAMES[1]} と {SECRET_STORE_NAMES[0]} で確認"
PERSON = "渡辺 精一郎"
API_DOCUMENTS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
)


def _secrets(crew: Crew) -> list[str]:
    people = [crew.admin, crew.engineer, crew.support, crew.support_lead, crew.sales, crew.viewer]
    return [
        *(spec.name for spec in STORES),
        *(email for spec in STORES for email in spec.emails),
        *(person.email for person in people),
        *(person.name for person in people),
        PERSON,
        INTERNAL_TITLE,
        INTERNAL_SUMMARY,
        "内部メモ",
        "090-1234-5678",
    ]


def _internal_incident(world: Container, crew: Crew) -> tuple[int, list[Notice]]:
    incident = declare(world, crew, title=INTERNAL_TITLE, summary=INTERNAL_SUMMARY)
    now = world.clock()
    with world.sessions() as db:
        work.add_note(session=db, number=incident.number, text=NOTE, by=crew.engineer.id, now=now)
        incidents.update_incident(
            session=db,
            number=incident.number,
            update=IncidentUpdate(impact_note=IMPACT_NOTE),
            by=crew.engineer.id,
            now=now,
        )
        db.commit()
        [booking] = product_ids(db, "web-booking")
    channels = ("status_page", "in_app", "email")
    # Drafted from the incident's facts by hikeshi, as people publish them.
    published = [
        publish(
            world, crew, incident.id, channels=channels, component_statuses={str(booking): "major_outage"}
        )
    ]
    world.clock.advance(minutes=45)  # type: ignore[attr-defined]
    with world.sessions() as db:
        incidents.change_status(
            session=db, number=incident.number, status="identified", by=crew.engineer.id, now=world.clock()
        )
        db.commit()
    published.append(publish(world, crew, incident.id, kind="update", channels=channels))
    return incident.id, published


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret and secret in text]


def test_no_public_output_names_a_store_a_person_or_an_internal_field(
    world: Container, crew: Crew, web: TestClient, tmp_path: Path
) -> None:
    _, published = _internal_incident(world, crew)
    secrets = _secrets(crew)
    outputs: dict[str, str] = {}
    public_id = f"n{published[0].id}"
    for lang in ("ja", "en"):
        outputs[f"/status {lang}"] = web.get(f"/status?lang={lang}").text
        outputs[f"detail {lang}"] = web.get(f"/status/incidents/{public_id}?lang={lang}").text
        outputs[f"atom {lang}"] = web.get(f"/status/feed.atom?lang={lang}").text
        for name in API_DOCUMENTS:
            outputs[f"{name} {lang}"] = web.get(f"/api/v2/{name}?lang={lang}").text
        outputs[f"in-app {lang}"] = web.get(f"/notices/feed.json?lang={lang}").text
        outputs[f"in-app T1 {lang}"] = web.get(f"/notices/feed.json?store=T1&lang={lang}").text
        for notice in published:
            email = campaign_rules.render_notice_email(
                notice=notice,
                language=lang,
                status_url="https://status.example.com/status",
                unsubscribe_url="https://status.example.com/unsubscribe/x",
            )
            outputs[f"email {notice.id} {lang}"] = "\n".join((email.subject, email.text, email.html))
    with world.sessions() as db:
        export_status_site(
            session=db,
            now=world.clock(),
            directory=tmp_path / "copy",
            site=Site.from_settings(world.settings),
        )
    for path in sorted((tmp_path / "copy").rglob("*")):
        if path.is_file():
            outputs[f"static {path.relative_to(tmp_path)}"] = path.read_text(encoding="utf-8")

    # The outputs are real: the notices are there, in both languages, on every kind of output.
    assert "Web 予約" in outputs["/status ja"]
    assert "Web booking" in outputs["/status en"]
    assert published[0].title_ja in outputs["detail ja"]
    assert published[1].body_en.splitlines()[0] in outputs["atom en"]
    assert published[0].title_ja in outputs["in-app T1 ja"]
    assert len([key for key in outputs if key.startswith("static ")]) == 19
    leaks = {where: found for where, text in outputs.items() if (found := _leaks(text, secrets))}
    assert leaks == {}
