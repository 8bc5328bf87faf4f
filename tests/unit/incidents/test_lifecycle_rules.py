"""The lifecycle rules, as pure functions: no sequence of actions reaches an invalid incident."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hikeshi.core.errors import Conflict, HikeshiError, InvalidInput
from hikeshi.incidents.rules import (
    ACTIVE_STATUSES,
    Facts,
    Status,
    allowed_transitions,
    check_transition,
    is_overdue,
    is_valid_state,
    parse_recovery_kind,
    parse_severity,
    runbook_for,
)


@dataclass(frozen=True)
class Model:
    """An incident as the rules see it, changed only through `check_transition` as the service does."""

    status: Status = Status.TRIAGE
    facts: Facts = field(default_factory=Facts)
    declared: bool = False
    resolved: bool = False


@dataclass(frozen=True)
class Move:
    target: Status
    reason: str


@dataclass(frozen=True)
class AddAction:
    pass


def apply(model: Model, step: Move | AddAction) -> Model:
    if isinstance(step, AddAction):
        return replace(model, facts=replace(model.facts, recovery_actions=model.facts.recovery_actions + 1))
    facts = Facts(
        recovery_actions=model.facts.recovery_actions,
        no_action_reason=step.reason if step.target == Status.RESOLVED else "",
        dismiss_reason=step.reason if step.target == Status.DISMISSED else "",
    )
    try:
        check_transition(model.status, step.target, facts)
    except HikeshiError:
        return model  # refused: nothing changes
    kept = Facts(
        recovery_actions=facts.recovery_actions,
        no_action_reason=facts.no_action_reason
        if step.target == Status.RESOLVED
        else model.facts.no_action_reason,
        dismiss_reason=facts.dismiss_reason or model.facts.dismiss_reason,
    )
    return Model(
        status=step.target,
        facts=kept,
        declared=model.declared or step.target in ACTIVE_STATUSES,
        resolved=step.target == Status.RESOLVED,
    )


steps = st.one_of(
    st.builds(Move, st.sampled_from(list(Status)), st.sampled_from(["", "   ", "not customer-facing"])),
    st.just(AddAction()),
)


@settings(max_examples=300)
@given(st.lists(steps, max_size=25))
def test_no_sequence_of_actions_reaches_an_invalid_state(sequence: list[Move | AddAction]) -> None:
    model = Model()
    for step in sequence:
        model = apply(model, step)
        assert is_valid_state(model.status, model.facts, declared=model.declared, resolved=model.resolved)


@given(st.sampled_from(list(Status)), st.sampled_from(list(Status)), st.integers(0, 3), st.text(max_size=5))
def test_a_transition_is_accepted_only_when_allowed(
    current: Status, target: Status, actions: int, reason: str
) -> None:
    facts = Facts(recovery_actions=actions, no_action_reason=reason, dismiss_reason=reason)
    try:
        check_transition(current, target, facts)
    except (Conflict, InvalidInput):
        accepted = False
    else:
        accepted = True
    if accepted:
        assert target in allowed_transitions(current)
        if target == Status.RESOLVED:
            assert actions > 0 or reason.strip()
        if target == Status.DISMISSED:
            assert reason.strip()


def test_resolving_without_recovery_action_or_reason_names_what_is_missing() -> None:
    with pytest.raises(Conflict) as refused:
        check_transition(Status.MONITORING, Status.RESOLVED, Facts())
    assert refused.value.field == "recovery_action"
    assert "recovery action" in str(refused.value)
    check_transition(Status.MONITORING, Status.RESOLVED, Facts(recovery_actions=1))
    check_transition(Status.MONITORING, Status.RESOLVED, Facts(no_action_reason="recovered by itself"))


def test_dismissing_needs_a_reason_and_is_final() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_transition(Status.TRIAGE, Status.DISMISSED, Facts())
    assert refused.value.field == "reason"
    check_transition(Status.TRIAGE, Status.DISMISSED, Facts(dismiss_reason="a test alert"))
    assert allowed_transitions(Status.DISMISSED) == frozenset()


def test_an_incident_cannot_be_resolved_straight_from_triage() -> None:
    with pytest.raises(Conflict):
        check_transition(Status.TRIAGE, Status.RESOLVED, Facts(recovery_actions=1))


def test_the_partner_task_exists_only_when_partners_are_affected() -> None:
    assert [task.key for task in runbook_for(partners_affected=False)] == [
        "hotfix",
        "similar_inquiries",
        "contact_stores",
    ]
    with_partners = runbook_for(partners_affected=True)
    assert [(task.key, task.role) for task in with_partners][-1] == ("contact_partners", "support")


def test_overdue_means_due_passed_and_not_done() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    past, future = now - timedelta(minutes=1), now + timedelta(minutes=1)
    assert is_overdue(due_at=past, done_at=None, now=now)
    assert not is_overdue(due_at=past, done_at=now, now=now)
    assert not is_overdue(due_at=future, done_at=None, now=now)
    assert not is_overdue(due_at=None, done_at=None, now=now)


def test_parsers_name_the_field() -> None:
    assert parse_severity("sev1").value == "SEV1"
    assert parse_recovery_kind("data-repair").value == "data_repair"
    for parse, value, named in ((parse_severity, "SEV9", "severity"), (parse_recovery_kind, "pray", "kind")):
        with pytest.raises(InvalidInput) as refused:
            parse(value)
        assert refused.value.field == named
