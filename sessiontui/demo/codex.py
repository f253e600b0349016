"""Codex CLI rollouts as Codex writes them (STORES.md 9), for the demo and the tests.

    <home>/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<thread id>.jsonl
    <home>/session_index.jsonl

Every line is `{"timestamp", "type", "payload"}` (`RolloutLine` with its `RolloutItem` flattened),
the timestamp in milliseconds with `Z`. A turn is written the way the newer recorder persists
it: `turn_started`, the `turn_context`, the user's message (as a response item and as an event),
reasoning, tool calls and their outputs, the answer, a `token_count` per model call (cumulative
total and last call), `turn_complete`. `older=True` writes the older layout, without turn events.

Approval requests are not persisted by the Codex versions read for STORES.md; the demo writes the
event with its protocol shape so that a build which persists it shows as waiting.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.demo.ids import Ids
from sessiontui.demo.jsonl_append import append_line
from sessiontui.timestamps import claude_code_timestamp

CLI_VERSION = "0.46.0"
_TOKEN_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


def token_usage(input_tokens: int, cached: int, output: int, reasoning: int = 0) -> dict[str, int]:
    """A `TokenUsage`: `cached_input_tokens` is part of `input_tokens`."""
    return {
        "input_tokens": input_tokens,
        "cached_input_tokens": cached,
        "output_tokens": output,
        "reasoning_output_tokens": reasoning,
        "total_tokens": input_tokens + output,
    }


def rate_limits(
    primary: float, secondary: float, *, resets: datetime, plan: str | None = None
) -> dict[str, Any]:
    """A `RateLimitSnapshot`: the 5-hour window and the weekly one."""
    epoch = int(resets.timestamp())
    return {
        "primary": {"used_percent": primary, "window_minutes": 300, "resets_at": epoch},
        "secondary": {
            "used_percent": secondary,
            "window_minutes": 10080,
            "resets_at": epoch + 86_400 * 3,
        },
        "credits": None,
        "plan_type": plan,
    }


@dataclass(slots=True)
class _Thread:
    path: Path
    cwd: str
    model: str
    older: bool
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_TOKEN_FIELDS, 0))
    turn_id: str | None = None


class CodexWriter:
    """Appends rollout lines for any number of threads under one Codex home."""

    def __init__(self, home: Path, *, ids: Ids | None = None) -> None:
        self.home = Path(home)
        self.ids = ids or Ids()
        self._threads: dict[str, _Thread] = {}
        self.between: Callable[[Path], None] | None = None  # test hook: between JSON and newline

    def path_of(self, thread_id: str) -> Path:
        return self._threads[thread_id].path

    def start(
        self,
        cwd: str,
        at: datetime,
        *,
        model: str = "gpt-5-codex",
        provider: str = "openai",
        thread_id: str | None = None,
        source: str = "cli",
        older: bool = False,
    ) -> str:
        """A new thread: its rollout file and `session_meta` line. Returns the thread id."""
        thread_id = thread_id or self.ids.uuid4()
        stamp = at.astimezone(UTC)
        path = (
            self.home
            / "sessions"
            / f"{stamp:%Y}"
            / f"{stamp:%m}"
            / f"{stamp:%d}"
            / f"rollout-{stamp:%Y-%m-%dT%H-%M-%S}-{thread_id}.jsonl"
        )
        self._threads[thread_id] = _Thread(path, cwd, model, older)
        self._line(
            thread_id,
            at,
            "session_meta",
            {
                "id": thread_id,
                "timestamp": _stamp(at),
                "cwd": cwd,
                "originator": "codex_cli_rs",
                "cli_version": CLI_VERSION,
                "instructions": None,
                "source": source,
                "model_provider": provider,
                "git": {
                    "commit_hash": f"{self.ids.rng.getrandbits(160):040x}",
                    "branch": "main",
                    "repository_url": "git@github.com:dev/app.git",
                },
            },
        )
        return thread_id

    def user_turn(
        self, thread_id: str, text: str, at: datetime, *, model: str | None = None
    ) -> None:
        """A new turn: turn_started (newer layout), turn_context, the prompt twice (item, event)."""
        thread = self._threads[thread_id]
        thread.model = model or thread.model
        if not thread.older:
            thread.turn_id = self.ids.uuid4()
            self._event(
                thread_id,
                at,
                {
                    "type": "turn_started",
                    "turn_id": thread.turn_id,
                    "model_context_window": 272_000,
                },
            )
        self._line(
            thread_id,
            at,
            "turn_context",
            {
                "cwd": thread.cwd,
                "approval_policy": "on-request",
                "sandbox_policy": {"mode": "workspace-write"},
                "model": thread.model,
                "effort": "medium",
                "summary": "auto",
            },
        )
        self._item(
            thread_id,
            at,
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
        )
        self._event(thread_id, at, {"type": "user_message", "message": text, "images": None})

    def reasoning(self, thread_id: str, summary: str, at: datetime) -> None:
        self._item(
            thread_id,
            at,
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": summary}],
                "content": None,
                "encrypted_content": "gAAAAABo" + self.ids.token("", 32),
            },
        )
        self._event(thread_id, at, {"type": "agent_reasoning", "text": summary})

    def tool_call(
        self, thread_id: str, command: list[str], at: datetime, *, name: str = "shell"
    ) -> str:
        """A `function_call` item (arguments are a JSON text); returns its call id."""
        call_id = self.ids.call_id()
        arguments = json.dumps({"command": command, "workdir": self._threads[thread_id].cwd})
        self._item(
            thread_id,
            at,
            {"type": "function_call", "name": name, "arguments": arguments, "call_id": call_id},
        )
        return call_id

    def tool_output(
        self, thread_id: str, call_id: str, output: str, at: datetime, exit_code: int = 0
    ) -> None:
        text = json.dumps(
            {"output": output, "metadata": {"exit_code": exit_code, "duration_seconds": 0.4}}
        )
        self._item(
            thread_id, at, {"type": "function_call_output", "call_id": call_id, "output": text}
        )

    def approval_request(
        self, thread_id: str, call_id: str, command: list[str], at: datetime
    ) -> None:
        self._event(
            thread_id,
            at,
            {
                "type": "exec_approval_request",
                "call_id": call_id,
                "command": command,
                "cwd": self._threads[thread_id].cwd,
                "reason": None,
            },
        )

    def answer(self, thread_id: str, text: str, at: datetime) -> None:
        self._item(
            thread_id,
            at,
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
            },
        )
        self._event(thread_id, at, {"type": "agent_message", "message": text})

    def token_count(
        self,
        thread_id: str,
        last: dict[str, int] | None,
        at: datetime,
        limits: dict[str, Any] | None = None,
    ) -> None:
        """One model call's usage (`last`, added to the running total), or with `last=None` a
        rate-limit-only update (`info` null)."""
        thread = self._threads[thread_id]
        info = None
        if last is not None:
            for key in _TOKEN_FIELDS:
                thread.total[key] += last[key]
            info = {
                "total_token_usage": dict(thread.total),
                "last_token_usage": dict(last),
                "model_context_window": 272_000,
            }
        self._event(thread_id, at, {"type": "token_count", "info": info, "rate_limits": limits})

    def turn_complete(self, thread_id: str, at: datetime, last_message: str | None = None) -> None:
        thread = self._threads[thread_id]
        if not thread.older:
            self._event(
                thread_id,
                at,
                {
                    "type": "turn_complete",
                    "turn_id": thread.turn_id,
                    "last_agent_message": last_message,
                },
            )

    def turn_aborted(self, thread_id: str, at: datetime, reason: str = "interrupted") -> None:
        self._event(thread_id, at, {"type": "turn_aborted", "reason": reason})

    def compacted(self, thread_id: str, summary: str, at: datetime) -> None:
        self._line(thread_id, at, "compacted", {"message": summary, "replacement_history": None})
        self._event(thread_id, at, {"type": "context_compacted"})

    def rename(self, thread_id: str, name: str, at: datetime) -> Path:
        """Codex's `append_thread_name`: one line appended to `session_index.jsonl`."""
        entry = {"id": thread_id, "thread_name": name, "updated_at": _rfc3339(at)}
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        self.home.mkdir(parents=True, exist_ok=True)
        handle = os.open(
            self.home / "session_index.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        try:
            os.write(handle, line.encode())
        finally:
            os.close(handle)
        return self.home / "session_index.jsonl"

    def archive(self, thread_id: str) -> Path:
        """`codex archive`: the rollout moves to `archived_sessions/<same name>`."""
        thread = self._threads[thread_id]
        target = self.home / "archived_sessions" / thread.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(thread.path, target)
        thread.path = target
        return target

    # -- lines -----------------------------------------------------------------------------------

    def _item(self, thread_id: str, at: datetime, payload: dict[str, Any]) -> None:
        self._line(thread_id, at, "response_item", payload)

    def _event(self, thread_id: str, at: datetime, payload: dict[str, Any]) -> None:
        self._line(thread_id, at, "event_msg", payload)

    def _line(self, thread_id: str, at: datetime, kind: str, payload: dict[str, Any]) -> None:
        path = self._threads[thread_id].path
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {"timestamp": _stamp(at), "type": kind, "payload": payload},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        append_line(path, text, self.between)


def _stamp(moment: datetime) -> str:
    return claude_code_timestamp(moment)  # the same form: milliseconds and `Z`


def _rfc3339(moment: datetime) -> str:
    """RFC 3339 with `+00:00`, the form of chrono's `to_rfc3339()`."""
    return moment.astimezone(UTC).isoformat()
