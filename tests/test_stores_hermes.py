"""hermes-bot stores A (sessions.json) and B (sessions.db), and the link from a row to the
Claude Code transcript that holds its messages, tokens and cost (STORES.md 1, 4.1)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRows, SnapshotRun

from sessiontui.demo.bots import HermesJsonBot, HermesSqliteBot
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, tool_use_block, usage_dict
from sessiontui.stores.base import StoreError
from sessiontui.stores.hermes_json import HermesJsonStore
from sessiontui.stores.hermes_sqlite import HermesSqliteStore
from sessiontui.timestamps import chrono_serde

REPO_PATH = "/home/me/src/myrepo"
SESSION_ID = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def entry(
    thread_ts: str,
    created: str,
    last: str,
    *,
    session_id: str = SESSION_ID,
    status: str = "active",
    turns: int = 3,
    model: str | None = "claude-opus-4-6",
) -> dict[str, object]:
    """A SessionInfo as hermes-bot 0.1.0 serialises it (fields in struct order)."""
    return {
        "session_id": session_id,
        "repo": "myrepo",
        "repo_path": REPO_PATH,
        "agent_kind": "claude",
        "channel_id": "C0123ABC",
        "thread_ts": thread_ts,
        "created_at": created,
        "last_active": last,
        "status": status,
        "total_turns": turns,
        "model": model,
    }


def write_sessions_json(path: Path, entries: list[dict[str, object]]) -> Path:
    """serde_json::to_string_pretty of the map, written to .tmp and renamed (as the bot does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name("sessions.json.tmp")
    temp.write_text(json.dumps({e["thread_ts"]: e for e in entries}, indent=2), encoding="utf-8")
    os.replace(temp, path)
    return path


# ---------------------------------------------------------------------------------------------
# A: sessions.json


@pytest.mark.parametrize(
    ("created", "last", "created_iso", "last_iso"),
    [
        (
            "2026-03-15T20:37:51Z",
            "2026-03-15T20:41:02Z",
            "2026-03-15T20:37:51+00:00",
            "2026-03-15T20:41:02+00:00",
        ),
        (
            "2026-03-15T20:37:51.123Z",
            "2026-03-15T20:41:02.500Z",
            "2026-03-15T20:37:51.123000+00:00",
            "2026-03-15T20:41:02.500000+00:00",
        ),
        (
            "2026-03-15T20:37:51.123456Z",
            "2026-03-15T20:41:02.000001Z",
            "2026-03-15T20:37:51.123456+00:00",
            "2026-03-15T20:41:02.000001+00:00",
        ),
        (
            "2026-03-15T20:37:51.123456789Z",
            "2026-03-15T20:41:02.999999999Z",
            "2026-03-15T20:37:51.123456+00:00",
            "2026-03-15T20:41:02.999999+00:00",
        ),
    ],
    ids=["0-digit", "3-digit", "6-digit", "9-digit"],
)
def test_sessions_json_snapshot(
    tmp_path: Path,
    snapshot_rows: SnapshotRows,
    snapshot_keys: set[str],
    created: str,
    last: str,
    created_iso: str,
    last_iso: str,
) -> None:
    path = write_sessions_json(
        tmp_path / "bot" / "sessions.json", [entry("1742097471.123456", created, last)]
    )
    rows = snapshot_rows(tmp_path / "bot")
    row = rows["1742097471.123456"]
    assert set(row) == snapshot_keys
    assert row == row | {
        "format": "hermes-json",
        "store": str(path.resolve()),
        "name": "myrepo 1742097471.123456",
        "state": "idle",
        "reason": None,
        "created_at": created_iso,
        "last_activity": last_iso,
        "messages": 0,  # hermes stores no messages; they are in Claude Code (no transcript here)
        "turns": 3,
        "model": "claude-opus-4-6",
        "channel": "C0123ABC",
        "agent": "claude",
        "input_tokens": None,
        "output_tokens": None,
        "cache_read_tokens": None,
        "cache_write_tokens": None,
        "cost_usd": None,
        "cost_source": None,
        "transcript": None,
    }


def test_sessions_json_pending_and_error(
    tmp_path: Path, snapshot_rows: SnapshotRows, real_now: datetime
) -> None:
    old = chrono_serde(real_now - timedelta(minutes=30))
    fresh = chrono_serde(real_now - timedelta(minutes=1))
    write_sessions_json(
        tmp_path / "sessions.json",
        [
            entry("1.000001", old, old, session_id="pending-1.000001", turns=0),
            entry("2.000002", fresh, fresh, session_id="pending-2.000002", turns=0),
            entry("3.000003", old, old, status="error"),
            entry("4.000004", old, old, model=None),
        ],
    )
    rows = snapshot_rows(tmp_path / "sessions.json")
    assert (rows["1.000001"]["state"], rows["1.000001"]["reason"]) == ("stuck", "pending")
    assert "pending" in rows["1.000001"]["evidence"]
    assert rows["2.000002"]["state"] == "running"  # a turn just started: healthy
    assert rows["3.000003"]["state"] == "error"
    assert (rows["4.000004"]["state"], rows["4.000004"]["model"]) == ("idle", None)


async def test_sessions_json_rewrite_by_rename_is_reread(tmp_path: Path) -> None:
    bot = HermesJsonBot(tmp_path / "sessions.json")
    bot.new_thread("1.000001", "myrepo", REPO_PATH, "C1", "claude-opus-4-6")
    store = HermesJsonStore(tmp_path / "sessions.json", [])
    first = await store.refresh()
    assert [s.id for s in first.sessions] == ["1.000001"] and first.sessions[0].pending
    assert (await store.refresh()).changed is False

    bot.finish_turn("1.000001", SESSION_ID, 2)
    bot.new_thread("2.000002", "myrepo", REPO_PATH, "C1", None)
    report = await store.refresh()
    assert report.changed
    by_id = {s.id: s for s in report.sessions}
    assert set(by_id) == {"1.000001", "2.000002"}
    assert (by_id["1.000001"].pending, by_id["1.000001"].turns) == (False, 2)
    assert not (tmp_path / "sessions.json.tmp").exists()


async def test_sessions_json_gone_is_a_store_error(tmp_path: Path) -> None:
    path = write_sessions_json(
        tmp_path / "sessions.json", [entry("1.1", "2026-03-15T20:37:51Z", "2026-03-15T20:37:51Z")]
    )
    store = HermesJsonStore(path, [])
    await store.refresh()
    path.rename(tmp_path / "sessions.json.bak")  # what hermes 0.2.0 does on migration
    with pytest.raises(StoreError, match="sessions.json"):
        await store.refresh()


# ---------------------------------------------------------------------------------------------
# B: sessions.db


def test_sessions_db_snapshot(
    tmp_path: Path, snapshot_rows: SnapshotRows, snapshot_keys: set[str], real_now: datetime
) -> None:
    path = tmp_path / "hermes" / "sessions.db"
    bot = HermesSqliteBot(path)
    try:
        start = real_now - timedelta(hours=2)
        bot.new_thread(
            "1742097471.123456", "myrepo", REPO_PATH, "C0123ABC", "claude-sonnet-4-6", now=start
        )
        bot.finish_turn("1742097471.123456", SESSION_ID, 4, now=start + timedelta(minutes=3))
        # chrono writes 9-digit fractions too; the bot's own full-row UPDATE, with such values.
        bot.conn.execute(
            "UPDATE sessions SET created_at = ?1, last_active = ?2 WHERE thread_ts = ?3",
            (
                "2026-03-16T01:04:49.123456789+00:00",
                "2026-03-16T01:09:02.5+00:00",
                "1742097471.123456",
            ),
        )
        bot.new_thread(
            "1.000001",
            "myrepo",
            REPO_PATH,
            "C0123ABC",
            "claude-sonnet-4-6",
            now=real_now - timedelta(minutes=30),
        )
        bot.new_thread(
            "2.000002",
            "myrepo",
            REPO_PATH,
            "C0123ABC",
            "claude-sonnet-4-6",
            now=real_now - timedelta(seconds=40),
        )
        bot.new_thread("3.000003", "myrepo", REPO_PATH, "C0123ABC", None, now=start)
        bot.set_error("3.000003")
    finally:
        bot.close()

    rows = snapshot_rows(path.parent)
    row = rows["1742097471.123456"]
    assert set(row) == snapshot_keys
    assert row == row | {
        "format": "hermes-sqlite",
        "store": str(path.resolve()),
        "name": "myrepo 1742097471.123456",
        "state": "idle",
        "created_at": "2026-03-16T01:04:49.123456+00:00",
        "last_activity": "2026-03-16T01:09:02.500000+00:00",
        "messages": 0,
        "turns": 4,
        "model": "claude-sonnet-4-6",
        "channel": "C0123ABC",
        "agent": "claude",
        "input_tokens": None,
        "cost_usd": None,
        "cost_source": None,
    }
    assert (rows["1.000001"]["state"], rows["1.000001"]["reason"]) == ("stuck", "pending")
    assert rows["1.000001"]["turns"] == 0
    assert rows["2.000002"]["state"] == "running"
    assert rows["3.000003"]["state"] == "error"


# ---------------------------------------------------------------------------------------------
# The link to Claude Code


def write_transcript(projects: Path, now: datetime, cwd: str = REPO_PATH) -> Path:
    """Two API calls of claude-opus-4-6; the first reply has two content blocks (two lines)."""
    writer = ClaudeCodeWriter(projects)
    writer.user(SESSION_ID, cwd, "fix the build", now=now - timedelta(minutes=20))
    writer.assistant(
        SESSION_ID,
        cwd,
        [text_block("Looking."), tool_use_block("toolu_1", "Bash", {"command": "make"})],
        model="claude-opus-4-6",
        usage=usage_dict(100, 10, 2_000, 500),
        now=now - timedelta(minutes=19),
    )
    writer.tool_result(SESSION_ID, cwd, "toolu_1", "ok", now=now - timedelta(minutes=18))
    return writer.assistant(
        SESSION_ID,
        cwd,
        [text_block("Fixed.")],
        model="claude-opus-4-6",
        usage=usage_dict(50, 200, 2_500, 0),
        now=now - timedelta(minutes=17),
    )


# Opus 4.6 at $5 in / $25 out / $0.50 cache read / $6.25 cache write per MTok:
#   call 1: 100*5 + 10*25 + 2000*0.50 + 500*6.25 = 500 + 250 + 1000 + 3125 = 4875 -> $0.004875
#   call 2:  50*5 + 200*25 + 2500*0.50           = 250 + 5000 + 1250      = 6500 -> $0.0065
LINKED_COST = 0.004875 + 0.0065


def hermes_db_with_row(path: Path, now: datetime, repo_path: str = REPO_PATH) -> Path:
    bot = HermesSqliteBot(path)
    try:
        bot.new_thread(
            "1742097471.123456",
            "myrepo",
            repo_path,
            "C0123ABC",
            "claude-opus-4-6",
            now=now - timedelta(minutes=21),
        )
        bot.finish_turn(
            "1742097471.123456", SESSION_ID, 1, now=now - timedelta(minutes=17, seconds=30)
        )
    finally:
        bot.close()
    return path


def assert_linked(row: dict[str, object], transcript: Path) -> None:
    assert row["format"] == "hermes-sqlite"
    assert row["transcript"] == str(transcript)
    assert row["messages"] == 4  # prompt, reply (2 blocks = 1 message), tool result, reply
    assert row["turns"] == 1  # the row's own total_turns
    assert (row["input_tokens"], row["output_tokens"]) == (150, 210)
    assert (row["cache_read_tokens"], row["cache_write_tokens"]) == (4_500, 500)
    assert row["cost_usd"] == pytest.approx(LINKED_COST)
    assert row["cost_source"] == "computed"
    assert row["name"] == "myrepo 1742097471.123456"


def test_hermes_row_linked_to_transcript_beside_it(
    tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime
) -> None:
    hermes_db_with_row(tmp_path / "hermes" / "sessions.db", real_now)
    transcript = write_transcript(tmp_path / "claude" / "projects", real_now)
    code, rows, err = snapshot_json(tmp_path)
    assert (code, err) == (0, "")
    by_format = {row["format"]: row for row in rows}
    assert set(by_format) == {"hermes-sqlite", "claude-code"}
    assert_linked(by_format["hermes-sqlite"], transcript)
    # The transcript is also a Claude Code session of its own, with the same figures.
    assert by_format["claude-code"]["id"] == SESSION_ID
    assert by_format["claude-code"]["cost_usd"] == pytest.approx(LINKED_COST)


def test_hermes_row_linked_via_claude_config_dir(
    tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = hermes_db_with_row(tmp_path / "hermes" / "sessions.db", real_now)
    transcript = write_transcript(tmp_path / "claude-config" / "projects", real_now)
    # A comma-separated list, as ccusage reads it (blanks around the entries are trimmed).
    monkeypatch.setenv(
        "CLAUDE_CONFIG_DIR", f" {tmp_path / 'nowhere'} , {tmp_path / 'claude-config'} "
    )
    code, rows, err = snapshot_json(db)
    assert (code, err) == (0, "")
    assert len(rows) == 1
    assert_linked(rows[0], transcript)


def test_hermes_row_linked_via_home_claude(
    tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime, isolated_home: Path
) -> None:
    db = hermes_db_with_row(tmp_path / "hermes" / "sessions.db", real_now)
    transcript = write_transcript(isolated_home / ".claude" / "projects", real_now)
    code, rows, err = snapshot_json(db)
    assert (code, err) == (0, "")
    assert_linked(rows[0], transcript)


def test_link_finds_claude_codes_own_dir_encoding(
    tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claude Code turns every non-alphanumeric into '-' (`my.repo` -> `my-repo`); hermes'
    encoder only replaces '/'. And a transcript under any other dir name is found by its id."""
    db = hermes_db_with_row(
        tmp_path / "hermes" / "sessions.db", real_now, repo_path="/home/me/src/my.repo"
    )
    projects = tmp_path / "claude" / "projects"
    written = write_transcript(projects, real_now, cwd="/home/me/src/my.repo")
    claude_dir = projects / "-home-me-src-my-repo"
    written.parent.rename(claude_dir)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    code, rows, _ = snapshot_json(db)
    assert code == 0
    assert rows[0]["transcript"] == str(claude_dir / f"{SESSION_ID}.jsonl")

    moved = projects / "renamed-project"
    shutil.move(claude_dir, moved)
    _, rows, _ = snapshot_json(db)
    assert rows[0]["transcript"] == str(moved / f"{SESSION_ID}.jsonl")
    assert rows[0]["cost_usd"] == pytest.approx(LINKED_COST)


async def test_linked_row_follows_the_growing_transcript(
    tmp_path: Path, real_now: datetime
) -> None:
    db = hermes_db_with_row(tmp_path / "sessions.db", real_now)
    projects = tmp_path / "projects"
    store = HermesSqliteStore(db, [projects])
    try:
        pending = await store.refresh()
        assert pending.sessions[0].usage is None  # no transcript yet: no figures, not zeros
        write_transcript(projects, real_now)
        report = await store.refresh()
        assert report.changed and report.sessions[0].message_count == 4
        assert (await store.refresh()).changed is False  # neither the db nor the file moved

        ClaudeCodeWriter(projects).user(SESSION_ID, REPO_PATH, "and the tests?")
        grown = await store.refresh()
        assert grown.changed and grown.sessions[0].message_count == 5
        assert (
            grown.sessions[0].last_message is not None
            and grown.sessions[0].last_message.role == "user"
        )
        page = await store.read_messages(grown.sessions[0])
        assert [m.kind.value for m in page.messages] == [
            "text",
            "text",
            "tool_call",
            "tool_result",
            "text",
            "text",
        ]
        assert page.messages[2].tool_calls[0].name == "Bash"
        assert page.messages[-1].text == "and the tests?"
    finally:
        await store.close()


async def test_pending_row_is_never_linked(tmp_path: Path, real_now: datetime) -> None:
    bot = HermesSqliteBot(tmp_path / "sessions.db")
    bot.new_thread("9.000009", "myrepo", REPO_PATH, "C1", "claude-opus-4-6", now=real_now)
    bot.close()
    store = HermesSqliteStore(tmp_path / "sessions.db", [tmp_path / "projects"])
    try:
        (session,) = (await store.refresh()).sessions
        assert session.pending and session.source_path is None
        assert (await store.read_messages(session)).messages == ()
        assert dict(session.extra)["session_id"] == "pending-9.000009"
    finally:
        await store.close()


async def test_an_empty_store_reports_unchanged(tmp_path: Path) -> None:
    """Every row pruned (prune_expired): an empty answer is still an answer, not a change."""
    HermesSqliteBot(tmp_path / "sessions.db").close()
    write_sessions_json(tmp_path / "sessions.json", [])
    for store in (
        HermesSqliteStore(tmp_path / "sessions.db", []),
        HermesJsonStore(tmp_path / "sessions.json", []),
    ):
        try:
            first = await store.refresh()
            assert (first.changed, first.sessions) == (True, ())
            assert (await store.refresh()).changed is False
        finally:
            await store.close()
