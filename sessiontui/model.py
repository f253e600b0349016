"""The one model every store is read into: immutable records (frozen to the type checker, see
`record`), no I/O, no Textual."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar, dataclass_transform

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_T]) -> type[_T]:
    """A frozen slotted dataclass to the type checker; at run time a plain slotted one with the
    same equality, hash and repr. A frozen dataclass's `__init__` sets every field through
    `object.__setattr__`: 4.7 us for a Session against 1.3 us, at 100k sessions per read. Nothing
    assigns a field (mypy --strict refuses it as it does on a frozen class)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


class StoreFormat(StrEnum):
    """The store formats of ../shared/STORES.md, by the name `snapshot --json` reports."""

    HERMES_JSON = "hermes-json"
    HERMES_SQLITE = "hermes-sqlite"
    ZEROCLAW_JSONL = "zeroclaw-jsonl"
    ZEROCLAW_SQLITE = "zeroclaw-sqlite"
    STARPOD = "starpod"
    CLAUDE_CODE = "claude-code"
    HERMES_AGENT = "hermes-agent"
    OPENCLAW = "openclaw"
    OPENCLAW_LEGACY = "openclaw-legacy"
    CODEX = "codex"


class SessionState(StrEnum):
    RUNNING = "running"
    WAITING = "waiting"
    IDLE = "idle"
    STUCK = "stuck"
    ERROR = "error"
    CLOSED = "closed"
    ARCHIVED = "archived"


#: The order an operator reads states in: who waits for them, then what is stuck (sorting, summaries).
STATE_ORDER = (
    SessionState.WAITING,
    SessionState.STUCK,
    SessionState.ERROR,
    SessionState.RUNNING,
    SessionState.IDLE,
    SessionState.CLOSED,
    SessionState.ARCHIVED,
)


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


@record
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
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )


@record
class ApiCall:
    """One priced request to a model: the unit cost is computed on, never session totals."""

    at: datetime | None
    model: str | None
    usage: Usage
    cost_usd: float | None  # None: not priced (unknown model)


@record
class ModelSpend:
    """One model's share of a session: every call counted under the model that served it."""

    model: str
    calls: int = 0
    usage: Usage = Usage()
    cost_usd: float = 0.0  # the priced calls only
    unpriced_calls: int = 0  # calls the model has no price for
    recorded: bool = False  # the store wrote the dollars itself (not priced here)

    def __add__(self, other: ModelSpend) -> ModelSpend:
        return ModelSpend(
            self.model,
            self.calls + other.calls,
            self.usage + other.usage,
            self.cost_usd + other.cost_usd,
            self.unpriced_calls + other.unpriced_calls,
            self.recorded and other.recorded,
        )

    @property
    def cost(self) -> float | None:
        """Dollars, or None when any call could not be priced (never a partial $)."""
        return None if self.unpriced_calls else self.cost_usd


@record
class ToolCall:
    id: str
    name: str
    arguments: str  # as the store holds it: usually a JSON text


@record
class ToolResult:
    tool_call_id: str
    content: str
    is_error: bool = False


@record
class Message:
    role: Role | str
    text: str
    at: datetime | None = None
    kind: MessageKind = MessageKind.TEXT
    tool_calls: tuple[ToolCall, ...] = ()
    tool_result: ToolResult | None = None
    model: str | None = None


@record
class LastMessage:
    """What the rules need to know of a transcript's end, without the transcript."""

    role: str
    kind: MessageKind
    at: datetime | None
    preview: str = ""  # the first line or so of the text, for evidence and "asked a question"
    tool_name: str | None = None  # for a TOOL_CALL: the (first) tool asked for
    interrupted: bool = False  # ZeroClaw's "[Session interrupted" marker
    awaits_reply: bool = True  # False for user-role lines that are no prompt (command output ...)
    ended_by_user: bool = False  # the person interrupted the turn (Claude Code Esc / rejected tool)
    api_error: bool = False  # the model call failed and the session ended on the error text


@record
class RateLimitWindow:
    """One usage window of a provider's rate limits: how much of it is used, when it resets."""

    used_percent: float
    window_minutes: int | None = None  # 300: the 5-hour window; 10080: the weekly one
    resets_at: datetime | None = None


@record
class RateLimits:
    """The rate limits an agent last reported (Codex `token_count` events), and when."""

    primary: RateLimitWindow | None = None
    secondary: RateLimitWindow | None = None
    plan: str | None = None
    at: datetime | None = None


@record
class RecordedPid:
    """A process the store itself names as serving a session (a lease holder, a heartbeat)."""

    pid: int
    recorded_at: float  # epoch seconds the store wrote it: a process started later reused the PID
    serves_many: bool = False  # a gateway serving many sessions, not this session's own agent


@record
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
    # What the store's own bookkeeping means, as facts the rules use (set by the adapter).
    state_per_turn: bool = False  # the store marks each turn running/idle beside its transcript
    idle_state_kept: bool = False  # the store keeps this session's idle state (ZeroClaw gateway)
    closes_explicitly: bool = False  # sessions stay open until closed: days of silence = left open
    read: bool | None = None  # the store's read flag; None when the store has none
    agent_id: str | None = None  # the id its agent's command line names (None: the session's key)
    last_message: LastMessage | None = None
    lease_expires_at: datetime | None = None  # a turn lease the bot holds: running until it expires
    backend_heartbeat_at: datetime | None = None  # last heartbeat of the process that serves it
    running_is_claim: bool = (
        False  # native_state 'running' is only the store's claim: stale when quiet
    )
    attention: str | None = None  # the agent's own "needs a person" verdict, with its summary
    hidden: bool = False  # the bot's own session pickers hide it (subagent runs, tool sessions)
    source_path: str | None = None  # the file holding this session's transcript, where one does
    recent_calls: tuple[ApiCall, ...] = ()  # the last API calls with their times (burn rates)
    daily_cost: tuple[tuple[str, float], ...] = ()  # (UTC day 'YYYY-MM-DD', dollars) per day
    models: tuple[
        ModelSpend, ...
    ] = ()  # spend per model, where the store says which call used which
    stop_hook_blocks: int = (
        0  # Stop-hook blocks or errors since the last typed prompt (loop evidence)
    )
    stop_hook_reason: str | None = None  # the last blocking hook's reason or error
    version: tuple[object, ...] = ()  # raw store values that change with any write to the session
    extra: tuple[tuple[str, str], ...] = field(
        default=()
    )  # store-specific details for the detail view
    rate_limits: RateLimits | None = None  # the provider's limits as the agent last reported them
    approval_requested: str | None = None  # what the agent asks the operator to approve, unanswered
    turn_aborted: str | None = None  # why the last turn was given up ('interrupted': by the user)
    counting: float | None = None  # tokens and cost still being counted: the share read so far
    agent_pids: tuple[RecordedPid, ...] = ()  # processes the store records serving it, newest first
    # Unique across every open store: the row key of the dashboard. Computed once (it is read
    # on every tick, for every session), and not part of equality.
    uid: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "uid", f"{self.format}\x1f{self.store}\x1f{self.source_path or ''}\x1f{self.id}"
        )


@record
class MessagePage:
    """A window of a transcript. Cursors are opaque to callers and given back to the store."""

    messages: tuple[Message, ...]
    older: object | None  # pass as `before=` to read the page before; None: this is the start
    newer: object  # pass as `after=` to read what arrives later


@record
class Verdict:
    """What the rules conclude of a session at a given moment."""

    state: SessionState
    reason: str | None = None  # a reason code for STUCK (and for contradictions), else None
    evidence: str | None = None  # one line an operator can check: "tool `shell` started 14 min ago"


#: How much of a transcript's last message a session keeps (LastMessage.preview).
PREVIEW_CHARS = 300


def last_message_of(message: Message, *, interrupted: bool = False) -> LastMessage:
    """The end-of-transcript facts the rules need, from a transcript message."""
    tool = message.tool_calls[0] if message.tool_calls else None
    preview = (message.text or (tool.arguments if tool else "")).strip()[:PREVIEW_CHARS]
    return LastMessage(
        sys.intern(str(message.role)),  # one string per role, not one per session
        message.kind,
        message.at,
        preview,
        sys.intern(tool.name) if tool else None,
        interrupted,
    )


@record
class Burn:
    """How fast a session spends, over the recent window (where its usage has times)."""

    tokens_per_minute: float
    dollars_per_minute: float | None  # None: some calls in the window have no price
    runaway: bool = False  # burns far more than the other sessions


@record
class ProcessInfo:
    """One operating-system process as sessiontui saw it. `(pid, started)` is its identity:
    a PID reused by another program has another start time."""

    pid: int
    started: float  # start time, epoch seconds (psutil create_time)
    name: str
    cmdline: tuple[str, ...] = ()
    user: str | None = None
    ppid: int | None = None
    cpu_percent: float | None = None  # since the previous scan; None on the first sight
    rss: int | None = None  # bytes
    children: tuple[int, ...] = ()
    open_store_files: tuple[str, ...] = ()
    group_leader: bool = False  # it leads its own process group (a stop signals the group)
    orphaned: bool = False  # its parent is init: the program that started it is gone
    inspectable: bool = True  # False: another user's process; only the PID is known


@record
class SessionProcesses:
    """The processes behind one session, and what became of the ones seen before."""

    processes: tuple[ProcessInfo, ...] = ()  # alive now: the session's own, else its store's
    via: str = ""  # how they were linked: "--resume in the command line", "holds the store open"
    shared: bool = False  # a bot daemon serving every session of its store, not this one alone
    gone_pid: int | None = None  # the process that served this session and vanished
    gone_at: datetime | None = None  # when it was first seen gone
    idle_seconds: float | None = None  # alive, but no CPU used for this long (None: it used some)

    @property
    def pids(self) -> tuple[int, ...]:
        return tuple(p.pid for p in self.processes)


@record
class SessionRow:
    """One session and what the rules concluded of it: the unit the dashboard shows.

    `key` (the session's uid) is computed once, since keyed diffs over many rows read it often,
    and is not part of equality.
    """

    session: Session
    verdict: Verdict
    burn: Burn | None = None
    processes: SessionProcesses | None = None  # None: processes are not looked at
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.session.uid)
