"""What one Claude Code line is (STORES.md 10): a typed prompt, or one of the many lines that
look like user messages but are not, and how Claude Code itself would name and show it.

Pure functions over parsed JSON records; shared by the transcript summary and the transcript
messages.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

INTERRUPT_MARKERS = frozenset(
    {"[Request interrupted by user]", "[Request interrupted by user for tool use]"}
)
_PLUMBING_PREFIXES = {
    "<local-command-stdout>": "command-output",
    "<local-command-stderr>": "command-output",
    "<local-command-caveat>": "caveat",
    "<task-notification>": "task-notification",
}
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_TAG = "<{0}>(.*?)</{0}>"
_EXIT_CODE = re.compile(r"^(?:Error: )?Exit code (\d+)")


class UserLine(StrEnum):
    """What a `type: user` line is. Only PROMPT is a human turn (STORES.md 10.3)."""

    PROMPT = "prompt"  # typed by the person (a slash command they typed included)
    TOOL_RESULT = "tool-result"
    INTERRUPT = "interrupt"  # Esc, or a rejected tool: the turn ended, nothing waits
    META = "meta"  # injected by Claude Code (isMeta): skill bodies, caveats
    COMPACT_SUMMARY = "compact-summary"  # the continuation message after a compaction
    COMMAND_OUTPUT = "command-output"  # <local-command-stdout> / <local-command-stderr>
    CAVEAT = "caveat"  # <local-command-caveat>
    TASK_NOTIFICATION = "task-notification"  # a background task ended
    SIDECHAIN = "sidechain"  # a subagent's prompt, written by the parent agent


def content_text(content: Any) -> str:
    """A message's text: string content, or the joined `text` blocks of list content."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b["text"]
            for b in content
            if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
        )
    return ""


def block_text(block: dict[str, Any]) -> str:
    """A content block's text (`content`, else `text`): a string as it is, a list of blocks
    joined by lines, anything else as sorted JSON."""
    content = block.get("content", block.get("text"))
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(block_text(part) for part in content if isinstance(part, dict))
    return "" if content is None else json.dumps(content, ensure_ascii=False, sort_keys=True)


def as_str(value: Any) -> str | None:
    """`value` when it is a string, else None (fields of untrusted JSON)."""
    return value if isinstance(value, str) else None


def classify_user(record: dict[str, Any], message: dict[str, Any]) -> UserLine:
    """The kind of a user line, by the rules of STORES.md 10.3."""
    content = message.get("content")
    if isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    ):
        return UserLine.TOOL_RESULT
    if record.get("isCompactSummary") or record.get("isVisibleInTranscriptOnly"):
        return UserLine.COMPACT_SUMMARY
    if record.get("isMeta"):
        return UserLine.META
    text = content_text(content).strip()
    if text in INTERRUPT_MARKERS:
        return UserLine.INTERRUPT
    for prefix, kind in _PLUMBING_PREFIXES.items():
        if text.startswith(prefix):
            return UserLine(kind)
    if record.get("isSidechain"):
        return UserLine.SIDECHAIN
    return UserLine.PROMPT


def _tag(text: str, name: str) -> str | None:
    match = re.search(_TAG.format(name), text, re.DOTALL)
    return match.group(1).strip() if match else None


def slash_command(text: str) -> str | None:
    """`/name args` as Claude Code shows a slash-command line; None when the text is no command."""
    name = _tag(text, "command-name")
    if name is None:
        return None
    if not name.startswith("/"):
        name = "/" + name
    args = _tag(text, "command-args") or ""
    return f"{name} {args}".strip()


def prompt_title(text: str) -> str:
    """A prompt as a session name: `/name args` for a slash command, else its first line."""
    command = slash_command(text)
    if command is not None:
        return command.splitlines()[0][:200]
    stripped = text.strip()
    return stripped.splitlines()[0][:200] if stripped else ""


def strip_sgr(text: str) -> str:
    """Text without ANSI colour codes (SGR); every other control character is left to show."""
    return _SGR.sub("", text) if "\x1b" in text else text


def unwrap_plumbing(text: str) -> str:
    """The inside of `<local-command-stdout>…</…>` and its kin, colour codes dropped."""
    stripped = text.strip()
    for prefix in _PLUMBING_PREFIXES:
        if stripped.startswith(prefix):
            name = prefix[1:-1]
            inner = _tag(stripped, name)
            return strip_sgr(inner if inner is not None else stripped)
    return strip_sgr(text)


def tool_outcome(result: Any) -> str | None:
    """One line of what a structured `toolUseResult` says beyond its text (STORES.md 10.6):
    exit code, interruption, stderr, a rejection. None when there is nothing to add."""
    if isinstance(result, str):
        match = _EXIT_CODE.match(result)
        if match:
            return f"exit {match.group(1)}"
        return result.splitlines()[0][:200] if result.strip() else None
    if not isinstance(result, dict):
        return None
    parts: list[str] = []
    if result.get("interrupted") is True:
        parts.append("interrupted")
    stderr = result.get("stderr")
    if isinstance(stderr, str) and stderr.strip():
        parts.append("stderr: " + strip_sgr(stderr.strip().splitlines()[0])[:200])
    interpretation = result.get("returnCodeInterpretation")
    if isinstance(interpretation, str) and interpretation:
        parts.append(interpretation)
    if isinstance(result.get("status"), str) and isinstance(result.get("agentId"), str):
        tokens = result.get("totalTokens")
        parts.append(
            f"subagent {result['agentId']} {result['status']}"
            + (f", {tokens:,} tokens" if isinstance(tokens, int) else "")
        )
    return "; ".join(parts) or None


def tool_input_text(tool_input: Any) -> str:
    """A tool's input for display: a Bash command (or any single multi-line string) as its
    lines, anything else as JSON."""
    if isinstance(tool_input, dict):
        command = tool_input.get("command")
        if isinstance(command, str) and "\n" in command:
            rest = {k: v for k, v in tool_input.items() if k != "command"}
            tail = "\n" + json.dumps(rest, ensure_ascii=False, sort_keys=True) if rest else ""
            return command + tail
    if isinstance(tool_input, str):
        return tool_input
    return json.dumps(tool_input, ensure_ascii=False, sort_keys=True)
