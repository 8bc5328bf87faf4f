"""Hypothesis against the heartbeat pings, the last ingest endpoint: never a 5xx, and a 2xx is recorded.

A job pings `/ping/<key>`, `/start`, `/fail` or `/<exit status>` with GET or POST, and whatever body its
script had at hand (a log with any bytes, NULs included). A known key is answered 200 and the ping is
stored as the heartbeat's last one, its body as text; an unknown key is a 404 that changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hikeshi.alerts import heartbeats
from hikeshi.alerts.heartbeats_models import Heartbeat
from hikeshi.alerts.heartbeats_rules import body_excerpt
from hikeshi.alerts.models import Alert
from hikeshi.bootstrap import Container

# Anything that stays one path segment: no separators, no escapes, no dot segments.
SEGMENTS = st.text(
    st.characters(exclude_characters="/?#%\\", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
)
SUFFIXES = st.one_of(
    st.sampled_from(["", "/start", "/fail", "/0", "/1", "/255"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda status: f"/{status}"),
    SEGMENTS.map(lambda segment: f"/{segment}" if segment.strip(".") else ""),
)
BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\x00", "ジョブ失敗\x00ログ".encode(), b"\xff\xfe"]),
)


def _kind(suffix: str) -> str | None:
    """The ping kind a path suffix means; None where the path is not a ping at all (a 404 or 422)."""
    if suffix == "":
        return "success"
    if suffix in ("/start", "/fail"):
        return suffix[1:]
    if re.fullmatch(r"[+-]?[0-9]{1,40}", suffix[1:]):  # an exit status as a shell writes it
        return "success" if int(suffix[1:]) == 0 else "fail"
    return None  # not `0.0`, `１` or `1_0`, which Python's int() would take


def _state(container: Container, heartbeat_id: int) -> tuple[Any, ...]:
    with container.sessions() as db:
        heartbeat = db.get(Heartbeat, heartbeat_id)
        assert heartbeat is not None
        alerts = db.scalar(select(func.count()).select_from(Alert))
        return heartbeat.last_ping_kind, heartbeat.last_ping_body, heartbeat.last_start_at, alerts


def test_pings_never_get_a_5xx_and_a_2xx_is_recorded(client: TestClient, container: Container) -> None:
    with container.sessions() as db:
        heartbeat, key = heartbeats.create_heartbeat(
            session=db,
            name="夜間バッチ",
            now=container.clock(),
            default_timezone="Asia/Tokyo",
            period_seconds=3600,
        )
        db.commit()
        heartbeat_id = heartbeat.id

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        known=st.booleans(),
        other_key=SEGMENTS.filter(lambda segment: segment.strip(".") != ""),
        suffix=SUFFIXES,
        method=st.sampled_from(["GET", "POST"]),
        body=BODIES,
        content_type=st.sampled_from(["text/plain", "application/json", "application/octet-stream", ""]),
    )
    @example(known=True, other_key="x", suffix="/fail", method="POST", body=b"log\x00", content_type="")
    @example(known=True, other_key="x", suffix="/0.0", method="GET", body=b"", content_type="")  # found
    @example(known=True, other_key="x", suffix="/\uff10", method="GET", body=b"", content_type="")
    def check(known: bool, other_key: str, suffix: str, method: str, body: bytes, content_type: str) -> None:
        used = key if known else other_key
        headers = {"content-type": content_type} if content_type else {}
        before = _state(container, heartbeat_id)
        sent = body if method == "POST" else b""
        answer = client.request(method, f"/ping/{used}{suffix}", content=sent, headers=headers)
        assert answer.status_code < 500, (answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/json"), answer.headers
        kind = _kind(suffix)
        if used != key or kind is None:
            assert answer.status_code in (404, 405, 422), answer.text
            assert _state(container, heartbeat_id) == before
            return
        assert answer.status_code == 200, answer.text
        shown = answer.json()["state"]
        last_kind, last_body, last_start, _ = _state(container, heartbeat_id)
        if kind == "start":
            assert last_start is not None
            assert (last_kind, last_body) == before[:2]
        else:
            assert (shown, last_kind) == ({"success": "up", "fail": "failing"}[kind], kind)
            assert last_body == body_excerpt(sent)
            assert "\x00" not in last_body

    check()


def test_a_failure_log_with_nul_bytes_is_recorded(client: TestClient, container: Container) -> None:
    with container.sessions() as db:
        heartbeat, key = heartbeats.create_heartbeat(
            session=db, name="backup", now=container.clock(), default_timezone="UTC", period_seconds=60
        )
        db.commit()
    answer = client.post(f"/ping/{key}/fail", content="tar: 失敗\x00\x00終了".encode())
    assert answer.status_code == 200, answer.text
    with container.sessions() as db:
        stored = db.get(Heartbeat, heartbeat.id)
        assert stored is not None
        assert stored.last_ping_kind == "fail"
        assert stored.last_ping_body == "tar: 失敗\ufffd\ufffd終了"  # PostgreSQL's text holds no NUL
