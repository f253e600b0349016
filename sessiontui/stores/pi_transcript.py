"""pi-format transcript records (STORES.md 4.2): OpenClaw's `transcript_events.event_json` rows and
its legacy `<sessionId>.jsonl` lines are the same records. Pure: records in, messages out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sessiontui.model import ApiCall, Message, MessageKind, Role, ToolCall, ToolResult, Usage
from sessiontui.timestamps import parse_timestamp

RECENT_CALLS = 20


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def record_time(record: dict[str, Any]) -> datetime | None:
    message = record.get("message")
    stamp = message.get("timestamp") if isinstance(message, dict) else None
    return parse_timestamp(stamp) or parse_timestamp(record.get("timestamp"))


def to_messages(record: dict[str, Any]) -> list[Message]:
    """The messages of one record; none for bookkeeping records (session, model_change, label...)."""
    kind = record.get("type")
    at = record_time(record)
    if kind == "compaction":
        return [Message(Role.SYSTEM, "(compaction) " + str(record.get("summary") or ""), at)]
    message = record.get("message")
    if kind != "message" or not isinstance(message, dict):
        return []
    role = message.get("role")
    if role == "toolResult":
        text = _text(message.get("content"))
        result = ToolResult(
            str(message.get("toolCallId") or ""), text, bool(message.get("isError"))
        )
        return [Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result)]
    if role != "assistant":
        return [Message(str(role or "user"), _text(message.get("content")), at)]
    model = message.get("model") if isinstance(message.get("model"), str) else None
    out: list[Message] = []
    texts: list[str] = []
    calls: list[ToolCall] = []
    content = message.get("content")
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "thinking":
            out.append(
                Message(
                    Role.ASSISTANT,
                    "(thinking) " + str(block.get("thinking") or ""),
                    at,
                    model=model,
                )
            )
        elif block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "toolCall":
            arguments = block.get("arguments")
            text = (
                arguments
                if isinstance(arguments, str)
                else json.dumps(arguments, ensure_ascii=False, sort_keys=True)
            )
            calls.append(ToolCall(str(block.get("id") or ""), str(block.get("name") or "?"), text))
    if isinstance(message.get("content"), str):
        texts.append(message["content"])
    if message.get("errorMessage"):
        texts.append(f"[{message.get('stopReason') or 'error'}] {message['errorMessage']}")
    body = "\n".join(t for t in texts if t)
    if calls:
        out.append(
            Message(Role.ASSISTANT, body, at, MessageKind.TOOL_CALL, tuple(calls), model=model)
        )
    elif body or not out:
        out.append(Message(Role.ASSISTANT, body, at, model=model))
    return out


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


@dataclass(slots=True)
class TranscriptTotals:
    """What a transcript adds up to, kept incrementally as records arrive."""

    messages: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float | None = None  # None: no record carried usage.cost
    model: str | None = None
    last: Message | None = None
    last_at: datetime | None = None
    recent: list[ApiCall] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        at = record_time(record)
        self.last_at = at or self.last_at
        messages = to_messages(record)
        if not messages:
            return
        self.messages += 1
        self.last = messages[-1]
        message = record.get("message")
        usage = message.get("usage") if isinstance(message, dict) else None
        if not isinstance(usage, dict):
            return
        assert isinstance(message, dict)
        call = Usage(
            _int(usage.get("input")),
            _int(usage.get("output")),
            _int(usage.get("cacheRead")),
            _int(usage.get("cacheWrite")),
        )
        self.usage = self.usage + call
        cost = usage.get("cost")
        total = cost.get("total") if isinstance(cost, dict) else None
        dollars = (
            float(total) if isinstance(total, int | float) and not isinstance(total, bool) else None
        )
        if dollars is not None:
            self.cost = (self.cost or 0.0) + dollars
        self.model = message.get("model") if isinstance(message.get("model"), str) else self.model
        self.recent.append(ApiCall(at, self.model, call, dollars))
        del self.recent[:-RECENT_CALLS]
