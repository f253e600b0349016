"""Regression tests for the ways an action could lose data or harm the bot (found in review)."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sessiontui.actions import Verb, journal, list_trash, perform, recovery, restore_entry
from sessiontui.demo.bots import StarpodBot, ZeroClawJsonlBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.model import Session
from sessiontui.stores import metadata_rows
from sessiontui.stores.starpod import StarpodStore
from sessiontui.stores.zeroclaw_jsonl import ZeroClawJsonlStore
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime.now(UTC) - timedelta(hours=5)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def read(store: Any) -> dict[str, Session]:
    return {s.id: s for s in (await store.refresh()).sessions}


@pytest.mark.parametrize("when", ["before the copy", "after the copy"])
async def test_a_message_the_daemon_appends_during_a_jsonl_delete_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    bot = ZeroClawJsonlBot(tmp_path / "sessions")
    bot.append("telegram_1", {"role": "user", "content": "first"})
    store = ZeroClawJsonlStore(tmp_path / "sessions")
    session = (await read(store))["telegram_1"]
    real_begin = journal.begin

    def daemon_appends(**kwargs: Any) -> Any:  # the daemon appends around our copy to the trash
        if when == "before the copy":
            bot.append("telegram_1", {"role": "assistant", "content": "LATE MESSAGE"})
        entry = real_begin(**kwargs)
        if when == "after the copy":
            bot.append("telegram_1", {"role": "assistant", "content": "LATE MESSAGE"})
        return entry

    monkeypatch.setattr("sessiontui.actions.zeroclaw_jsonl.begin", daemon_appends)
    outcome = await perform(session, Verb.DELETE, state_dir=tmp_path / "state")
    assert not outcome.ok and "changed since you looked" in outcome.message
    assert "LATE MESSAGE" in (tmp_path / "sessions" / "telegram_1.jsonl").read_text()
    assert "first" in (tmp_path / "sessions" / "telegram_1.jsonl").read_text()
    assert list_trash(tmp_path / "state") == []
    assert not list((tmp_path / "sessions").glob(".*staging"))


async def test_restore_when_the_bot_reused_the_rowid(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_old", "user", "one", T0)
    bot.append("gw_new", "user", "two", T0)
    store = ZeroClawSqliteStore(db)
    try:
        assert (
            await perform((await read(store))["gw_new"], Verb.DELETE, state_dir=tmp_path / "s")
        ).ok
        bot.append("gw_other", "user", "three", datetime.now(UTC))  # takes the freed rowid
        (entry,) = list_trash(tmp_path / "s")
        outcome = await restore_entry(entry, state_dir=tmp_path / "s")
        assert outcome.ok, outcome.message
        keys = {r[0] for r in rows(db, "SELECT session_key FROM session_metadata")}
        assert keys == {"gw_old", "gw_new", "gw_other"}
    finally:
        await store.close()
        bot.close()


async def test_clear_then_restore_puts_the_metadata_back_exactly(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    for i in range(4):
        bot.append(
            "gw_a", "user" if i % 2 == 0 else "assistant", f"m{i}", T0 + timedelta(seconds=i)
        )
    bot.close()
    before = rows(db, "SELECT * FROM session_metadata")
    store = ZeroClawSqliteStore(db)
    try:
        assert (await perform((await read(store))["gw_a"], Verb.CLEAR, state_dir=tmp_path / "s")).ok
        assert rows(db, "SELECT message_count FROM session_metadata") == [(0,)]
        (entry,) = list_trash(tmp_path / "s")
        assert (await restore_entry(entry, state_dir=tmp_path / "s")).ok
        assert rows(db, "SELECT * FROM session_metadata") == before
    finally:
        await store.close()


async def test_the_write_lock_is_not_held_while_the_trash_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ZeroClaw's own connection waits for no lock: a write of the daemon's meanwhile must pass."""
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "hello", T0)
    bot.append("gw_b", "user", "other", T0)
    errors: list[str] = []
    real_write = journal.begin

    def trash_while_the_daemon_writes(**kwargs: Any) -> Any:
        entry = real_write(**kwargs)
        daemon = ZeroClawSqliteBot(db)  # no busy_timeout, as the daemon
        try:
            daemon.append("gw_b", "assistant", "written during the delete", datetime.now(UTC))
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))
        finally:
            daemon.close()
        return entry

    monkeypatch.setattr("sessiontui.actions.zeroclaw_sqlite.begin", trash_while_the_daemon_writes)
    store = ZeroClawSqliteStore(db)
    try:
        outcome = await perform((await read(store))["gw_a"], Verb.DELETE, state_dir=tmp_path / "s")
        assert outcome.ok, outcome.message
    finally:
        await store.close()
        bot.close()
    assert errors == []
    assert rows(db, "SELECT message_count FROM session_metadata WHERE session_key = 'gw_b'") == [
        (2,)
    ]


async def test_reset_leaves_a_state_the_daemon_changed_meanwhile(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "go", T0)
    bot.set_state("gw_a", "running", "t1", T0)
    store = ZeroClawSqliteStore(db)
    try:
        session = (await read(store))["gw_a"]
        bot.set_state("gw_a", "error", "t1", datetime.now(UTC))  # the turn failed meanwhile
        outcome = await perform(session, Verb.RESET, state_dir=tmp_path / "s")
        assert not outcome.ok and "no longer running" in outcome.message
        assert rows(db, "SELECT state FROM session_metadata") == [("error",)]
    finally:
        await store.close()
        bot.close()


async def test_reconcile_happens_without_a_new_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata_rows, "RECONCILE_SECONDS", 0.0)
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "hi", T0)
    bot.append("gw_b", "user", "hi", T0)
    store = ZeroClawSqliteStore(db)
    try:
        await store.refresh()
        bot.append("gw_b", "assistant", "hello", datetime.now(UTC))
        await store.refresh()  # a partial read
        bot.set_name("gw_a", "renamed")  # moves no watermark
        await store.refresh()  # may be partial too
        assert (await read(store))["gw_a"].name == "renamed"  # no commit since: reconciled anyway
    finally:
        await store.close()
        bot.close()


async def test_a_restored_starpod_session_counts_its_messages_and_accepts_actions(
    tmp_path: Path,
) -> None:
    db = tmp_path / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    bot.create_session("s1", now=T0)
    for text in ("a", "b", "c"):
        bot.save_message("s1", "user", text, T0)
    bot.touch_session("s1", T0)
    bot.close()
    store = StarpodStore(db)
    try:
        assert (await perform((await read(store))["s1"], Verb.DELETE, state_dir=tmp_path / "s")).ok
        assert "s1" not in await read(store)
        (entry,) = list_trash(tmp_path / "s")
        assert (await restore_entry(entry, state_dir=tmp_path / "s")).ok
        restored = (await read(store))["s1"]
        assert restored.message_count == 3 and restored.last_message is not None
        assert (await perform(restored, Verb.RENAME, text="back", state_dir=tmp_path / "s")).ok
    finally:
        await store.close()


def test_snapshot_json_keeps_controls_and_bidi_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sessiontui.cli import main

    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    bot.append("gw_a", "user", "x", T0)
    bot.set_name("gw_a", "evil \x1b[2J \x9b1m \u202ereversed")
    bot.close()
    assert main(["snapshot", "--json", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x1b\x9b\u202e")
    assert json.loads(out)["name"] == "evil \x1b[2J \x9b1m \u202ereversed"


def test_no_file_is_created_at_a_store_path_that_is_gone(tmp_path: Path) -> None:
    from sessiontui.actions.sqlite_write import immediate

    gone = tmp_path / "sessions.db"
    with pytest.raises(sqlite3.OperationalError), immediate(gone):
        pass
    assert not gone.exists()


async def test_a_staged_file_left_by_a_sessiontui_before_the_journal_is_put_back(
    tmp_path: Path,
) -> None:
    """A run killed inside the old `_stage()` left only `.<key>.jsonl.sessiontui-staging`, with
    no trash entry: the next start puts it back, and the bot's reader sees the session again."""
    sessions = tmp_path / "sessions"
    bot = ZeroClawJsonlBot(sessions)
    bot.append("telegram_1", {"role": "user", "content": "hidden by a killed delete"})
    os.rename(sessions / "telegram_1.jsonl", journal.staging_path(sessions, "telegram_1.jsonl"))
    assert "telegram_1" not in await read(ZeroClawJsonlStore(sessions))

    notes = recovery.recovery_notes(tmp_path / "state", directories=((sessions, "zeroclaw-jsonl"),))

    assert len(notes) == 1 and "put back" in notes[0]
    assert (await read(ZeroClawJsonlStore(sessions)))["telegram_1"].message_count == 1
    assert not list(sessions.glob(".*staging")) and list_trash(tmp_path / "state") == []


async def test_a_stray_staged_file_whose_name_the_bot_took_again_goes_to_the_trash(
    tmp_path: Path,
) -> None:
    sessions, state = tmp_path / "sessions", tmp_path / "state"
    bot = ZeroClawJsonlBot(sessions)
    bot.append("telegram_1", {"role": "user", "content": "OLD TEXT"})
    bot.append("telegram_1", {"role": "assistant", "content": "old reply"})
    os.rename(sessions / "telegram_1.jsonl", journal.staging_path(sessions, "telegram_1.jsonl"))
    bot.append("telegram_1", {"role": "user", "content": "new text"})  # the bot starts anew

    (note,) = recovery.recovery_notes(state, directories=((sessions, "zeroclaw-jsonl"),))

    assert "kept in the trash" in note
    assert not list(sessions.glob(".*staging"))
    assert "OLD TEXT" not in (sessions / "telegram_1.jsonl").read_text()  # the bot's file untouched
    (entry,) = list_trash(state)
    assert entry.session_id == "telegram_1" and entry.messages == 2
    refused = await restore_entry(entry, state_dir=state)
    assert not refused.ok and "exists again" in refused.message
    (sessions / "telegram_1.jsonl").unlink()  # the operator moves the new one away
    assert (await restore_entry(entry, state_dir=state)).ok
    assert "OLD TEXT" in (sessions / "telegram_1.jsonl").read_text()
    assert recovery.recovery_notes(state, directories=((sessions, "zeroclaw-jsonl"),)) == []


async def test_a_staged_file_of_an_unfinished_entry_is_left_to_recovery(tmp_path: Path) -> None:
    sessions, state = tmp_path / "sessions", tmp_path / "state"
    ZeroClawJsonlBot(sessions).append("telegram_1", {"role": "user", "content": "x"})
    session = (await read(ZeroClawJsonlStore(sessions)))["telegram_1"]
    entry = journal.begin(
        action="delete",
        fmt=str(session.format),
        store=session.store,
        session_id=session.id,
        name=session.name,
        messages=1,
        files=[(Path(str(session.source_path)), "telegram_1.jsonl")],
        state_dir=state,
    )
    journal.stage(entry, Path(str(session.source_path)), "changed")
    assert recovery.adopt_strays(sessions, "zeroclaw-jsonl", state) == []  # its entry owns it
    assert journal.staging_path(sessions, "telegram_1.jsonl").exists()
