"""The demo's bot impersonators: their files read with plain sqlite3 / json, against STORES.md."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessiontui.demo import botschema
from sessiontui.demo.bots import (
    ClaudeCodeWriter,
    HermesJsonBot,
    HermesSqliteBot,
    StarpodBot,
    ZeroClawJsonlBot,
    ZeroClawSqliteBot,
    channel_user_content,
    sanitize_session_key,
    tool_call_content,
    tool_result_content,
)
from sessiontui.demo.botschema import (
    create_hermes_db,
    create_starpod_db,
    create_starpod_legacy_db,
    create_zeroclaw_db,
)
from sessiontui.demo.claude_code import text_block, thinking_block, tool_use_block, usage_dict
from sessiontui.demo.ids import Ids
from sessiontui.demo.zeroclaw_bots import UnsupportedAtStage, percent_encode_session_key

NOW = datetime(2026, 8, 22, 21, 44, 0, 123456, tzinfo=UTC)
STORES_MD = Path("/work/shared/STORES.md")
CHRONO_SQL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?\+00:00$")


def columns(db: Path, table: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")]


def names(db: Path, kind: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))
        return {row[0] for row in rows if not row[0].startswith("sqlite_autoindex")}


# -- DDL ------------------------------------------------------------------------------------------

ZC_BASE = ["session_key", "created_at", "last_activity", "message_count"]
ZC_COLUMNS = {
    1: ZC_BASE,
    2: [*ZC_BASE, "name"],
    3: [*ZC_BASE, "name", "state", "turn_id", "turn_started_at"],
    4: [*ZC_BASE, "name", "state", "turn_id", "turn_started_at"],
    5: [
        *ZC_BASE,
        "name",
        "state",
        "turn_id",
        "turn_started_at",
        "agent_alias",
        "channel_id",
        "room_id",
        "sender_id",
    ],
}
ZC_COLUMNS[6] = ZC_COLUMNS[5]
ROUTING_INDEXES = {
    f"idx_session_metadata_{c}" for c in ("agent_alias", "channel_id", "room_id", "sender_id")
}


@pytest.mark.parametrize("stage", [1, 2, 3, 4, 5, 6])
def test_zeroclaw_schema_per_stage(tmp_path: Path, stage: int) -> None:
    db = create_zeroclaw_db(tmp_path / "sessions.db", stage)
    assert columns(db, "session_metadata") == ZC_COLUMNS[stage]
    assert columns(db, "sessions") == ["id", "session_key", "role", "content", "created_at"]
    triggers = {"sessions_ai", "sessions_ad"} | ({"sessions_au"} if stage >= 4 else set())
    assert names(db, "trigger") == triggers
    tables = names(db, "table")
    assert {"sessions", "session_metadata", "sessions_fts"} <= tables
    assert ("jsonl_import_receipts" in tables) == (stage == 6)
    indexes = names(db, "index")
    assert {"idx_sessions_key", "idx_sessions_key_id"} <= indexes
    assert (ROUTING_INDEXES <= indexes) == (stage >= 5)
    assert not (ROUTING_INDEXES & indexes) or stage >= 5
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_hermes_schema(tmp_path: Path) -> None:
    db = create_hermes_db(tmp_path / "sessions.db")
    assert columns(db, "sessions") == [
        "thread_ts",
        "session_id",
        "repo",
        "repo_path",
        "agent_kind",
        "channel_id",
        "created_at",
        "last_active",
        "status",
        "total_turns",
        "model",
    ]
    assert names(db, "index") == {"idx_sessions_session_id"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("archived", [True, False])
def test_starpod_core_db(tmp_path: Path, archived: bool) -> None:
    db = create_starpod_db(tmp_path / "core.db", archived_column=archived, now=NOW)
    expected = [
        "id",
        "created_at",
        "last_message_at",
        "is_closed",
        "summary",
        "message_count",
        "channel",
        "channel_session_key",
        "title",
        "user_id",
        "is_read",
        *(["is_archived"] if archived else []),
        "triggered_by",
    ]
    assert columns(db, "session_metadata") == expected
    assert "user_id" in columns(db, "usage_stats")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT version, description, success, checksum FROM _sqlx_migrations")
        [(version, description, success, checksum)] = rows.fetchall()
        cascade = {
            row[2]: row[6] for row in conn.execute("PRAGMA foreign_key_list('session_messages')")
        }
    assert (version, description, success, len(checksum)) == (1, "init", 1, 48)
    assert cascade == {"session_metadata": "CASCADE"}


def test_starpod_legacy_session_db(tmp_path: Path) -> None:
    db = create_starpod_legacy_db(tmp_path / "session.db", now=NOW)
    assert columns(db, "session_metadata") == [
        "id",
        "created_at",
        "last_message_at",
        "is_closed",
        "summary",
        "message_count",
        "channel",
        "channel_session_key",
        "title",
        "user_id",
        "is_read",
        "triggered_by",
    ]
    assert columns(db, "usage_stats")[-1] == "user_id"
    with sqlite3.connect(db) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM _sqlx_migrations ORDER BY 1")]
        no_cascade = {row[6] for row in conn.execute("PRAGMA foreign_key_list('compaction_log')")}
    assert len(versions) == 9 and versions[0] == 20260313000000
    assert no_cascade == {"NO ACTION"}


def _sql_blocks(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.DOTALL)


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


@pytest.mark.skipif(not STORES_MD.exists(), reason="STORES.md not present")
def test_ddl_is_verbatim_from_stores_md() -> None:
    text = STORES_MD.read_text(encoding="utf-8")
    [hermes] = _sql_blocks(text, "### 1.3")
    assert botschema.HERMES_SCHEMA.strip() == hermes.strip()
    pragmas, creates, alters, indexes = _sql_blocks(text, "### 2.5")[:4]
    assert [p.rstrip(";") for p in pragmas.split("\n") if p] == list(botschema.ZEROCLAW_PRAGMAS)
    head = botschema.zeroclaw_schema(6)
    assert _norm("".join(s + ";\n" for s in head[:9])) == _norm(creates)
    assert [line for line in alters.split("\n") if line] == list(botschema.ZEROCLAW_ALTERS.values())
    assert [line for line in indexes.split("\n") if line] == list(
        botschema.ZEROCLAW_ROUTING_INDEXES
    )
    [starpod] = _sql_blocks(text, "### 3.3")
    assert botschema.STARPOD_SESSION_SCHEMA == starpod


# -- hermes-bot ---------------------------------------------------------------------------------


def test_hermes_sqlite_bot_rows(tmp_path: Path) -> None:
    bot = HermesSqliteBot(tmp_path / "sessions.db")
    ts = "1787434320.638764"
    bot.new_thread(ts, "webapp", "/srv/webapp", "C01", "claude-opus-4-6", NOW)
    row = sqlite3.connect(bot.path).execute("SELECT * FROM sessions").fetchone()
    assert row == (
        ts,
        f"pending-{ts}",
        "webapp",
        "/srv/webapp",
        "claude",
        "C01",
        "2026-08-22T21:44:00.123456+00:00",
        "2026-08-22T21:44:00.123456+00:00",
        "active",
        0,
        "claude-opus-4-6",
    )
    bot.finish_turn(ts, "5f0c-uuid", 3, NOW.replace(microsecond=500000))
    bot.set_error(ts)
    bot.close()
    row = (
        sqlite3.connect(tmp_path / "sessions.db")
        .execute("SELECT session_id, last_active, status, total_turns FROM sessions")
        .fetchone()
    )
    assert row == ("5f0c-uuid", "2026-08-22T21:44:00.500+00:00", "error", 3)
    assert CHRONO_SQL.match(row[1])


def test_hermes_json_bot_pretty_z_and_atomic(tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    bot = HermesJsonBot(path)
    bot.new_thread("1.2", "docs", "/srv/docs", "C02", None, NOW)
    first_inode = path.stat().st_ino
    bot.finish_turn("1.2", "abc", 2, NOW.replace(microsecond=0))
    text = path.read_text(encoding="utf-8")
    assert not (tmp_path / "sessions.json.tmp").exists()
    assert path.stat().st_ino != first_inode  # replaced by rename, never edited in place
    assert text.startswith('{\n  "1.2": {\n    "session_id": "abc",\n')
    info = json.loads(text)["1.2"]
    assert list(info) == [
        "session_id",
        "repo",
        "repo_path",
        "agent_kind",
        "channel_id",
        "thread_ts",
        "created_at",
        "last_active",
        "status",
        "total_turns",
        "model",
    ]
    assert info["created_at"] == "2026-08-22T21:44:00.123456Z"
    assert info["last_active"] == "2026-08-22T21:44:00Z"
    assert info["model"] is None
    assert HermesJsonBot(path).sessions == json.loads(text)  # read back at "startup"


# -- ZeroClaw -----------------------------------------------------------------------------------


def test_zeroclaw_append_keeps_message_count(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db", busy_timeout_ms=1000)
    for n in range(5):
        bot.append("gw_1", "user" if n % 2 == 0 else "assistant", f"hello {n}", NOW)
    bot.append("gw_2", "user", "other", NOW)
    conn = sqlite3.connect(bot.path)
    counts = dict(conn.execute("SELECT session_key, message_count FROM session_metadata"))
    rows = dict(conn.execute("SELECT session_key, COUNT(*) FROM sessions GROUP BY 1"))
    assert counts == rows == {"gw_1": 5, "gw_2": 1}
    hits = conn.execute("SELECT session_key FROM sessions_fts WHERE sessions_fts MATCH '\"other\"'")
    assert hits.fetchall() == [("gw_2",)]
    stamps = [r[0] for r in conn.execute("SELECT created_at FROM sessions")]
    assert all(CHRONO_SQL.match(s) for s in stamps)


def test_zeroclaw_state_context_alias_and_update_last(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    bot.set_agent_alias("gw_1", "ops", NOW)
    bot.set_context("gw_1", "telegram.main", "42", "alice", NOW)
    bot.set_context("gw_1", None, " ", "bob", NOW)  # None/blank keep the known values
    bot.append("gw_1", "assistant", "partial output", NOW)
    bot.set_state("gw_1", "running", "turn-1", NOW)
    bot.update_last("gw_1", "assistant", "final output", NOW)
    conn = sqlite3.connect(bot.path)
    row = conn.execute(
        "SELECT message_count, state, turn_id, turn_started_at, agent_alias, "
        "channel_id, room_id, sender_id FROM session_metadata"
    ).fetchone()
    assert row == (
        1,
        "running",
        "turn-1",
        "2026-08-22T21:44:00.123456+00:00",
        "ops",
        "telegram.main",
        "42",
        "bob",
    )
    fts = "SELECT COUNT(*) FROM sessions_fts WHERE sessions_fts MATCH ?"
    assert conn.execute(fts, ('"final"',)).fetchone()[0] == 1  # sessions_au kept FTS in sync
    assert conn.execute(fts, ('"partial"',)).fetchone()[0] == 0
    bot.set_state("gw_1", "idle")
    assert conn.execute(
        "SELECT state, turn_id, turn_started_at FROM session_metadata"
    ).fetchone() == ("idle", None, None)


def test_zeroclaw_old_stage_refuses_missing_columns(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db", stage=1)
    bot.append("k", "user", "hi", NOW)
    calls: tuple[Callable[[], None], ...] = (
        lambda: bot.set_state("k", "running"),
        lambda: bot.set_name("k", "n"),
        lambda: bot.set_agent_alias("k", "a"),
        lambda: bot.set_context("k", "c", "r", "s"),
    )
    for call in calls:
        with pytest.raises(UnsupportedAtStage):
            call()
    assert columns(bot.path, "session_metadata") == ZC_BASE


def test_zeroclaw_import_jsonl_head(tmp_path: Path) -> None:
    jsonl = ZeroClawJsonlBot(tmp_path)
    jsonl.append("telegram_42", {"role": "user", "content": "hi"})
    (tmp_path / "telegram_42.jsonl").open("a").write("this is not valid json\n")
    jsonl.append("telegram_42", {"role": "assistant", "content": "hello"})
    data = (tmp_path / "telegram_42.jsonl").read_bytes()
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    assert bot.import_jsonl(tmp_path / "telegram_42.jsonl", NOW) == "telegram_42"
    assert sorted(p.name for p in tmp_path.glob("telegram_42*")) == ["telegram_42.jsonl.migrated"]
    conn = sqlite3.connect(bot.path)
    assert conn.execute("SELECT * FROM jsonl_import_receipts").fetchone() == (
        "telegram_42.jsonl",
        "telegram_42",
        hashlib.sha256(data).hexdigest(),
        len(data),
        "2026-08-22T21:44:00.123456+00:00",
    )
    assert conn.execute("SELECT message_count FROM session_metadata").fetchone() == (2,)


def test_sanitize_and_percent_keys() -> None:
    assert sanitize_session_key("slack_C123_1.2_user one") == "slack_C123_1_2_user_one"
    assert sanitize_session_key("../tenant\\user/channel") == "___tenant_user_channel"
    assert sanitize_session_key("tëlegram-ok") == "tëlegram-ok"
    assert percent_encode_session_key("telegram.bot_123") == "telegram%2Ebot_123"
    assert ZeroClawJsonlBot(Path("/x"), naming="percent").path_for("a.b").name == "a%2Eb.jsonl"


def test_zeroclaw_content_shapes_match_the_samples(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    bot.append(
        "k", {"content": channel_user_content("what's in my home dir?", NOW), "role": "user"}
    )
    bot.append(
        "k",
        {
            "role": "assistant",
            "content": tool_call_content([("call_1", "shell", {"command": "ls"})]),
        },
    )
    bot.append("k", {"role": "tool", "content": tool_result_content("call_1", "a.txt\nb.txt")})
    assert (tmp_path / "k.jsonl").read_text(encoding="utf-8").splitlines() == [
        '{"role":"user","content":"[2026-08-22 17:44:00 -04:00] what\'s in my home dir?"}',
        (
            r'{"role":"assistant","content":"{\"content\":null,\"tool_calls\":[{\"arguments\":'
            r'\"{\\\"command\\\":\\\"ls\\\"}\",\"id\":\"call_1\",\"name\":\"shell\"}]}"}'
        ),
        r'{"role":"tool","content":"{\"content\":\"a.txt\\nb.txt\",\"tool_call_id\":\"call_1\"}"}',
    ]


def test_jsonl_newline_is_a_separate_write(tmp_path: Path) -> None:
    seen: list[bytes] = []
    bot = ZeroClawJsonlBot(tmp_path)
    bot.append("k", {"role": "user", "content": "one"})
    bot.append(
        "k", {"role": "user", "content": "two"}, between=lambda p: seen.append(p.read_bytes())
    )
    assert seen == [b'{"role":"user","content":"one"}\n{"role":"user","content":"two"}']
    assert (tmp_path / "k.jsonl").read_bytes().endswith(b'"two"}\n')


@pytest.mark.parametrize("atomic", [True, False])
def test_jsonl_rewrite_modes(tmp_path: Path, atomic: bool) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    path = bot.append("k", {"role": "user", "content": "one"})
    inode = path.stat().st_ino
    bot.rewrite("k", [{"role": "user", "content": "only"}], atomic=atomic)
    assert path.read_text() == '{"role":"user","content":"only"}\n'
    assert (path.stat().st_ino != inode) == atomic
    assert [p.name for p in tmp_path.iterdir()] == ["k.jsonl"]  # no temp file left


# -- Starpod ------------------------------------------------------------------------------------


def test_starpod_bot_rows(tmp_path: Path) -> None:
    db = create_starpod_db(tmp_path / "core.db", now=NOW)
    bot = StarpodBot(db)
    sid = bot.create_session("s1", channel="telegram", channel_session_key="42", now=NOW)
    bot.touch_session(sid, NOW)
    bot.save_message(sid, "user", "é" * 60, NOW)  # 120 bytes: cut on a char boundary at 100
    bot.save_message(sid, "user", "second never becomes the title", NOW)
    bot.save_tool_use(sid, "toolu_1", "Bash", {"command": "ls", "a": 1}, NOW)
    bot.save_tool_result(sid, "toolu_1", "x" * 600, now=NOW)
    cost = bot.record_usage(
        sid,
        turn=2,
        input_tokens=1000,
        output_tokens=1000,
        cache_read=10_000,
        cache_write=1000,
        model="claude-sonnet-4-6",
        now=NOW,
    )
    assert cost == pytest.approx(0.02475)
    assert bot.record_usage(
        sid,
        turn=1,
        input_tokens=10**6,
        output_tokens=0,
        cache_read=0,
        cache_write=0,
        model="claude-opus-4-6",
        now=NOW,
    ) == pytest.approx(5.0)
    bot.close_session(sid, "Auto-closed: inactivity")
    bot.mark_read(sid, False)
    bot.archive(sid)
    conn = sqlite3.connect(db)
    meta = conn.execute(
        "SELECT title, message_count, is_closed, summary, is_read, is_archived, "
        "channel, created_at FROM session_metadata"
    ).fetchone()
    assert meta == (
        "é" * 50 + "...",
        1,
        1,
        "Auto-closed: inactivity",
        0,
        1,
        "telegram",
        "2026-08-22T21:44:00.123456+00:00",
    )
    tool_use, tool_result = [
        r[0]
        for r in conn.execute(
            "SELECT content FROM session_messages WHERE role LIKE 'tool%' ORDER BY id"
        )
    ]
    assert tool_use == (
        '{"id":"toolu_1","input":{"a":1,"command":"ls"},"name":"Bash","type":"tool_use"}'
    )
    assert json.loads(tool_result)["content"] == "x" * 500 + "..."
    assert list(json.loads(tool_result)) == ["content", "is_error", "tool_use_id", "type"]


# -- Claude Code --------------------------------------------------------------------------------


def test_claude_code_lines(tmp_path: Path) -> None:
    writer = ClaudeCodeWriter(tmp_path, ids=Ids())
    seen: list[bytes] = []
    writer.user("sid-1", "/home/me/src/app", "hello", NOW)
    blocks = [
        thinking_block("hmm"),
        text_block("Looking."),
        tool_use_block("toolu_1", "Bash", {"command": "ls"}),
    ]
    writer.between = lambda p: seen.append(p.read_bytes())
    path = writer.assistant(
        "sid-1",
        "/home/me/src/app",
        blocks,
        model="claude-opus-4-6",
        usage=usage_dict(10, 5, 1000, 2000),
        now=NOW,
    )
    writer.tool_result("sid-1", "/home/me/src/app", "toolu_1", "a.txt", now=NOW)
    writer.synthetic("sid-1", "/home/me/src/app", now=NOW)
    assert path == tmp_path / "-home-me-src-app" / "sid-1.jsonl"
    assert all(not chunk.endswith(b"\n") for chunk in seen) and len(seen) == 5
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["type"] for line in lines] == ["user"] + ["assistant"] * 3 + ["user", "assistant"]
    assert lines[0]["message"] == {"role": "user", "content": "hello"}
    replies = lines[1:4]
    assert len({(r["message"]["id"], r["requestId"]) for r in replies}) == 1
    assert all(r["message"]["usage"]["cache_read_input_tokens"] == 1000 for r in replies)
    assert [r["message"]["stop_reason"] for r in replies] == [None, None, "tool_use"]
    assert [r["message"]["content"][0]["type"] for r in replies] == ["thinking", "text", "tool_use"]
    assert lines[4]["message"]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "a.txt",
        "is_error": False,
    }
    assert lines[5]["message"]["model"] == "<synthetic>"
    assert lines[5]["message"]["usage"]["output_tokens"] == 0
    assert [line["parentUuid"] for line in lines[1:]] == [line["uuid"] for line in lines[:-1]]
    assert {line["timestamp"] for line in lines} == {"2026-08-22T21:44:00.123Z"}
    # A new writer continues the parentUuid chain of the existing file.
    ClaudeCodeWriter(tmp_path).user("sid-1", "/home/me/src/app", "again", NOW)
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["parentUuid"] == lines[-1]["uuid"]
    assert os.path.getsize(path) > 0
