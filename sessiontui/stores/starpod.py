"""Starpod's SessionManager over `core.db` (STORES.md 3), or the legacy per-crate `session.db`.

Costs are the ones Starpod recorded per chat request in `usage_stats.cost_usd` (source
`recorded`), used as they are. `usage_stats` has no index on `session_id`, so it is never
aggregated per session: its rows are read once, past the last seen rowid, and summed here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sessiontui.model import (
    ApiCall,
    CostSource,
    LastMessage,
    Message,
    MessageKind,
    Role,
    Session,
    StoreFormat,
    ToolCall,
    ToolResult,
    Usage,
    last_message_of,
)
from sessiontui.stores.base import ReadReport
from sessiontui.stores.claude_transcript import RECENT_CALLS
from sessiontui.stores.metadata_rows import MetadataRows
from sessiontui.stores.repeated import one_copy, one_copy_of_preview
from sessiontui.stores.sqlite_read import placeholders
from sessiontui.stores.sqlite_store import (
    SqliteTranscriptStore,
    off_loop,
    one_object_per_key,
    shared,
    shared_pair,
)
from sessiontui.timestamps import parse_timestamp

OPTIONAL = (
    "summary",
    "channel",
    "channel_session_key",
    "title",
    "user_id",
    "is_read",
    "is_archived",
    "triggered_by",
)
_BATCH = 500
#: Calls this much older than the newest call in the store are not kept per session: no view looks
#: further back than 24 hours (hourly spend; burn rates look back 10 minutes), so the sessions
#: nobody used for two days keep no list of calls (at 100k sessions that was ~60 MiB).
KEEP_CALLS_FOR = timedelta(hours=48)
_NO_USAGE = Usage()
USAGE_CHUNK = 50_000  # usage rows read and summed at a time


@dataclass(slots=True)
class SessionUsage:
    usage: Usage = _NO_USAGE
    cost: float = 0.0
    model: str | None = None
    recent: tuple[ApiCall, ...] = ()  # the last RECENT_CALLS calls within KEEP_CALLS_FOR
    daily: tuple[tuple[str, float], ...] = ()  # (UTC day, dollars), sorted by day


class StarpodStore(SqliteTranscriptStore):
    format = StoreFormat.STARPOD
    MESSAGES, KEY, STAMP = "session_messages", "session_id", "timestamp"

    def __init__(self, path: Path) -> None:
        super().__init__(path, _message)
        self._counts: dict[str, int] = {}
        self._last: dict[str, LastMessage] = {}
        self._usage: dict[str, SessionUsage] = {}
        self._max_message_id = 0
        self._max_usage_id = 0
        self._newest_call: datetime | None = None
        self._keep_daily = True  # per-day costs (the costs view); a snapshot's pages need none
        self._calls_since: datetime | None = None  # a snapshot keeps only calls from then on
        self._newest_guess: datetime | None = None  # a first read: the time of the last usage row

    def forget(self) -> None:
        super().forget()
        self._counts, self._last, self._usage = {}, {}, {}
        self._max_message_id = self._max_usage_id = 0
        self._newest_call = None

    async def read_changes(self) -> ReadReport:
        meta = await self.metadata_reader()
        delta = await meta.read()
        canonical = one_object_per_key(delta.changed)
        touched = set(await self._read_new_messages(canonical))
        touched |= set(await self._read_new_usage(canonical))
        for key in delta.vanished:  # deleted: forget its rows (ids never come back)
            self._sessions.pop(key, None)
            self._counts.pop(key, None)
            self._last.pop(key, None)
        rows = dict(delta.changed)
        if not delta.first:  # a session new since the last read may hold old rows (a restore)
            await self._recount([k for k in delta.changed if k not in self._sessions])
        for row in await meta.fetch([k for k in touched if k not in rows]):  # new calls only
            rows[row[0]] = row
        changed = set(rows)
        built = await off_loop(lambda: {k: self._session(r) for k, r in rows.items()}, len(rows))
        self._sessions.update(built)
        if delta.first or changed or delta.vanished:
            self._snapshot = tuple(self._sessions.values())
            return ReadReport(self._snapshot, True)
        return ReadReport(self._snapshot, False)

    async def metadata_reader(self) -> MetadataRows:
        return await self.metadata(
            ["id", "created_at", "last_message_at", "is_closed", "message_count"],
            OPTIONAL,
            watermark="last_message_at",
        )

    async def prepare_pages(self, calls_since: datetime) -> dict[str, tuple[ApiCall, ...]]:
        """Sum `usage_stats` once (it has no index by session: it cannot be read by page);
        per-day costs and calls before `calls_since` are not kept (pages do not carry them)."""
        self._keep_daily = False
        self._calls_since = calls_since
        await self._read_new_usage({})
        return {key: usage.recent for key, usage in self._usage.items() if usage.recent}

    async def page_sessions(self, rows: list[Any]) -> tuple[Session, ...]:
        counts, last = await self._counts_and_last_of([row[0] for row in rows])
        return tuple(self._session(tuple(row), counts, last) for row in rows)

    async def _counts_and_last_of(
        self, keys: list[str]
    ) -> tuple[dict[str, int], dict[str, LastMessage]]:
        """Message counts and last messages of these sessions, through the bot's
        `(session_id, id)` index."""
        counted = await self.db.fetchall(
            f"SELECT session_id, COUNT(*), MAX(id) FROM session_messages WHERE session_id IN ({placeholders(keys)}) GROUP BY session_id",
            keys,
        )
        ids = [row[2] for row in counted]
        last_rows = await self.db.fetchall(
            f"SELECT session_id, role, content, timestamp FROM session_messages WHERE id IN ({placeholders(ids)})",
            ids,
        )
        last = {key: _last_message(role, content, stamp) for key, role, content, stamp in last_rows}
        return {key: int(count) for key, count, _ in counted}, last

    async def first_page(self, limit: int) -> tuple[tuple[Session, ...], int]:
        """The `limit` most recently active sessions, and how many there are, read through the
        bot's `(session_id, id)` index alone: shown while the full first read runs (their usage,
        which `usage_stats` cannot give by session cheaply, arrives with it)."""
        meta = await self.metadata_reader()
        total = (await self.db.fetchall("SELECT COUNT(*) FROM session_metadata"))[0][0]
        rows = await self.db.fetchall(
            f"SELECT {', '.join(meta.columns)} FROM session_metadata "
            "ORDER BY last_message_at DESC LIMIT ?",
            (limit,),
        )
        counts, last = await self._counts_and_last_of([row[0] for row in rows])
        return tuple(self._session(tuple(row), counts, last) for row in rows), int(total)

    async def _read_new_messages(self, canonical: Mapping[str, str]) -> list[str]:
        if self._max_message_id:  # "+": a rowid range search, not a scan of the key index
            counts = await self.db.fetchall(
                "SELECT session_id, COUNT(*), MAX(id) FROM session_messages WHERE id > ? GROUP BY +session_id",
                (self._max_message_id,),
            )
        else:  # every row: the bot's (session_id, id) index alone, no sort (3x faster)
            counts = await self.db.fetchall(
                "SELECT session_id, COUNT(*), MAX(id) FROM session_messages GROUP BY session_id"
            )
        keys = [row[0] for row in counts]
        for key, count, top in counts:
            key = canonical.get(key, key)
            self._counts[key] = self._counts.get(key, 0) + count
            self._max_message_id = max(self._max_message_id, top)
        ids = [row[2] for row in counts]
        last_rows: list[Any] = []
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            last_rows += await self.db.fetchall(
                f"SELECT session_id, role, content, timestamp FROM session_messages WHERE id IN ({placeholders(batch)})",
                batch,
            )
        await off_loop(lambda: self._absorb_last(last_rows, canonical), len(last_rows))
        return keys

    async def _recount(self, keys: list[str]) -> None:
        for key in keys:
            counted = await self.db.fetchall(
                "SELECT COUNT(*) FROM session_messages WHERE session_id = ? AND id <= ?",
                (key, self._max_message_id),
            )
            self._counts[key] = counted[0][0]
            last = await self.db.fetchall(
                "SELECT session_id, role, content, timestamp FROM session_messages WHERE session_id = ? AND id <= ? "
                "ORDER BY id DESC LIMIT 1",
                (key, self._max_message_id),
            )
            self._absorb_last(last, {})

    def _absorb_last(self, rows: list[Any], canonical: Mapping[str, str]) -> None:
        for key, role, content, stamp in rows:
            self._last[canonical.get(key, key)] = _last_message(role, content, stamp)

    async def _read_new_usage(self, canonical: Mapping[str, str]) -> list[str]:
        """The usage rows past the last one read, `USAGE_CHUNK` at a time (300k rows at once
        held ~120 MiB until summed); the keys of the sessions they belong to.

        A first read starts from the time of the newest row (the last by id): calls older than
        KEEP_CALLS_FOR before it are never made into objects (at 100k sessions 200k of 300k
        calls were made and dropped again). Should that row be deleted meanwhile, so that no call
        read is as new, the read starts over without it."""
        self._newest_guess = None if self._max_usage_id else await self._last_call_time()
        try:
            touched = await self._read_usage_chunks(canonical)
            guess = self._newest_guess
            if guess is not None and (self._newest_call is None or self._newest_call < guess):
                self._usage, self._max_usage_id, self._newest_call = {}, 0, None
                self._newest_guess = None
                touched = await self._read_usage_chunks(canonical)
        finally:
            self._newest_guess = None
        return list(touched)

    async def _last_call_time(self) -> datetime | None:
        """The time of the last usage row by id (through the rowid: one page read)."""
        rows = await self.db.fetchall("SELECT timestamp FROM usage_stats ORDER BY id DESC LIMIT 1")
        return parse_timestamp(rows[0][0]) if rows else None

    async def _read_usage_chunks(self, canonical: Mapping[str, str]) -> set[str]:
        touched: set[str] = set()
        chunks = 0
        while True:
            rows = await self.db.fetchall(
                "SELECT id, session_id, input_tokens, output_tokens, cache_read, cache_write, cost_usd, model, timestamp "
                "FROM usage_stats WHERE id > ? ORDER BY id LIMIT ?",
                (self._max_usage_id, USAGE_CHUNK),
            )
            chunks += 1
            await off_loop(partial(self._absorb_usage, rows, canonical), len(rows))
            touched.update(row[1] for row in rows)
            if len(rows) < USAGE_CHUNK:
                break
        if chunks > 1 and self._newest_call != self._newest_guess:
            # the newest call moved between chunks: what the first ones kept, again
            self._forget_old_calls(touched)
        return touched

    def _horizon(self, newest: datetime | None) -> datetime | None:
        """Calls before this are not kept (None: every call is)."""
        if self._calls_since is not None:
            return self._calls_since
        guess = self._newest_guess
        if guess is not None and (newest is None or newest < guess):
            newest = guess
        return None if newest is None else newest - KEEP_CALLS_FOR

    def _forget_old_calls(self, keys: set[str]) -> None:
        horizon = self._horizon(self._newest_call)
        if horizon is None:
            return
        for key in keys:
            usage = self._usage.get(key)
            if usage is not None and usage.recent:
                usage.recent = tuple(c for c in usage.recent if c.at is None or c.at >= horizon)

    def _absorb_usage(self, rows: list[Any], canonical: Mapping[str, str]) -> None:
        """Add usage rows (in id order) to their sessions' totals. Numbers are summed as plain
        values, in row order (the same floats), and turned into objects once per session; a
        call becomes an ApiCall only when a view can use it: recent enough, and among the
        session's last RECENT_CALLS."""
        sums: dict[str, list[Any]] = {}  # key -> [input, output, read, write, cost, model]
        days: dict[str, dict[str, float]] = {}
        newest = self._newest_call
        # Calls before this are never kept (the horizon only moves on as newer calls are read):
        # only the rows past it are set aside, then held to the horizon of the whole chunk.
        floor = self._horizon(newest)
        candidates: list[tuple[tuple[Any, ...], datetime | None]] = []
        known, keep_daily = self._usage, self._keep_daily
        day_names: dict[int, str] = {}  # date ordinal -> 'YYYY-MM-DD', one string per day
        parse = parse_timestamp
        for row in rows:
            _, key, inp, out, read, write, cost, model, stamp = row
            totals = sums.get(key)
            if totals is None:
                before = known.get(key) or SessionUsage()
                usage = before.usage
                totals = sums[key] = [
                    usage.input_tokens,
                    usage.output_tokens,
                    usage.cache_read_tokens,
                    usage.cache_write_tokens,
                    before.cost,
                    before.model,
                ]
            totals[0] += inp or 0
            totals[1] += out or 0
            totals[2] += read or 0
            totals[3] += write or 0
            totals[4] += cost or 0.0
            totals[5] = model or totals[5]
            at = parse(stamp)
            if at is None:
                candidates.append((row, at))
                continue
            if newest is None or at > newest:
                newest = at
            if floor is None or at >= floor:
                candidates.append((row, at))
            if cost and keep_daily:
                spent = days.get(key)
                if spent is None:  # added in row order to what the day held: the same floats
                    spent = days[key] = dict(known[key].daily) if key in known else {}
                ordinal = at.toordinal()
                day = day_names.get(ordinal)
                if day is None:
                    day = day_names[ordinal] = sys.intern(_day(at))
                spent[day] = spent.get(day, 0.0) + cost
        if rows:
            self._max_usage_id = rows[-1][0]
        self._newest_call = newest
        horizon = self._horizon(newest)
        calls: dict[str, list[tuple[Any, ...]]] = {}  # key -> its rows recent enough, in order
        for row, at in candidates:
            if at is None or horizon is None or at >= horizon:
                listed = calls.get(row[1])
                if listed is None:
                    calls[row[1]] = [(row, at)]
                else:
                    listed.append((row, at))
        for key, (inp, out, read, write, cost, model) in sums.items():
            old = known.get(key)
            new = [_call(row, at) for row, at in calls.get(key, ())[-RECENT_CALLS:]]
            recent = (*old.recent, *new) if old else tuple(new)
            kept = recent[-RECENT_CALLS:]
            known[canonical.get(key, key)] = SessionUsage(
                Usage(inp, out, read, write),
                cost,
                shared(model),
                tuple(c for c in kept if horizon is None or c.at is None or c.at >= horizon),
                tuple(sorted(days[key].items())) if key in days else old.daily if old else (),
            )

    def _session(
        self,
        row: tuple[Any, ...],
        counts: dict[str, int] | None = None,
        last: dict[str, LastMessage] | None = None,
    ) -> Session:
        key, created, last_at, is_closed, turns = row[:5]
        counts = self._counts if counts is None else counts
        assert self._meta is not None  # every caller asked for the metadata reader first
        optional = self._meta.picker(OPTIONAL)(row)
        summary, channel, channel_key, title, user, is_read, is_archived, triggered_by = optional
        usage = self._usage.get(key)
        count = counts.get(key, 0)
        details = (
            ("channel_session_key", channel_key),
            ("summary", summary and one_copy(summary)),
            ("triggered_by", triggered_by),
        )
        return Session(
            format=self.format,
            store=self.store_name,
            id=key,
            name=one_copy(title) if title else key,
            created_at=parse_timestamp(created),
            last_activity=parse_timestamp(last_at),
            channel=shared(channel),
            user=shared(user),
            model=usage.model if usage else None,
            message_count=count,
            turns=turns,
            usage=usage.usage if usage else _NO_USAGE,
            cost_usd=usage.cost if usage else None,
            cost_source=CostSource.RECORDED if usage else None,
            closed=bool(is_closed),
            archived=bool(is_archived),
            closes_explicitly=True,
            read=bool(is_read) if "is_read" in self._columns else None,
            last_message=(self._last if last is None else last).get(key),
            extra=tuple(
                [(k, str(v)) for k, v in details if v is not None]
                + ([] if is_read is None else [shared_pair("is_read", is_read)])
            ),
            recent_calls=usage.recent if usage else (),
            version=(last_at, turns, count, is_closed),
            daily_cost=usage.daily if usage else (),
        )


def _call(row: tuple[Any, ...], at: datetime | None) -> ApiCall:
    """One `usage_stats` row as the call it records."""
    _, _, inp, out, read, write, cost, model, _ = row
    return ApiCall(at, shared(model), Usage(inp or 0, out or 0, read or 0, write or 0), cost)


def _day(at: datetime) -> str:
    """`at.strftime("%Y-%m-%d")`, five times faster (strftime pads years under 1000 otherwise)."""
    return at.date().isoformat() if at.year >= 1000 else at.strftime("%Y-%m-%d")


def _last_message(role: str, content: str, stamp: str | None) -> LastMessage:
    """A session's last message row as what the rules need of it (texts many sessions end
    on kept once)."""
    return last_message_of(_message(role, one_copy_of_preview(content), stamp))


def _message(role: str, content: str, stamp: str | None) -> Message:
    at = parse_timestamp(stamp)
    if role in ("tool_use", "tool_result"):
        try:
            payload = json.loads(content)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and role == "tool_use":
            call = ToolCall(
                str(payload.get("id", "")),
                str(payload.get("name", "?")),
                json.dumps(payload.get("input"), ensure_ascii=False, sort_keys=True),
            )
            return Message(Role.ASSISTANT, "", at, MessageKind.TOOL_CALL, (call,))
        if isinstance(payload, dict):
            text = payload.get("content")
            text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
            result = ToolResult(
                str(payload.get("tool_use_id", "")), text, bool(payload.get("is_error"))
            )
            return Message(Role.TOOL, text, at, MessageKind.TOOL_RESULT, tool_result=result)
        return Message(Role.TOOL, content, at, MessageKind.TOOL_RESULT)
    return Message(role, content, at)
