"""What a Claude Code transcript says beyond its messages (STORES.md 10.4-10.8): turn durations,
compactions, Stop hooks, progress of a running tool or subagent, queued input, the version,
branch and permission mode, and which subagent type each Task started.

Plain data (ints, strs, small dicts, a bounded queue) so it can be cached with the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sessiontui.stores.claude_records import UserLine, strip_sgr

QUEUE_KEPT = 20  # queued inputs remembered (they are few: typed while the model was busy)


@dataclass(slots=True)
class TranscriptFacts:
    version: str | None = None
    git_branch: str | None = None
    permission_mode: str | None = None
    agent_id: str | None = None  # set in a subagent's own file
    slug: str | None = None
    turn_durations: int = 0
    last_turn_ms: int | None = None
    longest_turn_ms: int = 0
    compactions: int = 0
    last_compaction: str | None = None  # "manual, 142,431 tokens before"
    stop_hook_blocks: int = 0  # since the last typed prompt
    stop_hook_errors: int = 0  # over the whole transcript
    stop_hook_reason: str | None = None
    progress: str | None = None  # what a running tool or subagent is doing right now
    progress_at: datetime | None = None
    queued: list[str] = field(default_factory=list)  # input typed while the model was busy
    api_errors: int = 0
    task_types: dict[str, str] = field(default_factory=dict)  # Task tool_use id -> subagent_type
    agent_types: dict[str, str] = field(default_factory=dict)  # agentId -> subagent_type

    def add_common(self, record: dict[str, Any]) -> None:
        """Fields on user and assistant lines: the newest value wins."""
        for key, attr in (
            ("version", "version"),
            ("gitBranch", "git_branch"),
            ("permissionMode", "permission_mode"),
            ("slug", "slug"),
        ):
            value = record.get(key)
            if isinstance(value, str) and value:
                setattr(self, attr, value)
        agent = record.get("agentId")
        if isinstance(agent, str) and record.get("isSidechain"):
            self.agent_id = self.agent_id or agent
        if record.get("isApiErrorMessage"):
            self.api_errors += 1
        self.progress = None  # a message arrived: whatever was in progress has moved on

    def user_line(self, record: dict[str, Any], line: UserLine) -> None:
        if line is UserLine.PROMPT:
            self.stop_hook_blocks = 0
        if line is UserLine.TOOL_RESULT:
            result = record.get("toolUseResult")
            message = record.get("message")
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(result, dict) and isinstance(result.get("agentId"), str):
                for block in content or ():
                    if isinstance(block, dict) and block.get("type") == "tool_result":
                        kind = self.task_types.get(str(block.get("tool_use_id")))
                        if kind:
                            self.agent_types[result["agentId"]] = kind

    def tool_use(self, block: dict[str, Any]) -> None:
        tool_input = block.get("input")
        if isinstance(tool_input, dict) and isinstance(tool_input.get("subagent_type"), str):
            self.task_types[str(block.get("id"))] = tool_input["subagent_type"]

    def add(self, record: dict[str, Any], kind: object, at: datetime | None) -> None:
        """A line that is no message: system, progress, queue-operation, and the rest."""
        if kind == "system":
            self._system(record)
        elif kind == "progress":
            self._progress(record, at)
        elif kind == "queue-operation":
            self._queue(record)
        elif kind == "permission-mode":
            mode = record.get("permissionMode")
            if isinstance(mode, str):
                self.permission_mode = mode

    def _system(self, record: dict[str, Any]) -> None:
        subtype = record.get("subtype")
        if subtype == "turn_duration" and isinstance(record.get("durationMs"), int | float):
            duration = int(record["durationMs"])
            self.turn_durations += 1
            self.last_turn_ms = duration
            self.longest_turn_ms = max(self.longest_turn_ms, duration)
        elif subtype == "compact_boundary":
            self.compactions += 1
            meta = record.get("compactMetadata")
            if isinstance(meta, dict):
                trigger = meta.get("trigger") if isinstance(meta.get("trigger"), str) else "?"
                size = meta.get("preTokens")
                after = meta.get("postTokens")
                self.last_compaction = (
                    f"{trigger}, {size:,} tokens before" if isinstance(size, int) else str(trigger)
                ) + (f", {after:,} after" if isinstance(after, int) else "")
        elif subtype == "stop_hook_summary":
            errors = record.get("hookErrors")
            failed = isinstance(errors, list) and bool(errors)
            if failed or record.get("preventedContinuation") is True:
                self.stop_hook_blocks += 1
                self.stop_hook_errors += failed
                reason = record.get("stopReason")
                if isinstance(reason, str) and reason.strip():
                    self.stop_hook_reason = reason.strip()[:300]
                elif isinstance(errors, list) and errors:
                    self.stop_hook_reason = str(errors[0])[:300]

    def _progress(self, record: dict[str, Any], at: datetime | None) -> None:
        data = record.get("data")
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "bash_progress":
            seconds = data.get("elapsedTimeSeconds")
            lines = data.get("totalLines")
            output = data.get("output")
            last = (
                strip_sgr(output).strip().splitlines()[-1][:120]
                if isinstance(output, str) and output.strip()
                else ""
            )
            self.progress = (
                "command running"
                + (f" {seconds:.0f}s" if isinstance(seconds, int | float) else "")
                + (f", {lines:,} lines" if isinstance(lines, int) else "")
                + (f": {last}" if last else "")
            )
        elif kind == "agent_progress":
            agent = data.get("agentId") if isinstance(data.get("agentId"), str) else "?"
            prompt = data.get("prompt")
            what = (
                prompt.strip().splitlines()[0][:120]
                if isinstance(prompt, str) and prompt.strip()
                else ""
            )
            self.progress = f"subagent {agent} working" + (f": {what}" if what else "")
        elif kind == "waiting_for_task":
            description = data.get("taskDescription")
            self.progress = "waiting for " + (
                description if isinstance(description, str) else "a task"
            )
        else:
            return
        self.progress_at = at

    def _queue(self, record: dict[str, Any]) -> None:
        operation = record.get("operation")
        if operation == "enqueue" and isinstance(record.get("content"), str):
            self.queued.append(record["content"][:300])
            del self.queued[:-QUEUE_KEPT]
        elif operation in ("dequeue", "remove") and self.queued:
            self.queued.pop(0)
        elif operation == "popAll":
            self.queued.clear()
