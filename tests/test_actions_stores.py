"""Each action on each store, read back with plain sqlite3 and file reads, the way the bot would.

Real databases with the bots' exact DDL (written by the bot impersonators), real JSONL files.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from found_sessions import sessions_of

from sessiontui.actions import Verb, list_trash, perform, prune, restore_entry
from sessiontui.actions.audit import read_audit
from sessiontui.demo.bots import HermesSqliteBot, StarpodBot, ZeroClawJsonlBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db, create_starpod_legacy_db
from sessiontui.model import Session

T0 = datetime.now(UTC) - timedelta(hours=1)


def dump(db: Path, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def zeroclaw(tmp_path: Path) -> Path:
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    for key in ("gw_a", "gw_b"):
        bot.append(key, "user", f"hello from {key}", T0)
        bot.append(key, "assistant", "hi", T0 + timedelta(seconds=5))
    bot.set_name("gw_a", "Alpha")
    bot.set_state("gw_b", "running", "turn-9", T0 + timedelta(seconds=6))
    bot.close()
    return db


async def test_zeroclaw_rename_reset_clear_delete_restore(zeroclaw: Path, state: Path) -> None:
    other_before = dump(zeroclaw, "sessions")["sessions"]
    sessions = await sessions_of(zeroclaw.parent)
    assert (await perform(sessions["gw_a"], Verb.RENAME, text="Renamed", state_dir=state)).ok
    assert dump(zeroclaw, "session_metadata")["session_metadata"][0][4] == "Renamed"

    reset = await perform(sessions["gw_b"], Verb.RESET, state_dir=state)
    assert reset.ok, reset.message
    conn = sqlite3.connect(zeroclaw)
    assert conn.execute(
        "SELECT state, turn_id, turn_started_at FROM session_metadata WHERE session_key='gw_b'"
    ).fetchone() == ("idle", None, None)

    before = dump(zeroclaw, "sessions", "session_metadata", "jsonl_import_receipts")
    sessions = await sessions_of(zeroclaw.parent)
    deleted = await perform(sessions["gw_a"], Verb.DELETE, state_dir=state)
    assert deleted.ok and deleted.trash_id
    assert conn.execute("SELECT COUNT(*) FROM sessions WHERE session_key='gw_a'").fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM session_metadata WHERE session_key='gw_a'"
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM sessions_fts WHERE sessions_fts MATCH '\"gw_a\"'"
    ).fetchone() == (0,)
    assert [r for r in dump(zeroclaw, "sessions")["sessions"] if r[1] == "gw_b"] == [
        r for r in other_before if r[1] == "gw_b"
    ]

    (entry,) = list_trash(state)
    assert (await restore_entry(entry, state_dir=state)).ok
    assert dump(zeroclaw, "sessions", "session_metadata", "jsonl_import_receipts") == before
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM sessions_fts WHERE sessions_fts MATCH '\"gw_a\"'"
        ).fetchone()[0]
        >= 1
    )
    assert list_trash(state) == []

    sessions = await sessions_of(zeroclaw.parent)
    cleared = await perform(sessions["gw_b"], Verb.CLEAR, state_dir=state)
    assert cleared.ok, cleared.message
    count, activity, _name = conn.execute(
        "SELECT message_count, last_activity, name FROM session_metadata WHERE session_key='gw_b'"
    ).fetchone()
    assert count == 0 and activity.endswith("+00:00") and not activity.endswith("Z")
    assert conn.execute("SELECT COUNT(*) FROM sessions WHERE session_key='gw_b'").fetchone() == (0,)
    conn.close()
    audit = read_audit(state)
    assert [(r["action"], r["result"]) for r in audit] == [
        ("rename", "ok"),
        ("reset", "ok"),
        ("delete", "started"),
        ("delete", "ok"),
        ("restore", "started"),
        ("restore", "ok"),
        ("clear", "started"),
        ("clear", "ok"),
    ]
    assert all(r["user"] for r in audit)
    assert audit[2]["trash"] == audit[3]["trash"] == audit[4]["trash"]


async def test_action_on_a_session_that_changed_is_refused(zeroclaw: Path, state: Path) -> None:
    sessions = await sessions_of(zeroclaw.parent)
    bot = ZeroClawSqliteBot(zeroclaw)
    bot.append("gw_a", "user", "one more thing", datetime.now(UTC))
    bot.close()
    before = dump(zeroclaw, "sessions", "session_metadata")
    outcome = await perform(sessions["gw_a"], Verb.DELETE, state_dir=state)
    assert not outcome.ok and "changed since you looked" in outcome.message
    assert dump(zeroclaw, "sessions", "session_metadata") == before
    assert list_trash(state) == []
    vanished = await perform(
        sessions["gw_a"].__class__(**{**_fields(sessions["gw_a"]), "id": "gw_zz"}),
        Verb.RENAME,
        text="x",
        state_dir=state,
    )
    assert not vanished.ok and "gone" in vanished.message


def _fields(session: Session) -> dict[str, Any]:
    return {f.name: getattr(session, f.name) for f in dataclasses.fields(session) if f.init}


async def test_rename_refused_on_a_sessions_db_without_names(tmp_path: Path, state: Path) -> None:
    db = tmp_path / "old" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db, stage=1)
    bot.append("gw_old", "user", "hi", T0)
    bot.close()
    sessions = await sessions_of(db.parent)
    outcome = await perform(sessions["gw_old"], Verb.RENAME, text="x", state_dir=state)
    assert not outcome.ok and "predates session names" in outcome.message


@pytest.fixture(params=["core", "no-archive", "legacy"])
def starpod_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    db = tmp_path / "sp" / ("session.db" if request.param == "legacy" else "core.db")
    db.parent.mkdir()
    if request.param == "legacy":
        create_starpod_legacy_db(db)
    else:
        create_starpod_db(db, archived_column=request.param == "core")
    bot = StarpodBot(db)
    bot.create_session("s1", channel="telegram", channel_session_key="42", now=T0)
    bot.save_message("s1", "user", "What is on my calendar?", T0)
    bot.save_message("s1", "assistant", "Nothing today.", T0 + timedelta(seconds=3))
    bot.touch_session("s1", T0 + timedelta(seconds=3))
    bot.record_usage(
        "s1",
        turn=1,
        input_tokens=10,
        output_tokens=20,
        cache_read=0,
        cache_write=0,
        model="claude-sonnet-4-6",
        now=T0 + timedelta(seconds=3),
    )
    bot.create_session("s2", now=T0)
    bot.close()
    return db


async def test_starpod_close_rename_read_archive_delete_restore(
    starpod_db: Path, state: Path
) -> None:
    conn = sqlite3.connect(starpod_db)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(session_metadata)")}

    async def current() -> Session:
        return (await sessions_of(starpod_db.parent))["s1"]

    assert (await perform(await current(), Verb.RENAME, text="Calendar", state_dir=state)).ok
    assert conn.execute("SELECT title FROM session_metadata WHERE id='s1'").fetchone() == (
        "Calendar",
    )
    if "is_read" in columns:
        assert (await perform(await current(), Verb.MARK_UNREAD, state_dir=state)).ok
        assert conn.execute("SELECT is_read FROM session_metadata WHERE id='s1'").fetchone() == (0,)
    archive = await perform(await current(), Verb.ARCHIVE, state_dir=state)
    assert archive.ok == ("is_archived" in columns), archive.message
    if archive.ok:
        assert conn.execute(
            "SELECT is_archived FROM session_metadata WHERE id='s1'"
        ).fetchone() == (1,)
        assert (await perform(await current(), Verb.UNARCHIVE, state_dir=state)).ok
    assert (await perform(await current(), Verb.CLOSE, text="done for today", state_dir=state)).ok
    assert conn.execute(
        "SELECT is_closed, summary FROM session_metadata WHERE id='s1'"
    ).fetchone() == (1, "done for today")

    tables = ["session_metadata", "session_messages", "usage_stats"]
    before = dump(starpod_db, *tables)
    deleted = await perform(await current(), Verb.DELETE, state_dir=state)
    assert deleted.ok, deleted.message
    assert conn.execute("SELECT COUNT(*) FROM session_metadata WHERE id='s1'").fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM session_messages WHERE session_id='s1'"
    ).fetchone() == (0,)
    assert dump(starpod_db, "usage_stats") == {"usage_stats": before["usage_stats"]}  # kept, no FK
    assert conn.execute("SELECT COUNT(*) FROM _sqlx_migrations").fetchone()[0] >= 1  # untouched
    (entry,) = list_trash(state)
    assert (await restore_entry(entry, state_dir=state)).ok
    assert dump(starpod_db, *tables) == before
    conn.close()


async def test_hermes_delete_and_prune_with_ttl(tmp_path: Path, state: Path) -> None:
    db = tmp_path / "hermes" / "sessions.db"
    db.parent.mkdir()
    bot = HermesSqliteBot(db)
    now = datetime.now(UTC)
    bot.new_thread("100.1", "web", "/src/web", "C1", "claude-sonnet-4-6", now - timedelta(days=10))
    bot.finish_turn("100.1", "sid-old", 2, now - timedelta(days=9))
    bot.new_thread("200.2", "web", "/src/web", "C1", "claude-sonnet-4-6", now - timedelta(hours=1))
    bot.new_thread(
        "300.3", "web", "/src/web", "C1", "claude-sonnet-4-6", now - timedelta(minutes=5)
    )
    bot.close()
    sessions = await sessions_of(db.parent)
    assert (await perform(sessions["300.3"], Verb.DELETE, state_dir=state)).ok

    def rows() -> list[str]:
        return [
            r[0]
            for r in sqlite3.connect(db).execute(
                "SELECT thread_ts FROM sessions ORDER BY thread_ts"
            )
        ]

    assert rows() == ["100.1", "200.2"]
    before = dump(db, "sessions")
    pruned = await prune(db, 7, state_dir=state)
    assert pruned.ok and "pruned 1 rows" in pruned.message
    assert rows() == ["200.2"]
    prune_entry = list_trash(state)[0]
    assert prune_entry.action == "prune"
    assert (await restore_entry(prune_entry, state_dir=state)).ok
    assert dump(db, "sessions") == before


async def test_zeroclaw_jsonl_delete_clear_and_restore_bytes(tmp_path: Path, state: Path) -> None:
    directory = tmp_path / "zcj"
    bot = ZeroClawJsonlBot(directory)
    bot.append("telegram_1", {"role": "user", "content": "hello"})
    bot.append("telegram_1", {"role": "assistant", "content": "hi"})
    bot.append("telegram_2", {"role": "user", "content": "other"})
    path = directory / "telegram_1.jsonl"
    original = path.read_bytes()
    sessions = await sessions_of(directory)
    cleared = await perform(sessions["telegram_1"], Verb.CLEAR, state_dir=state)
    assert cleared.ok and path.exists() and path.read_bytes() == b""
    (entry,) = list_trash(state)
    assert (await restore_entry(entry, state_dir=state)).ok
    assert path.read_bytes() == original
    sessions = await sessions_of(directory)
    assert (await perform(sessions["telegram_1"], Verb.DELETE, state_dir=state)).ok
    assert not path.exists() and (directory / "telegram_2.jsonl").exists()
    (entry,) = list_trash(state)
    assert (await restore_entry(entry, state_dir=state)).ok
    assert path.read_bytes() == original
    assert not list(directory.glob(".tmp*"))


async def test_read_only_stores_and_mode_refuse_and_write_nothing(
    tmp_path: Path, zeroclaw: Path, state: Path
) -> None:
    from sessiontui.demo.bots import ClaudeCodeWriter
    from sessiontui.demo.claude_code import text_block, usage_dict

    writer = ClaudeCodeWriter(tmp_path / "claude" / "projects")
    writer.user("sid-1", "/src/x", "hi", T0)
    transcript = writer.assistant(
        "sid-1",
        "/src/x",
        [text_block("hello")],
        model="claude-sonnet-4-6",
        usage=usage_dict(10, 5),
        now=T0,
    )
    before = transcript.read_bytes()
    claude = (await sessions_of(tmp_path / "claude"))["sid-1"]
    for verb in (Verb.DELETE, Verb.RENAME, Verb.CLOSE):
        outcome = await perform(claude, verb, text="x", state_dir=state)
        assert not outcome.ok and "read-only" in outcome.message
    assert transcript.read_bytes() == before
    zc = (await sessions_of(zeroclaw.parent))["gw_a"]
    db_before = dump(zeroclaw, "sessions", "session_metadata")
    outcome = await perform(zc, Verb.DELETE, read_only=True, state_dir=state)
    assert not outcome.ok and "--read-only" in outcome.message
    assert dump(zeroclaw, "sessions", "session_metadata") == db_before


async def test_a_bot_writing_meanwhile_loses_nothing_and_never_sees_locked(
    zeroclaw: Path, state: Path
) -> None:
    """The bot appends as fast as it can (busy_timeout 5 s) while we rename and reset."""
    stop = threading.Event()
    errors: list[str] = []
    written = [0]

    def bot_loop() -> None:
        bot = ZeroClawSqliteBot(zeroclaw, busy_timeout_ms=5000)
        try:
            while not stop.is_set():
                try:
                    bot.append("gw_busy", "user", f"message {written[0]}", datetime.now(UTC))
                    written[0] += 1
                except sqlite3.OperationalError as exc:
                    errors.append(str(exc))
        finally:
            bot.close()

    thread = threading.Thread(target=bot_loop)
    thread.start()
    try:
        for i in range(25):
            session = (await sessions_of(zeroclaw.parent))["gw_a"]
            outcome = await perform(session, Verb.RENAME, text=f"name {i}", state_dir=state)
            assert outcome.ok, outcome.message
    finally:
        stop.set()
        thread.join()
    assert errors == []
    conn = sqlite3.connect(zeroclaw)
    assert conn.execute("SELECT COUNT(*) FROM sessions WHERE session_key='gw_busy'").fetchone() == (
        written[0],
    )
    assert conn.execute(
        "SELECT message_count FROM session_metadata WHERE session_key='gw_busy'"
    ).fetchone() == (written[0],)
    assert conn.execute(
        "SELECT name FROM session_metadata WHERE session_key='gw_a'"
    ).fetchone() == ("name 24",)
    assert written[0] > 25


async def test_no_delete_without_a_copy_in_the_trash(zeroclaw: Path, tmp_path: Path) -> None:
    """When the trash cannot be written, the delete rolls back: nothing is lost."""
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the state dir should be")
    before = dump(zeroclaw, "sessions", "session_metadata")
    session = (await sessions_of(zeroclaw.parent))["gw_a"]
    outcome = await perform(session, Verb.DELETE, state_dir=blocked / "state")
    assert not outcome.ok and "Not a directory" in outcome.message
    assert "audit log not written" in outcome.message  # said, not raised
    assert dump(zeroclaw, "sessions", "session_metadata") == before
