"""Claude Code transcripts as Claude Code writes them (STORES.md 4.1).

`<projects>/<encoded cwd>/<sessionId>.jsonl`, one JSON object per line. An assistant reply is
written one line per content block, each line repeating the message id, request id and usage.
Every line is written as the JSON, then the newline in a separate write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.demo.ids import Ids
from sessiontui.demo.jsonl_append import append_line
from sessiontui.timestamps import claude_code_timestamp

SYNTHETIC_MODEL = "<synthetic>"


def encode_project_path(cwd: str) -> str:
    """hermes-bot's `encode_project_path`: every `/` becomes `-`."""
    return cwd.replace("/", "-")


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def thinking_block(thinking: str, signature: str = "EqQBCkYIBxgCKkB") -> dict[str, Any]:
    return {"type": "thinking", "thinking": thinking, "signature": signature}


def tool_use_block(tool_use_id: str, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_use_id, "name": name, "input": tool_input}


def usage_dict(
    input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0
) -> dict[str, Any]:
    """An Anthropic `usage` object as Claude Code stores it."""
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


class ClaudeCodeWriter:
    """Appends transcript lines for any number of sessions under one `projects` directory."""

    def __init__(
        self,
        projects_dir: Path,
        *,
        ids: Ids | None = None,
        version: str = "2.1.63",
        git_branch: str = "main",
    ) -> None:
        self.projects_dir = Path(projects_dir)
        self.ids = ids or Ids()
        self.version = version
        self.git_branch = git_branch
        self._last_uuid: dict[Path, str | None] = {}
        self.between: Callable[[Path], None] | None = None  # test hook, see `_write`

    def transcript_path(self, cwd: str, session_id: str) -> Path:
        return self.projects_dir / encode_project_path(cwd) / f"{session_id}.jsonl"

    def user(self, session_id: str, cwd: str, text: str, now: datetime | None = None) -> Path:
        """A human prompt: `message.content` is a string."""
        return self._line(
            session_id,
            cwd,
            now,
            {"type": "user", "message": {"role": "user", "content": text}},
            tail={"permissionMode": "default"},
        )

    def tool_result(
        self,
        session_id: str,
        cwd: str,
        tool_use_id: str,
        content: str,
        *,
        is_error: bool = False,
        now: datetime | None = None,
    ) -> Path:
        """A tool result: a user line whose content is a list with one `tool_result` block."""
        block = {
            "type": "tool_result",
            "tool_use_id": tool_use_id,
            "content": content,
            "is_error": is_error,
        }
        result: Any = (
            f"Error: {content}"
            if is_error
            else {
                "stdout": content,
                "stderr": "",
                "interrupted": False,
                "isImage": False,
            }
        )
        return self._line(
            session_id,
            cwd,
            now,
            {"type": "user", "message": {"role": "user", "content": [block]}},
            tail={"toolUseResult": result},
        )

    def assistant(
        self,
        session_id: str,
        cwd: str,
        blocks: Sequence[dict[str, Any]],
        *,
        model: str,
        usage: dict[str, Any],
        now: datetime | None = None,
    ) -> Path:
        """One reply: a line per block, all with the same `message.id`, `requestId`, `usage`.

        `stop_reason` is null on every line but the last (`tool_use` or `end_turn`).
        """
        message_id, request_id = self.ids.message_id(), self.ids.request_id()
        path = self.transcript_path(cwd, session_id)
        for index, block in enumerate(blocks):
            last = index == len(blocks) - 1
            stop = ("tool_use" if block["type"] == "tool_use" else "end_turn") if last else None
            message = {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [block],
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            }
            path = self._line(
                session_id,
                cwd,
                now,
                {"message": message, "requestId": request_id, "type": "assistant"},
            )
        return path

    def synthetic(
        self,
        session_id: str,
        cwd: str,
        text: str = "No response requested.",
        now: datetime | None = None,
    ) -> Path:
        """A `<synthetic>` assistant line (no API call): zero usage, skipped by token counts."""
        message = {
            "id": self.ids.uuid4(),
            "type": "message",
            "role": "assistant",
            "model": SYNTHETIC_MODEL,
            "content": [text_block(text)],
            "stop_reason": "stop_sequence",
            "stop_sequence": "",
            "usage": usage_dict(0, 0),
        }
        return self._line(session_id, cwd, now, {"message": message, "type": "assistant"})

    def _line(
        self,
        session_id: str,
        cwd: str,
        now: datetime | None,
        body: dict[str, Any],
        tail: dict[str, Any] | None = None,
    ) -> Path:
        path = self.transcript_path(cwd, session_id)
        line_uuid = self.ids.uuid4()
        record: dict[str, Any] = {
            "parentUuid": self._parent(path),
            "isSidechain": False,
            "userType": "external",
            "cwd": cwd,
            "sessionId": session_id,
            "version": self.version,
            "gitBranch": self.git_branch,
            **body,
            "uuid": line_uuid,
            "timestamp": claude_code_timestamp(now or datetime.now(UTC)),
            **(tail or {}),
        }
        self._write(path, _dump(record))
        self._last_uuid[path] = line_uuid
        return path

    def _parent(self, path: Path) -> str | None:
        if path not in self._last_uuid:
            self._last_uuid[path] = _last_uuid_in(path)
        return self._last_uuid[path]

    def _write(self, path: Path, line: str) -> None:
        """The JSON, flushed, then the newline in a second write (`between` runs between)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        append_line(path, line, self.between)


def _last_uuid_in(path: Path) -> str | None:
    """The `uuid` of the last complete line of an existing transcript (to chain parentUuid)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            value = json.loads(line).get("uuid")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, str):
            return value
    return None
