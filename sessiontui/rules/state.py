"""Classify a session into running / waiting / idle / stuck / error / closed / archived.

Pure: the facts come from the store (model.Session) and `now` is passed in. Every stuck
verdict carries a reason code and one line of evidence an operator can check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


@dataclass(frozen=True, slots=True)
class Thresholds:
    stuck_after: timedelta = timedelta(minutes=10)
    running_window: timedelta = timedelta(minutes=2)  # activity this recent counts as running
    waiting_window: timedelta = timedelta(hours=1)  # a question this recent: waiting for the user
    left_open_after: timedelta = timedelta(days=3)
    per_format: dict[str, timedelta] = field(default_factory=dict)  # stuck_after per store format

    def stuck_after_for(self, fmt: StoreFormat) -> timedelta:
        return self.per_format.get(str(fmt), self.stuck_after)


def classify(session: Session, now: datetime, thresholds: Thresholds | None = None) -> Verdict:
    limits = thresholds or Thresholds()
    if session.archived:
        return Verdict(SessionState.ARCHIVED)
    if session.closed:
        return Verdict(SessionState.CLOSED)
    if session.native_state == "error":
        return Verdict(SessionState.ERROR, evidence="the store marks this session as failed")
    stuck = _stuck(session, now, limits.stuck_after_for(session.format))
    if stuck is not None:
        return stuck
    quiet = _age(now, session.last_activity)
    if session.native_state == "running" or (quiet is not None and quiet <= limits.running_window):
        return Verdict(SessionState.RUNNING)
    last = session.last_message
    if (
        last is not None
        and last.role == "assistant"
        and last.kind == MessageKind.TEXT
        and last.preview.rstrip().endswith("?")
        and quiet is not None
        and quiet <= limits.waiting_window
    ):
        return Verdict(SessionState.WAITING, evidence="the assistant asked a question")
    if session.format == StoreFormat.STARPOD and quiet is not None and quiet > limits.left_open_after:
        return Verdict(
            SessionState.STUCK, Reason.LEFT_OPEN,
            f"open, no activity for {_ago(quiet)}",
        )
    return Verdict(SessionState.IDLE)


def _stuck(session: Session, now: datetime, limit: timedelta) -> Verdict | None:
    quiet = _age(now, session.last_activity)
    quiet_long = quiet is not None and quiet > limit
    turn_age = _age(now, session.turn_started_at)
    contradiction = _contradiction(session, now, limit)
    if contradiction is not None:
        return contradiction
    if session.native_state == "running" and turn_age is not None and turn_age > limit and quiet_long:
        return Verdict(
            SessionState.STUCK, Reason.TURN_RUNNING,
            f"turn started {_ago(turn_age)} ago, nothing new for {_ago(quiet)}",  # type: ignore[arg-type]
        )
    if session.pending:
        created = _age(now, session.created_at)
        if created is not None and created > limit:
            return Verdict(
                SessionState.STUCK, Reason.PENDING,
                f"still pending {_ago(created)} after the thread started",
            )
    last = session.last_message
    if last is None:
        return None
    since_last = _age(now, last.at) if last.at is not None else quiet
    if last.interrupted:
        return Verdict(
            SessionState.STUCK, Reason.INTERRUPTED,
            "the bot restarted mid-request and gave up on the user's message",
        )
    if since_last is None or since_last <= limit or not quiet_long:
        return None
    if last.role == "user" and last.kind == MessageKind.TEXT:
        return Verdict(
            SessionState.STUCK, Reason.UNANSWERED,
            f"user message {_ago(since_last)} ago, no reply",
        )
    if last.kind == MessageKind.TOOL_CALL:
        return Verdict(
            SessionState.STUCK, Reason.TOOL_NO_RESULT,
            f"tool `{last.tool_name or '?'}` started {_ago(since_last)} ago, no result",
        )
    if last.kind == MessageKind.TOOL_RESULT:
        return Verdict(
            SessionState.STUCK, Reason.NO_REPLY_AFTER_TOOL,
            f"tool result {_ago(since_last)} ago, the model never answered",
        )
    return None


def _contradiction(session: Session, now: datetime, limit: timedelta) -> Verdict | None:
    """The store's state and its transcript disagree (ZeroClaw keeps both, STORES.md 2.5)."""
    last = session.last_message
    if session.format != StoreFormat.ZEROCLAW_SQLITE or last is None or last.at is None:
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
        return Verdict(
            SessionState.STUCK, Reason.STATE_CONTRADICTION,
            f"marked running, but the assistant finished the turn {_ago(since_last)} ago",
        )
    # Only gateway (gw_) sessions have their state kept; channel sessions always read 'idle'.
    if (
        session.native_state == "idle"
        and session.id.startswith("gw_")
        and last.kind == MessageKind.TOOL_CALL
        and since_last > limit
    ):
        return Verdict(
            SessionState.STUCK, Reason.STATE_CONTRADICTION,
            f"marked idle, but tool `{last.tool_name or '?'}` has had no result for {_ago(since_last)}",
        )
    return None


STUCK_EVIDENCE_REFRESH = timedelta(seconds=30)  # "started 14 minutes ago" ages; say it anew


def verdict_valid_until(session: Session, verdict: Verdict, now: datetime,
                        thresholds: Thresholds | None = None) -> datetime | None:
    """The next moment classify() could answer differently for the same session (None: never).

    Every rule compares one of the session's times with `now` plus a threshold, so the verdict
    holds until the earliest such deadline still ahead. A stuck verdict's evidence names ages,
    so it is also renewed every STUCK_EVIDENCE_REFRESH.
    """
    limits = thresholds or Thresholds()
    last = session.last_message
    times = [t for t in (session.last_activity, last.at if last else None, session.turn_started_at,
                         session.created_at) if t is not None]
    windows = (limits.running_window, limits.waiting_window, limits.stuck_after_for(session.format),
               limits.left_open_after, CONTRADICTION_GRACE)
    ahead = [t + w for t in times for w in windows if t + w > now]
    if verdict.state is SessionState.STUCK:
        ahead.append(now + _evidence_refresh(now - max(times)) if times else now + STUCK_EVIDENCE_REFRESH)
    return min(ahead, default=None)


def _evidence_refresh(age: timedelta) -> timedelta:
    """How soon "for 3 days" may read differently: humanize's words coarsen with the age, so
    tens of thousands of long-stuck sessions are not reclassified every 30 seconds."""
    if age < timedelta(hours=1):
        return STUCK_EVIDENCE_REFRESH
    return timedelta(minutes=5) if age < timedelta(days=1) else timedelta(hours=1)


def _age(now: datetime, then: datetime | None) -> timedelta | None:
    return None if then is None else max(timedelta(0), now - then)


def _ago(delta: timedelta) -> str:
    return humanize.naturaldelta(delta)
