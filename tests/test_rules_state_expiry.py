"""rules/state.verdict_valid_until picks, per time, the first window still ahead: the same
deadline as adding every window to every time and keeping the earliest one not before `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import humanize
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.model import LastMessage, MessageKind, Session, SessionState, StoreFormat, Verdict
from sessiontui.rules.state import (
    CONTRADICTION_GRACE,
    STUCK_EVIDENCE_REFRESH,
    Thresholds,
    _ago,
    _evidence_refresh,
    verdict_valid_until,
)

NOW = datetime(2026, 8, 22, 21, 44, tzinfo=UTC)
LIMITS = Thresholds(per_format={str(StoreFormat.STARPOD): timedelta(minutes=3)})


def every_sum(
    session: Session, verdict: Verdict, now: datetime, limits: Thresholds
) -> datetime | None:
    """The reference: every window added to every time (as verdict_valid_until once did)."""
    last = session.last_message
    times = [
        t
        for t in (
            session.last_activity,
            last.at if last else None,
            session.turn_started_at,
            session.created_at,
        )
        if t is not None
    ]
    windows = (
        limits.running_window,
        limits.waiting_window,
        limits.stuck_after_for(session.format),
        limits.left_open_after,
        CONTRADICTION_GRACE,
    )
    ahead = [t + w for t in times for w in windows if t + w >= now]
    if session.lease_expires_at is not None and session.lease_expires_at > now:
        ahead.append(session.lease_expires_at)
    if session.backend_heartbeat_at is not None:
        beat_due = session.backend_heartbeat_at + limits.stuck_after_for(session.format)
        ahead += [beat_due] if beat_due >= now else []
    if verdict.state is SessionState.STUCK:
        ahead.append(
            now + _evidence_refresh(now - max(times)) if times else now + STUCK_EVIDENCE_REFRESH
        )
    return min(ahead, default=None)


# Times around every window's edge (to the microsecond), and far from all of them.
EDGES = [
    timedelta(0),
    timedelta(minutes=2),
    timedelta(minutes=3),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(days=3),
]
offsets = st.one_of(
    st.sampled_from(EDGES).flatmap(
        lambda edge: st.integers(-2, 2).map(lambda us: edge + timedelta(microseconds=us))
    ),
    st.integers(-10 * 86400, 10 * 86400).map(lambda s: timedelta(seconds=s)),
)
times = st.one_of(st.none(), offsets.map(lambda ago: NOW - ago))


@settings(max_examples=400)
@given(
    fmt=st.sampled_from([StoreFormat.STARPOD, StoreFormat.ZEROCLAW_SQLITE]),
    activity=times,
    last_at=times,
    has_last=st.booleans(),
    turn=times,
    created=times,
    lease=times,
    beat=times,
    state=st.sampled_from(list(SessionState)),
)
def test_the_first_window_ahead_is_the_earliest_of_every_sum(
    fmt: StoreFormat,
    activity: datetime | None,
    last_at: datetime | None,
    has_last: bool,
    turn: datetime | None,
    created: datetime | None,
    lease: datetime | None,
    beat: datetime | None,
    state: SessionState,
) -> None:
    last = LastMessage("user", MessageKind.TEXT, last_at) if has_last else None
    session = Session(
        fmt,
        "/s",
        "k",
        "k",
        created_at=created,
        last_activity=activity,
        turn_started_at=turn,
        last_message=last,
        lease_expires_at=lease,
        backend_heartbeat_at=beat,
    )
    verdict = Verdict(state)
    expected = every_sum(session, verdict, NOW, LIMITS)
    assert verdict_valid_until(session, verdict, NOW, LIMITS) == expected


@settings(max_examples=400)
@given(
    st.one_of(
        st.integers(0, 3 * 86400 * 1_000_000),
        st.integers(0, 900 * 86400 * 1_000_000),
    ).map(lambda us: timedelta(microseconds=us))
)
def test_an_age_in_words_is_humanizes_own(age: timedelta) -> None:
    """`_ago` says an age of days by its whole days alone (cached): the same words as humanize."""
    assert _ago(age) == humanize.naturaldelta(age)
