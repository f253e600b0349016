"""ZeroClaw and Starpod keep little per session, and still give the sessions a full read gives.

Each store is read as the dashboard reads it (a first read, then polls after the bot wrote),
and compared with a store opened afresh on the final file; Starpod's usage also with the
plain per-row sums the bot's own `session_usage` describes, in row order.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.demo.bots import StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.model import ApiCall, Session, Usage
from sessiontui.stores import starpod
from sessiontui.stores.claude_transcript import RECENT_CALLS
from sessiontui.stores.starpod import KEEP_CALLS_FOR, StarpodStore
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore
from sessiontui.timestamps import parse_timestamp

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def fresh(
    store_type: type[StarpodStore | ZeroClawSqliteStore], path: Path
) -> dict[str, Session]:
    store = store_type(path)
    try:
        return {s.id: s for s in (await store.refresh()).sessions}
    finally:
        await store.close()


def reference_usage(
    path: Path, recent_calls: int = RECENT_CALLS
) -> dict[str, tuple[Usage, float, str | None, tuple[ApiCall, ...], tuple[tuple[str, float], ...]]]:
    """Per session, in row order: token sums, dollars, last model, kept calls, dollars per day."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT session_id, input_tokens, output_tokens, cache_read, cache_write, cost_usd, model, "
        "timestamp FROM usage_stats ORDER BY id"
    ).fetchall()
    conn.close()
    newest = max(at for r in rows if (at := parse_timestamp(r[7])) is not None)
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for key, inp, outp, read, write, cost, model, stamp in rows:
        usage, dollars, last_model, calls, days = out.get(key) or [Usage(), 0.0, None, [], {}]
        call = Usage(inp, outp, read, write)
        at = parse_timestamp(stamp)
        calls = [*calls, ApiCall(at, model, call, cost)][-recent_calls:]
        if at is not None and cost:
            day = at.strftime("%Y-%m-%d")
            days[day] = days.get(day, 0.0) + cost
        out[key] = [usage + call, dollars + (cost or 0.0), model or last_model, calls, days]
    return {
        key: (
            u,
            d,
            m,
            tuple(c for c in calls if c.at >= newest - KEEP_CALLS_FOR),
            tuple(sorted(days.items())),
        )
        for key, (u, d, m, calls, days) in out.items()
    }


@pytest.mark.parametrize("chunk", [50_000, 7])  # usage read at once, or in many chunks
async def test_starpod_polls_give_a_full_reads_sessions_and_the_plain_sums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(starpod, "USAGE_CHUNK", chunk)

    path = tmp_path / "core.db"
    create_starpod_db(path, now=NOW - timedelta(days=10))
    bot = StarpodBot(path)
    store = StarpodStore(path)
    rng = random.Random(7)
    try:
        for n in range(12):
            bot.create_session(f"s{n}", now=NOW - timedelta(days=3))
        for batch in range(4):  # the first read, then three polls after more requests
            for _ in range(30):
                n = rng.randrange(12)
                sid, hours = f"s{n}", 70 if n < 4 else rng.choice([1, 30, 70])  # s0-s3: long idle
                at = NOW - timedelta(hours=hours, minutes=batch)
                bot.save_message(sid, "user", "go on", at)
                bot.touch_session(sid, at)
                bot.record_usage(
                    sid, turn=1, input_tokens=rng.randint(1, 9), output_tokens=rng.randint(1, 900),
                    cache_read=12_000, cache_write=rng.randint(0, 300),
                    model=rng.choice(["claude-sonnet-4-6", "claude-opus-4-6"]),
                    cost_usd=rng.choice([0.1, 0.2, 0.3, 0.0]), now=at,
                )  # fmt: skip
            polled = {s.id: s for s in (await store.refresh()).sessions}
        assert polled == await fresh(StarpodStore, path)
        expected = reference_usage(path)
        assert {
            key: (s.usage, s.cost_usd, s.model, s.recent_calls, s.daily_cost)
            for key, s in polled.items()
            if key in expected
        } == expected
        assert any(not s.recent_calls for s in polled.values())  # old ones keep no calls
        assert any(s.recent_calls for s in polled.values())
    finally:
        await store.close()
        bot.close()


@pytest.mark.parametrize("chunk", [50_000, 1])  # many calls per session in one read, or one
async def test_starpod_keeps_each_sessions_last_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """More calls than a session keeps, all recent: the last ones in row order, however read."""
    monkeypatch.setattr(starpod, "USAGE_CHUNK", chunk)
    monkeypatch.setattr(starpod, "RECENT_CALLS", 3)
    path = tmp_path / "core.db"
    create_starpod_db(path, now=NOW - timedelta(days=1))
    bot = StarpodBot(path)
    store = StarpodStore(path)
    rng = random.Random(11)
    try:
        for n in range(3):
            bot.create_session(f"s{n}", now=NOW - timedelta(hours=20))
        for poll in range(2):
            for i in range(20):
                at = NOW - timedelta(minutes=rng.randrange(600))  # out of order, all recent
                bot.record_usage(
                    f"s{rng.randrange(3)}", turn=i, input_tokens=i, output_tokens=poll,
                    cache_read=0, cache_write=0, model="claude-opus-4-6", cost_usd=0.1, now=at,
                )  # fmt: skip
            sessions = (await store.refresh()).sessions
        assert {s.id: s.recent_calls for s in sessions} == {
            key: value[3] for key, value in reference_usage(path, 3).items()
        }
        assert all(len(s.recent_calls) == 3 for s in sessions)
    finally:
        await store.close()
        bot.close()


#: One usage row: its session, its age in hours (in any order: a call may be written late) and
#: its dollars.
_USAGE_ROW = st.tuples(
    st.integers(0, 3),
    st.sampled_from([0.0, 20.0, 47.5, 48.0, 48.5, 100.0]),
    st.sampled_from([0.1, 0.25, 0.0]),
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_USAGE_ROW, min_size=1, max_size=24), chunk=st.integers(1, 30))
def test_starpod_first_usage_read_in_any_chunks_keeps_the_calls_of_the_plain_sums(
    rows: list[tuple[int, float, float]], chunk: int
) -> None:
    """Calls in any time order, read at once or a few rows at a time: each session keeps the
    calls a plain pass over every row keeps (48 hours back from the newest call), and the same
    sums, model and dollars per day. (The first read sets aside only the rows past the horizon
    known before each chunk, then holds them to the chunk's own.)"""

    async def read(path: Path) -> dict[str, Session]:
        bot = StarpodBot(path)
        try:
            for n in range(4):
                bot.create_session(f"s{n}", now=NOW - timedelta(days=10))
            for i, (n, hours, cost) in enumerate(rows):
                bot.record_usage(
                    f"s{n}", turn=i, input_tokens=i, output_tokens=1, cache_read=0,
                    cache_write=0, model="claude-opus-4-6", cost_usd=cost,
                    now=NOW - timedelta(hours=hours),
                )  # fmt: skip
        finally:
            bot.close()
        return await fresh(StarpodStore, path)

    original = starpod.USAGE_CHUNK
    starpod.USAGE_CHUNK = chunk
    try:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "core.db"
            create_starpod_db(path, now=NOW - timedelta(days=11))
            sessions = asyncio.run(read(path))
            expected = reference_usage(path)
    finally:
        starpod.USAGE_CHUNK = original
    assert {
        key: (s.usage, s.cost_usd, s.model, s.recent_calls, s.daily_cost)
        for key, s in sessions.items()
        if key in expected
    } == expected


class DeletedAfterTheGuess(StarpodStore):
    """A first usage read keeps calls from the time of the last row by id on (its guess at the
    newest call). Here the bot deletes the newest call between the guess and the read (a session removed)."""

    async def _last_call_time(self) -> datetime | None:
        guess = await super()._last_call_time()
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("DELETE FROM usage_stats WHERE id = (SELECT MAX(id) FROM usage_stats)")
            conn.commit()
        finally:
            conn.close()
        return guess


@pytest.mark.parametrize("chunk", [50_000, 4])
async def test_a_guess_whose_row_is_deleted_meanwhile_reads_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(starpod, "USAGE_CHUNK", chunk)
    path = tmp_path / "core.db"
    create_starpod_db(path, now=NOW - timedelta(days=5))
    bot = StarpodBot(path)
    try:
        for n in range(3):
            bot.create_session(f"s{n}", now=NOW - timedelta(days=4))
        # Calls 70 to 30 hours old, then one now: kept from 48 hours before it, the 70-hour-old
        # calls are dropped; without it, from 48 hours before the 30-hour-old ones: all kept.
        for i, hours in enumerate([70, 60, 50, 40, 30, 70, 35, 0]):
            bot.record_usage(
                f"s{i % 3}", turn=i, input_tokens=i, output_tokens=1, cache_read=0,
                cache_write=0, model="claude-opus-4-6", cost_usd=0.1,
                now=NOW - timedelta(hours=hours),
            )  # fmt: skip
    finally:
        bot.close()
    store = DeletedAfterTheGuess(path)
    try:
        sessions = {s.id: s for s in (await store.refresh()).sessions}
    finally:
        await store.close()
    assert sessions == await fresh(StarpodStore, path)
    expected = reference_usage(path)
    assert {key: s.recent_calls for key, s in sessions.items()} == {
        key: value[3] for key, value in expected.items()
    }
    assert min(c.at for s in sessions.values() for c in s.recent_calls if c.at) == NOW - timedelta(
        hours=70
    )


async def test_zeroclaw_polls_give_a_full_reads_sessions(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    store = ZeroClawSqliteStore(path)
    try:
        for n in range(20):
            for i in range(3):
                bot.append(f"gw_{n}", "user" if i % 2 == 0 else "assistant", "hi", NOW)
        await store.refresh()
        bot.append("gw_1", "user", "[Tool results]\nok", NOW + timedelta(seconds=5))
        bot.set_state("gw_2", "running", "t1", NOW)
        bot.conn.execute("DELETE FROM sessions WHERE session_key = 'gw_3'")  # cleared, then anew
        bot.conn.execute("DELETE FROM session_metadata WHERE session_key = 'gw_3'")
        bot.append("gw_3", "user", "again", NOW + timedelta(seconds=9))
        bot.set_name("gw_4", "renamed")
        store.reconcile_next()
        polled = {s.id: s for s in (await store.refresh()).sessions}
        assert polled == await fresh(ZeroClawSqliteStore, path)
        assert (polled["gw_3"].turns, polled["gw_1"].turns, polled["gw_4"].name) == (
            1,
            2,
            "renamed",
        )
        assert polled["gw_2"].store is polled["gw_5"].store  # one string for every session
    finally:
        await store.close()
        bot.close()


def assert_held_keys_are_the_sessions_own(
    sessions: dict[str, Session], *kept: Mapping[str, object]
) -> None:
    """Every per-session dict a store keeps holds each session's own `id` as its key, not a
    copy of it."""
    for held in kept:
        assert set(held) == set(sessions)
        assert {key for key in held if key is not sessions[key].id} == set()


async def test_zeroclaw_keeps_one_string_per_session_key(tmp_path: Path) -> None:
    """Each query hands back its own copy of every key; the store's dicts keep the session's."""
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    store = ZeroClawSqliteStore(path)
    try:
        for poll in range(2):  # the first read, then a poll that finds new sessions
            for n in range(5):
                bot.append(f"gw_{poll}_{n}", "user", "hi", NOW + timedelta(seconds=poll))
            sessions = {s.id: s for s in (await store.refresh()).sessions}
        assert len(sessions) == 10
        meta = await store.metadata_reader()
        assert_held_keys_are_the_sessions_own(sessions, store._sessions, store._turns, meta.known)
    finally:
        await store.close()
        bot.close()


async def test_starpod_keeps_one_string_per_session_key(tmp_path: Path) -> None:
    path = tmp_path / "core.db"
    create_starpod_db(path, now=NOW - timedelta(days=1))
    bot = StarpodBot(path)
    store = StarpodStore(path)
    try:
        for poll in range(2):  # the first read, then a poll that finds new sessions
            for n in range(5):
                sid, at = f"s{poll}_{n}", NOW - timedelta(minutes=10 - poll)
                bot.create_session(sid, now=at)
                bot.save_message(sid, "user", "go on", at)
                bot.record_usage(
                    sid, turn=1, input_tokens=1, output_tokens=2, cache_read=0, cache_write=0,
                    model="claude-opus-4-6", cost_usd=0.1, now=at,
                )  # fmt: skip
            sessions = {s.id: s for s in (await store.refresh()).sessions}
        assert len(sessions) == 10
        meta = await store.metadata_reader()
        assert_held_keys_are_the_sessions_own(
            sessions, store._sessions, store._counts, store._last, store._usage, meta.known
        )
    finally:
        await store.close()
        bot.close()


async def test_texts_many_sessions_repeat_are_kept_once(tmp_path: Path) -> None:
    """Each row read brings its own copy of a name, title or last message; sessions that say
    the same keep one object (at 100k sessions of a few texts, ~10-20 MB of copies)."""
    zeroclaw, starpod_path = tmp_path / "sessions.db", tmp_path / "core.db"
    bot = ZeroClawSqliteBot(zeroclaw)
    create_starpod_db(starpod_path, now=NOW - timedelta(days=1))
    pod = StarpodBot(starpod_path)
    try:
        for n in range(3):
            bot.append(f"gw_{n}", "user", "nightly " + "report", NOW)  # built: equal, not one
            bot.set_name(f"gw_{n}", "cron " + "job")
            pod.create_session(f"s{n}", now=NOW)
            pod.save_message(f"s{n}", "user", "daily " + "digest", NOW)  # also the title
    finally:
        bot.close()
        pod.close()
    read = [await fresh(ZeroClawSqliteStore, zeroclaw), await fresh(StarpodStore, starpod_path)]
    for sessions in read:
        first, *others = sessions.values()
        assert first.last_message is not None
        for other in others:
            assert other.last_message is not None
            assert other.name is first.name and other.name != other.id
            assert other.last_message.preview is first.last_message.preview
