"""Claude Code transcript records (STORES.md 4.1): what a session's file says, read incrementally.

Used by the claude-code store and by hermes-bot rows, whose `session_id` names such a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
__all__ = ["TranscriptSummary", "messages_from_record", "usage_of"]
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
            self.last_message = tool_result_last(content, at)
            return
        self.add_user_text(line, content_text(content), at)

    def add_user_text(self, line: UserLine, text: str, at: datetime | None) -> None:
        """A user line that is no tool result, once classified."""
        self.count_user_text(line, text)
        self.last_message = user_text_last(line, text, at)

    def count_user_text(self, line: UserLine, text: str) -> None:
        """`add_user_text` but the last message (the fast fold makes that once per read)."""
        if line is UserLine.PROMPT:
            self.turns += 1
            if self.first_prompt is None and text.strip():
                self.first_prompt = prompt_title(text)

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
        content = message.get("content")
        if record.get("isApiErrorMessage"):
            self.last_message = api_error_last(content, at)
            return
        for block in content_blocks(content):
            if isinstance(block, dict) and block.get("type") == "tool_use":
                self.facts.tool_use(block)
        last = assistant_last(content, at)
        if last is not None:
            self.last_message = last

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
    return Usage(*usage_tokens(raw))


def usage_tokens(raw: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """`usage_of` as plain counts: input, output, cache read, cache write, 1-hour write."""
    split = raw.get("cache_creation")
    one_hour = _int(split.get("ephemeral_1h_input_tokens")) if isinstance(split, dict) else 0
    cache_write = _int(raw.get("cache_creation_input_tokens"))
    return (
        _int(raw.get("input_tokens")),
        _int(raw.get("output_tokens")),
        _int(raw.get("cache_read_input_tokens")),
        cache_write,
        min(one_hour, cache_write),
    )


def tool_result_last(content: Any, at: datetime | None) -> LastMessage:
    text = " ".join(block_text(b) for b in content_blocks(content) if isinstance(b, dict))
    return LastMessage("tool", MessageKind.TOOL_RESULT, at, _preview(text))


def user_text_last(line: UserLine, text: str, at: datetime | None) -> LastMessage:
    """The last message a user line of this kind and text makes (no tool result)."""
    if line is UserLine.PROMPT:
        shown = slash_command(text) or text
        return LastMessage("user", MessageKind.TEXT, at, _preview(shown))
    if line is UserLine.INTERRUPT:
        return LastMessage(
            "user",
            MessageKind.TEXT,
            at,
            "interrupted by user",
            awaits_reply=False,
            ended_by_user=True,
        )
    if line is UserLine.SIDECHAIN:
        return LastMessage("user", MessageKind.TEXT, at, _preview(text))
    # Claude Code's own lines: nothing waits for an answer
    return LastMessage(
        "user", MessageKind.TEXT, at, _preview(unwrap_plumbing(text)), awaits_reply=False
    )


def api_error_last(content: Any, at: datetime | None) -> LastMessage:
    text = content_text(content) or "API error"
    return LastMessage("assistant", MessageKind.TEXT, at, _preview(text), api_error=True)


def assistant_last(content: Any, at: datetime | None) -> LastMessage | None:
    """The last message an assistant line's blocks make: its last tool call or non-blank text;
    None when it has neither (thinking only)."""
    last = None
    for block in content_blocks(content):
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_use":
            name = as_str(block.get("name")) or "?"
            last = LastMessage(
                "assistant", MessageKind.TOOL_CALL, at, _preview(_json(block.get("input"))), name
            )
        elif block.get("type") == "text" and (as_str(block.get("text")) or "").strip():
            text = as_str(block.get("text")) or ""
            last = LastMessage("assistant", MessageKind.TEXT, at, _preview(text))
    return last


_TITLE_KEYS = {"custom-title": "customTitle", "ai-title": "aiTitle", "summary": "summary"}


# The start of the lines that certainly change nothing in a summary (no top-level timestamp):
# never parsed. Keep it conservative and change it together with `add` (a line type `add`
# starts to read must not start so).
UNSUMMARISED_START = b'{"type":"file-history-snapshot"'


def line_matters_for_summary(line: bytes) -> bool:
    """The byte-level prefilter in front of TranscriptSummary.add: False only for lines that
    certainly change nothing in a summary, which are then never parsed."""
    return not line.startswith(UNSUMMARISED_START)


def content_blocks(content: Any) -> Any:
    """A message's content blocks: a list as it is, nothing for any other value (a number
    there once stopped the whole read with a TypeError)."""
    return content if isinstance(content, list) else ()


def _preview(text: str) -> str:
    return text.strip()[:300]


def _json(value: Any) -> str:
    return (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
