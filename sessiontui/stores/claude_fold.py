"""The fast fold: Claude Code transcript lines into a TranscriptSummary, with exactly the
summary that parsing every line and calling `TranscriptSummary.add` gives (the reference path).

Where the time went in the reference path (benchmarks/results/claude_fold.txt): building a dict
of every field of every line, then a dozen objects per API call. Here a line is decoded by
msgspec into the few top-level fields a summary reads; `message.content` and `toolUseResult`
are kept as raw bytes, looked into only when a byte test says they may matter, and decoded in
full only for the line that ends a read (its last message). Tokens and dollars are folded into
running counts; the per-call objects (the recent calls, the per-model spend) are made once per
read. Floats are added in the same order as the reference, so every dollar figure is the same
to the last bit, not merely close.

Any line this path does not handle itself (titles, system and progress lines, anything odd: bad
UTF-8, an integer outside 64 bits, an id that is no string) goes through the reference path, in
its place in the file. tests/test_claude_fold.py proves the equality over generated lines.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import msgspec
import orjson

from sessiontui.live.jsonl_tail import parse_line
from sessiontui.model import ApiCall, LastMessage, ModelSpend, Usage
from sessiontui.rules.pricing import ModelRates, model_rates, price_call
from sessiontui.stores.claude_records import UserLine, classify_user, content_text
from sessiontui.stores.claude_transcript import (
    RECENT_CALLS,
    SYNTHETIC_MODEL,
    TranscriptSummary,
    api_error_last,
    assistant_last,
    content_blocks,
    line_matters_for_summary,
    tool_result_last,
)
from sessiontui.timestamps import parse_timestamp

_ABSENT = msgspec.Raw(b"")
_INT_MIN, _INT_MAX = -(2**63), 2**64  # orjson reads integers outside this range as floats
_TIMES_KEPT = 4096
_from_iso = datetime.fromisoformat
# A JSON value whose integers fit in 64 bits (a wider one fails to decode: the reference path
# then reads the line, as orjson or stdlib json would).
_Value = (
    Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
    | float
    | str
    | bool
    | None
    | list[Any]
    | dict[str, Any]
)


class _Split(msgspec.Struct, gc=False):
    ephemeral_1h_input_tokens: _Value = None


class _Usage(msgspec.Struct, gc=False):
    """`message.usage`: the counts `usage_tokens` reads; anything else in it is skipped."""

    input_tokens: _Value = None
    output_tokens: _Value = None
    cache_read_input_tokens: _Value = None
    cache_creation_input_tokens: _Value = None
    cache_creation: _Split | list[Any] | str | float | bool | None = None


class _Message(msgspec.Struct, gc=False):
    id: Any = None
    model: Any = None
    usage: _Usage | list[Any] | str | float | bool | None = None
    content: msgspec.Raw = _ABSENT


class _Line(msgspec.Struct, gc=False):
    """The top-level fields a summary reads of a user or assistant line."""

    type: Any = None
    timestamp: Any = None
    sessionId: Any = None
    cwd: Any = None
    version: Any = None
    gitBranch: Any = None
    permissionMode: Any = None
    slug: Any = None
    agentId: Any = None
    isSidechain: Any = None
    isApiErrorMessage: Any = None
    isMeta: Any = None
    isCompactSummary: Any = None
    isVisibleInTranscriptOnly: Any = None
    requestId: Any = None
    costUSD: _Value = None
    message: _Message | None = None  # any other value: the line goes the reference way
    toolUseResult: msgspec.Raw = _ABSENT


class _BlockType(msgspec.Struct, gc=False):
    type: Any = None


_decode_line = msgspec.json.Decoder(_Line).decode
_decode_block_types = msgspec.json.Decoder(list[_BlockType]).decode
_FAILED = (msgspec.MsgspecError, RecursionError)


class _Fallback(Exception):
    """This line goes through the reference path (raised before anything was changed)."""


def _value(raw: bytes) -> Any:
    """A raw JSON value as the reference path would have read it (None when absent)."""
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # a lone surrogate escape: stdlib json reads it
        return json.loads(raw)


_KEY_TYPES = (str, type(None))
_NUMBERS = (int, float)


def _wide(value: Any) -> bool:
    """An integer orjson would have read as a float."""
    return type(value) is int and not _INT_MIN <= value < _INT_MAX


class _ModelTotals:
    """One model's running spend within a summary, made into a ModelSpend once per read."""

    __slots__ = ("calls", "cost", "tokens", "unpriced")

    def __init__(self, spend: ModelSpend | None) -> None:
        if spend is None:
            self.calls, self.cost, self.unpriced = 0, 0.0, 0
            self.tokens = [0, 0, 0, 0, 0]
        else:
            self.calls, self.cost, self.unpriced = spend.calls, spend.cost_usd, spend.unpriced_calls
            u = spend.usage
            self.tokens = [
                u.input_tokens,
                u.output_tokens,
                u.cache_read_tokens,
                u.cache_write_tokens,
                u.cache_write_1h_tokens,
            ]

    def spend(self, model: str) -> ModelSpend:
        return ModelSpend(model, self.calls, Usage(*self.tokens), self.cost, self.unpriced)


class TranscriptFold:
    """Folds lines into one summary; `finish()` when a read ends (the summary is then whole)."""

    def __init__(self, summary: TranscriptSummary, *, priced: bool = True) -> None:
        """`priced=False`: calls are counted but not priced (the head of a file counted in
        full elsewhere: genai-prices is then never imported for it)."""
        self.summary = summary
        self.priced = priced
        self.corrupt = 0  # lines the reference path would count as corrupt
        self._times: dict[str, tuple[datetime | None, str | None]] = {}
        self._days: dict[date, str] = {}
        self._rates_model: str | None = None  # the model and day of the last priced call
        self._rates_day: str | None = None
        self._last_rates = ModelRates((), ())
        self._models: dict[str, _ModelTotals] = {}
        self._tokens = [0, 0, 0, 0, 0]
        self._calls: list[tuple[datetime | None, str, tuple[int, ...], float | None]] = []
        # Lines that may set the last message, not looked into yet: a tool result (always sets
        # it) and the assistant lines after it (each sets it only if it has text or a tool call).
        self._base: tuple[bytes, datetime | None] | None = None
        self._pending: list[tuple[bytes, datetime | None]] = []

    # -- lines ------------------------------------------------------------------------------

    def lines(self, lines: list[bytes]) -> None:
        """Fold complete lines (each at most LONG_LINE bytes), in file order."""
        matters, decode = line_matters_for_summary, _decode_line
        assistant, user = self._assistant, self._user
        for line in lines:
            if not matters(line):
                continue
            try:
                head = decode(line)
                if not line.isascii():
                    line.decode()  # bad UTF-8: the reference path counts the line corrupt
                kind = head.type
                if kind == "assistant":
                    assistant(head)
                elif kind == "user":
                    user(head)
                else:
                    raise _Fallback
            except (_Fallback, UnicodeDecodeError, *_FAILED):
                self._reference(line)

    def _reference(self, line: bytes) -> None:
        self.finish()
        record = parse_line(line)
        if record is None:
            self.corrupt += bool(line.strip())
        else:
            self.summary.add(record)

    def _time(self, value: Any) -> tuple[datetime | None, str | None]:
        """A line's time and its UTC day (`%Y-%m-%d`), remembered by the text they come from."""
        if type(value) is not str:
            if _wide(value):
                raise _Fallback
            at = parse_timestamp(value)
            return at, None if at is None else self._day(at)
        known = self._times.get(value)
        if known is not None:
            return known
        try:  # parse_timestamp's first step, for Claude Code's own form (`...Z`)
            at = _from_iso(value) if value[-1:] == "Z" else parse_timestamp(value)
        except ValueError:
            at = parse_timestamp(value)
        known = (at, None if at is None else self._day(at))
        if len(self._times) >= _TIMES_KEPT:
            self._times.clear()
        self._times[value] = known
        return known

    def _day(self, at: datetime) -> str:
        on = at.date()
        day = self._days.get(on)
        if day is None:
            day = self._days[on] = at.strftime("%Y-%m-%d")
        return day

    def _common(self, head: _Line, at: datetime | None) -> None:
        """What `add` does for every user and assistant line before it looks at the message."""
        s = self.summary
        if at is not None:
            if s.created_at is None:
                s.created_at = at
            if s.last_at is None or at > s.last_at:
                s.last_at = at
        if not s.session_id:
            s.session_id = head.sessionId if type(head.sessionId) is str else None
        if not s.cwd:
            s.cwd = head.cwd if type(head.cwd) is str else None
        facts = s.facts
        value = head.version
        if value and type(value) is str:
            facts.version = value
        value = head.gitBranch
        if value and type(value) is str:
            facts.git_branch = value
        value = head.permissionMode
        if value and type(value) is str:
            facts.permission_mode = value
        value = head.slug
        if value and type(value) is str:
            facts.slug = value
        if head.isSidechain and type(head.agentId) is str and not facts.agent_id:
            facts.agent_id = head.agentId
        if head.isApiErrorMessage:
            facts.api_errors += 1
        facts.progress = None

    # -- assistant lines ----------------------------------------------------------------------

    def _assistant(self, head: _Line) -> None:
        at, day = self._time(head.timestamp)
        message = head.message
        if message is None:
            self._common(head, at)
            return
        key = None
        blocks = None
        model = message.model if type(message.model) is str else None
        counted = model and model != SYNTHETIC_MODEL
        if counted and type(message.usage) is _Usage:
            key = self._request_key(head, message.id)
        content = bytes(message.content)
        if (b'"subagent_type"' in content or b"\\u" in content) and not head.isApiErrorMessage:
            blocks = _value(content)  # a Task call: its subagent type is remembered
        # nothing below falls back: the line is this path's from here on
        self._common(head, at)
        s = self.summary
        message_id = message.id if type(message.id) is str else None
        if message_id is None or message_id != s._last_message_id:
            s.messages += 1
        s._last_message_id = message_id
        if counted:
            s.model = model
            if key is not None:
                self._count(model, at, day, key, head)  # type: ignore[arg-type]
        if head.isApiErrorMessage:
            self._base, self._pending = None, []
            s.last_message = api_error_last(_value(content), at)
        elif blocks is not None:
            for block in content_blocks(blocks):
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    s.facts.tool_use(block)
            last = assistant_last(blocks, at)
            if last is not None:
                self._base, self._pending = None, []
                s.last_message = last
        elif content:
            self._pending.append((content, at))

    def _request_key(self, head: _Line, message_id: Any) -> str | None:
        """The key a usage-bearing line is counted under; None when it was counted already."""
        request_id = head.requestId
        if not (type(message_id) in _KEY_TYPES and type(request_id) in _KEY_TYPES):
            raise _Fallback  # formatted into the request key: leave odd values to the reference
        key = f"{message_id}:{request_id}"
        return None if key in self.summary._seen_requests else key

    def _count(
        self, model: str, at: datetime | None, day: str | None, key: str, head: _Line
    ) -> None:
        s = self.summary
        s._seen_requests.add(key)
        usage: _Usage = head.message.usage  # type: ignore[union-attr,assignment]
        # usage_tokens(), over the decoded struct
        split = usage.cache_creation
        value = split.ephemeral_1h_input_tokens if type(split) is _Split else 0
        one_hour = value if type(value) is int else 0
        value = usage.cache_creation_input_tokens
        w = value if type(value) is int else 0
        h = min(one_hour, w)
        value = usage.input_tokens
        i = value if type(value) is int else 0
        value = usage.output_tokens
        o = value if type(value) is int else 0
        value = usage.cache_read_input_tokens
        r = value if type(value) is int else 0
        recorded = head.costUSD
        if isinstance(recorded, _NUMBERS):
            cost: float | None = float(recorded)
        elif model == self._rates_model and day == self._rates_day and day is not None:
            cost = self._last_rates.tier(i + r + w).price_tokens(i, o, r, w, h)
        elif self.priced:
            cost = self._price(model, (i, o, r, w, h), at, day)
        else:
            cost = None
        s.calls += 1
        totals = self._tokens
        totals[0] += i
        totals[1] += o
        totals[2] += r
        totals[3] += w
        totals[4] += h
        spend = self._models.get(model)
        if spend is None:
            spend = self._models[model] = _ModelTotals(s.models.get(model))
        spend.calls += 1
        totals = spend.tokens
        totals[0] += i
        totals[1] += o
        totals[2] += r
        totals[3] += w
        totals[4] += h
        spend.cost += cost or 0.0
        if cost is None:
            spend.unpriced += 1
            s.unpriced_calls += 1
        else:
            s.cost_usd += cost
            if day is not None:
                s.daily_cost[day] = s.daily_cost.get(day, 0.0) + cost
        self._calls.append((at, model, (i, o, r, w, h), cost))
        if len(self._calls) > 4 * RECENT_CALLS:
            del self._calls[:-RECENT_CALLS]

    def _price(
        self,
        model: str,
        tokens: tuple[int, int, int, int, int],
        at: datetime | None,
        day: str | None,
    ) -> float | None:
        """price_call(), with the model's rates on that day remembered for the next call."""
        on = (at or datetime.now(UTC)).date()
        rates = model_rates(model, on)
        if not isinstance(rates, ModelRates):
            return price_call(model, Usage(*tokens), at)
        if day is not None:
            self._rates_model, self._rates_day, self._last_rates = model, day, rates
        return rates.tier(tokens[0] + tokens[2] + tokens[3]).price_tokens(*tokens)

    # -- user lines ---------------------------------------------------------------------------

    def _user(self, head: _Line) -> None:
        at, _ = self._time(head.timestamp)
        if head.message is None:
            self._common(head, at)
            return
        content_raw = bytes(head.message.content)
        if _has_tool_result(content_raw):
            result = bytes(head.toolUseResult)
            agent = result[:1] == b"{" and (b'"agentId"' in result or b"\\u" in result)
            record = {"toolUseResult": _value(result)} if agent else None
            content = _value(content_raw) if agent else None
            self._common(head, at)
            s = self.summary
            s.messages += 1
            if record is not None:  # a subagent's result: which type of agent it was
                s.facts.user_line({**record, "message": {"content": content}}, UserLine.TOOL_RESULT)
            self._base, self._pending = (content_raw, at), []
            return
        content = _value(content_raw)
        record = {
            "isCompactSummary": head.isCompactSummary,
            "isVisibleInTranscriptOnly": head.isVisibleInTranscriptOnly,
            "isMeta": head.isMeta,
            "isSidechain": head.isSidechain,
        }
        line = classify_user(record, {"content": content})
        self._common(head, at)
        s = self.summary
        s.messages += 1
        if line is UserLine.PROMPT:
            s.facts.stop_hook_blocks = 0
        self._base, self._pending = None, []
        s.add_user_text(line, content_text(content), at)

    # -- the end of a read ----------------------------------------------------------------------

    def finish(self) -> None:
        """Bring the summary up to date: its totals, recent calls and last message."""
        s = self.summary
        if any(self._tokens):
            s.usage = s.usage + Usage(*self._tokens)
            self._tokens = [0, 0, 0, 0, 0]
        for model, totals in self._models.items():
            s.models[model] = totals.spend(model)
        self._models.clear()
        if self._calls:
            calls = [
                ApiCall(at, model, Usage(*tokens), cost)
                for at, model, tokens, cost in self._calls[-RECENT_CALLS:]
            ]
            s.recent_calls.extend(calls)
            del s.recent_calls[:-RECENT_CALLS]
            self._calls.clear()
        last = self._last_message()
        if last is not None:
            s.last_message = last
        self._base, self._pending = None, []

    def _last_message(self) -> LastMessage | None:
        for content, at in reversed(self._pending):
            last = assistant_last(_value(content), at)
            if last is not None:
                return last
        if self._base is not None:
            content, at = self._base
            return tool_result_last(_value(content), at)
        return None


def _has_tool_result(content: bytes) -> bool:
    """Whether list content holds a `tool_result` block (classify_user's first test)."""
    if content[:1] != b"[" or (b'"tool_result"' not in content and b"\\u" not in content):
        return False
    try:
        types = _decode_block_types(content)
    except msgspec.ValidationError:  # a block that is no object
        value = _value(content)
        return any(isinstance(b, dict) and b.get("type") == "tool_result" for b in value)
    return any(b.type == "tool_result" for b in types)


def fold_reference(summary: TranscriptSummary, lines: list[bytes]) -> int:
    """The reference path over the same lines: parse each, `add` it. The corrupt lines."""
    corrupt = 0
    for line in lines:
        if not line_matters_for_summary(line):
            continue
        record = parse_line(line)
        if record is None:
            corrupt += bool(line.strip())
        else:
            summary.add(record)
    return corrupt
