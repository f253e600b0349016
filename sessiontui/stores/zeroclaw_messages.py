"""ZeroClaw `ChatMessage {role, content}` records (STORES.md 2.3), for both of its backends.

Tool calls live inside `content` as JSON text; a channel user turn starts with a local-time
prefix `[YYYY-MM-DD HH:MM:SS -04:00]`, the only per-message time the JSONL backend has.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sessiontui.model import (
    LastMessage,
    Message,
    MessageKind,
    Role,
    ToolCall,
    ToolResult,
    last_message_of,
)

INTERRUPTED_MARKER = "[Session interrupted"
_PREFIX = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d\d:?\d\d|[A-Za-z][A-Za-z_/+-]*)\] "
)
# chrono prints the numeric offset for %Z on Local, but a zone name is tolerated too.
_ZONE_HOURS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "CET": 1,
    "CEST": 2,
    "BST": 1,
    "IST": 5.5,
    "JST": 9,
}


def prefix_time(content: str) -> datetime | None:
    """The time of a channel user turn from its `[... TZ]` prefix, in UTC; None without one."""
    match = _PREFIX.match(content)
    if match is None:
        return None
    stamp, zone = match.groups()
    try:
        local = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if zone[0] in "+-":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tz = timezone(sign * offset)
    elif zone.upper() in _ZONE_HOURS:
        tz = timezone(timedelta(hours=_ZONE_HOURS[zone.upper()]))
    else:
        return None
    return local.replace(tzinfo=tz).astimezone(UTC)


def _decode(content: str) -> dict[str, Any] | None:
    if not content.startswith("{"):
        return None
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def to_message(role: str, content: str, at: datetime | None = None) -> Message:
    """One ChatMessage as a transcript message, tool calls and results decoded."""
    at = at or (prefix_time(content) if role == "user" else None)
    if role == "assistant":
        payload = _decode(content)
        if payload is not None and isinstance(payload.get("tool_calls"), list):
            calls = tuple(
                ToolCall(
                    str(call.get("id", "")),
                    str(call.get("name", "?")),
                    _text(call.get("arguments")),
                )
                for call in payload["tool_calls"]
                if isinstance(call, dict)
            )
            text = payload.get("content")
            return Message(
                Role.ASSISTANT,
                text if isinstance(text, str) else "",
                at,
                MessageKind.TOOL_CALL,
                calls,
            )
    if role == "tool":
        payload = _decode(content)
        if payload is not None and "tool_call_id" in payload:
            text = _text(payload.get("content"))
            result = ToolResult(str(payload.get("tool_call_id")), text)
            return Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result)
        return Message(Role.TOOL, content, at, MessageKind.TOOL_RESULT)
    if role == "user" and content.startswith("[Tool results]"):
        return Message(Role.TOOL, content, at, MessageKind.TOOL_RESULT)
    return Message(role, content, at)


def to_last_message(message: Message) -> LastMessage:
    interrupted = message.role == "assistant" and message.text.startswith(INTERRUPTED_MARKER)
    return last_message_of(message, interrupted=interrupted)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value, ensure_ascii=False)
