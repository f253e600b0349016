"""What one Codex rollout item says (STORES.md 9.2): its text, tool call and output, and the
transcript messages it holds. Plain functions over the parsed JSON, shared by the summary and
the transcript view."""

from __future__ import annotations

import json
from typing import Any

from sessiontui.model import Message, MessageKind, Role, ToolCall, ToolResult
from sessiontui.timestamps import parse_timestamp

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


def messages_from_rollout(record: dict[str, Any]) -> list[Message]:
    """The transcript messages one rollout line holds (response items, compactions, aborts)."""
    kind, payload = record.get("type"), record.get("payload")
    if not isinstance(payload, dict):
        return []
    at = parse_timestamp(record.get("timestamp"))
    if kind == "compacted":
        return [
            Message(
                Role.SYSTEM, "(context compacted) " + (text_of(payload.get("message")) or ""), at
            )
        ]
    if kind == "event_msg":
        event = payload.get("type")
        if event == "turn_aborted":
            return [
                Message(Role.SYSTEM, f"(turn aborted: {text_of(payload.get('reason')) or '?'})", at)
            ]
        if event in APPROVALS:
            return [Message(Role.SYSTEM, f"(asks approval: {approval_text(payload)})", at)]
        return []
    if kind != "response_item":
        return []
    item_type = payload.get("type")
    if item_type == "message":
        role = text_of(payload.get("role"))
        text = content_text(payload.get("content"))
        if role == "assistant":
            return [Message(Role.ASSISTANT, text, at)]
        if role == "user" and not text.lstrip().startswith(CONTEXT_PREFIXES):
            return [Message(Role.USER, text, at)]
        return [Message(Role.SYSTEM, text, at)]
    if item_type == "reasoning":
        summary = payload.get("summary")
        parts = [text_of(p.get("text")) or "" for p in summary or () if isinstance(p, dict)]
        return (
            [Message(Role.ASSISTANT, "(reasoning) " + "\n".join(parts), at)] if any(parts) else []
        )
    if item_type in ("function_call", "custom_tool_call", "local_shell_call"):
        name = text_of(payload.get("name")) or ("shell" if item_type == "local_shell_call" else "?")
        call = ToolCall(text_of(payload.get("call_id")) or "", name, tool_arguments(payload))
        return [Message(Role.ASSISTANT, "", at, MessageKind.TOOL_CALL, (call,))]
    if item_type in ("function_call_output", "custom_tool_call_output"):
        text = tool_output(payload.get("output"))
        result = ToolResult(text_of(payload.get("call_id")) or "", text)
        return [Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result)]
    return []


def content_text(content: Any) -> str:
    """The text of a message item's content parts (`input_text`, `output_text`, ...)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n".join(text_of(part.get("text")) or "" for part in content if isinstance(part, dict))


def tool_arguments(payload: dict[str, Any]) -> str:
    for key in ("arguments", "input"):
        if key in payload:
            return as_json_text(payload[key])
    action = payload.get("action")
    return as_json_text(action) if action is not None else ""


def tool_output(output: Any) -> str:
    """A tool output: a string, or (older Codex) `{"content": ..., "success": ...}`."""
    if isinstance(output, dict):
        return as_json_text(output.get("content", output))
    return output if isinstance(output, str) else as_json_text(output)


def approval_text(payload: dict[str, Any]) -> str:
    command = payload.get("command")
    if isinstance(command, list):
        return " ".join(str(part) for part in command)
    if isinstance(command, str):
        return command
    if payload.get("type") == "apply_patch_approval_request":
        return "apply a patch"
    return (
        text_of(payload.get("reason"))
        or text_of(payload.get("message"))
        or str(payload.get("type"))
    )


def preview(text: str) -> str:
    return text.strip()[:300]


def as_json_text(value: Any) -> str:
    return (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def to_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
