"""The fast fold: Claude Code transcript lines into a TranscriptSummary, with exactly the
summary that parsing every line and calling `TranscriptSummary.add` gives (the reference path).

Where the time goes (benchmarks/results/fold13_claude_fold.txt): msgspec's typed decode of a
line is about 1 us; everything else is per-line Python, so a line costs as few operations as
this path can give it. msgspec reads only the fields a summary needs: the content blocks' types
(and whether a tool call's input names a subagent type), never their text. The hot fields of
the summary (times, names, message count) live in local variables while a run of lines is
folded; tokens and dollars go into running counts, priced by the rates of each (model, day)
resolved once. A request Claude Code wrote as several lines (one per content block, the same
usage on each) is counted at its first line; the lines after it only compare two ids. The
last message is made once per read, at its end, from the lines that may set it (kept as
references to their bytes, read again by the reference parser). Floats are added in the same
order as the reference, so every dollar figure is the same to the last bit, not merely close.

Any line this path does not handle itself (titles, system and progress lines, anything odd: bad
UTF-8, an integer outside 64 bits, an id that is no string, a content block that is no object)
goes through the reference path, in its place in the file. tests/test_claude_fold.py proves the
equality over generated lines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice
from typing import Annotated, Any

import msgspec

from sessiontui.live.jsonl_tail import parse_line
from sessiontui.model import ApiCall, LastMessage, ModelSpend, Usage
from sessiontui.rules.pricing import ModelRates, model_rates, price_call
from sessiontui.stores.claude_records import UserLine, classify_user, content_text
from sessiontui.stores.claude_transcript import (
    RECENT_CALLS,
    SYNTHETIC_MODEL,
    UNSUMMARISED_START,
    TranscriptSummary,
    api_error_last,
    assistant_last,
    content_blocks,
    line_matters_for_summary,
    tool_result_last,
    user_text_last,
)
from sessiontui.timestamps import parse_timestamp

_INT_MIN, _INT_MAX = -(2**63), 2**64  # orjson reads integers outside this range as floats
_PENDING_KEPT = 256  # lines that may set the last message, kept before they are looked into
_PENDING_LINE_BYTES = 64 << 10  # a line longer than this is looked into at once (not kept)
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


_Count = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]  # orjson reads it as an int


class _Split(msgspec.Struct, gc=False):
    ephemeral_1h_input_tokens: _Count = 0


# The fields of each struct are in the order Claude Code writes the keys: msgspec looks a key
# up from the field after the last one found, so keys in order are found at the first try
# (7 % of the decode's instructions on the benchmark tree, by cachegrind).


class _Usage(msgspec.Struct, gc=False):
    """`message.usage`: the counts `usage_tokens` reads, anything else in it skipped. Each is
    an integer orjson reads as one, or absent: any other value sends the line the reference
    way."""

    input_tokens: _Count = 0
    cache_creation_input_tokens: _Count = 0
    cache_read_input_tokens: _Count = 0
    cache_creation: _Split | None = None
    output_tokens: _Count = 0


class _Input(msgspec.Struct, gc=False):
    subagent_type: Any = None


class _Block(msgspec.Struct, gc=False):
    """A content block's type, and the subagent type a Task call's input names; a block or an
    input that is no object sends the line the reference way."""

    type: Any = None
    input: _Input | None = None


# Text fields the fold reads as text or nothing: any other value fails the decode, and the
# line goes the reference way (which reads such a value as nothing, or formats it into a
# request key), so the hot loop checks no types.
_Text = str | None


class _Message(msgspec.Struct, gc=False):
    id: _Text = None
    model: _Text = None
    content: str | list[_Block] | None = None  # any other value: the line goes the reference way
    usage: _Usage | list[Any] | str | float | bool | None = None


class _Result(msgspec.Struct, gc=False):
    """A user line's `toolUseResult`: which subagent it came from, if any."""

    agentId: Any = None


class _Line(msgspec.Struct, gc=False):
    """The top-level fields a summary reads of a user or assistant line."""

    isSidechain: Any = None
    cwd: _Text = None
    sessionId: _Text = None
    version: _Text = None
    gitBranch: _Text = None
    agentId: Any = None
    slug: _Text = None
    type: Any = None
    message: _Message | None = None  # any other value: the line goes the reference way
    requestId: _Text = None
    isApiErrorMessage: Any = None
    isMeta: Any = None
    isCompactSummary: Any = None
    isVisibleInTranscriptOnly: Any = None
    timestamp: Any = None
    permissionMode: _Text = None
    toolUseResult: _Result | list[Any] | str | float | bool | None = None
    costUSD: _Value = None


_decode_line = msgspec.json.Decoder(_Line).decode
_FAILED = (msgspec.MsgspecError, RecursionError, UnicodeDecodeError)
_NUMBERS = (int, float)
_UNSEEN = object()  # no id: differs from every decoded value
# What the last message rests on when no later assistant line sets it (see `_last_message`).
_ON_TOOL_RESULT, _ON_API_ERROR, _ON_USER_TEXT, _ON_MADE = 0, 1, 2, 3
# What a line turned out to be, between the checks (which may still send it the reference way)
# and the folding (which no longer may).
_BARE, _ASSISTANT, _TOOL_LINE, _USER_TEXT = 0, 1, 2, 3


class _Fallback(Exception):
    """This line goes through the reference path (raised before anything was changed)."""


def _wide(value: Any) -> bool:
    """An integer orjson would have read as a float."""
    return type(value) is int and not _INT_MIN <= value < _INT_MAX


def _content(line: bytes) -> Any:
    """A line's `message.content` as the reference path reads it."""
    return _record_content(parse_line(line))


def _record_content(record: dict[str, Any] | None) -> Any:
    message = record.get("message") if record is not None else None
    return message.get("content") if isinstance(message, dict) else None


class _ModelTotals:
    """One model's calls in this read, added to its spend (and the summary's totals) once per
    read. Its dollars run on from the spend's own, call by call, as `add` adds them."""

    __slots__ = ("calls", "cost", "tokens", "unpriced")

    def __init__(self, spend: ModelSpend | None) -> None:
        self.calls, self.unpriced = 0, 0
        self.cost = 0.0 if spend is None else spend.cost_usd
        self.tokens = [0, 0, 0, 0, 0]

    def add_to(self, summary: TranscriptSummary, model: str) -> None:
        usage = Usage(*self.tokens)
        summary.calls += self.calls
        summary.unpriced_calls += self.unpriced
        summary.usage = summary.usage + usage
        spend = ModelSpend(model, self.calls, usage, self.cost, self.unpriced)
        before = summary.models.get(model)
        if before is not None:
            spend = ModelSpend(
                model,
                before.calls + self.calls,
                before.usage + usage,
                self.cost,
                before.unpriced_calls + self.unpriced,
            )
        summary.models[model] = spend


_Hot = tuple[str | None, ModelRates | None, _ModelTotals]  # see TranscriptFold._hot


class TranscriptFold:
    """Folds lines into one summary; `finish()` when a read ends (the summary is then whole)."""

    def __init__(self, summary: TranscriptSummary, *, priced: bool = True) -> None:
        """`priced=False`: calls are counted but not priced (the head of a file counted in
        full elsewhere: genai-prices is then never imported for it)."""
        self.summary = summary
        self.priced = priced
        self.corrupt = 0  # lines the reference path would count as corrupt
        self._models: dict[str, _ModelTotals] = {}
        # (model, day) -> what a call then needs: the day as `add` writes it, the model's rates
        # that day (None: each call asks `_price`) and its totals; one look-up per call.
        self._hot: dict[tuple[str, date | None], _Hot] = {}
        self._calls: list[tuple[datetime | None, str, tuple[int, ...], float | None]] = []
        # What may set the last message, not looked into yet: the assistant lines with content
        # blocks since the last user line (each sets it only if it has text or a tool call),
        # and before them what they would fall back on (a tool result, an API error, or a
        # message already made).
        self._base: tuple[int, Any, datetime | None] | None = None
        self._pending: list[tuple[bytes, datetime | None]] = []

    # -- lines ------------------------------------------------------------------------------

    def lines(self, lines: list[bytes]) -> None:
        """Fold complete lines (each at most LONG_LINE bytes), in file order."""
        start, end = 0, len(lines)
        while start < end:
            stop = self._fold_run(lines, start)
            if stop < end:
                self._reference(lines[stop])
            start = stop + 1

    def _reference(self, line: bytes) -> None:
        self.finish()
        record = parse_line(line)
        if record is None:
            self.corrupt += bool(line.strip())
        else:
            self.summary.add(record)

    def _fold_run(self, lines: list[bytes], start: int) -> int:
        """Fold lines from `start` on until one that goes the reference way: its index (the
        number of lines when there is none). Each line is first checked, then folded: a line
        that fails a check has changed nothing."""
        s, pending = self.summary, self._pending
        facts, seen = s.facts, s._seen_requests
        decode, from_iso = _decode_line, _from_iso
        created, last_at, session_id, cwd = s.created_at, s.last_at, s.session_id, s.cwd
        version, branch, mode, slug = (
            facts.version,
            facts.git_branch,
            facts.permission_mode,
            facts.slug,
        )
        messages, last_message_id, model_seen = s.messages, s._last_message_id, s.model
        seen_ids: tuple[Any, Any] = (_UNSEEN, _UNSEEN)  # the last request known counted
        at: datetime | None = None
        last_time: Any = _UNSEEN  # the timestamp text of the last line folded
        stop = len(lines)
        folded = False
        for index, line in enumerate(islice(lines, start, None), start):
            if line.startswith(UNSUMMARISED_START):
                continue
            try:
                head = decode(line)
                if not line.isascii():
                    line.decode()  # bad UTF-8: the reference path counts the line corrupt
                stamp = head.timestamp
                fresh = stamp != last_time or type(stamp) is not str
                if fresh:
                    if type(stamp) is str and stamp[-1:] == "Z":  # Claude Code's own form
                        try:
                            at = from_iso(stamp)
                        except ValueError:
                            at = self._time(stamp)
                    else:
                        at = self._time(stamp)
                kind = head.type
                message = head.message
                what = _BARE
                if message is None:
                    if kind != "assistant" and kind != "user":
                        raise _Fallback
                elif kind == "assistant":
                    what = _ASSISTANT
                    model = message.model
                    counted = model and model != SYNTHETIC_MODEL
                    usage = message.usage if counted else None
                    key = None
                    if type(usage) is not _Usage:
                        usage = None
                    else:
                        ids = (message.id, head.requestId)
                        if ids != seen_ids:
                            key = f"{ids[0]}:{ids[1]}"
                            if key in seen:
                                key = None
                    content = message.content
                    record = None
                    if type(content) is list and not head.isApiErrorMessage:
                        for block in content:
                            task = block.input
                            if (
                                task is not None
                                and type(task.subagent_type) is str
                                and block.type == "tool_use"
                            ):  # a Task call: its subagent type is remembered
                                record = parse_line(line)
                                if record is None:
                                    raise _Fallback
                                break
                elif kind == "user":
                    content = message.content
                    what = _USER_TEXT
                    if type(content) is list:
                        for block in content:
                            if block.type == "tool_result":
                                what = _TOOL_LINE
                                break
                    if what == _TOOL_LINE:
                        result = head.toolUseResult
                        record = None
                        if type(result) is _Result and type(result.agentId) is str:
                            record = parse_line(line)  # a subagent's result: of which type
                            if record is None:
                                raise _Fallback
                    else:
                        user_line, text = self._user_text(head, content, line)
                else:
                    raise _Fallback
            except (_Fallback, *_FAILED):
                stop = index
                break
            # -- the line is this path's from here on: what `add` does for every message line
            folded = True
            if fresh:
                last_time = stamp if type(stamp) is str else _UNSEEN
                if at is not None:
                    if created is None:
                        created = at
                    if last_at is None or at > last_at:
                        last_at = at
            if not session_id:
                session_id = head.sessionId
            if not cwd:
                cwd = head.cwd
            value = head.version
            if value:
                version = value
            value = head.gitBranch
            if value:
                branch = value
            value = head.permissionMode
            if value:
                mode = value
            value = head.slug
            if value:
                slug = value
            if head.isSidechain and type(head.agentId) is str and not facts.agent_id:
                facts.agent_id = head.agentId
            if head.isApiErrorMessage:
                facts.api_errors += 1
            if what == _BARE:
                continue
            if what != _ASSISTANT:
                messages += 1
                pending.clear()
                if what == _TOOL_LINE:
                    if record is not None:
                        facts.user_line(record, UserLine.TOOL_RESULT)
                    self._base = (_ON_TOOL_RESULT, line, at)
                else:
                    if user_line is UserLine.PROMPT:
                        facts.stop_hook_blocks = 0
                    s.count_user_text(user_line, text)
                    self._base = (_ON_USER_TEXT, (user_line, text), at)
                continue
            message_id = message.id  # type: ignore[union-attr]
            if message_id is None or message_id != last_message_id:
                messages += 1
            last_message_id = message_id
            if counted:
                model_seen = model
                if usage is not None:
                    seen_ids = ids
                    if key is not None:
                        seen.add(key)
                        self._count(model, at, usage, head.costUSD)  # type: ignore[arg-type]
            if head.isApiErrorMessage:
                pending.clear()
                self._base = (_ON_API_ERROR, line, at)
            else:
                if record is not None:  # a Task call: its subagent type, as `add` reads it
                    for block in content_blocks(_record_content(record)):
                        if isinstance(block, dict) and block.get("type") == "tool_use":
                            facts.tool_use(block)
                if content and type(content) is list:
                    pending.append((line, at))
                    if len(pending) > _PENDING_KEPT or len(line) > _PENDING_LINE_BYTES:
                        self._settle()
        s.created_at, s.last_at, s.session_id, s.cwd = created, last_at, session_id, cwd
        facts.version, facts.git_branch, facts.permission_mode, facts.slug = (
            version,
            branch,
            mode,
            slug,
        )
        s.messages, s._last_message_id, s.model = messages, last_message_id, model_seen
        if folded:
            facts.progress = None  # a message arrived: whatever was in progress has moved on
        return stop

    def _user_text(self, head: _Line, content: Any, line: bytes) -> tuple[UserLine, str]:
        """What a user line that is no tool result is, and its text."""
        if type(content) is list:  # text blocks, or anything but a tool result: as parsed
            content = _content(line)
        record = {
            "isCompactSummary": head.isCompactSummary,
            "isVisibleInTranscriptOnly": head.isVisibleInTranscriptOnly,
            "isMeta": head.isMeta,
            "isSidechain": head.isSidechain,
        }
        return classify_user(record, {"content": content}), content_text(content)

    @staticmethod
    def _time(value: Any) -> datetime | None:
        """A line's time, as `add` reads it (the fold reads Claude Code's own form itself)."""
        if _wide(value):
            raise _Fallback
        return parse_timestamp(value)

    # -- calls --------------------------------------------------------------------------------

    def _count(self, model: str, at: datetime | None, usage: _Usage, recorded: Any) -> None:
        """One API call, its request seen for the first time: tokens, dollars, recent calls."""
        on = None if at is None else at.date()
        hot = self._hot.get((model, on))
        if hot is None:
            hot = self._hot[(model, on)] = self._new_hot(model, at, on)
        day, rates, spend = hot
        # usage_tokens(), over the decoded struct
        split = usage.cache_creation
        one_hour = 0 if split is None else split.ephemeral_1h_input_tokens
        i, o = usage.input_tokens, usage.output_tokens
        r, w = usage.cache_read_input_tokens, usage.cache_creation_input_tokens
        h = min(one_hour, w)
        cost: float | None
        if recorded is not None and isinstance(recorded, _NUMBERS):
            cost = float(recorded)
        elif rates is not None:
            cost = rates.tier(i + r + w).price_tokens(i, o, r, w, h)
        elif self.priced:
            cost = self._price(model, (i, o, r, w, h), at)
        else:
            cost = None
        spend.calls += 1
        totals = spend.tokens
        totals[0] += i
        totals[1] += o
        totals[2] += r
        totals[3] += w
        totals[4] += h
        if cost is None:
            spend.unpriced += 1
        else:
            spend.cost += cost
            s = self.summary
            s.cost_usd += cost
            if day is not None:
                daily = s.daily_cost
                daily[day] = daily.get(day, 0.0) + cost
        calls = self._calls
        calls.append((at, model, (i, o, r, w, h), cost))
        if len(calls) > 4 * RECENT_CALLS:
            del calls[:-RECENT_CALLS]

    def _new_hot(self, model: str, at: datetime | None, on: date | None) -> _Hot:
        spend = self._models.get(model)
        if spend is None:
            spend = self._models[model] = _ModelTotals(self.summary.models.get(model))
        if at is None or on is None:
            return None, None, spend
        rates = model_rates(model, on) if self.priced else None
        return at.strftime("%Y-%m-%d"), rates if isinstance(rates, ModelRates) else None, spend

    @staticmethod
    def _price(
        model: str, tokens: tuple[int, int, int, int, int], at: datetime | None
    ) -> float | None:
        """price_call(), for a call without a day or of a model without plain rates."""
        rates = model_rates(model, (at or datetime.now(UTC)).date())
        if not isinstance(rates, ModelRates):
            return price_call(model, Usage(*tokens), at)
        return rates.tier(tokens[0] + tokens[2] + tokens[3]).price_tokens(*tokens)

    # -- the end of a read ----------------------------------------------------------------------

    def finish(self) -> None:
        """Bring the summary up to date: its totals, recent calls and last message."""
        s = self.summary
        for model, totals in self._models.items():
            totals.add_to(s, model)
        self._models.clear()
        self._hot.clear()
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
        self._base = None
        self._pending.clear()

    def _last_message(self) -> LastMessage | None:
        """The last message the lines since the last one made so set (None: they set none)."""
        last = self._last_pending()
        if last is not None or self._base is None:
            return last
        kind, value, at = self._base
        if kind == _ON_TOOL_RESULT:
            return tool_result_last(_content(value), at)
        if kind == _ON_API_ERROR:
            return api_error_last(_content(value), at)
        if kind == _ON_USER_TEXT:
            user_line, text = value
            return user_text_last(user_line, text, at)
        made: LastMessage = value
        return made

    def _last_pending(self) -> LastMessage | None:
        for line, at in reversed(self._pending):
            last = assistant_last(_content(line), at)
            if last is not None:
                return last
        return None

    def _settle(self) -> None:
        """Too many lines kept: the newest of them that sets the last message now makes it
        (the older ones can no longer be it)."""
        last = self._last_pending()
        if last is not None:
            self._base = (_ON_MADE, last, None)
        self._pending.clear()


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
