"""A rename or close depends on which session it is and its state, not on its newest message:
a session its bot keeps writing to can still be renamed and closed; a replaced one cannot."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from found_sessions import sessions_of

from sessiontui.actions import Verb, perform
from sessiontui.demo.bots import StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db

T0 = datetime.now(UTC) - timedelta(hours=1)


async def test_a_zeroclaw_session_written_to_after_we_looked_is_renamed(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "hello", T0)
    seen = (await sessions_of(db.parent))["gw_a"]
    for i in range(22):  # the bot writes between every look and every rename
        bot.append("gw_a", "assistant", f"reply {i}", datetime.now(UTC))
        outcome = await perform(seen, Verb.RENAME, text=f"busy {i}", state_dir=tmp_path / "state")
        assert outcome.ok, outcome.message
    assert sqlite3.connect(db).execute(
        "SELECT name, message_count FROM session_metadata"
    ).fetchone() == ("busy 21", 23)
    deleted = await perform(
        seen, Verb.DELETE, state_dir=tmp_path / "state"
    )  # a delete still depends on content
    assert not deleted.ok and "changed since you looked" in deleted.message
    bot.close()


async def test_a_zeroclaw_session_deleted_and_made_again_is_not_renamed(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "hello", T0)
    seen = (await sessions_of(db.parent))["gw_a"]
    bot.conn.execute("DELETE FROM sessions WHERE session_key = 'gw_a'")
    bot.conn.execute("DELETE FROM session_metadata WHERE session_key = 'gw_a'")
    bot.append("gw_a", "user", "a new chat under the same key", datetime.now(UTC))
    bot.close()
    outcome = await perform(seen, Verb.RENAME, text="x", state_dir=tmp_path / "state")
    assert not outcome.ok and "created again" in outcome.message


async def test_a_starpod_session_with_a_new_message_is_renamed_and_closed(tmp_path: Path) -> None:
    db = tmp_path / "project" / ".starpod" / "db" / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    bot.create_session("sp-1", now=T0)
    bot.save_message("sp-1", "user", "hello", now=T0)
    seen = (await sessions_of(db))["sp-1"]
    bot.save_message("sp-1", "assistant", "a new message", now=datetime.now(UTC))
    assert (await perform(seen, Verb.RENAME, text="Named", state_dir=tmp_path / "state")).ok
    bot.save_message("sp-1", "user", "and another", now=datetime.now(UTC))
    assert (await perform(seen, Verb.CLOSE, text="done", state_dir=tmp_path / "state")).ok
    assert bot.conn.execute("SELECT title, is_closed FROM session_metadata").fetchone() == (
        "Named",
        1,
    )
    again = await perform(seen, Verb.RENAME, text="after close", state_dir=tmp_path / "state")
    assert not again.ok and "state changed" in again.message  # it was closed since we looked
    bot.close()
