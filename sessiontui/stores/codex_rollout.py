"""Codex CLI rollout records (STORES.md 9): what one rollout file says, read incrementally.

A rollout line is `{"timestamp", "type", "payload"}` with `type` one of `session_meta`,
`response_item`, `compacted`, `turn_context` and `event_msg` (whose payload has its own `type`).
Unknown types are ignored: later Codex versions add some.

Tokens come from `token_count` events: each event's `last_token_usage` is one model call, summed;
the cumulative `total_token_usage` is never added up (it only tells a repeated report apart).
`cached_input_tokens` is part of `input_tokens`, so the uncached input is the difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.model import ApiCall, LastMessage, MessageKind, RateLimits, RateLimitWindow, Usage
from sessiontui.rules.pricing import price_call
from sessiontui.stores.codex_items import (
    APPROVALS,
    CONTEXT_PREFIXES,
    approval_text,
    as_json_text,
    content_text,
    preview,
    text_of,
    to_int,
    tool_arguments,
    tool_output,
)
from sessiontui.timestamps import parse_timestamp

RECENT_CALLS = 60  # model calls kept per session for burn rates and the cost sparkline
TURN_STARTED = ("turn_started", "task_started")  # newer and older names of the same event
TURN_ENDED = ("turn_complete", "task_complete")


@dataclass(slots=True)
class RolloutSummary:
    """Everything the dashboard shows of one rollout, updated record by record (plain data)."""

    thread_id: str | None = None
    cwd: str | None = None
    originator: str | None = None
    cli_version: str | None = None
    source: str | None = None
    provider: str | None = None
    git_branch: str | None = None
    git_commit: str | None = None
    model: str | None = None
    effort: str | None = None
    first_prompt: str | None = None
    created_at: datetime | None = None
    last_at: datetime | None = None
    messages: int = 0
    turns: int = 0
    compactions: int = 0
    usage: Usage = field(default_factory=Usage)
    reasoning_tokens: int = 0
    reported_total: int | None = None  # the last `total_token_usage.total_tokens`, as Codex says
    context_window: int | None = None
    cost_usd: float = 0.0
    calls: int = 0
    unpriced_calls: int = 0
    recent_calls: list[ApiCall] = field(default_factory=list)
    daily_cost: dict[str, float] = field(default_factory=dict)  # UTC day -> dollars
    rate_limits: dict[str, Any] | None = None  # the last `rate_limits` object, as written
    rate_limits_at: datetime | None = None
    turn_open: bool = False
    turn_started_at: datetime | None = None
    explicit_turns: bool = False  # the file has turn_started events (newer Codex)
    approval: str | None = None  # an approval request with nothing after it
    aborted: str | None = None  # the reason of a turn_aborted that ended the last turn
    last_message: LastMessage | None = None
    _open_calls: set[str] = field(default_factory=set)  # tool call ids with no output yet
    _last_total: tuple[int, ...] | None = None

    def add(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        payload = record.get("payload")
        if not isinstance(payload, dict):
            return
        at = parse_timestamp(record.get("timestamp"))
        if at is not None:
            self.created_at = self.created_at or at
            self.last_at = at if self.last_at is None else max(self.last_at, at)
        if kind == "session_meta":
            self._add_meta(payload)
        elif kind == "turn_context":
            self.model = text_of(payload.get("model")) or self.model
            self.effort = text_of(payload.get("effort")) or self.effort
            self.cwd = text_of(payload.get("cwd")) or self.cwd
        elif kind == "response_item":
            self._add_item(payload, at)
        elif kind == "compacted":
            self.compactions += 1
        elif kind == "event_msg":
            self._add_event(payload, at)

    def _add_meta(self, payload: dict[str, Any]) -> None:
        self.thread_id = self.thread_id or text_of(payload.get("id"))
        self.cwd = self.cwd or text_of(payload.get("cwd"))
        self.originator = text_of(payload.get("originator"))
        self.cli_version = text_of(payload.get("cli_version"))
        source = payload.get("source")
        self.source = (
            source if isinstance(source, str) else (as_json_text(source) if source else None)
        )
        self.provider = text_of(payload.get("model_provider"))
        git = payload.get("git")
        if isinstance(git, dict):
            self.git_branch = text_of(git.get("branch"))
            self.git_commit = text_of(git.get("commit_hash"))

    def _add_item(self, payload: dict[str, Any], at: datetime | None) -> None:
        item_type = payload.get("type")
        self.approval = None  # the model moved on: nothing waits for the operator any more
        if item_type == "message":
            role = text_of(payload.get("role"))
            text = content_text(payload.get("content"))
            if role == "assistant":
                self.messages += 1
                self.last_message = LastMessage("assistant", MessageKind.TEXT, at, preview(text))
            elif role == "user" and not text.lstrip().startswith(CONTEXT_PREFIXES):
                self.messages += 1
                self.last_message = LastMessage("user", MessageKind.TEXT, at, preview(text))
        elif item_type in ("function_call", "custom_tool_call", "local_shell_call"):
            self.messages += 1
            name = text_of(payload.get("name")) or (
                "shell" if item_type == "local_shell_call" else "?"
            )
            call_id = text_of(payload.get("call_id"))
            if call_id:
                self._open_calls.add(call_id)
            arguments = tool_arguments(payload)
            self.last_message = LastMessage(
                "assistant", MessageKind.TOOL_CALL, at, preview(arguments), name
            )
        elif item_type in ("function_call_output", "custom_tool_call_output"):
            self.messages += 1
            self._open_calls.discard(text_of(payload.get("call_id")) or "")
            output = tool_output(payload.get("output"))
            self.last_message = LastMessage("tool", MessageKind.TOOL_RESULT, at, preview(output))
        if not self.explicit_turns:
            self._infer_turn(at)

    def _add_event(self, payload: dict[str, Any], at: datetime | None) -> None:
        event = payload.get("type")
        if event == "token_count":
            self._add_tokens(payload, at)
            return
        if event in APPROVALS:
            self.approval = approval_text(payload)
            return
        self.approval = None
        if event in TURN_STARTED:
            self.explicit_turns = True
            self.turn_open, self.turn_started_at, self.aborted = True, at, None
        elif event in TURN_ENDED:
            self.explicit_turns = True
            self.turn_open = False
        elif event == "turn_aborted":
            self.turn_open = False
            self.aborted = text_of(payload.get("reason")) or "interrupted"
            self._open_calls.clear()
        elif event == "user_message":
            self.turns += 1
            self.aborted = None
            text = text_of(payload.get("message")) or ""
            if self.first_prompt is None and text.strip():
                self.first_prompt = text.strip().splitlines()[0][:200]
            if not self.explicit_turns:
                self.turn_open, self.turn_started_at = True, at
        elif event == "agent_message" and not self.explicit_turns:
            self._infer_turn(at)

    def _infer_turn(self, at: datetime | None) -> None:
        """Older Codex persists no turn events: a turn runs while a tool call has no output, or
        the last prompt has no answer yet."""
        last = self.last_message
        answered = last is not None and last.role == "assistant" and last.kind == MessageKind.TEXT
        self.turn_open = bool(self._open_calls) or (self.turn_open and not answered)

    def _add_tokens(self, payload: dict[str, Any], at: datetime | None) -> None:
        limits = payload.get("rate_limits")
        if isinstance(limits, dict):
            self.rate_limits, self.rate_limits_at = limits, at
        info = payload.get("info")
        if not isinstance(info, dict):
            return  # a rate-limit-only update
        window = info.get("model_context_window")
        self.context_window = window if isinstance(window, int) else self.context_window
        total = info.get("total_token_usage")
        if isinstance(total, dict):
            key = tuple(to_int(total.get(name)) for name in _TOKEN_FIELDS)
            if key == self._last_total:
                return  # the same usage reported again (with new rate limits): no new call
            self._last_total = key
            self.reported_total = to_int(total.get("total_tokens"))
        last = info.get("last_token_usage")
        if not isinstance(last, dict):
            return
        cached = to_int(last.get("cached_input_tokens"))
        usage = Usage(
            input_tokens=max(0, to_int(last.get("input_tokens")) - cached),
            output_tokens=to_int(last.get("output_tokens")),
            cache_read_tokens=cached,
        )
        self.reasoning_tokens += to_int(last.get("reasoning_output_tokens"))
        model = self.priced_model
        cost = price_call(model, usage, at)
        self.calls += 1
        self.usage = self.usage + usage
        if cost is None:
            self.unpriced_calls += 1
        else:
            self.cost_usd += cost
            if at is not None:
                day = at.astimezone(UTC).strftime("%Y-%m-%d")
                self.daily_cost[day] = self.daily_cost.get(day, 0.0) + cost
        self.recent_calls.append(ApiCall(at, self.model, usage, cost))
        del self.recent_calls[:-RECENT_CALLS]

    @property
    def priced_model(self) -> str | None:
        """The model in force, with its provider when Codex names one ('openai/gpt-5-codex')."""
        if not self.model:
            return None
        return (
            f"{self.provider}/{self.model}"
            if self.provider and "/" not in self.model
            else self.model
        )

    def limits(self) -> RateLimits | None:
        return rate_limits_from(self.rate_limits, self.rate_limits_at)


_TOKEN_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


class RolloutFollower:
    """A rollout file followed by offset, summarised as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = JsonlTail(path)
        self.summary = RolloutSummary()

    def poll(self) -> bool:
        """Read what was appended; True when the summary changed. FileNotFoundError if gone."""
        result = self.tail.poll()
        if result is None:
            return False
        if result.reset:
            self.summary = RolloutSummary()
        for record in result.records:
            self.summary.add(record)
        return True


def rate_limits_from(raw: dict[str, Any] | None, at: datetime | None) -> RateLimits | None:
    """A `rate_limits` object (RateLimitSnapshot) as typed facts; None when it says nothing."""
    if raw is None:
        return None
    primary, secondary = _window(raw.get("primary")), _window(raw.get("secondary"))
    plan = raw.get("plan_type")
    if primary is None and secondary is None and not plan:
        return None
    return RateLimits(primary, secondary, plan if isinstance(plan, str) else None, at)


def _window(raw: Any) -> RateLimitWindow | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("used_percent"), int | float):
        return None
    minutes = raw.get("window_minutes")
    resets = raw.get("resets_at")
    reset_at = (
        datetime.fromtimestamp(resets, UTC)
        if isinstance(resets, int | float) and not isinstance(resets, bool) and 0 < resets < 1e11
        else None
    )
    return RateLimitWindow(
        float(raw["used_percent"]), minutes if isinstance(minutes, int) else None, reset_at
    )
