"""Claude Code lines as transcript messages: what a person typed and what the model answered in
full; Claude Code's own plumbing (meta lines, caveats, command output, notifications, turn
durations, compactions, Stop hooks, queued input, API errors) as short dimmed system lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sessiontui.model import Message, MessageKind, Role, ToolCall, ToolResult
from sessiontui.stores.claude_records import (
    UserLine,
    as_str,
    block_text,
    classify_user,
    content_text,
    slash_command,
    strip_sgr,
    tool_input_text,
    tool_outcome,
    unwrap_plumbing,
)
from sessiontui.timestamps import parse_timestamp


def messages_from_record(record: dict[str, Any]) -> list[Message]:
    """The transcript messages one Claude Code line holds (one per content block)."""
    kind = record.get("type")
    at = parse_timestamp(record.get("timestamp"))
    message = record.get("message")
    if kind == "user" and isinstance(message, dict):
        return _user(record, message, at)
    if kind == "assistant" and isinstance(message, dict):
        return _assistant(record, message, at)
    if kind == "system":
        text = _system_text(record)
        return [Message(Role.SYSTEM, text, at)] if text else []
    if kind == "queue-operation" and record.get("operation") == "enqueue":
        content = record.get("content")
        if isinstance(content, str):
            return [
                Message(
                    Role.SYSTEM, "queued while busy: " + _first_line(unwrap_plumbing(content)), at
                )
            ]
    return []  # progress, snapshots, titles and any newer or unknown type: no message


def _user(record: dict[str, Any], message: dict[str, Any], at: datetime | None) -> list[Message]:
    content = message.get("content")
    line = classify_user(record, message)
    if line is UserLine.TOOL_RESULT:
        return _tool_results(record, content, at)
    text = content_text(content)
    if line in (UserLine.PROMPT, UserLine.SIDECHAIN):
        command = slash_command(text)
        return (
            [Message(Role.USER, command if command is not None else text, at)]
            if text.strip()
            else []
        )
    if line is UserLine.INTERRUPT:
        return [Message(Role.SYSTEM, "interrupted by user", at)]
    if line is UserLine.TASK_NOTIFICATION:
        summary = _between(text, "summary") or _first_line(unwrap_plumbing(text))
        return [Message(Role.SYSTEM, "background task: " + summary, at)]
    if line is UserLine.COMMAND_OUTPUT:
        return [Message(Role.SYSTEM, unwrap_plumbing(text).strip("\n"), at)]
    label = {UserLine.COMPACT_SUMMARY: "compaction summary", UserLine.CAVEAT: "caveat"}.get(
        line, "meta"
    )
    return [Message(Role.SYSTEM, f"({label}) " + _folded(unwrap_plumbing(text)), at)]


def _tool_results(record: dict[str, Any], content: Any, at: datetime | None) -> list[Message]:
    outcome = tool_outcome(record.get("toolUseResult"))
    out: list[Message] = []
    for block in content or ():
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            text = strip_sgr(block_text(block))
            if outcome and not text.startswith(outcome):
                text = f"[{outcome}]\n{text}"
            result = ToolResult(
                as_str(block.get("tool_use_id")) or "", text, bool(block.get("is_error"))
            )
            out.append(Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result))
        elif block.get("type") == "text" and (as_str(block.get("text")) or "").strip():
            out.append(Message(Role.USER, as_str(block.get("text")) or "", at))
    return out


def _assistant(
    record: dict[str, Any], message: dict[str, Any], at: datetime | None
) -> list[Message]:
    content = message.get("content")
    model = as_str(message.get("model"))
    if record.get("isApiErrorMessage"):
        return [
            Message(Role.SYSTEM, "API error: " + (content_text(content) or "?"), at, model=model)
        ]
    if isinstance(content, str):
        return [Message(Role.ASSISTANT, content, at, model=model)] if content.strip() else []
    out: list[Message] = []
    for block in content or ():
        if not isinstance(block, dict):
            continue
        block_type = block.get("type")
        if block_type == "text":
            text = as_str(block.get("text")) or ""
            if text.strip():  # Claude Code writes empty text blocks; they say nothing
                out.append(Message(Role.ASSISTANT, text, at, model=model))
        elif block_type == "thinking":
            thinking = as_str(block.get("thinking")) or ""
            if thinking.strip():
                out.append(Message(Role.ASSISTANT, "(thinking) " + thinking, at, model=model))
        elif block_type == "tool_use":
            call = ToolCall(
                as_str(block.get("id")) or "",
                as_str(block.get("name")) or "?",
                tool_input_text(block.get("input")),
            )
            out.append(Message(Role.ASSISTANT, "", at, MessageKind.TOOL_CALL, (call,), model=model))
    return out


def _system_text(record: dict[str, Any]) -> str | None:
    subtype = record.get("subtype")
    if subtype == "turn_duration":
        duration = record.get("durationMs")
        return f"turn took {_duration(duration)}" if isinstance(duration, int | float) else None
    if subtype == "compact_boundary":
        meta = record.get("compactMetadata")
        if isinstance(meta, dict):
            size = meta.get("preTokens")
            detail = str(meta.get("trigger") or "?") + (
                f", {size:,} tokens before" if isinstance(size, int) else ""
            )
            return f"conversation compacted ({detail})"
        return "conversation compacted"
    if subtype == "stop_hook_summary":
        errors = record.get("hookErrors")
        if isinstance(errors, list) and errors:
            return "Stop hook failed: " + "; ".join(_first_line(str(e)) for e in errors[:3])
        if record.get("preventedContinuation") is True:
            return "Stop hook blocked the end of the turn: " + _first_line(
                str(record.get("stopReason") or "")
            )
        return None
    content = record.get("content")
    if not isinstance(content, str):
        return None
    command = slash_command(content)
    return command if command is not None else strip_sgr(content)


def _duration(ms: float) -> str:
    seconds = int(ms // 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def _folded(text: str) -> str:
    lines = text.strip().splitlines()
    if len(lines) <= 1:
        return text.strip()
    return f"{lines[0]} \u2026 ({len(lines) - 1} more lines)"


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0][:300] if stripped else ""


def _between(text: str, tag: str) -> str | None:
    start, end = text.find(f"<{tag}>"), text.find(f"</{tag}>")
    return text[start + len(tag) + 2 : end].strip() if 0 <= start < end else None
