"""The incremental rows (priority queue of due moments, burns only for what changed) always equal a
full recomputation, over random sequences of writes, deletes and clock moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sessiontui.live.alerts import AlertWatch
from sessiontui.live.classified_rows import ClassifiedRows
from sessiontui.model import (
    ApiCall,
    LastMessage,
    MessageKind,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
)
from sessiontui.rules.burn import burns_for
from sessiontui.rules.state import Thresholds, classify

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
LIMITS = Thresholds()
FORMATS = (StoreFormat.ZEROCLAW_SQLITE, StoreFormat.STARPOD)
LASTS = (
    None,
    ("user", MessageKind.TEXT, "hello"),
    ("assistant", MessageKind.TEXT, "shall I go on?"),
    ("assistant", MessageKind.TEXT, "done."),
    ("assistant", MessageKind.TOOL_CALL, "{}"),
    ("tool", MessageKind.TOOL_RESULT, "ok"),
)


def make_session(store: int, sid: int, now: datetime, draw: tuple[int, ...]) -> Session:
    """A session shaped by a few drawn integers, its times spread around `now`."""
    ago_activity, ago_last, ago_turn, last_kind, state, calls, dollars = draw
    activity = now - timedelta(seconds=ago_activity)
    last_spec = LASTS[last_kind]
    last = None
    if last_spec is not None:
        last = LastMessage(
            last_spec[0], last_spec[1], activity - timedelta(seconds=ago_last), last_spec[2]
        )
    recent = tuple(
        ApiCall(
            activity - timedelta(seconds=37 * i),
            "claude-opus-4-1",
            Usage(100 * i, 50),
            dollars / 100 or None,
        )
        for i in range(calls)
    )
    return Session(
        format=FORMATS[store],
        store=f"/stores/{store}",
        id=f"{'gw_' if sid % 2 else ''}s{sid}",
        name=f"session {sid}",
        created_at=activity - timedelta(hours=1),
        last_activity=activity,
        native_state=(None, "idle", "running", "error")[state],
        turn_started_at=activity - timedelta(seconds=ago_turn) if state == 2 else None,
        last_message=last,
        recent_calls=recent,
    )


SHAPES = st.tuples(
    st.integers(0, 4 * 86400),  # seconds since the last activity
    st.integers(0, 3600),
    st.integers(0, 7200),
    st.integers(0, len(LASTS) - 1),
    st.integers(0, 3),
    st.integers(0, 4),  # recent calls
    st.integers(0, 40),  # cents per call (0: unpriced)
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("clock"), st.integers(0, 7200)),
        st.tuples(st.just("write"), st.integers(0, 1), st.integers(0, 11), SHAPES),
        st.tuples(st.just("delete"), st.integers(0, 1), st.integers(0, 11)),
        st.tuples(st.just("nothing")),
    ),
    max_size=30,
)


def full_recomputation(stores: list[dict[int, Session]], now: datetime) -> dict[str, SessionRow]:
    sessions = [s for store in stores for s in store.values()]
    burns = burns_for(sessions, now)
    return {s.uid: SessionRow(s, classify(s, now, LIMITS), burns.get(s.uid)) for s in sessions}


def comparable(row: SessionRow) -> tuple[object, ...]:
    """All of a row; a stuck verdict's evidence names ages and is renewed every 30 s, so it is
    compared by its reason only."""
    verdict = row.verdict
    evidence = None if verdict.state is SessionState.STUCK else verdict.evidence
    return (row.session, verdict.state, verdict.reason, evidence, row.burn)


@settings(max_examples=150, deadline=None)
@example(  # a write exactly at the running window's edge: the edge is still ahead (was lost)
    initial=[], steps=[("write", 0, 0, (120, 0, 0, 0, 0, 0, 0)), ("clock", 1)]
)
@given(
    initial=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 11), SHAPES), max_size=16),
    steps=STEPS,
)
def test_incremental_rows_equal_a_full_recomputation(
    initial: list[tuple[int, int, tuple[int, ...]]], steps: list[tuple[object, ...]]
) -> None:
    now = T0
    stores: list[dict[int, Session]] = [{}, {}]
    for store, sid, shape in initial:
        stores[store][sid] = make_session(store, sid, now, shape)
    given_tuples = [tuple(s.values()) for s in stores]
    book = ClassifiedRows(LIMITS)
    watch, watch_full = AlertWatch(dollars_per_hour=6.0), AlertWatch(dollars_per_hour=6.0)
    for step in [("nothing",), *steps]:
        if step[0] == "clock":
            now += timedelta(seconds=int(step[1]))  # type: ignore[call-overload]
        elif step[0] == "write":
            store, sid, shape = (
                cast(int, step[1]),
                cast(int, step[2]),
                cast("tuple[int, ...]", step[3]),
            )
            stores[store][sid] = make_session(store, sid, now, shape)
            given_tuples[store] = tuple(stores[store].values())
        elif (
            step[0] == "delete"
            and stores[cast(int, step[1])].pop(cast(int, step[2]), None) is not None
        ):
            given_tuples[cast(int, step[1])] = tuple(stores[cast(int, step[1])].values())
        before = book.rows
        change = book.update(given_tuples, now)
        expected = full_recomputation(stores, now)
        assert len(book.rows) == len(expected)
        assert {r.key: comparable(r) for r in book.rows} == {
            k: comparable(r) for k, r in expected.items()
        }
        if not change:
            assert book.rows is before  # nothing changed: the very same tuple
        assert {r.key for r in change.changed} <= {r.key for r in book.rows}
        incremental = watch.check(book.rows, change, before)
        full = watch_full.check(book.rows)
        assert sorted((a.kind, a.row.key) for a in incremental) == sorted(
            (a.kind, a.row.key) for a in full
        )


def test_a_quiet_tick_does_no_work_and_a_due_moment_reclassifies_only_its_session() -> None:
    quiet = make_session(0, 1, T0 - timedelta(days=1), (0, 0, 0, 3, 1, 0, 0))
    busy = make_session(0, 2, T0, (0, 0, 0, 1, 0, 0, 0))  # a user message just now
    # (created 90 min ago, not exactly one waiting window ago: that edge would be due at T0)
    busy = replace(busy, created_at=T0 - timedelta(minutes=90))
    book = ClassifiedRows(LIMITS)
    stores = [(quiet, busy)]
    first = book.update(stores, T0)
    assert len(first.changed) == 2
    assert not book.pending(stores, T0 + timedelta(seconds=30))
    later = T0 + LIMITS.running_window + timedelta(seconds=1)
    assert book.pending(stores, later)
    change = book.update(stores, later)
    assert [r.session.id for r in change.changed] == ["s2"]
    assert change.changed[0].verdict.state is SessionState.IDLE


def test_session_uid_is_computed_once_and_kept_by_replace() -> None:
    session = make_session(0, 1, T0, (0, 0, 0, 0, 0, 0, 0))
    assert session.uid is session.uid
    moved = replace(session, id="other")
    assert moved.uid.endswith("\x1fother") and moved.uid != session.uid
    assert moved == replace(moved)
