"""Claude Code transcript records (STORES.md 4.1): what a session's file says, read incrementally.

Used by the claude-code store and by hermes-bot rows, whose `session_id` names such a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.model import (
    ApiCall,
    CostSource,
    LastMessage,
    Message,
    MessageKind,
    Role,
    ToolCall,
    ToolResult,
    Usage,
)
from sessiontui.rules.pricing import price_call
from sessiontui.timestamps import parse_timestamp

SYNTHETIC_MODEL = "<synthetic>"
RECENT_CALLS = 60  # API calls kept per session for burn rates and the cost sparkline


@dataclass(slots=True)
class TranscriptSummary:
    """Everything the dashboard shows of one transcript, updated record by record."""

    session_id: str | None = None
    cwd: str | None = None
    title: str | None = None
    first_prompt: str | None = None
    model: str | None = None
    created_at: datetime | None = None
    last_at: datetime | None = None
    messages: int = 0
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    calls: int = 0
    last_message: LastMessage | None = None
    recent_calls: list[ApiCall] = field(default_factory=list)  # the last few, for burn rates
    daily_cost: dict[str, float] = field(default_factory=dict)  # UTC day -> dollars
    _seen_requests: set[str] = field(default_factory=set)
    _last_message_id: str | None = None

    def add(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind == "summary" and isinstance(record.get("summary"), str):
            self.title = record["summary"]
            return
        if kind == "ai-title" and isinstance(record.get("aiTitle"), str):
            self.title = record["aiTitle"]
            return
        at = parse_timestamp(record.get("timestamp"))
        if at is not None:  # progress and system lines count as activity too (long tool runs)
            self.created_at = self.created_at or at
            self.last_at = at if self.last_at is None else max(self.last_at, at)
        if kind not in ("user", "assistant"):
            return
        self.session_id = self.session_id or _str(record.get("sessionId"))
        self.cwd = self.cwd or _str(record.get("cwd"))
        message = record.get("message")
        if not isinstance(message, dict):
            return
        if kind == "user":
            self._add_user(record, message, at)
        else:
            self._add_assistant(record, message, at)

    def _add_user(self, record: dict[str, Any], message: dict[str, Any], at: datetime | None) -> None:
        content = message.get("content")
        self.messages += 1
        if isinstance(content, str):
            if record.get("isMeta"):
                return
            self.turns += 1
            if self.first_prompt is None and content.strip():
                self.first_prompt = content.strip().splitlines()[0][:200]
            self.last_message = LastMessage("user", MessageKind.TEXT, at, _preview(content))
        elif isinstance(content, list):
            is_result = any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
            kind = MessageKind.TOOL_RESULT if is_result else MessageKind.TEXT
            role = "tool" if is_result else "user"
            if not is_result:
                self.turns += 1
            text = " ".join(_block_text(b) for b in content if isinstance(b, dict))
            self.last_message = LastMessage(role, kind, at, _preview(text))

    def _add_assistant(
        self, record: dict[str, Any], message: dict[str, Any], at: datetime | None
    ) -> None:
        model = _str(message.get("model"))
        message_id = _str(message.get("id"))
        if message_id is None or message_id != self._last_message_id:
            self.messages += 1
        self._last_message_id = message_id
        if model and model != SYNTHETIC_MODEL:
            self.model = model
            self._count_usage(record, message, model, at)
        for block in message.get("content") or ():
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use":
                name = _str(block.get("name")) or "?"
                self.last_message = LastMessage(
                    "assistant", MessageKind.TOOL_CALL, at, _preview(_json(block.get("input"))), name
                )
            elif block.get("type") == "text":
                self.last_message = LastMessage(
                    "assistant", MessageKind.TEXT, at, _preview(_str(block.get("text")) or "")
                )

    def _count_usage(
        self, record: dict[str, Any], message: dict[str, Any], model: str, at: datetime | None
    ) -> None:
        raw = message.get("usage")
        if not isinstance(raw, dict):
            return
        # One line per content block, each repeating the same usage: count each request once.
        request_key = f"{message.get('id')}:{record.get('requestId')}"
        if request_key in self._seen_requests:
            return
        self._seen_requests.add(request_key)
        usage = Usage(
            input_tokens=_int(raw.get("input_tokens")),
            output_tokens=_int(raw.get("output_tokens")),
            cache_read_tokens=_int(raw.get("cache_read_input_tokens")),
            cache_write_tokens=_int(raw.get("cache_creation_input_tokens")),
        )
        recorded = record.get("costUSD")
        cost = float(recorded) if isinstance(recorded, int | float) else price_call(model, usage, at)
        self.calls += 1
        self.usage = self.usage + usage
        if cost is None:
            self.unpriced_calls += 1
        else:
            self.cost_usd += cost
            if at is not None:
                day = at.strftime("%Y-%m-%d")
                self.daily_cost[day] = self.daily_cost.get(day, 0.0) + cost
        self.recent_calls.append(ApiCall(at, model, usage, cost))
        del self.recent_calls[:-RECENT_CALLS]

    @property
    def cost_source(self) -> CostSource | None:
        if self.calls == 0:
            return None
        return CostSource.UNKNOWN if self.unpriced_calls else CostSource.COMPUTED

    @property
    def cost(self) -> float | None:
        """The computed cost, or None when any call could not be priced (never a partial $)."""
        return None if self.unpriced_calls or self.calls == 0 else self.cost_usd


def line_matters_for_summary(line: bytes) -> bool:
    """The byte-level prefilter in front of TranscriptSummary.add: False only for lines that
    certainly change nothing in a summary, which are then never parsed. Keep it conservative
    and change it together with `add` (a line type `add` starts to read must pass here)."""
    return not line.startswith(b'{"type":"file-history-snapshot"')  # no top-level timestamp


class TranscriptFollower:
    """A transcript file followed by offset, summarised as it grows, one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = JsonlTail(path)
        self.summary = TranscriptSummary()
        self._restored = False  # taken from the transcript cache: the first poll reports it
        self.read_anything = False  # whether the last poll read the file (not only restored)

    def poll(self, budget: int | None = None) -> bool:
        """Read what was appended (at most about `budget` bytes); True when the summary may have
        changed. FileNotFoundError if the file is gone."""
        restored, self._restored = self._restored, False
        self.read_anything = False
        reset = self.tail.start()
        if reset is None:
            return restored
        self.read_anything = True
        if reset:
            self.summary = TranscriptSummary()
        add = self.summary.add
        for record in self.tail.records(line_matters_for_summary, budget):
            add(record)
        return True

    @property
    def counting(self) -> bool:
        """True while the file has not been read to its end (a budgeted first read)."""
        return not self.tail.at_end

    def restore(self, tail_state: dict[str, Any], summary: TranscriptSummary) -> None:
        self.tail.restore(tail_state)
        self.summary = summary
        self._restored = True


def messages_from_record(record: dict[str, Any]) -> list[Message]:
    """The transcript messages one Claude Code line holds (one per content block)."""
    kind = record.get("type")
    message = record.get("message")
    if kind not in ("user", "assistant") or not isinstance(message, dict):
        if kind == "system" and isinstance(record.get("content"), str):
            return [Message(Role.SYSTEM, record["content"], parse_timestamp(record.get("timestamp")))]
        return []
    at = parse_timestamp(record.get("timestamp"))
    content = message.get("content")
    model = _str(message.get("model"))
    if isinstance(content, str):
        return [Message(Role.USER if kind == "user" else Role.ASSISTANT, content, at, model=model)]
    out: list[Message] = []
    for block in content or ():
        if not isinstance(block, dict):
            continue
        block_type = block.get("type")
        if block_type == "text":
            role = Role.USER if kind == "user" else Role.ASSISTANT
            out.append(Message(role, _str(block.get("text")) or "", at, model=model))
        elif block_type == "thinking":
            out.append(Message(Role.ASSISTANT, "(thinking) " + (_str(block.get("thinking")) or ""), at, model=model))
        elif block_type == "tool_use":
            call = ToolCall(_str(block.get("id")) or "", _str(block.get("name")) or "?", _json(block.get("input")))
            out.append(Message(Role.ASSISTANT, "", at, MessageKind.TOOL_CALL, (call,), model=model))
        elif block_type == "tool_result":
            text = _block_text(block)
            result = ToolResult(_str(block.get("tool_use_id")) or "", text, bool(block.get("is_error")))
            out.append(Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result))
    return out


def _block_text(block: dict[str, Any]) -> str:
    content = block.get("content", block.get("text"))
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_block_text(part) for part in content if isinstance(part, dict))
    return "" if content is None else _json(content)


def _preview(text: str) -> str:
    return text.strip()[:300]


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
