"""Claude Code transcript records (STORES.md 4.1): what a session's file says, read incrementally.

Used by the claude-code store and by hermes-bot rows, whose `session_id` names such a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.model import (
    ApiCall,
    CostSource,
    LastMessage,
    MessageKind,
    ModelSpend,
    Usage,
)
from sessiontui.rules.pricing import price_call
from sessiontui.stores.claude_facts import TranscriptFacts
from sessiontui.stores.claude_messages import messages_from_record
from sessiontui.stores.claude_records import (
    UserLine,
    as_str,
    block_text,
    classify_user,
    content_text,
    prompt_title,
    slash_command,
    unwrap_plumbing,
)
from sessiontui.timestamps import parse_timestamp

SYNTHETIC_MODEL = "<synthetic>"
__all__ = ["TranscriptFollower", "TranscriptSummary", "messages_from_record", "usage_of"]
RECENT_CALLS = 60  # API calls kept per session for burn rates and the cost sparkline


@dataclass(slots=True)
class TranscriptSummary:
    """Everything the dashboard shows of one transcript, updated record by record.

    Plain data only (ints, strs, small dicts and bounded lists), so a summary can be cached.
    """

    session_id: str | None = None
    cwd: str | None = None
    custom_title: str | None = None  # the user's /rename: outranks every other name
    ai_title: str | None = None
    summary_title: str | None = None  # older versions' `summary` lines
    first_prompt: str | None = None
    model: str | None = None
    created_at: datetime | None = None
    last_at: datetime | None = None
    messages: int = 0
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    calls: int = 0
    last_message: LastMessage | None = None
    recent_calls: list[ApiCall] = field(default_factory=list)  # the last few, for burn rates
    daily_cost: dict[str, float] = field(default_factory=dict)  # UTC day -> dollars
    models: dict[str, ModelSpend] = field(default_factory=dict)  # model -> its calls and cost
    facts: TranscriptFacts = field(default_factory=TranscriptFacts)
    _seen_requests: set[str] = field(default_factory=set)
    _last_message_id: str | None = None

    @property
    def title(self) -> str | None:
        """Claude Code's own order: the user's rename, the AI title, a summary line."""
        return self.custom_title or self.ai_title or self.summary_title

    def add(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind in _TITLE_KEYS:
            self._add_title(kind, record)
            return
        at = parse_timestamp(record.get("timestamp"))
        if at is not None:  # progress and system lines count as activity too (long tool runs)
            self.created_at = self.created_at or at
            self.last_at = at if self.last_at is None else max(self.last_at, at)
        if kind not in ("user", "assistant"):
            self.facts.add(record, kind, at)
            return
        self.session_id = self.session_id or as_str(record.get("sessionId"))
        self.cwd = self.cwd or as_str(record.get("cwd"))
        self.facts.add_common(record)
        message = record.get("message")
        if not isinstance(message, dict):
            return
        if kind == "user":
            self._add_user(record, message, at)
        else:
            self._add_assistant(record, message, at)

    def _add_title(self, kind: str, record: dict[str, Any]) -> None:
        value = as_str(record.get(_TITLE_KEYS[kind]))
        if not value:
            return
        if kind == "custom-title":
            self.custom_title = value
        elif kind == "ai-title":
            self.ai_title = value
        else:
            self.summary_title = value

    def _add_user(
        self, record: dict[str, Any], message: dict[str, Any], at: datetime | None
    ) -> None:
        content = message.get("content")
        line = classify_user(record, message)
        self.messages += 1
        self.facts.user_line(record, line)
        if line is UserLine.TOOL_RESULT:
            text = " ".join(block_text(b) for b in content or () if isinstance(b, dict))
            self.last_message = LastMessage("tool", MessageKind.TOOL_RESULT, at, _preview(text))
            return
        text = content_text(content)
        if line is UserLine.PROMPT:
            self.turns += 1
            if self.first_prompt is None and text.strip():
                self.first_prompt = prompt_title(text)
            shown = slash_command(text) or text
            self.last_message = LastMessage("user", MessageKind.TEXT, at, _preview(shown))
        elif line is UserLine.INTERRUPT:
            self.last_message = LastMessage(
                "user",
                MessageKind.TEXT,
                at,
                "interrupted by user",
                awaits_reply=False,
                ended_by_user=True,
            )
        elif line is UserLine.SIDECHAIN:
            self.last_message = LastMessage("user", MessageKind.TEXT, at, _preview(text))
        else:  # Claude Code's own lines: nothing waits for an answer
            self.last_message = LastMessage(
                "user", MessageKind.TEXT, at, _preview(unwrap_plumbing(text)), awaits_reply=False
            )

    def _add_assistant(
        self, record: dict[str, Any], message: dict[str, Any], at: datetime | None
    ) -> None:
        model = as_str(message.get("model"))
        message_id = as_str(message.get("id"))
        if message_id is None or message_id != self._last_message_id:
            self.messages += 1
        self._last_message_id = message_id
        if model and model != SYNTHETIC_MODEL:
            self.model = model
            self._count_usage(record, message, model, at)
        if record.get("isApiErrorMessage"):
            text = content_text(message.get("content")) or "API error"
            self.last_message = LastMessage(
                "assistant", MessageKind.TEXT, at, _preview(text), api_error=True
            )
            return
        for block in message.get("content") or ():
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use":
                name = as_str(block.get("name")) or "?"
                self.facts.tool_use(block)
                self.last_message = LastMessage(
                    "assistant",
                    MessageKind.TOOL_CALL,
                    at,
                    _preview(_json(block.get("input"))),
                    name,
                )
            elif block.get("type") == "text" and (as_str(block.get("text")) or "").strip():
                self.last_message = LastMessage(
                    "assistant", MessageKind.TEXT, at, _preview(as_str(block.get("text")) or "")
                )

    def _count_usage(
        self, record: dict[str, Any], message: dict[str, Any], model: str, at: datetime | None
    ) -> None:
        raw = message.get("usage")
        if not isinstance(raw, dict):
            return
        # One line per content block, each repeating the same usage: count each request once.
        request_key = f"{message.get('id')}:{record.get('requestId')}"
        if request_key in self._seen_requests:
            return
        self._seen_requests.add(request_key)
        usage = usage_of(raw)
        recorded = record.get("costUSD")
        cost = (
            float(recorded) if isinstance(recorded, int | float) else price_call(model, usage, at)
        )
        self.calls += 1
        self.usage = self.usage + usage
        spend = ModelSpend(model, 1, usage, cost or 0.0, 0 if cost is not None else 1)
        self.models[model] = self.models[model] + spend if model in self.models else spend
        if cost is None:
            self.unpriced_calls += 1
        else:
            self.cost_usd += cost
            if at is not None:
                day = at.strftime("%Y-%m-%d")
                self.daily_cost[day] = self.daily_cost.get(day, 0.0) + cost
        self.recent_calls.append(ApiCall(at, model, usage, cost))
        del self.recent_calls[:-RECENT_CALLS]

    @property
    def cost_source(self) -> CostSource | None:
        if self.calls == 0:
            return None
        return CostSource.UNKNOWN if self.unpriced_calls else CostSource.COMPUTED

    @property
    def cost(self) -> float | None:
        """The computed cost, or None when any call could not be priced (never a partial $)."""
        return None if self.unpriced_calls or self.calls == 0 else self.cost_usd


def usage_of(raw: dict[str, Any]) -> Usage:
    """An Anthropic `usage` object as Claude Code writes it, with the 1-hour cache-write part
    (`cache_creation.ephemeral_1h_input_tokens`, STORES.md 10.1) where the line has the split."""
    split = raw.get("cache_creation")
    one_hour = _int(split.get("ephemeral_1h_input_tokens")) if isinstance(split, dict) else 0
    cache_write = _int(raw.get("cache_creation_input_tokens"))
    return Usage(
        input_tokens=_int(raw.get("input_tokens")),
        output_tokens=_int(raw.get("output_tokens")),
        cache_read_tokens=_int(raw.get("cache_read_input_tokens")),
        cache_write_tokens=cache_write,
        cache_write_1h_tokens=min(one_hour, cache_write),
    )


_TITLE_KEYS = {"custom-title": "customTitle", "ai-title": "aiTitle", "summary": "summary"}


def line_matters_for_summary(line: bytes) -> bool:
    """The byte-level prefilter in front of TranscriptSummary.add: False only for lines that
    certainly change nothing in a summary, which are then never parsed. Keep it conservative
    and change it together with `add` (a line type `add` starts to read must pass here)."""
    return not line.startswith(b'{"type":"file-history-snapshot"')  # no top-level timestamp


class TranscriptFollower:
    """A transcript file followed by offset, summarised as it grows, one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = JsonlTail(path)
        self.summary = TranscriptSummary()
        self._restored = False  # taken from the transcript cache: the first poll reports it
        self.read_anything = False  # whether the last poll read the file (not only restored)

    def poll(self, budget: int | None = None) -> bool:
        """Read what was appended (at most about `budget` bytes); True when the summary may have
        changed. FileNotFoundError if the file is gone."""
        restored, self._restored = self._restored, False
        self.read_anything = False
        reset = self.tail.start()
        if reset is None:
            return restored
        self.read_anything = True
        if reset:
            self.summary = TranscriptSummary()
        add = self.summary.add
        for record in self.tail.records(line_matters_for_summary, budget):
            add(record)
        return True

    @property
    def counting(self) -> bool:
        """True while the file has not been read to its end (a budgeted first read)."""
        return not self.tail.at_end

    def restore(self, tail_state: dict[str, Any], summary: TranscriptSummary) -> None:
        self.tail.restore(tail_state)
        self.summary = summary
        self._restored = True


def _preview(text: str) -> str:
    return text.strip()[:300]


def _json(value: Any) -> str:
    return (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
