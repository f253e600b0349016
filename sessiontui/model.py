"""The one model every store is read into: plain frozen dataclasses, no I/O, no Textual."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StoreFormat(StrEnum):
    """The store formats of ../shared/STORES.md, by the name `snapshot --json` reports."""

    HERMES_JSON = "hermes-json"
    HERMES_SQLITE = "hermes-sqlite"
    ZEROCLAW_JSONL = "zeroclaw-jsonl"
    ZEROCLAW_SQLITE = "zeroclaw-sqlite"
    STARPOD = "starpod"
    CLAUDE_CODE = "claude-code"


class SessionState(StrEnum):
    RUNNING = "running"
    WAITING = "waiting"
    IDLE = "idle"
    STUCK = "stuck"
    ERROR = "error"
    CLOSED = "closed"
    ARCHIVED = "archived"


class CostSource(StrEnum):
    RECORDED = "recorded"  # the store wrote the dollar figure itself (Starpod usage_stats.cost_usd)
    COMPUTED = "computed"  # priced offline with genai-prices, one API call at a time
    UNKNOWN = "unknown"  # usage is known but the model has no price: no number, never $0


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    SYSTEM = "system"


class MessageKind(StrEnum):
    TEXT = "text"
    TOOL_CALL = "tool_call"  # an assistant message asking for one or more tools
    TOOL_RESULT = "tool_result"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts. `input_tokens` is always the uncached input (Anthropic's convention)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0  # every cache write, 5-minute and 1-hour together
    cache_write_1h_tokens: int = 0  # the part of cache_write_tokens written for 1 hour (2x input)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cache_write_1h_tokens + other.cache_write_1h_tokens,
        )

    @property
    def total(self) -> int:
        return (
            self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens
        )


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One priced request to a model: the unit cost is computed on, never session totals."""

    at: datetime | None
    model: str | None
    usage: Usage
    cost_usd: float | None  # None: not priced (unknown model)


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # as the store holds it: usually a JSON text


@dataclass(frozen=True, slots=True)
class ToolResult:
    tool_call_id: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    role: Role | str
    text: str
    at: datetime | None = None
    kind: MessageKind = MessageKind.TEXT
    tool_calls: tuple[ToolCall, ...] = ()
    tool_result: ToolResult | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class LastMessage:
    """What the rules need to know of a transcript's end, without the transcript."""

    role: str
    kind: MessageKind
    at: datetime | None
    preview: str = ""  # the first line or so of the text, for evidence and "asked a question"
    tool_name: str | None = None  # for a TOOL_CALL: the (first) tool asked for
    interrupted: bool = False  # ZeroClaw's "[Session interrupted" marker


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a store can show. What it lets an operator do is `sessiontui.actions.why_not()`."""

    transcript: bool = False
    usage: bool = False


@dataclass(frozen=True, slots=True)
class Session:
    """One session as its store shows it. State is not stored here: rules.classify() derives it."""

    format: StoreFormat
    store: str  # absolute path of the store (file or directory)
    id: str  # the session's key in its store
    name: str
    created_at: datetime | None = None
    last_activity: datetime | None = None
    channel: str | None = None
    user: str | None = None
    agent: str | None = None
    model: str | None = None
    message_count: int = 0
    turns: int | None = None
    usage: Usage | None = None  # None: the store holds no token usage for this session
    cost_usd: float | None = None
    cost_source: CostSource | None = None
    # Facts the rules classify from.
    native_state: str | None = None  # as the store says: 'running', 'idle', 'error', 'active' ...
    turn_started_at: datetime | None = None
    closed: bool = False
    archived: bool = False
    pending: bool = False  # hermes-bot row whose session_id is still 'pending-<thread_ts>'
    last_message: LastMessage | None = None
    source_path: str | None = None  # the file holding this session's transcript, where one does
    recent_calls: tuple[ApiCall, ...] = ()  # the last API calls with their times (burn rates)
    daily_cost: tuple[tuple[str, float], ...] = ()  # (UTC day 'YYYY-MM-DD', dollars) per day
    version: tuple[object, ...] = ()  # raw store values that change with any write to the session
    extra: tuple[tuple[str, str], ...] = field(default=())  # store-specific details for the detail view
    # Unique across every open store: the row key of the dashboard. Computed once (it is read
    # on every tick, for every session), and not part of equality.
    uid: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", f"{self.format}\x1f{self.store}\x1f{self.source_path or ''}\x1f{self.id}")


@dataclass(frozen=True, slots=True)
class MessagePage:
    """A window of a transcript. Cursors are opaque to callers and given back to the store."""

    messages: tuple[Message, ...]
    older: object | None  # pass as `before=` to read the page before; None: this is the start
    newer: object  # pass as `after=` to read what arrives later


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules conclude of a session at a given moment."""

    state: SessionState
    reason: str | None = None  # a reason code for STUCK (and for contradictions), else None
    evidence: str | None = None  # one line an operator can check: "tool `shell` started 14 min ago"


def last_message_of(message: Message, *, interrupted: bool = False) -> LastMessage:
    """The end-of-transcript facts the rules need, from a transcript message."""
    tool = message.tool_calls[0] if message.tool_calls else None
    preview = (message.text or (tool.arguments if tool else "")).strip()[:300]
    return LastMessage(
        str(message.role), message.kind, message.at, preview, tool.name if tool else None, interrupted
    )


@dataclass(frozen=True, slots=True)
class Burn:
    """How fast a session spends, over the recent window (where its usage has times)."""

    tokens_per_minute: float
    dollars_per_minute: float | None  # None: some calls in the window have no price
    runaway: bool = False  # burns far more than the other sessions


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session and what the rules concluded of it: the unit the dashboard shows.

    `key` (the session's uid) is computed once, since keyed diffs over many rows read it often,
    and is not part of equality.
    """

    session: Session
    verdict: Verdict
    burn: Burn | None = None
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.session.uid)
