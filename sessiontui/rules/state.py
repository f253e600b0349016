"""Classify a session into running / waiting / idle / stuck / error / closed / archived.

Pure: the facts come from the store (model.Session) and `now` is passed in. Every stuck
verdict carries a reason code and one line of evidence an operator can check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import humanize

from sessiontui.model import MessageKind, Session, SessionState, StoreFormat, Verdict

CONTRADICTION_GRACE = timedelta(minutes=2)  # a bot may set 'idle' a moment after it answers


class Reason:
    """Reason codes for stuck sessions (stable: scripts read them from `snapshot --json`)."""

    TURN_RUNNING = "turn-running"  # store says running, turn started long ago, nothing since
    TOOL_NO_RESULT = "tool-no-result"  # a tool call with no result, nothing else arriving
    NO_REPLY_AFTER_TOOL = "no-reply-after-tool"  # tool result in, model never answered
    UNANSWERED = "unanswered"  # the last message is the user's, never answered
    INTERRUPTED = "interrupted"  # ZeroClaw marked the user's request interrupted at restart
    PENDING = "pending"  # hermes-bot row still 'pending-<thread_ts>'
    STATE_CONTRADICTION = "state-contradiction"  # store state and transcript disagree
    LEFT_OPEN = "left-open"  # a session left open for days with no activity
    LEASE_EXPIRED = "lease-expired"  # the bot's turn lease ran out and nothing happened since
    GATEWAY_SILENT = "gateway-silent"  # the gateway serving an open session stopped its heartbeat
    STALE_RUNNING = "stale-running"  # the store claims 'running', but nothing new for too long
    ARCHIVED_RUNNING = (
        "archived-running"  # archived, yet still marked running (archiving stops nothing)
    )
    PROCESS_GONE = "process-gone"  # the bot or agent process that served a live session vanished
    ORPHAN_PROCESS = "orphan-process"  # an ended session (or an orphaned agent) still has a process
    STOP_HOOK_LOOP = "stop-hook-loop"  # a Stop hook keeps blocking the end of the turn
    API_ERROR = "api-error"  # (state error) the session ended on a failed model call


STOP_HOOK_LOOP_BLOCKS = 3  # blocked turn ends since the last prompt that make a loop


@dataclass(frozen=True, slots=True)
class Thresholds:
    stuck_after: timedelta = timedelta(minutes=10)
    running_window: timedelta = timedelta(minutes=2)  # activity this recent counts as running
    waiting_window: timedelta = timedelta(hours=1)  # a question this recent: waiting for the user
    left_open_after: timedelta = timedelta(days=3)
    per_format: dict[str, timedelta] = field(default_factory=dict)  # stuck_after per store format

    _windows: dict[str, tuple[timedelta, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def stuck_after_for(self, fmt: StoreFormat) -> timedelta:
        return self.per_format.get(str(fmt), self.stuck_after)

    def windows_for(self, fmt: StoreFormat) -> tuple[timedelta, ...]:
        """Every window a rule compares a session's times with, sorted: made once per format."""
        windows = self._windows.get(fmt)
        if windows is None:
            windows = self._windows[fmt] = tuple(
                sorted(
                    (
                        self.running_window,
                        self.waiting_window,
                        self.stuck_after_for(fmt),
                        self.left_open_after,
                        CONTRADICTION_GRACE,
                    )
                )
            )
        return windows


#: The verdicts without reason or evidence, one object each: most of 100k sessions share them.
_PLAIN = {state: Verdict(state) for state in SessionState}


@lru_cache(maxsize=4096)
def _said(state: SessionState, reason: str, evidence: str) -> Verdict:
    """One verdict per distinct text. Ages read in coarse words ("6 days"), so tens of thousands
    of sessions left open or stuck say the same few things (at 100k Starpod sessions 40k
    verdicts, 5 MiB, were one object and one string each)."""
    return Verdict(state, reason, evidence)


def classify(session: Session, now: datetime, thresholds: Thresholds | None = None) -> Verdict:
    limits = thresholds or Thresholds()
    if session.archived:
        if session.running_is_claim and session.native_state == "running":
            return Verdict(
                SessionState.ARCHIVED,
                Reason.ARCHIVED_RUNNING,
                "archived, but still marked running: archiving does not stop a run",
            )
        return _PLAIN[SessionState.ARCHIVED]
    if session.closed:
        return _PLAIN[SessionState.CLOSED]
    if session.native_state == "error":
        return Verdict(SessionState.ERROR, evidence="the store marks this session as failed")
    if session.last_message is not None and session.last_message.api_error:
        return Verdict(
            SessionState.ERROR, Reason.API_ERROR, session.last_message.preview or "API error"
        )
    limit = limits.stuck_after_for(session.format)
    quiet = _age(now, session.last_activity)
    liveness = _liveness(session, now, limit, quiet)
    if liveness is not None:
        return liveness
    if session.approval_requested is not None:
        return Verdict(
            SessionState.WAITING, evidence=f"asks approval: {session.approval_requested[:120]}"
        )
    if session.turn_aborted is not None and session.native_state != "running":
        return Verdict(
            SessionState.IDLE,
            evidence=_ABORTED.get(session.turn_aborted, "the last turn was aborted"),
        )
    stuck = _stuck(session, now, limit, quiet)
    if stuck is not None:
        return stuck
    last = session.last_message
    if last is not None and last.ended_by_user and session.native_state != "running":
        return Verdict(
            SessionState.IDLE, evidence="interrupted by user"
        )  # the person ended the turn
    if session.native_state == "running" or (quiet is not None and quiet <= limits.running_window):
        return _PLAIN[SessionState.RUNNING]
    if (
        last is not None
        and last.role == "assistant"
        and last.kind == MessageKind.TEXT
        and last.preview.rstrip().endswith("?")
        and quiet is not None
        and quiet <= limits.waiting_window
    ):
        return Verdict(SessionState.WAITING, evidence="the assistant asked a question")
    if session.closes_explicitly and quiet is not None and quiet > limits.left_open_after:
        return _said(SessionState.STUCK, Reason.LEFT_OPEN, f"open, no activity for {_ago(quiet)}")
    return _PLAIN[SessionState.IDLE]


def _liveness(
    session: Session, now: datetime, limit: timedelta, quiet: timedelta | None
) -> Verdict | None:
    """What the bot's own liveness records say: a turn lease, a gateway heartbeat, a 'running'
    claim, the agent's own call for attention (Hermes Agent, OpenClaw). `quiet`: the age of the
    last activity."""
    lease = session.lease_expires_at
    if lease is not None and lease > now:
        return Verdict(
            SessionState.RUNNING, evidence=f"turn lease held for {_ago(lease - now)} more"
        )
    activity = session.last_activity
    if lease is not None and (activity is None or activity <= lease):
        return Verdict(
            SessionState.STUCK,
            Reason.LEASE_EXPIRED,
            f"turn lease expired {_ago(now - lease)} ago, nothing since",
        )
    beat = session.backend_heartbeat_at
    if beat is not None and now - beat > limit:
        return Verdict(
            SessionState.STUCK,
            Reason.GATEWAY_SILENT,
            f"the gateway serving it last sent a heartbeat {_ago(now - beat)} ago",
        )
    if (
        session.running_is_claim
        and session.native_state == "running"
        and (quiet is None or quiet > limit)
    ):
        seen = f"no new event for {_ago(quiet)}" if quiet is not None else "no event at all"
        last = session.last_message
        tail = f"; last: {last.role} {last.kind}" if last is not None else ""
        return Verdict(SessionState.STUCK, Reason.STALE_RUNNING, f"claims running, {seen}{tail}")
    if session.attention is not None:
        return Verdict(SessionState.WAITING, evidence=session.attention)
    return None


_ABORTED = {
    "interrupted": "the user interrupted the last turn",
    "replaced": "the last turn was replaced by a new one",
    "review_ended": "the review ended",
}


def _stuck(
    session: Session, now: datetime, limit: timedelta, quiet: timedelta | None
) -> Verdict | None:
    quiet_long = quiet is not None and quiet > limit
    turn_age = _age(now, session.turn_started_at)
    contradiction = _contradiction(session, now, limit)
    if contradiction is not None:
        return contradiction
    if (
        session.native_state == "running"
        and turn_age is not None
        and turn_age > limit
        and quiet_long
    ):
        return Verdict(
            SessionState.STUCK,
            Reason.TURN_RUNNING,
            f"turn started {_ago(turn_age)} ago, nothing new for {_ago(quiet)}",  # type: ignore[arg-type]
        )
    if session.pending:
        created = _age(now, session.created_at)
        if created is not None and created > limit:
            return Verdict(
                SessionState.STUCK,
                Reason.PENDING,
                f"still pending {_ago(created)} after the thread started",
            )
    if session.stop_hook_blocks >= STOP_HOOK_LOOP_BLOCKS and quiet is not None and not quiet_long:
        return Verdict(
            SessionState.STUCK,
            Reason.STOP_HOOK_LOOP,
            f"a Stop hook blocked the end of the turn {session.stop_hook_blocks} times"
            + (f": {session.stop_hook_reason}" if session.stop_hook_reason else ""),
        )
    last = session.last_message
    if last is None:
        return None
    since_last = _age(now, last.at) if last.at is not None else quiet
    if last.interrupted:
        return Verdict(
            SessionState.STUCK,
            Reason.INTERRUPTED,
            "the bot restarted mid-request and gave up on the user's message",
        )
    if since_last is None or since_last <= limit or not quiet_long:
        return None
    if last.role == "user" and last.kind == MessageKind.TEXT and last.awaits_reply:
        return _said(
            SessionState.STUCK, Reason.UNANSWERED, f"user message {_ago(since_last)} ago, no reply"
        )
    if last.kind == MessageKind.TOOL_CALL:
        return _said(
            SessionState.STUCK,
            Reason.TOOL_NO_RESULT,
            f"tool `{last.tool_name or '?'}` started {_ago(since_last)} ago, no result",
        )
    if last.kind == MessageKind.TOOL_RESULT:
        return _said(
            SessionState.STUCK,
            Reason.NO_REPLY_AFTER_TOOL,
            f"tool result {_ago(since_last)} ago, the model never answered",
        )
    return None


def _contradiction(session: Session, now: datetime, limit: timedelta) -> Verdict | None:
    """The store's state and its transcript disagree (ZeroClaw keeps both, STORES.md 2.5)."""
    last = session.last_message
    if not session.state_per_turn or last is None or last.at is None:
        return None
    since_last = _age(now, last.at)
    assert since_last is not None
    turn_ended = last.role == "assistant" and last.kind == MessageKind.TEXT and not last.interrupted
    if (
        session.native_state == "running"
        and turn_ended
        and (session.turn_started_at is None or last.at >= session.turn_started_at)
        and since_last > CONTRADICTION_GRACE
    ):
        return _said(
            SessionState.STUCK,
            Reason.STATE_CONTRADICTION,
            f"marked running, but the assistant finished the turn {_ago(since_last)} ago",
        )
    # Only some sessions have their idle state kept (ZeroClaw: gateway ones; channel ones always
    # read 'idle').
    if (
        session.native_state == "idle"
        and session.idle_state_kept
        and last.kind == MessageKind.TOOL_CALL
        and since_last > limit
    ):
        return _said(
            SessionState.STUCK,
            Reason.STATE_CONTRADICTION,
            f"marked idle, but tool `{last.tool_name or '?'}` has had no result for {_ago(since_last)}",
        )
    return None


STUCK_EVIDENCE_REFRESH = timedelta(seconds=30)  # "started 14 minutes ago" ages; say it anew


def verdict_valid_until(
    session: Session, verdict: Verdict, now: datetime, thresholds: Thresholds | None = None
) -> datetime | None:
    """The next moment classify() could answer differently for the same session (None: never).

    Every rule compares one of the session's times with `now` plus a threshold, so the verdict
    holds until the earliest such deadline still ahead. A stuck verdict's evidence names ages,
    so it is also renewed every STUCK_EVIDENCE_REFRESH.

    Read for every session of a first load: one pass over the times, no lists, the windows
    sorted once per format; the earliest candidate kept in the order `min` would meet them.
    """
    limits = thresholds or Thresholds()
    windows = limits.windows_for(session.format)
    widest = windows[-1]
    last = session.last_message
    soonest: datetime | None = None
    newest: datetime | None = None
    for then in (
        session.last_activity,
        last.at if last is not None else None,
        session.turn_started_at,
        session.created_at,
    ):
        if then is None:
            continue
        if newest is None or then > newest:
            newest = then
        age = now - then
        # A window is crossed just after `t + w` (the rules compare ages with `>`): at
        # `now == t + w` the verdict still holds, and the moment is still ahead. Most times are
        # older than every window, and cost this one comparison.
        if age <= widest:
            due = _first_due(then, age, windows)
            if soonest is None or due < soonest:
                soonest = due
    lease = session.lease_expires_at
    if lease is not None and lease > now and (soonest is None or lease < soonest):
        soonest = lease
    if session.backend_heartbeat_at is not None:
        beat_due = _later(session.backend_heartbeat_at, limits.stuck_after_for(session.format))
        if beat_due >= now and (soonest is None or beat_due < soonest):
            soonest = beat_due
    if verdict.state is SessionState.STUCK:
        renew = (
            now + _evidence_refresh(now - newest)
            if newest is not None
            else now + STUCK_EVIDENCE_REFRESH
        )
        if soonest is None or renew < soonest:
            soonest = renew
    return soonest


def _first_due(then: datetime, age: timedelta, windows: tuple[timedelta, ...]) -> datetime:
    """The earliest `then + window` not before `now` (`age` is `now - then`, at most the widest
    of `windows`, which are sorted)."""
    for window in windows:
        if window >= age:
            return _later(then, window)
    return _later(then, windows[-1])  # (not reached: the last window is at or beyond `age`)


def _later(then: datetime, window: timedelta) -> datetime:
    """`then + window`, or the end of the calendar where that is past it (a row dated in year
    9999 by a bot's clock or a hand edit: its verdict holds for good, and its store's other
    sessions are listed)."""
    try:
        return then + window
    except OverflowError:
        return datetime.max.replace(tzinfo=then.tzinfo)


def _evidence_refresh(age: timedelta) -> timedelta:
    """How soon "for 3 days" may read differently: humanize's words coarsen with the age, so
    tens of thousands of long-stuck sessions are not reclassified every 30 seconds."""
    if age < _HOUR:
        return STUCK_EVIDENCE_REFRESH
    return _FIVE_MINUTES if age < _DAY else _HOUR


_FIVE_MINUTES, _HOUR, _DAY = timedelta(minutes=5), timedelta(hours=1), timedelta(days=1)
_NO_TIME = timedelta(0)


def _age(now: datetime, then: datetime | None) -> timedelta | None:
    return None if then is None else max(_NO_TIME, now - then)


def _ago(delta: timedelta) -> str:
    """humanize's words for an age. From a day on they depend on the whole days alone ("6 days",
    "a month"): tens of thousands of sessions left open for days are said once per day count."""
    if delta.days >= 1:
        return _days_ago(delta.days)
    return humanize.naturaldelta(delta)


@lru_cache(maxsize=1024)
def _days_ago(days: int) -> str:
    return humanize.naturaldelta(timedelta(days=days))
