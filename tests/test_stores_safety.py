"""Reading a bot's store must never disturb the bot: no waits past its busy timeout, no WAL
that cannot be checkpointed, no byte written. And the data side never imports Textual."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessiontui.demo.bots import (
    ClaudeCodeWriter,
    HermesJsonBot,
    HermesSqliteBot,
    StarpodBot,
    ZeroClawJsonlBot,
    ZeroClawSqliteBot,
)
from sessiontui.demo.botschema import create_starpod_db, create_zeroclaw_db
from sessiontui.stores import find_stores, open_stores
from sessiontui.stores.base import StoreError
from sessiontui.stores.sqlite_read import ReadOnlyDatabase, readonly_uri
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

WRITE_SECONDS = 60.0  # at most; the run ends as soon as enough was written and read
BUSY_TIMEOUT_MS = 5000  # hermes-bot's and Starpod's
CHECKPOINT_EVERY = 100


@dataclass
class WriterLog:
    commits: int = 0
    errors: list[str] = field(default_factory=list)
    slowest: float = 0.0
    checkpoints: list[tuple[int, int, int]] = field(default_factory=list)


def keep_writing(path: Path, stop: threading.Event, log: WriterLog) -> None:
    """A bot appending ZeroClaw messages, one `BEGIN IMMEDIATE` transaction each, and asking
    for a TRUNCATE checkpoint now and then (which must wait out every reader to succeed)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    n = 0
    try:
        while not stop.is_set():
            key, stamp = f"k{n % 7}", datetime.now(UTC).isoformat()
            started = time.monotonic()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "INSERT INTO sessions (session_key, role, content, created_at) VALUES (?1, ?2, ?3, ?4)",
                    (
                        key,
                        "user" if n % 2 == 0 else "assistant",
                        f"message {n} " + "x" * 300,
                        stamp,
                    ),
                )
                conn.execute(
                    "INSERT INTO session_metadata (session_key, created_at, last_activity, message_count) "
                    "VALUES (?1, ?2, ?3, 1) ON CONFLICT(session_key) DO UPDATE SET "
                    "last_activity = excluded.last_activity, message_count = message_count + 1",
                    (key, stamp, stamp),
                )
                conn.execute("COMMIT")
                log.commits += 1
            except sqlite3.Error as exc:
                log.errors.append(str(exc))
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            log.slowest = max(log.slowest, time.monotonic() - started)
            n += 1
            if n % CHECKPOINT_EVERY == 0:
                log.checkpoints.append(conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
    finally:
        conn.close()


async def test_reading_beside_a_busy_writer(tmp_path: Path) -> None:
    path = create_zeroclaw_db(tmp_path / "sessions.db")
    wal = Path(f"{path}-wal")
    stop, log = threading.Event(), WriterLog()
    writer = threading.Thread(target=keep_writing, args=(path, stop, log))
    store = ZeroClawSqliteStore(path)
    reads, read_errors, wal_sizes = 0, [], []
    writer.start()
    try:
        deadline = time.monotonic() + WRITE_SECONDS  # a bound on the run, not a figure
        while (
            log.commits < 400 or reads < 60 or len(log.checkpoints) < 3
        ) and time.monotonic() < deadline:
            try:
                report = await store.refresh()
                if report.sessions:
                    await store.read_messages(report.sessions[0], limit=50)
                reads += 1
            except StoreError as exc:
                read_errors.append(str(exc))
            wal_sizes.append(wal.stat().st_size if wal.exists() else 0)
            await asyncio.sleep(0)
    finally:
        stop.set()
        writer.join()
    try:
        assert read_errors == [] and reads > 50
        assert log.errors == [], "the writer hit 'database is locked'"
        assert log.commits > 300
        # Every checkpoint ran to completion (busy == 0) while we kept polling...
        assert len(log.checkpoints) >= 3
        assert [c[0] for c in log.checkpoints] == [0] * len(log.checkpoints)
        # ... so the WAL never grew past what 100 commits write.
        assert max(wal_sizes) < 16 * 1024 * 1024

        # And what we read is exact: turns equal the user rows, though rows kept arriving.
        report = await store.refresh()
        with sqlite3.connect(readonly_uri(path), uri=True) as check:
            real = dict(
                check.execute(
                    "SELECT session_key, COUNT(*) FROM sessions WHERE role = 'user' GROUP BY session_key"
                )
            )
            counts = dict(check.execute("SELECT session_key, message_count FROM session_metadata"))
        check.close()
        assert {s.id: s.turns for s in report.sessions} == real
        assert {s.id: s.message_count for s in report.sessions} == counts
    finally:
        await store.close()


def test_a_held_read_transaction_would_block_the_checkpoint(tmp_path: Path) -> None:
    """The control for the test above: its checkpoint assertion can fail. A reader that keeps
    a transaction open (an unfinished cursor is enough) stops TRUNCATE from completing."""
    path = create_zeroclaw_db(tmp_path / "sessions.db")
    writer = ZeroClawSqliteBot(path)
    writer.append("k", "user", "one")
    reader = sqlite3.connect(readonly_uri(path), uri=True, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM sessions").fetchall()
    writer.append("k", "user", "two")
    writer.conn.execute("PRAGMA busy_timeout = 100")
    assert writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 1  # busy
    reader.execute("COMMIT")
    assert writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    reader.close()
    writer.close()


def fingerprint(paths: list[Path]) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


async def test_reading_never_writes(tmp_path: Path) -> None:
    """Every store read end to end (detect, refresh, transcript) while no bot runs: the
    files' bytes and mtimes are as the bots left them."""
    hermes = HermesSqliteBot(tmp_path / "hermes" / "sessions.db")
    hermes.new_thread("1.1", "repo", "/src/repo", "C1", "claude-opus-4-6")
    hermes.finish_turn("1.1", "cc-1", 1)
    hermes.close()
    HermesJsonBot(tmp_path / "legacy" / "sessions.json").new_thread(
        "2.2", "repo", "/src/repo", "C1", None
    )
    zeroclaw = ZeroClawSqliteBot(tmp_path / "zc" / "sessions.db")
    zeroclaw.append("gw_1", "user", "hi")
    zeroclaw.set_state("gw_1", "running", "t1")
    zeroclaw.close()
    jsonl = ZeroClawJsonlBot(tmp_path / "zc").append(
        "telegram_1", {"role": "user", "content": "hi"}
    )
    starpod_path = create_starpod_db(tmp_path / "sp" / ".starpod" / "db" / "core.db")
    starpod = StarpodBot(starpod_path)
    starpod.create_session("s1")
    starpod.save_message("s1", "user", "hi")
    starpod.record_usage(
        "s1",
        turn=1,
        input_tokens=1,
        output_tokens=1,
        cache_read=0,
        cache_write=0,
        model="claude-opus-4-6",
    )
    starpod.close()
    transcript = ClaudeCodeWriter(tmp_path / "claude" / "projects").user("cc-1", "/src/repo", "hi")

    files = [
        tmp_path / "hermes" / "sessions.db",
        tmp_path / "legacy" / "sessions.json",
        tmp_path / "zc" / "sessions.db",
        jsonl,
        starpod_path,
        transcript,
    ]
    before = fingerprint(files)
    found, errors = find_stores([tmp_path])
    assert errors == [] and len(found) == 6
    stores = open_stores(found)
    try:
        for store in stores:
            report = await store.refresh()
            for session in report.sessions:
                page = await store.read_messages(session)
                await store.read_new_messages(session, page.newer)
            await store.refresh()
    finally:
        for store in stores:
            await store.close()
    assert fingerprint(files) == before


async def test_sqlite_read_connection_refuses_writes(tmp_path: Path) -> None:
    bot = HermesSqliteBot(tmp_path / "sessions.db")
    bot.new_thread("1.1", "repo", "/src/repo", "C1", None)
    bot.close()
    before = fingerprint([tmp_path / "sessions.db"])
    assert readonly_uri(tmp_path / "sessions.db").endswith("?mode=ro")
    db = ReadOnlyDatabase(tmp_path / "sessions.db")
    try:
        assert await db.fetchall("PRAGMA query_only") == [(1,)]
        for sql in (
            (
                "INSERT INTO sessions (thread_ts, session_id, repo, repo_path, channel_id, "
                "created_at, last_active) VALUES ('x', 'x', 'x', 'x', 'x', 'x', 'x')"
            ),
            "UPDATE sessions SET status = 'error'",
            "DELETE FROM sessions",
            "CREATE INDEX idx_extra ON sessions(repo)",
            "PRAGMA user_version = 7",
        ):
            with pytest.raises(StoreError, match="readonly"):
                await db.fetchall(sql)
        assert [tuple(r) for r in await db.fetchall("SELECT thread_ts, status FROM sessions")] == [
            ("1.1", "active")
        ]
    finally:
        await db.close()
    assert fingerprint([tmp_path / "sessions.db"]) == before


def test_data_side_never_imports_textual() -> None:
    code = (
        "import sys\n"
        "import sessiontui.stores, sessiontui.rules.state, sessiontui.rules.pricing\n"
        "import sessiontui.live.jsonl_tail, sessiontui.snapshot, sessiontui.timestamps, sessiontui.text\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.stdout.strip() == "", f"imported: {result.stdout.strip()}"
    assert result.stderr == ""
