"""Turn Hermes Agent `state.db` rows into sessions and messages (STORES.md 7). Pure: no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sessiontui.model import (
    CostSource,
    LastMessage,
    Message,
    MessageKind,
    ModelSpend,
    RecordedPid,
    Role,
    Session,
    StoreFormat,
    ToolCall,
    ToolResult,
    Usage,
    last_message_of,
)
from sessiontui.money import dollars
from sessiontui.stores.hermes_lineage import delegate_children, end_reason_note, hidden_by_bot

EPOCH_MIN, EPOCH_MAX = 946_684_800.0, 4_102_444_800.0  # 2000-01-01 .. 2100-01-01: the sanity window
ERROR_FINISH_REASONS = frozenset({"error", "agent_error", "content_filter"})
NOT_GATEWAY_SOURCES = (
    "cli",
    "oneshot",
    "cron",
    "test",
)  # served by their own process, not a gateway
_HOLDER_PID = re.compile(r"\bpid=(\d+)")
OWNER_GRACE_SECONDS = 60.0  # a backend owns the sessions started after it (plus this grace)
MESSAGE_COLUMNS = (
    "id",
    "session_id",
    "role",
    "content",
    "tool_call_id",
    "tool_calls",
    "tool_name",
    "timestamp",
    "finish_reason",
    "reasoning",
)

Row = Mapping[str, Any]


def epoch(value: object) -> float | None:
    """A REAL epoch-seconds cell, or None when it is not a number inside the sanity window."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if EPOCH_MIN <= value <= EPOCH_MAX else None


def moment(value: object) -> datetime | None:
    seconds = epoch(value)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def bot_status(last: Row | None) -> str:
    """`classify_session_status` of hermes_state.py, on the last message row (7.6)."""
    if last is None:
        return "empty"
    if (last.get("finish_reason") or "").strip().lower() in ERROR_FINISH_REASONS:
        return "error"
    role = (last.get("role") or "").strip().lower()
    if role == "assistant":
        return "interrupted" if _tool_calls(last.get("tool_calls")) else "complete"
    return "interrupted" if role in ("user", "tool") else "complete"


def _tool_calls(text: object) -> list[ToolCall]:
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        calls = json.loads(text)
    except ValueError:
        return [ToolCall("", "?", text)]
    out: list[ToolCall] = []
    for call in calls if isinstance(calls, list) else []:
        if not isinstance(call, dict):
            continue
        raw = call.get("function")
        function: dict[str, Any] = raw if isinstance(raw, dict) else {}
        name = function.get("name") or call.get("name") or "?"
        arguments = function.get("arguments", call.get("arguments", ""))
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False, sort_keys=True)
        out.append(ToolCall(str(call.get("id", "")), str(name), arguments))
    return out


def to_messages(row: Row) -> list[Message]:
    """One `messages` row: its reasoning (as "(thinking)" text), then the message itself."""
    at = moment(row.get("timestamp"))
    role = str(row.get("role") or "")
    raw = row.get("content")
    content = raw if isinstance(raw, str) else ""
    out: list[Message] = []
    reasoning = row.get("reasoning")
    if isinstance(reasoning, str) and reasoning.strip():
        out.append(Message(Role.ASSISTANT, "(thinking) " + reasoning, at))
    if role == "tool":
        result = ToolResult(str(row.get("tool_call_id") or ""), content)
        out.append(Message(Role.TOOL, content, at, MessageKind.TOOL_RESULT, tool_result=result))
        return out
    calls = _tool_calls(row.get("tool_calls"))
    if role == "assistant" and calls:
        out.append(Message(Role.ASSISTANT, content, at, MessageKind.TOOL_CALL, tuple(calls)))
    else:
        out.append(Message(role, content, at))
    return out


def last_message(row: Row | None) -> LastMessage | None:
    if row is None:
        return None
    return last_message_of(to_messages(row)[-1])


@dataclass(frozen=True, slots=True)
class Backend:
    backend_id: str
    pid: int
    started_at: float
    last_heartbeat: float


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything one read of a `state.db` gives, keyed by session id."""

    rows: Mapping[str, Row]
    last: Mapping[str, Row]  # each session's newest message row
    leases: Mapping[
        str, tuple[str, float, float]
    ]  # session id -> (holder, expires_at, acquired_at): turn leases and compression locks
    backends: Sequence[Backend]
    model_usage: Mapping[str, Sequence[Row]]
    profile: str | None  # from the store's path (profiles/<name>/state.db)
    previews: Mapping[str, str] = field(default_factory=dict)  # untitled: the first user message
    delegates: Mapping[str, list[str]] = field(
        default_factory=dict
    )  # hermes_lineage.delegate_index(rows)


def build_session(chain: list[str], facts: Facts, store: str) -> Session:
    rows = facts.rows
    root, tip = rows[chain[0]], rows[chain[-1]]
    members = [rows[k] for k in chain]
    last_row = facts.last.get(chain[-1])
    recency = max(
        (
            t
            for t in (
                epoch(tip.get("last_activity_at")),
                epoch(last_row and last_row.get("timestamp")),
            )
            if t is not None
        ),
        default=epoch(tip.get("started_at")),
    )
    usage = Usage(
        *(
            sum(int(r.get(c) or 0) for r in members)
            for c in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
        )
    )
    costs = [c for r in members if (c := _cost(r)) is not None]
    closed = tip.get("ended_at") is not None
    status = bot_status(last_row)
    lease = max(
        (facts.leases[k] for k in chain if k in facts.leases), key=lambda h: h[1], default=None
    )
    name = next((r.get("title") for r in reversed(members) if r.get("title")), None)
    last_read = epoch(tip.get("last_read_at")) if "last_read_at" in tip else None
    return Session(
        format=StoreFormat.HERMES_AGENT,
        store=store,
        id=chain[-1],
        name=name or tip.get("display_name") or facts.previews.get(chain[0]) or chain[-1],
        created_at=moment(root.get("started_at")),
        last_activity=moment(recency),
        channel=str(tip.get("source") or "") or None,
        user=tip.get("user_id"),
        agent=tip.get("profile_name") or facts.profile,
        model=tip.get("model"),
        message_count=sum(int(r.get("message_count") or 0) for r in members),
        usage=usage,
        cost_usd=sum(costs) if costs else None,
        cost_source=CostSource.RECORDED if costs else None,
        native_state="error" if status == "error" else None,
        closed=closed,
        archived=any(r.get("archived") for r in members),
        hidden=hidden_by_bot(root, rows),
        read=None
        if "last_read_at" not in tip
        else (tip.get("last_read_at") is None or not (recency or 0.0) > (last_read or 0.0)),
        last_message=last_message(last_row),
        lease_expires_at=moment(lease[1]) if lease and not closed else None,
        backend_heartbeat_at=None if closed else _owner_heartbeat(tip, root, facts.backends),
        agent_pids=() if closed else recorded_pids(lease, _owners(tip, root, facts.backends)),
        version=tuple(
            (
                r.get("id"),
                r.get("message_count"),
                r.get("ended_at"),
                r.get("title"),
                r.get("archived"),
            )
            for r in members
        ),
        daily_cost=_daily(facts.model_usage, chain),
        models=_models(facts.model_usage, chain),
        extra=_details(chain, members, status, lease, facts),
    )


def _cost(row: Row) -> float | None:
    actual, estimated = row.get("actual_cost_usd"), row.get("estimated_cost_usd")
    return (
        float(actual) if actual is not None else float(estimated) if estimated is not None else None
    )


def _owners(tip: Row, root: Row, backends: Sequence[Backend]) -> list[Backend]:
    """The gateways that may serve this session: started before it (as the bot's sweep says)."""
    if tip.get("source") in NOT_GATEWAY_SOURCES or not backends:
        return []
    started = epoch(root.get("started_at")) or 0.0
    return [b for b in backends if b.started_at <= started + OWNER_GRACE_SECONDS]


def _owner_heartbeat(tip: Row, root: Row, backends: Sequence[Backend]) -> datetime | None:
    """The last heartbeat of the gateway that serves this open session, if a gateway does."""
    owners = [b.last_heartbeat for b in _owners(tip, root, backends)]
    return moment(max(owners)) if owners else None


def holder_pid(holder: str) -> int | None:
    """The `pid=<n>` a lease or compression lock holder embeds (STORES.md 7.6)."""
    found = _HOLDER_PID.search(holder)
    return int(found.group(1)) if found else None


def recorded_pids(
    lease: tuple[str, float, float] | None, owners: Sequence[Backend]
) -> tuple[RecordedPid, ...]:
    """The lease holder (recorded when it took the lease), then the gateways that may serve the
    session (recorded when they started); a lease held by a gateway serves many sessions."""
    gateways = {b.pid for b in owners}
    pids: list[RecordedPid] = []
    pid = holder_pid(lease[0]) if lease else None
    if lease and pid is not None:
        pids.append(RecordedPid(pid, lease[2], serves_many=pid in gateways))
    pids += [RecordedPid(b.pid, b.started_at, serves_many=True) for b in owners if b.pid != pid]
    return tuple(pids)


def _models(model_usage: Mapping[str, Sequence[Row]], chain: list[str]) -> tuple[ModelSpend, ...]:
    """The lineage's spend per model as the bot recorded it (`session_model_usage`), for the
    costs view's by-model table: every task of a model under that model."""
    spends: dict[str, ModelSpend] = {}
    for key in chain:
        for row in model_usage.get(key, ()):
            name = str(row.get("model") or "")
            if not name:
                continue
            spend = ModelSpend(
                name,
                int(row.get("api_call_count") or 0),
                Usage(
                    int(row.get("input_tokens") or 0),
                    int(row.get("output_tokens") or 0),
                    int(row.get("cache_read_tokens") or 0),
                    int(row.get("cache_write_tokens") or 0),
                ),
                float(row.get("actual_cost_usd") or 0.0)
                or float(row.get("estimated_cost_usd") or 0.0),
                recorded=True,
            )
            spends[name] = spends[name] + spend if name in spends else spend
    return tuple(sorted(spends.values(), key=lambda m: -m.cost_usd))


def _daily(
    model_usage: Mapping[str, Sequence[Row]], chain: list[str]
) -> tuple[tuple[str, float], ...]:
    days: dict[str, float] = {}
    for key in chain:
        for row in model_usage.get(key, ()):
            at = moment(row.get("last_seen"))
            spent = float(row.get("actual_cost_usd") or 0.0) or float(
                row.get("estimated_cost_usd") or 0.0
            )
            if at is not None and spent:
                days[f"{at:%Y-%m-%d}"] = days.get(f"{at:%Y-%m-%d}", 0.0) + spent
    return tuple(sorted(days.items()))


def _details(
    chain: list[str],
    members: list[Row],
    status: str,
    lease: tuple[str, float, float] | None,
    facts: Facts,
) -> tuple[tuple[str, str], ...]:
    tip = members[-1]
    details: list[tuple[str, object]] = [
        ("source", tip.get("source")),
        ("end_reason", end_reason_note(tip.get("end_reason"))),
        ("bot status", status),
        ("lineage", " → ".join(chain) if len(chain) > 1 else None),
        ("title_source", tip.get("title_source")),
        (
            "cost provenance",
            " / ".join(
                str(tip.get(c))
                for c in ("cost_status", "cost_source", "pricing_version")
                if tip.get(c)
            )
            or None,
        ),
        ("reasoning_tokens", sum(int(r.get("reasoning_tokens") or 0) for r in members) or None),
        ("tool_call_count", sum(int(r.get("tool_call_count") or 0) for r in members) or None),
        ("activity", tip.get("last_activity_description")),
        ("lease holder", lease[0] if lease else None),
        ("chat", ":".join(str(tip.get(c)) for c in ("chat_type", "chat_id") if tip.get(c)) or None),
        ("session_key", tip.get("session_key")),
        ("cwd", tip.get("cwd")),
        ("pinned", "yes" if any(r.get("pinned") for r in members) else None),
        ("hidden", "yes" if tip.get("hidden") else None),
        ("delete targets", ", ".join([*chain, *delegate_children(chain, facts.delegates)])),
    ]
    for key in chain:
        for row in facts.model_usage.get(key, ()):
            task = f" ({row.get('task')})" if row.get("task") else ""
            spent = float(row.get("actual_cost_usd") or 0.0) or float(
                row.get("estimated_cost_usd") or 0.0
            )
            tokens = int(row.get("input_tokens") or 0) + int(row.get("output_tokens") or 0)
            calls = row.get("api_call_count") or 0
            details.append(
                (
                    f"model {row.get('model')}{task}",
                    f"{dollars(spent)}, {tokens:,} tokens, {calls} calls",
                )
            )
    return tuple((k, str(v)) for k, v in details if v is not None)
