"""Codex CLI rollout records (STORES.md 9): what one rollout file says, read incrementally.

A rollout line is `{"timestamp", "type", "payload"}` with `type` one of `session_meta`,
`response_item`, `compacted`, `turn_context` and `event_msg` (whose payload has its own `type`).
Unknown types are ignored: later Codex versions add some.

Tokens come from `token_count` events: each event's `last_token_usage` is one model call, summed;
the cumulative `total_token_usage` is never added up (it only tells a repeated report apart).
`cached_input_tokens` is part of `input_tokens`, so the uncached input is the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.model import (
    ApiCall,
    LastMessage,
    Message,
    MessageKind,
    RateLimits,
    RateLimitWindow,
    Role,
    ToolCall,
    ToolResult,
    Usage,
)
from sessiontui.rules.pricing import price_call
from sessiontui.timestamps import parse_timestamp

RECENT_CALLS = 60  # model calls kept per session for burn rates and the cost sparkline
TURN_STARTED = ("turn_started", "task_started")  # newer and older names of the same event
TURN_ENDED = ("turn_complete", "task_complete")
APPROVALS = (
    "exec_approval_request",
    "apply_patch_approval_request",
    "elicitation_request",
    "request_permissions",
    "request_user_input",
)
CONTEXT_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "<permissions instructions>",
    "# AGENTS.md instructions",
)  # user-role items Codex injects, not prompts


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
            self.model = _str(payload.get("model")) or self.model
            self.effort = _str(payload.get("effort")) or self.effort
            self.cwd = _str(payload.get("cwd")) or self.cwd
        elif kind == "response_item":
            self._add_item(payload, at)
        elif kind == "compacted":
            self.compactions += 1
        elif kind == "event_msg":
            self._add_event(payload, at)

    def _add_meta(self, payload: dict[str, Any]) -> None:
        self.thread_id = self.thread_id or _str(payload.get("id"))
        self.cwd = self.cwd or _str(payload.get("cwd"))
        self.originator = _str(payload.get("originator"))
        self.cli_version = _str(payload.get("cli_version"))
        source = payload.get("source")
        self.source = source if isinstance(source, str) else (_json(source) if source else None)
        self.provider = _str(payload.get("model_provider"))
        git = payload.get("git")
        if isinstance(git, dict):
            self.git_branch = _str(git.get("branch"))
            self.git_commit = _str(git.get("commit_hash"))

    def _add_item(self, payload: dict[str, Any], at: datetime | None) -> None:
        item_type = payload.get("type")
        self.approval = None  # the model moved on: nothing waits for the operator any more
        if item_type == "message":
            role = _str(payload.get("role"))
            text = content_text(payload.get("content"))
            if role == "assistant":
                self.messages += 1
                self.last_message = LastMessage("assistant", MessageKind.TEXT, at, _preview(text))
            elif role == "user" and not text.lstrip().startswith(CONTEXT_PREFIXES):
                self.messages += 1
                self.last_message = LastMessage("user", MessageKind.TEXT, at, _preview(text))
        elif item_type in ("function_call", "custom_tool_call", "local_shell_call"):
            self.messages += 1
            name = _str(payload.get("name")) or (
                "shell" if item_type == "local_shell_call" else "?"
            )
            call_id = _str(payload.get("call_id"))
            if call_id:
                self._open_calls.add(call_id)
            arguments = tool_arguments(payload)
            self.last_message = LastMessage(
                "assistant", MessageKind.TOOL_CALL, at, _preview(arguments), name
            )
        elif item_type in ("function_call_output", "custom_tool_call_output"):
            self.messages += 1
            self._open_calls.discard(_str(payload.get("call_id")) or "")
            output = tool_output(payload.get("output"))
            self.last_message = LastMessage("tool", MessageKind.TOOL_RESULT, at, _preview(output))
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
            self.aborted = _str(payload.get("reason")) or "interrupted"
            self._open_calls.clear()
        elif event == "user_message":
            self.turns += 1
            self.aborted = None
            text = _str(payload.get("message")) or ""
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
            key = tuple(_int(total.get(name)) for name in _TOKEN_FIELDS)
            if key == self._last_total:
                return  # the same usage reported again (with new rate limits): no new call
            self._last_total = key
            self.reported_total = _int(total.get("total_tokens"))
        last = info.get("last_token_usage")
        if not isinstance(last, dict):
            return
        cached = _int(last.get("cached_input_tokens"))
        usage = Usage(
            input_tokens=max(0, _int(last.get("input_tokens")) - cached),
            output_tokens=_int(last.get("output_tokens")),
            cache_read_tokens=cached,
        )
        self.reasoning_tokens += _int(last.get("reasoning_output_tokens"))
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


def messages_from_rollout(record: dict[str, Any]) -> list[Message]:
    """The transcript messages one rollout line holds (response items, compactions, aborts)."""
    kind, payload = record.get("type"), record.get("payload")
    if not isinstance(payload, dict):
        return []
    at = parse_timestamp(record.get("timestamp"))
    if kind == "compacted":
        return [
            Message(Role.SYSTEM, "(context compacted) " + (_str(payload.get("message")) or ""), at)
        ]
    if kind == "event_msg":
        event = payload.get("type")
        if event == "turn_aborted":
            return [
                Message(Role.SYSTEM, f"(turn aborted: {_str(payload.get('reason')) or '?'})", at)
            ]
        if event in APPROVALS:
            return [Message(Role.SYSTEM, f"(asks approval: {approval_text(payload)})", at)]
        return []
    if kind != "response_item":
        return []
    item_type = payload.get("type")
    if item_type == "message":
        role = _str(payload.get("role"))
        text = content_text(payload.get("content"))
        if role == "assistant":
            return [Message(Role.ASSISTANT, text, at)]
        if role == "user" and not text.lstrip().startswith(CONTEXT_PREFIXES):
            return [Message(Role.USER, text, at)]
        return [Message(Role.SYSTEM, text, at)]
    if item_type == "reasoning":
        summary = payload.get("summary")
        parts = [_str(p.get("text")) or "" for p in summary or () if isinstance(p, dict)]
        return (
            [Message(Role.ASSISTANT, "(reasoning) " + "\n".join(parts), at)] if any(parts) else []
        )
    if item_type in ("function_call", "custom_tool_call", "local_shell_call"):
        name = _str(payload.get("name")) or ("shell" if item_type == "local_shell_call" else "?")
        call = ToolCall(_str(payload.get("call_id")) or "", name, tool_arguments(payload))
        return [Message(Role.ASSISTANT, "", at, MessageKind.TOOL_CALL, (call,))]
    if item_type in ("function_call_output", "custom_tool_call_output"):
        text = tool_output(payload.get("output"))
        result = ToolResult(_str(payload.get("call_id")) or "", text)
        return [Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result)]
    return []


def content_text(content: Any) -> str:
    """The text of a message item's content parts (`input_text`, `output_text`, ...)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n".join(_str(part.get("text")) or "" for part in content if isinstance(part, dict))


def tool_arguments(payload: dict[str, Any]) -> str:
    for key in ("arguments", "input"):
        if key in payload:
            return _json(payload[key])
    action = payload.get("action")
    return _json(action) if action is not None else ""


def tool_output(output: Any) -> str:
    """A tool output: a string, or (older Codex) `{"content": ..., "success": ...}`."""
    if isinstance(output, dict):
        return _json(output.get("content", output))
    return output if isinstance(output, str) else _json(output)


def approval_text(payload: dict[str, Any]) -> str:
    command = payload.get("command")
    if isinstance(command, list):
        return " ".join(str(part) for part in command)
    if isinstance(command, str):
        return command
    if payload.get("type") == "apply_patch_approval_request":
        return "apply a patch"
    return _str(payload.get("reason")) or _str(payload.get("message")) or str(payload.get("type"))


def _preview(text: str) -> str:
    return text.strip()[:300]


def _json(value: Any) -> str:
    return (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
