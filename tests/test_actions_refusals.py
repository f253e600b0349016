"""Safety paths of the actions, end to end on real stores: a JSONL session that changed since
the dialog opened is refused and untouched; a restore over a session the bot made again is
refused; `sessiontui audit` and `sessiontui restore` work from the command line."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from found_sessions import sessions_of

from sessiontui.actions import Verb, list_trash, perform, restore_entry
from sessiontui.demo.bots import ZeroClawJsonlBot, ZeroClawSqliteBot


def jsonl_store(root: Path) -> tuple[ZeroClawJsonlBot, Path]:
    directory = root / "zcj"
    bot = ZeroClawJsonlBot(directory)
    for i in range(4):
        bot.append(
            "telegram_1", {"role": "user" if i % 2 == 0 else "assistant", "content": f"line {i}"}
        )
    return bot, directory


@pytest.mark.parametrize("verb", [Verb.DELETE, Verb.CLEAR])
async def test_a_jsonl_session_that_changed_since_the_dialog_opened_is_refused(
    tmp_path: Path, verb: Verb
) -> None:
    bot, directory = jsonl_store(tmp_path)
    seen = (await sessions_of(directory))["telegram_1"]  # what the dialog showed
    bot.append("telegram_1", {"role": "user", "content": "one more thing"})  # the daemon writes
    before = (directory / "telegram_1.jsonl").read_bytes()
    outcome = await perform(seen, verb, state_dir=tmp_path / "state")
    assert not outcome.ok and "changed" in outcome.message
    assert (directory / "telegram_1.jsonl").read_bytes() == before
    assert list_trash(tmp_path / "state") == []


async def test_a_restore_over_a_session_the_bot_made_again_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_1", "user", "hello")
    bot.close()
    state = tmp_path / "state"
    assert (await perform((await sessions_of(db.parent))["gw_1"], Verb.DELETE, state_dir=state)).ok
    again = ZeroClawSqliteBot(db)
    again.append("gw_1", "user", "a new conversation under the same key")
    again.close()
    (entry,) = list_trash(state)
    outcome = await restore_entry(entry, state_dir=state)
    assert not outcome.ok
    with sqlite3.connect(db) as conn:
        contents = [
            c for (c,) in conn.execute("SELECT content FROM sessions WHERE session_key='gw_1'")
        ]
    assert contents == ["a new conversation under the same key"]
    assert list_trash(state) == [entry]  # still there, to be restored once the key is free


async def test_a_restore_is_refused_read_only(tmp_path: Path) -> None:
    _, directory = jsonl_store(tmp_path)
    state = tmp_path / "state"
    assert (
        await perform((await sessions_of(directory))["telegram_1"], Verb.DELETE, state_dir=state)
    ).ok
    (entry,) = list_trash(state)
    outcome = await restore_entry(entry, read_only=True, state_dir=state)
    assert not outcome.ok and "read-only" in outcome.message
    assert not (directory / "telegram_1.jsonl").exists()


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sessiontui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_audit_and_restore_from_the_command_line(tmp_path: Path) -> None:
    _, directory = jsonl_store(tmp_path)
    original = (directory / "telegram_1.jsonl").read_bytes()
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_STATE_HOME": str(tmp_path / "xdg")}
    state = tmp_path / "xdg" / "sessiontui"
    assert (
        await perform((await sessions_of(directory))["telegram_1"], Verb.DELETE, state_dir=state)
    ).ok
    assert not (directory / "telegram_1.jsonl").exists()

    audit = cli("audit", "--json", env=env)
    assert audit.returncode == 0, audit.stderr
    records = [json.loads(line) for line in audit.stdout.splitlines()]
    assert any(r["action"] == "delete" and r["session"] == "telegram_1" for r in records)

    listing = cli("restore", env=env)
    assert listing.returncode == 0, listing.stderr
    (entry,) = list_trash(state)
    assert entry.id in listing.stdout and "telegram_1" in listing.stdout

    done = cli("restore", entry.id, env=env)
    assert done.returncode == 0, done.stderr
    assert (directory / "telegram_1.jsonl").read_bytes() == original
    assert cli("restore", "no-such-entry", env=env).returncode != 0
