"""Claude Code 2.1.39 lines of every shape in STORES.md section 10, written into real files.

Each builder returns one record as Claude Code writes it (field names and nesting verbatim from
the real transcripts quoted in STORES.md); `Transcript` appends them as JSONL.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from sessiontui.timestamps import claude_code_timestamp

CWD = "/home/USER/src/library"
VERSION = "2.1.39"
REJECTED = (
    "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a "
    "file edit, the new_string was NOT written to the file). STOP what you are doing and wait for "
    "the user to tell you how to proceed."
)


def usage(
    input_tokens: int, output: int, read: int = 0, write_5m: int = 0, write_1h: int = 0
) -> dict[str, Any]:
    """`message.usage` with the 5-minute / 1-hour split, as 2.1.39 writes it."""
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": write_5m + write_1h,
        "cache_read_input_tokens": read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": write_5m,
            "ephemeral_1h_input_tokens": write_1h,
        },
        "output_tokens": output,
        "service_tier": "standard",
        "inference_geo": "not_available",
    }


OPUS, HAIKU = "claude-opus-4-6", "claude-haiku-4-5"
# STORES.md 10.1: opus $5 input, $6.25 5-minute write, $10 1-hour write, $0.5 read, $25 output.
OPUS_1H = usage(10, 100, read=50_000, write_1h=13_835)
OPUS_1H_USD = 0.16590  # 10*5 + 100*25 + 50_000*0.5 + 13_835*10, per million
HAIKU_5M = usage(200, 40, read=1_000, write_5m=4_000)
HAIKU_5M_USD = (200 * 1 + 40 * 5 + 1_000 * 0.1 + 4_000 * 1.25) / 1e6
NO_SPLIT = {
    "input_tokens": 3,
    "output_tokens": 7,
    "cache_read_input_tokens": 0,
    "cache_creation_input_tokens": 1_000,
}  # older lines: every write at the 5-minute rate
NO_SPLIT_USD = (3 * 5 + 7 * 25 + 1_000 * 6.25) / 1e6


def library_price(model: str, raw: dict[str, Any], at: datetime) -> float:
    """genai-prices' own price with the 1-hour split, passed the way STORES.md 10.1 shows."""
    split = raw.get("cache_creation") or {}
    read, write = raw.get("cache_read_input_tokens", 0), raw.get("cache_creation_input_tokens", 0)
    price_usage = PriceUsage(
        input_tokens=raw["input_tokens"] + read + write,
        cache_read_tokens=read,
        cache_write_tokens=write,
        cache_write_1h_tokens=split.get("ephemeral_1h_input_tokens", 0),
        output_tokens=raw["output_tokens"],
    )
    return float(
        calc_price(
            price_usage, model, provider_id="anthropic", genai_request_timestamp=at
        ).total_price
    )


class Transcript:
    """One transcript file, its lines appended in order with times one second apart."""

    def __init__(
        self,
        path: Path,
        session_id: str,
        start: datetime,
        *,
        sidechain: bool = False,
        agent_id: str | None = None,
    ) -> None:
        self.path = path
        self.session_id = session_id
        self.at = start
        self.sidechain = sidechain
        self.agent_id = agent_id
        self.n = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    def _common(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.n += 1
        self.at += timedelta(seconds=1)
        record: dict[str, Any] = {
            "parentUuid": f"{self.path.stem}-{self.n - 1}" if self.n > 1 else None,
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": CWD,
            "sessionId": self.session_id,
            "version": VERSION,
            "gitBranch": "main",
            "slug": "lexical-painting-whisper",
            "type": kind,
            "uuid": f"{self.path.stem}-{self.n}",
            "timestamp": claude_code_timestamp(self.at),
        }
        if self.agent_id:
            record["agentId"] = self.agent_id
        record.update(fields)
        return record

    def write(self, *records: dict[str, Any]) -> Transcript:
        with self.path.open("a", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
        return self

    # -- user lines ------------------------------------------------------------------------

    def prompt(self, text: str, **fields: Any) -> Transcript:
        return self.write(
            self._common(
                "user",
                message={"role": "user", "content": text},
                permissionMode="default",
                **fields,
            )
        )

    def user_blocks(self, blocks: list[dict[str, Any]], **fields: Any) -> Transcript:
        return self.write(
            self._common("user", message={"role": "user", "content": blocks}, **fields)
        )

    def interrupt(self, for_tool_use: bool = False) -> Transcript:
        text = "[Request interrupted by user" + (" for tool use]" if for_tool_use else "]")
        return self.user_blocks([{"type": "text", "text": text}])

    def tool_result(
        self, tool_use_id: str, content: str, *, is_error: bool = False, result: Any = None
    ) -> Transcript:
        block = {
            "type": "tool_result",
            "tool_use_id": tool_use_id,
            "content": content,
            "is_error": is_error,
        }
        extra: dict[str, Any] = {"sourceToolAssistantUUID": f"{self.path.stem}-{self.n}"}
        if result is not None:
            extra["toolUseResult"] = result
        return self.user_blocks([block], **extra)

    def rejected_tool(self, tool_use_id: str) -> Transcript:
        self.tool_result(tool_use_id, REJECTED, is_error=True, result="User rejected tool use")
        return self.interrupt(for_tool_use=True)

    def slash_command(self, name: str, args: str = "") -> Transcript:
        return self.prompt(
            f"<command-name>/{name}</command-name>\n            <command-message>{name}"
            f"</command-message>\n            <command-args>{args}</command-args>"
        )

    def caveat(self) -> Transcript:
        return self.prompt(
            "<local-command-caveat>Caveat: The messages below were generated by the user "
            "while running local commands. DO NOT respond to these messages or otherwise "
            "consider them in your response unless the user explicitly asks you to."
            "</local-command-caveat>",
            isMeta=True,
        )

    def skill_body(self) -> Transcript:
        return self.user_blocks(
            [{"type": "text", "text": "Base directory for this skill: /x\n\n# Skill"}], isMeta=True
        )

    def command_stdout(self, text: str) -> Transcript:
        return self.prompt(f"<local-command-stdout>{text}</local-command-stdout>")

    def task_notification(self) -> Transcript:
        return self.prompt(
            "<task-notification>\n<task-id>b7b23b2</task-id>\n<output-file>/tmp/tasks/b7b23b2.output"
            '</output-file>\n<status>completed</status>\n<summary>Background command "Run new tests" '
            "completed (exit code 0)</summary>\n</task-notification>\nRead the output file to retrieve "
            "the result: /tmp/tasks/b7b23b2.output"
        )

    def compact_summary(self) -> Transcript:
        return self.prompt(
            "This session is being continued from a previous conversation that ran out "
            "of context. The summary below covers the earlier portion.\n\nAnalysis: ...",
            isCompactSummary=True,
            isVisibleInTranscriptOnly=True,
        )

    # -- assistant lines -------------------------------------------------------------------

    def reply(
        self,
        blocks: list[dict[str, Any]],
        model: str,
        use: dict[str, Any],
        request: str,
        **fields: Any,
    ) -> Transcript:
        """One API response, written one line per content block, each repeating the usage."""
        for block in blocks:
            message = {
                "id": f"msg_{request}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [block],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": use,
            }
            self.write(
                self._common("assistant", message=message, requestId=f"req_{request}", **fields)
            )
        return self

    def api_error(self, text: str) -> Transcript:
        message = {
            "id": "msg_err",
            "type": "message",
            "role": "assistant",
            "model": "<synthetic>",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "stop_sequence",
            "stop_sequence": "",
            "usage": usage(0, 0),
        }
        return self.write(self._common("assistant", message=message, isApiErrorMessage=True))

    # -- everything else -------------------------------------------------------------------

    def system(self, subtype: str, **fields: Any) -> Transcript:
        return self.write(self._common("system", subtype=subtype, isMeta=False, **fields))

    def turn_duration(self, ms: int) -> Transcript:
        return self.system("turn_duration", durationMs=ms)

    def compact_boundary(self, pre_tokens: int) -> Transcript:
        return self.system(
            "compact_boundary",
            content="Conversation compacted",
            level="info",
            compactMetadata={"trigger": "manual", "preTokens": pre_tokens},
        )

    def stop_hook(self, *, blocked: bool, reason: str = "") -> Transcript:
        return self.system(
            "stop_hook_summary",
            hookCount=1,
            hookInfos=[{"command": "${CLAUDE_PLUGIN_ROOT}/hooks/stop-hook.sh"}],
            hookErrors=[],
            preventedContinuation=blocked,
            stopReason=reason,
            hasOutput=True,
            level="suggestion",
        )

    def progress(self, data: dict[str, Any]) -> Transcript:
        return self.write(
            self._common("progress", data=data, toolUseID="toolu_p", parentToolUseID="toolu_p")
        )

    def queue(self, operation: str, content: str | None = None) -> Transcript:
        self.at += timedelta(seconds=1)
        record: dict[str, Any] = {
            "type": "queue-operation",
            "operation": operation,
            "timestamp": claude_code_timestamp(self.at),
            "sessionId": self.session_id,
        }
        if content is not None:
            record["content"] = content
        return self.write(record)

    def snapshot(self) -> Transcript:
        return self.write(
            {
                "type": "file-history-snapshot",
                "messageId": "m1",
                "isSnapshotUpdate": False,
                "snapshot": {
                    "messageId": "m1",
                    "trackedFileBackups": {},
                    "timestamp": claude_code_timestamp(self.at),
                },
            }
        )

    def titled(self, kind: str, title: str) -> Transcript:
        key = {"custom-title": "customTitle", "ai-title": "aiTitle", "agent-name": "agentName"}[
            kind
        ]
        return self.write({"type": kind, key: title, "sessionId": self.session_id})


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def tool_use(tool_id: str, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}
