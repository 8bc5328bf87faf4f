"""What people see of integrations: creating one shows its URL, key and a working example once; rotating;
routing rules; who may see and change what."""

from __future__ import annotations

import html
import json
import re
import shlex
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from hikeshi.alerts import groups, integrations
from hikeshi.alerts.normalizers import KINDS
from hikeshi.bootstrap import Container
from tests.support.alerts import make_integration
from tests.support.web import People, csrf_token, sign_in


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def _example(page: str) -> tuple[str, dict[str, str], bytes]:
    """The example request as shown: the path to post to, the headers and the body."""
    command = html.unescape(_between(page, 'id="example-request">', "</pre>"))
    words = shlex.split(command.replace("\\\n", " "))  # a shell joins the lines ending in a backslash
    assert words[:3] == ["curl", "-X", "POST"]
    headers: dict[str, str] = {}
    body = b""
    for flag, value in zip(words[4::2], words[5::2], strict=True):
        if flag == "-H":
            name, _, content = value.partition(": ")
            headers[name] = content
        elif flag == "--data-binary":
            body = value.encode()
    return urlsplit(words[3]).path, headers, body


def _create(client: TestClient, **fields: str) -> tuple[int, str, str]:
    """Create an integration through the form: its id, the page shown, and the key revealed on it."""
    answer = client.post("/integrations", data={"csrf_token": csrf_token(client), **fields})
    assert answer.status_code == 201, answer.text
    integration_id = int(_between(answer.text, 'action="/integrations/', "/rotate-key"))
    return integration_id, answer.text, html.unescape(_between(answer.text, 'id="revealed-key">', "<"))


FORM_EXTRAS = {
    "generic": {"path_summary": "alert.title", "path_severity": "alert.level", "path_dedup_key": "alert.id"},
    "sentry": {"client_secret": "sentry-client-secret"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_new_integration_shows_url_key_and_an_example_that_works_once(
    client: TestClient, people: People, container: Container, kind: str
) -> None:
    people.add("boss@example.jp", "admin")
    sign_in(client, "boss@example.jp")
    fields = {"name": f"{kind} 本番", "kind": kind, "chat_channel": "#alerts", **FORM_EXTRAS.get(kind, {})}
    integration_id, page, key = _create(client, **fields)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    revealed_url = html.unescape(_between(page, 'id="revealed-url">', "<"))
    assert revealed_url.endswith("/v2/enqueue" if kind == "pagerduty" else f"/hooks/{key}")
    path, headers, body = _example(page)
    assert path == urlsplit(revealed_url).path
    assert "未受信" in page  # nothing received yet

    answer = client.post(path, content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    with container.sessions() as db:
        [alert] = groups.list_alerts(session=db)
        assert alert.integration_id == integration_id
    later = client.get(f"/integrations/{integration_id}")
    assert later.status_code == 200
    assert key not in later.text  # shown once only
    assert f"{key[:8]}…" in later.text
    assert "未受信" not in later.text
    assert "未受信" not in client.get("/integrations").text


def test_generic_example_uses_the_configured_paths(client: TestClient, people: People) -> None:
    people.add("boss@example.jp", "admin")
    sign_in(client, "boss@example.jp")
    _, page, _ = _create(client, name="Custom", kind="generic", path_summary="data.headline, title")
    _, _, body = _example(page)
    assert "ディスク" in json.loads(body)["data"]["headline"]


def test_bad_generic_path_shows_the_form_again_with_the_message(client: TestClient, people: People) -> None:
    people.add("boss@example.jp", "admin")
    sign_in(client, "boss@example.jp")
    answer = client.post(
        "/integrations",
        data={"csrf_token": csrf_token(client), "name": "Custom", "kind": "generic", "path_summary": "a..b"},
    )
    assert answer.status_code == 400
    assert 'class="notice error"' in answer.text
    assert "a..b" in answer.text
    assert 'value="Custom"' in answer.text
    unknown_kind = client.post(
        "/integrations", data={"csrf_token": csrf_token(client), "name": "X", "kind": "fax"}
    )
    assert unknown_kind.status_code == 400
    bad_channel = client.post(
        "/integrations",
        data={"csrf_token": csrf_token(client), "name": "X", "kind": "mackerel", "chat_channel": "障害 連絡"},
    )
    assert bad_channel.status_code == 400
    assert "chat_channel" in bad_channel.text


def test_rotating_the_key_shows_the_new_one_once_and_the_old_one_stops_working(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("boss@example.jp", "admin")
    integration_id, old_key = make_integration(container, kind="mackerel")
    sign_in(client, "boss@example.jp")
    rotated = client.post(
        f"/integrations/{integration_id}/rotate-key", data={"csrf_token": csrf_token(client)}
    )
    assert rotated.status_code == 200
    new_key = _between(rotated.text, 'id="revealed-key">', "<")
    assert new_key != old_key
    path, headers, body = _example(rotated.text)
    assert path == f"/hooks/{new_key}"
    assert client.post(f"/hooks/{old_key}", content=body, headers=headers).status_code == 401
    assert client.post(path, content=body, headers=headers).status_code == 202
    assert new_key not in client.get(f"/integrations/{integration_id}").text


def test_routing_rules_are_added_listed_and_removed(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("boss@example.jp", "admin")
    integration_id, _ = make_integration(container, chat_channel="#ops")
    sign_in(client, "boss@example.jp")
    token = csrf_token(client)
    added = client.post(
        f"/integrations/{integration_id}/rules",
        data={
            "csrf_token": token,
            "severities": ["critical", "error"],
            "labels": "env=staging\n\nteam = web",
            "drop": "true",
        },
    )
    assert added.status_code == 303
    with container.sessions() as db:
        [rule] = integrations.list_routing_rules(session=db, integration_id=integration_id)
        assert (rule.severities, rule.labels, rule.drop) == (
            ["critical", "error"],
            {"env": "staging", "team": "web"},
            True,
        )
    page = client.get(f"/integrations/{integration_id}").text
    rules = _between(page, 'class="rules"', "</ol>")
    assert "env=staging" in rules
    assert "team=web" in rules
    assert "sev-critical" in rules

    bad = client.post(
        f"/integrations/{integration_id}/rules", data={"csrf_token": token, "labels": "just words"}
    )
    assert bad.status_code == 400
    assert "just words" in _between(bad.text, 'class="notice error"', "</p>")

    removed = client.post(
        f"/integrations/{integration_id}/rules/{rule.id}/delete", data={"csrf_token": token}
    )
    assert removed.status_code == 303
    with container.sessions() as db:
        assert integrations.list_routing_rules(session=db, integration_id=integration_id) == []
    other_id, _ = make_integration(container, name="Other")
    assert (
        client.post(
            f"/integrations/{other_id}/rules/{rule.id}/delete", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_list_shows_kind_product_and_never_received(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    integration_id, _ = make_integration(container, name="Mackerel 監視", kind="mackerel")
    sign_in(client, "sato@example.jp")
    page = client.get("/integrations")
    assert page.status_code == 200
    row = _between(page.text, f'href="/integrations/{integration_id}"', "</tr>")
    assert "Mackerel 監視" in row
    assert '<td data-label="種類">Mackerel</td>' in row
    assert "未受信" in row


def test_engineers_look_but_only_admins_change(
    client: TestClient, people: People, container: Container
) -> None:
    people.add("sato@example.jp", "engineer")
    integration_id, _ = make_integration(container)
    sign_in(client, "sato@example.jp")
    assert 'action="/integrations"' not in client.get("/integrations").text
    detail = client.get(f"/integrations/{integration_id}")
    assert detail.status_code == 200
    assert "/rotate-key" not in detail.text
    token = csrf_token(client)
    assert (
        client.post("/integrations", data={"csrf_token": token, "name": "x", "kind": "generic"}).status_code
        == 403
    )
    assert (
        client.post(f"/integrations/{integration_id}/rotate-key", data={"csrf_token": token}).status_code
        == 403
    )
    assert client.post(f"/integrations/{integration_id}/rules", data={"csrf_token": token}).status_code == 403


def test_viewer_gets_403(client: TestClient, people: People, container: Container) -> None:
    people.add("nakamura@example.jp", "viewer")
    integration_id, _ = make_integration(container)
    sign_in(client, "nakamura@example.jp")
    assert client.get("/integrations").status_code == 403
    assert client.get(f"/integrations/{integration_id}").status_code == 403
