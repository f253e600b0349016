"""Hermes Agent actions with the bot's own semantics (STORES.md 7.7), read back with the bot's
own queries: rename with user provenance and the compression-ancestor title transfer, archive and
read across the lineage, the delete cascade guarded by the exact id set, trash and undo."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sessiontui.actions import Verb, list_trash, perform, restore_entry
from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.model import Session
from sessiontui.stores.hermes_agent import HermesAgentStore

NOW = datetime.now(UTC)


def q(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    bot = HermesAgentBot(path)

    def ago(**kw: float) -> datetime:
        return NOW - timedelta(**kw)

    bot.create_session(
        "root", "cli", title="Refactor parser", title_source="user", now=ago(hours=5)
    )
    bot.append_message("root", "user", "refactor", now=ago(hours=5))
    bot.record_usage("root", "m1", input_tokens=10, output_tokens=1, cost_usd=0.1, now=ago(hours=5))
    bot.compress("root", "tip", now=ago(hours=4))
    bot.append_message("tip", "user", "go on", now=ago(hours=4))
    bot.end_session("tip", "new_session", now=ago(hours=3))
    bot.create_session(
        "helper", "subagent", parent="tip", model_config={"_delegate_from": "tip"}, now=ago(hours=4)
    )
    bot.append_message("helper", "user", "look it up", now=ago(hours=4))
    bot.create_session(
        "branch", "cli", parent="root", model_config={"_branched_from": "root"}, now=ago(hours=4)
    )
    bot.create_session("other", "telegram", title="Calendar", now=ago(hours=1))
    bot.append_message("other", "user", "hi", now=ago(minutes=50))
    bot.close()
    return path


async def sessions(db: Path) -> dict[str, Session]:
    return {s.id: s for s in (await HermesAgentStore(db).refresh()).sessions}


async def test_rename_with_user_provenance_and_title_transfer(db: Path, tmp_path: Path) -> None:
    tip = (await sessions(db))["tip"]
    assert tip.name == "Refactor parser"  # the root's title: the tip has none yet
    done = await perform(tip, Verb.RENAME, text="  Parser\u200b  work\x07 ", state_dir=tmp_path)
    assert done.ok, done.message
    assert q(db, "SELECT title, title_source FROM sessions WHERE id = 'tip'") == [
        ("Parser work", "user")
    ]
    # The root's title moves to the tip: a compression ancestor gives its title up.
    tip = (await sessions(db))["tip"]
    assert (await perform(tip, Verb.RENAME, text="Refactor parser", state_dir=tmp_path)).ok
    assert q(db, "SELECT id, title FROM sessions WHERE id IN ('root', 'tip') ORDER BY id") == [
        ("root", None),
        ("tip", "Refactor parser"),
    ]
    # Titles are unique: another session's title is refused with the bot's own words.
    tip = (await sessions(db))["tip"]
    refused = await perform(tip, Verb.RENAME, text="Calendar", state_dir=tmp_path)
    assert (
        not refused.ok and "Title 'Calendar' is already in use by session other" in refused.message
    )
    assert q(db, "SELECT title FROM sessions WHERE id = 'tip'") == [("Refactor parser",)]


async def test_archive_and_read_across_the_lineage(db: Path, tmp_path: Path) -> None:
    found = await sessions(db)
    refused = await perform(found["other"], Verb.ARCHIVE, state_dir=tmp_path)
    assert not refused.ok and "--include-open" in refused.message  # open: the CLI refuses it too
    assert (await perform(found["tip"], Verb.ARCHIVE, state_dir=tmp_path)).ok
    assert q(db, "SELECT id, archived FROM sessions WHERE id IN ('root', 'tip') ORDER BY id") == [
        ("root", 1),
        ("tip", 1),
    ]
    tip = (await sessions(db))["tip"]
    assert tip.archived
    assert (await perform(tip, Verb.UNARCHIVE, state_dir=tmp_path)).ok
    assert q(db, "SELECT SUM(archived) FROM sessions WHERE id IN ('root', 'tip')") == [(0,)]
    tip = (await sessions(db))["tip"]
    assert tip.read is True  # last_read_at NULL: never tracked = read
    assert (await perform(tip, Verb.MARK_UNREAD, state_dir=tmp_path)).ok
    assert q(
        db, "SELECT id, last_read_at FROM sessions WHERE id IN ('root', 'tip') ORDER BY id"
    ) == [("root", 0.0), ("tip", 0.0)]
    tip = (await sessions(db))["tip"]
    assert tip.read is False
    assert (await perform(tip, Verb.MARK_READ, state_dir=tmp_path)).ok
    (read_at,) = {
        row[0] for row in q(db, "SELECT last_read_at FROM sessions WHERE id IN ('root', 'tip')")
    }
    assert read_at > NOW.timestamp() - 60


async def test_delete_cascade_guard_and_undo(db: Path, tmp_path: Path) -> None:
    before = {
        t: q(db, f"SELECT * FROM {t} ORDER BY rowid")
        for t in ("sessions", "messages", "session_model_usage")
    }
    tip = (await sessions(db))["tip"]
    assert dict(tip.extra)["delete targets"] == "root, tip, helper"
    # A delegate run appearing after the dialog showed its list: the delete is refused, nothing changes.
    bot = HermesAgentBot(db)
    bot.create_session("late", "subagent", parent="tip", model_config={"_delegate_from": "tip"})
    refused = await perform(tip, Verb.DELETE, state_dir=tmp_path)
    assert not refused.ok and "not the ones shown" in refused.message
    bot.conn.execute("DELETE FROM sessions WHERE id = 'late'")
    bot.close()
    assert list_trash(tmp_path) == []

    done = await perform(tip, Verb.DELETE, state_dir=tmp_path)
    assert done.ok, done.message
    assert q(db, "SELECT id, parent_session_id FROM sessions ORDER BY id") == [
        ("branch", None),
        ("other", None),
    ]
    assert q(db, "SELECT DISTINCT session_id FROM messages") == [("other",)]
    assert q(db, "SELECT COUNT(*) FROM session_model_usage") == [
        (0,)
    ]  # ON DELETE CASCADE, as in the bot
    (entry,) = list_trash(tmp_path)
    assert (await restore_entry(entry, state_dir=tmp_path)).ok
    after = {
        t: q(db, f"SELECT * FROM {t} ORDER BY rowid")
        for t in ("sessions", "messages", "session_model_usage")
    }
    # Back exactly, but for the branch the bot's delete orphaned: it stays detached, as after the
    # bot's own delete (a restore puts back what was deleted, not links it cut in other rows).
    parent = [r[1] for r in q(db, "PRAGMA table_info(sessions)")].index("parent_session_id")
    before["sessions"] = [
        tuple(None if (i == parent and row[0] == "branch") else v for i, v in enumerate(row))
        for row in before["sessions"]
    ]
    assert after == before


async def test_a_session_that_moved_is_refused(db: Path, tmp_path: Path) -> None:
    other = (await sessions(db))["other"]
    bot = HermesAgentBot(db)
    bot.append_message("other", "assistant", "hello")
    bot.close()
    refused = await perform(other, Verb.RENAME, text="new", state_dir=tmp_path)
    assert not refused.ok and "changed since you looked" in refused.message
    assert q(db, "SELECT title FROM sessions WHERE id = 'other'") == [("Calendar",)]


async def test_prune_ended_sessions_older_than_the_ttl(tmp_path: Path) -> None:
    from sessiontui.actions import prune

    path = tmp_path / "state.db"
    bot = HermesAgentBot(path)

    def ago(**kw: float) -> datetime:
        return NOW - timedelta(**kw)

    for sid, started, ended, reason in (
        ("old", 12, 10, "idle_timeout"),
        ("open-old", 12, None, None),
        ("pinned-old", 12, 10, "new_session"),
        ("recent", 3, 2, "idle_timeout"),
        ("reaped", 20, 1, "startup_orphan_reap"),
    ):
        bot.create_session(sid, "cli", now=ago(days=started))
        bot.append_message(sid, "user", "hi", now=ago(days=started))
        if ended is not None:
            assert reason is not None
            bot.end_session(sid, reason, now=ago(days=ended))
    bot.set_flag("pinned-old", "pinned", 1)
    bot.create_session("chain-a", "cli", now=ago(days=12))
    bot.compress("chain-a", "chain-b", now=ago(days=11))
    bot.end_session("chain-b", "idle_timeout", now=ago(days=10))
    bot.create_session("live-a", "cli", now=ago(days=12))
    bot.compress("live-a", "live-b", now=ago(days=11))
    bot.append_message("live-b", "user", "still here", now=ago(days=1))
    bot.end_session("live-b", "idle_timeout", now=ago(days=1))
    bot.close()
    before = q(path, "SELECT * FROM sessions ORDER BY rowid")

    done = await prune(path, 7, state_dir=tmp_path)
    assert done.ok and done.message.startswith("pruned 3 ended sessions older than 7 days"), (
        done.message
    )
    assert [r[0] for r in q(path, "SELECT id FROM sessions ORDER BY id")] == [
        "live-a",
        "live-b",
        "open-old",
        "pinned-old",
        "reaped",
        "recent",
    ]
    (entry,) = list_trash(tmp_path)
    assert (await restore_entry(entry, state_dir=tmp_path)).ok
    assert q(path, "SELECT * FROM sessions ORDER BY rowid") == before


async def test_a_delete_killed_before_its_end_is_completed_by_recovery(
    db: Path, tmp_path: Path
) -> None:
    """The journal settles a Hermes Agent delete from the store itself: rows gone, entry kept."""
    from sessiontui.actions import hermes_agent
    from sessiontui.actions.journal import recover
    from sessiontui.actions.trash import release

    tip = (await sessions(db))["tip"]
    ids = ["root", "tip", "helper"]
    entry = hermes_agent.remove(
        db, ids, check=lambda conn: None, session_id="tip", name=tip.name, state_dir=tmp_path
    )  # (a)-(c) done; the run "dies" before (d)
    release(entry.id)  # what the kill does: its flock on the entry goes
    assert q(db, "SELECT COUNT(*) FROM sessions WHERE id IN ('root', 'tip', 'helper')") == [(0,)]
    (settled,) = recover(tmp_path)
    assert (settled.entry.id, settled.result) == (entry.id, "completed")
    (kept,) = list_trash(tmp_path)
    assert (await restore_entry(kept, state_dir=tmp_path)).ok
    assert q(db, "SELECT COUNT(*) FROM sessions WHERE id IN ('root', 'tip', 'helper')") == [(3,)]
