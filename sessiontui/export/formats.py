"""The export formats, each written message by message to a text stream."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any, TextIO

from sessiontui.export.transcript import message_json, session_json
from sessiontui.model import Message, Session
from sessiontui.text import safe_text

FORMATS = ("md", "json", "jsonl")
_BACKTICKS = re.compile("`+")


def _dumps(value: object) -> str:
    return safe_text(json.dumps(value, ensure_ascii=False))


async def write_export(
    fmt: str, session: Session, messages: AsyncIterator[Message], out: TextIO
) -> int:
    """Write the session as `fmt` (one of FORMATS); the number of messages written."""
    count = 0
    meta = session_json(session)
    if fmt == "jsonl":
        out.write(_dumps({"session": meta}) + "\n")
        async for message in messages:
            out.write(_dumps(message_json(message)) + "\n")
            count += 1
        return count
    if fmt == "json":
        out.write('{"session": ' + _dumps(meta) + ', "messages": [')
        async for message in messages:
            out.write(("\n" if count == 0 else ",\n") + _dumps(message_json(message)))
            count += 1
        out.write("\n]}\n")
        return count
    _markdown_header(meta, out)
    async for message in messages:
        _markdown_message(message_json(message), out)
        count += 1
    return count


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`."""
    longest = max(map(len, _BACKTICKS.findall(text)), default=0) if "`" in text else 0
    return "`" * max(3, longest + 1)


def _block(text: str, lang: str = "") -> str:
    fence = _fence(text)
    return f"{fence}{lang}\n{safe_text(text)}\n{fence}\n\n"


def _markdown_header(meta: dict[str, Any], out: TextIO) -> None:
    out.write(f"# {safe_text(str(meta['name']))}\n\n")
    usage = meta["usage"] or {}
    cost = meta["cost_usd"]
    rows = [
        ("store", meta["store"]),
        ("format", meta["format"]),
        ("session", meta["id"]),
        ("created", meta["created_at"]),
        ("last activity", meta["last_activity"]),
        ("channel", meta["channel"]),
        ("user", meta["user"]),
        ("model", meta["model"]),
        ("messages", meta["messages"]),
        (
            "tokens",
            ", ".join(f"{k.removesuffix('_tokens')} {v:,}" for k, v in usage.items() if v) or None,
        ),
        ("cost", f"${cost:.4f} ({meta['cost_source']})" if cost is not None else "unknown"),
    ]
    for label, value in rows:
        if value is not None:
            shown = safe_text(str(value)).replace("`", "'")
            out.write(f"- **{label}**: `{shown}`\n")
    out.write("\n")


def _markdown_message(message: dict[str, Any], out: TextIO) -> None:
    when = f" · {message['at']}" if message["at"] else ""
    model = f" · {message['model']}" if message["model"] else ""
    out.write(f"## {message['role']}{when}{model}\n\n")
    if message["text"]:
        out.write(
            _block(message["text"])
            if message["tool_result"]
            else safe_text(message["text"]) + "\n\n"
        )
    out.writelines(
        f"**tool call** `{call['name']}` ({call['id']})\n\n" + _block(call["arguments"], "json")
        for call in message["tool_calls"]
    )
    result = message["tool_result"]
    if result is not None and result["content"] != message["text"]:
        out.write(
            f"**tool result** ({result['tool_call_id']}{', error' if result['is_error'] else ''})\n\n"
        )
        out.write(_block(result["content"]))
