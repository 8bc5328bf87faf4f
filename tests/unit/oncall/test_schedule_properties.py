"""Properties of the final schedule for any layers, restrictions and overrides (hypothesis):
its shifts tile the window without overlap, and each instant's answer is the direct evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hikeshi.oncall.rules import (
    ADD,
    REPLACE,
    LayerSpec,
    OverrideSpec,
    RestrictionSpec,
    ScheduleSpec,
    final_schedule,
    on_call_at,
)

ZONES = ("Asia/Tokyo", "America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "UTC")
WINDOW_START = datetime(2026, 2, 20, tzinfo=UTC)  # spans March and the spring changes of 2026
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
restrictions = st.builds(RestrictionSpec, st.integers(0, 6), clock_times, clock_times)


@st.composite
def layers(draw: st.DrawFn, layer_id: int) -> LayerSpec:
    return LayerSpec(
        id=layer_id,
        position=draw(st.integers(0, 3)),
        timezone=draw(st.sampled_from(ZONES)),
        start_date=date(2026, 2, 1) + timedelta(days=draw(st.integers(0, 50))),
        handoff=draw(clock_times),
        shift_hours=draw(st.sampled_from([1, 5, 8, 12, 24, 36, 48, 168])),
        member_ids=tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))),
        restrictions=tuple(draw(st.lists(restrictions, max_size=3))),
    )


@st.composite
def overrides(draw: st.DrawFn, override_id: int) -> OverrideSpec:
    starts = WINDOW_START + timedelta(minutes=15 * draw(st.integers(-100, 4000)))
    kind = draw(st.sampled_from([REPLACE, ADD]))
    replaced = draw(st.one_of(st.none(), st.integers(1, 5))) if kind == REPLACE else None
    return OverrideSpec(
        id=override_id,
        kind=kind,
        user_id=draw(st.integers(1, 6)),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15 * draw(st.integers(1, 500))),
        replaced_user_id=replaced,
    )


@st.composite
def schedules(draw: st.DrawFn) -> ScheduleSpec:
    count = draw(st.integers(0, 3))
    spec_layers = tuple(draw(layers(index + 1)) for index in range(count))
    spec_overrides = tuple(draw(overrides(index + 1)) for index in range(draw(st.integers(0, 3))))
    return ScheduleSpec(spec_layers, spec_overrides)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=schedules(), days=st.integers(1, 45), samples=st.lists(st.floats(0, 1), min_size=1, max_size=80))
def test_final_schedule_tiles_the_window_and_matches_direct_evaluation(
    spec: ScheduleSpec, days: int, samples: list[float]
) -> None:
    end = WINDOW_START + timedelta(days=days)
    shifts = final_schedule(spec, WINDOW_START, end)
    assert shifts[0].start == WINDOW_START
    assert shifts[-1].end == end
    for earlier, later in pairwise(shifts):
        assert earlier.end == later.start  # no gap in the tiling, no overlap
        # Neighbours differ: otherwise they would have been one shift.
        assert (earlier.user_ids, earlier.source, earlier.source_id) != (
            later.user_ids,
            later.source,
            later.source_id,
        )
    for shift in shifts:
        assert shift.start < shift.end
        assert len(set(shift.user_ids)) == len(shift.user_ids)
        for moment in (shift.start, shift.end - timedelta(seconds=1)):
            direct = on_call_at(spec, moment)
            assert (direct.user_ids, direct.source, direct.source_id) == (
                shift.user_ids,
                shift.source,
                shift.source_id,
            )
    for fraction in samples:
        moment = WINDOW_START + (end - WINDOW_START) * fraction
        if moment >= end:
            continue
        [covering] = [shift for shift in shifts if shift.start <= moment < shift.end]
        assert on_call_at(spec, moment).user_ids == covering.user_ids
