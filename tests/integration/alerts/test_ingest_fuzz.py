"""Hypothesis against the ingest endpoints over HTTP: whatever arrives, never a 5xx, always JSON.

Bodies are arbitrary bytes, arbitrary JSON, or a valid request of each kind with parts deleted,
replaced or added; content types are arbitrary too. The parsers are pure, so each answer is checked
against them: a refusal stores nothing at all, and a 2xx stores every alert that the body triggers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hikeshi.alerts import integrations
from hikeshi.alerts.examples import example_request
from hikeshi.alerts.models import Alert, AlertEvent, ChangeEvent
from hikeshi.alerts.normalized import Action
from hikeshi.alerts.normalizers import KINDS, parse_webhook
from hikeshi.alerts.normalizers.documents import load_json
from hikeshi.alerts.normalizers.pagerduty import validate_change_event, validate_event
from hikeshi.bootstrap import Container
from hikeshi.core.errors import HikeshiError


def fuzz(examples: int) -> settings:
    """Modest example counts: the whole file stays within about half a minute on both databases."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["\u0000", "\ud800", "trigger", "resolve", "firing", "critical", "0" * 300])
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Anything that stays one path segment: no separators, no escapes, no dot segments.
KEYS = st.text(
    st.characters(exclude_characters="/?#%\\", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=300
).filter(lambda key: key.strip(".") != "")
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "application/json; charset=latin-1",
    ]
)


def _encode(document: Any) -> bytes:
    # allow_nan: NaN and Infinity are not JSON, and senders send them anyway.
    return json.dumps(document, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _places(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _places(child, (*path, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """The document with one to three parts deleted, replaced by arbitrary JSON, or added beside."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_places(document)))
        if not path:
            return draw(JSON)
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        change = draw(st.sampled_from(["delete", "replace", "add"]))
        if change == "delete":
            del parent[path[-1]]
        elif change == "replace":
            parent[path[-1]] = draw(JSON)
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(JSON)
        else:
            parent.append(draw(JSON))
    return document


def _bodies(valid: Any) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        JSON.map(_encode),
        mutated(valid).map(_encode),
        st.just(_encode(valid)),
    )


def _snapshot(container: Container) -> tuple[Any, ...]:
    with container.sessions() as db:
        alerts = db.execute(select(func.count(Alert.id), func.coalesce(func.sum(Alert.count), 0))).one()
        statuses = db.execute(
            select(Alert.status, func.count()).group_by(Alert.status).order_by(Alert.status)
        )
        return (
            tuple(alerts),
            tuple(tuple(row) for row in statuses),
            db.scalar(select(func.count()).select_from(AlertEvent)),
            db.scalar(select(func.count()).select_from(ChangeEvent)),
        )


def _triggered_total(snapshot: tuple[Any, ...]) -> int:
    return int(snapshot[0][1])


def _stored_open(container: Container, integration_id: int, dedup_key: str) -> bool:
    with container.sessions() as db:
        query = select(Alert.id).where(
            Alert.integration_id == integration_id, Alert.dedup_key == dedup_key, Alert.status != "resolved"
        )
        return db.scalar(query) is not None


def _integration(container: Container, kind: str) -> tuple[int, str]:
    with container.sessions() as db:
        created, key = integrations.create_integration(
            session=db, name=kind, kind=kind, now=container.clock()
        )
        db.commit()
        return created.id, key


def _post(
    client: TestClient, url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    sent = {**(headers or {}), **({"content-type": content_type} if content_type else {})}
    answer = client.post(url, content=body, headers=sent)
    assert answer.status_code < 500, (answer.status_code, answer.text, body[:300])
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    return answer.status_code, answer.json()


def _outcome(check: Callable[[], Any]) -> tuple[Any, HikeshiError | None]:
    try:
        return check(), None
    except HikeshiError as error:
        return None, error


def test_pagerduty_events_never_get_a_5xx_and_2xx_means_stored(
    client: TestClient, container: Container
) -> None:
    integration_id, key = _integration(container, "pagerduty")
    valid = json.loads(example_request(kind="pagerduty", url="", key=key, config={}).body)

    @fuzz(250)
    @given(body=_bodies(valid), content_type=CONTENT_TYPES)
    def check(body: bytes, content_type: str) -> None:
        before = _snapshot(container)
        status, answer = _post(client, "/v2/enqueue", body, content_type)
        event, invalid = _outcome(lambda: validate_event(load_json(body)))
        if invalid is not None or event.routing_key != key:
            assert status == 400, answer
            assert set(answer) == {"status", "message", "errors"}, answer
            assert answer["errors"], answer
            assert _snapshot(container) == before
            return
        assert (status, answer["status"]) == (202, "success"), answer
        if event.action is Action.TRIGGER:
            assert _triggered_total(_snapshot(container)) == _triggered_total(before) + 1
            assert _stored_open(container, integration_id, answer["dedup_key"])

    check()


def test_change_events_never_get_a_5xx_and_2xx_means_stored(client: TestClient, container: Container) -> None:
    _, key = _integration(container, "pagerduty")
    valid = {"routing_key": key, "payload": {"summary": "v1.2 をデプロイ", "source": "ci"}, "links": []}

    @fuzz(120)
    @given(body=_bodies(valid), content_type=CONTENT_TYPES)
    def check(body: bytes, content_type: str) -> None:
        before = _snapshot(container)
        status, answer = _post(client, "/v2/change/enqueue", body, content_type)
        change, invalid = _outcome(lambda: validate_change_event(load_json(body)))
        if invalid is not None or change.routing_key != key:
            assert status == 400, answer
            assert _snapshot(container) == before
            return
        assert status == 202, answer
        assert _snapshot(container)[3] == before[3] + 1
        assert _snapshot(container)[:3] == before[:3]  # change events notify no one and open nothing

    check()


def test_webhooks_of_every_kind_never_get_a_5xx_and_2xx_means_stored(
    client: TestClient, container: Container
) -> None:
    made = {kind: _integration(container, kind) for kind in KINDS}
    examples = {
        kind: example_request(kind=kind, url="", key=key, config={}) for kind, (_, key) in made.items()
    }
    valid = {kind: json.loads(example.body) for kind, example in examples.items()}
    # What a tool sends besides the body (Sentry names the resource in a header), less the content type.
    extra_headers = {
        kind: {
            name.lower(): value for name, value in example.headers.items() if name.lower() != "content-type"
        }
        for kind, example in examples.items()
    }

    @fuzz(400)
    @given(data=st.data(), kind=st.sampled_from(KINDS), content_type=CONTENT_TYPES)
    def check(data: st.DataObject, kind: str, content_type: str) -> None:
        integration_id, key = made[kind]
        body = data.draw(_bodies(valid[kind]))
        before = _snapshot(container)
        status, answer = _post(client, f"/hooks/{key}", body, content_type, extra_headers[kind])
        headers = {**extra_headers[kind], "content-type": content_type}
        now = container.clock()
        alerts, invalid = _outcome(lambda: parse_webhook(kind, body, headers=headers, config={}, now=now))
        if invalid is not None:
            assert status == invalid.status_code, answer
            assert set(answer) == {"error"}, answer
            assert _snapshot(container) == before
            return
        assert (status, answer["alerts"]) == (202, len(alerts)), answer
        triggers = [n for n, alert in enumerate(alerts) if alert.action is Action.TRIGGER]
        assert _triggered_total(_snapshot(container)) == _triggered_total(before) + len(triggers)
        for number in triggers:
            assert _stored_open(container, integration_id, answer["dedup_keys"][number])

    check()


def test_unknown_webhook_keys_never_get_a_5xx(client: TestClient) -> None:
    @fuzz(80)
    @given(key=KEYS, body=st.binary(max_size=50))
    def check(key: str, body: bytes) -> None:
        answer = client.post(f"/hooks/{key}", content=body)
        assert answer.status_code in (401, 404), answer.text
        assert answer.headers["content-type"].startswith("application/json")

    check()
