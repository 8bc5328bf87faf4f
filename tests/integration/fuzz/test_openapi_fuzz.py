"""Schemathesis against the app's own OpenAPI document, in-process, as the demo company's administrator.

Every operation of `/api/v1/openapi.json` gets requests generated from its schema (and, where it takes
a JSON body, bodies that break the schema on purpose). Whatever comes in: never a 5xx, and every answer
conforms to what the document says of it (its media type, and its body where a schema describes it).
The database holds the demo company, so ids and numbers often name real rows and the requests reach
the services, not only the "not found" branch.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import select

from hikeshi.accounts import auth
from hikeshi.accounts.models import ApiToken, User
from hikeshi.accounts.service import find_user_by_email
from hikeshi.bootstrap import Container
from hikeshi.demo import DEMO_ADMIN_EMAIL, load_demo
from hikeshi.web.app import create_app

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
# Examples per operation: about 1,000 requests in all.
VALID_EXAMPLES = 5
INVALID_EXAMPLES = 6
# Operations that may take the fuzzer's own access away (revoke its token, deactivate its account).
TAKE_ACCESS = ("/api/v1/users/", "/api/v1/tokens/")
# Operations that any working administrator's token must reach (a 2xx), so the run is not all 401s.
MUST_ANSWER = {
    "GET /api/v1/me",
    "GET /api/v1/users",
    "GET /api/v1/stores",
    "GET /api/v1/incidents",
    "GET /api/v1/notices",
    "GET /api/v1/postmortems",
    "GET /api/v1/alert-groups",
    "GET /api/v2/summary.json",
}


def _admin_token(container: Container) -> str:
    with container.sessions() as db:
        assert load_demo(session=db, now=container.clock(), base_url="https://hikeshi.example.jp")
        admin = find_user_by_email(session=db, email=DEMO_ADMIN_EMAIL)
        assert admin is not None
        _, secret = auth.create_api_token(session=db, user_id=admin.id, name="fuzz", now=container.clock())
        db.commit()
        return secret


def _keep_access(container: Container, secret: str) -> None:
    """The fuzzer may revoke its own token or demote its own account: give them back."""
    with container.sessions() as db:
        token = db.scalar(select(ApiToken).where(ApiToken.token_hash == auth.hash_token(secret)))
        assert token is not None
        admin = db.get(User, token.user_id)
        assert admin is not None
        token.revoked_at = None
        admin.is_active = True
        admin.role = "admin"
        db.commit()


def _has_json_body(operation: Any) -> bool:
    return any(body.media_type == "application/json" for body in operation.body)


def test_every_operation_answers_within_its_schema_and_never_5xx(container: Container) -> None:
    secret = _admin_token(container)
    headers = {"Authorization": f"Bearer {secret}"}
    app = create_app(container)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    answered: dict[str, set[int]] = defaultdict(set)
    failures: list[str] = []

    def run(operation: Any, mode: GenerationMode, examples: int) -> None:
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,  # the document changes with the code: replaying old examples has little use
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            if operation.path.startswith(TAKE_ACCESS) and operation.method.upper() != "GET":
                _keep_access(container, secret)
            answered[operation.label].add(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # each operation is tried; all failures reported
            failures.append(f"{operation.label} ({mode.value}): {error}")

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 140, len(operations)  # the document lists the whole API
    for operation in operations:
        run(operation, GenerationMode.POSITIVE, VALID_EXAMPLES)
        if _has_json_body(operation):
            run(operation, GenerationMode.NEGATIVE, INVALID_EXAMPLES)

    assert not failures, "\n\n".join(failures)
    reached = {label for label, statuses in answered.items() if any(200 <= s < 300 for s in statuses)}
    assert reached >= MUST_ANSWER, MUST_ANSWER - reached
    # Most operations got past authentication and validation at least once: the fuzzer reached the services.
    assert len(reached) > len(operations) // 2, sorted(set(answered) - reached)
