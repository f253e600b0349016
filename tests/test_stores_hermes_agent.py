"""Hermes Agent `state.db` (store G, STORES.md 7): every state and reason, the lineage at its
tip, hidden rows, recorded costs, older schema stages and the transcript, on real files made
with the bot's exact DDL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRows

from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.demo.hermes_agent_schema import STAGES
from sessiontui.model import MessageKind, Role
from sessiontui.stores.hermes_agent import HermesAgentStore

TOOL_CALL = [
    {
        "id": "call_1",
        "type": "function",
        "function": {"name": "terminal", "arguments": '{"command": "ls"}'},
    }
]


def fleet(bot: HermesAgentBot, now: datetime) -> None:
    """One session of every kind the dashboard must tell apart."""

    def ago(**kw: float) -> datetime:
        return now - timedelta(**kw)

    bot.heartbeat("gw-dead", 4001, started=ago(days=1), now=ago(hours=2))
    bot.heartbeat("gw-live", 4002, started=ago(hours=1), now=ago(seconds=5))
    # A telegram chat served by the live gateway, answered 30 minutes ago: idle.
    bot.create_session(
        "tg-chat",
        "telegram",
        model="anthropic/claude-sonnet-4.6",
        user_id="u42",
        chat_id="123",
        chat_type="dm",
        title="Calendar",
        title_source="llm",
        now=ago(minutes=40),
    )
    bot.append_message("tg-chat", "user", "What is on today?", now=ago(minutes=32))
    bot.append_message(
        "tg-chat",
        "assistant",
        "",
        tool_calls=TOOL_CALL,
        reasoning="Check the calendar.",
        now=ago(minutes=31),
    )
    bot.append_message(
        "tg-chat",
        "tool",
        "09:00 standup",
        tool_call_id="call_1",
        tool_name="terminal",
        now=ago(minutes=31),
    )
    bot.append_message(
        "tg-chat", "assistant", "Standup at 09:00.", finish_reason="stop", now=ago(minutes=30)
    )
    bot.record_usage(
        "tg-chat",
        "anthropic/claude-sonnet-4.6",
        input_tokens=1200,
        output_tokens=80,
        cache_read=9000,
        cache_write=300,
        reasoning=20,
        cost_usd=0.0123,
        now=ago(minutes=30),
    )
    bot.record_usage(
        "tg-chat",
        "openai/gpt-4.1-mini",
        input_tokens=100,
        output_tokens=10,
        cost_usd=0.0002,
        task="title_generation",
        now=ago(minutes=30),
    )
    # A subagent run under it: hidden by the bot's pickers.
    bot.create_session("sub-1", "subagent", parent="tg-chat", now=ago(minutes=31))
    bot.append_message("sub-1", "user", "look it up", now=ago(minutes=31))
    # A telegram chat started before the live gateway: its gateway went silent 2 hours ago.
    bot.create_session("tg-old", "telegram", now=ago(hours=3))
    bot.append_message("tg-old", "user", "hello?", now=ago(hours=3))
    # A compression lineage root -> c1 -> tip, in a CLI session still going: shown once, at the tip.
    bot.create_session(
        "root", "cli", title="Refactor parser", title_source="user", model="m1", now=ago(hours=5)
    )
    bot.append_message("root", "user", "refactor", now=ago(hours=5))
    bot.record_usage(
        "root",
        "m1",
        input_tokens=1000,
        output_tokens=100,
        cost_usd=0.5,
        actual=True,
        now=ago(hours=5),
    )
    bot.compress("root", "c1", now=ago(hours=4))
    bot.append_message("c1", "user", "go on", now=ago(hours=4))
    bot.record_usage("c1", "m1", input_tokens=10, output_tokens=1, cost_usd=0.25, now=ago(hours=4))
    bot.compress("c1", "tip", now=ago(minutes=3))
    bot.append_message("tip", "user", "and the tests", now=ago(minutes=1))
    bot.acquire_lease("tip", 5150, ttl=300, now=ago(minutes=1))
    # A CLI turn whose lease ran out 15 minutes ago, nothing since.
    bot.create_session("leased", "cli", now=ago(minutes=30))
    bot.append_message("leased", "user", "build it", now=ago(minutes=20))
    bot.acquire_lease("leased", 5151, ttl=300, now=ago(minutes=20))
    # Ended by the runtime and by the user; an error; an archived one; an unanswered tool call.
    bot.create_session("reaped", "tui", now=ago(hours=2))
    bot.end_session("reaped", "idle_timeout", now=ago(hours=1))
    bot.create_session("newed", "cli", now=ago(hours=2))
    bot.end_session("newed", "new_session", now=ago(hours=1))
    bot.create_session("failed", "cli", now=ago(minutes=50))
    bot.append_message("failed", "user", "do it", now=ago(minutes=50))
    bot.append_message(
        "failed", "assistant", "provider error", finish_reason="agent_error", now=ago(minutes=49)
    )
    bot.create_session("shelved", "cli", now=ago(days=2))
    bot.set_flag("shelved", "archived", 1)
    bot.create_session("tooling", "cli", now=ago(hours=1))
    bot.append_message("tooling", "assistant", "", tool_calls=TOOL_CALL, now=ago(minutes=45))


@pytest.fixture
def state_db(tmp_path: Path, real_now: datetime) -> Path:
    path = tmp_path / ".hermes" / "state.db"
    bot = HermesAgentBot(path)
    try:
        fleet(bot, real_now)
    finally:
        bot.close()
    return path


def test_snapshot_states_and_fields(
    state_db: Path, snapshot_rows: SnapshotRows, snapshot_keys: set[str], real_now: datetime
) -> None:
    rows = snapshot_rows(state_db.parent)
    assert set(rows) == {
        "tg-chat",
        "sub-1",
        "tg-old",
        "tip",
        "leased",
        "reaped",
        "newed",
        "failed",
        "shelved",
        "tooling",
    }  # root and c1 are the tip's lineage, not rows
    chat = rows["tg-chat"]
    assert set(chat) == snapshot_keys
    assert chat == chat | {
        "format": "hermes-agent",
        "store": str(state_db.resolve()),
        "name": "Calendar",
        "state": "idle",
        "reason": None,
        "messages": 4,
        "model": "anthropic/claude-sonnet-4.6",
        "channel": "telegram",
        "user": "u42",
        "input_tokens": 1300,
        "output_tokens": 90,
        "cache_read_tokens": 9000,
        "cache_write_tokens": 300,
        "cost_source": "recorded",
        "hidden": False,
        "created_at": (real_now - timedelta(minutes=40)).isoformat(),
        "last_activity": (real_now - timedelta(minutes=30)).isoformat(),
    }
    assert chat["cost_usd"] == pytest.approx(0.0125)
    states = {key: (row["state"], row["reason"]) for key, row in rows.items()}
    assert states == {
        "tg-chat": ("idle", None),
        "sub-1": ("stuck", "unanswered"),  # shown with the toggle only
        "tg-old": ("stuck", "gateway-silent"),
        "tip": ("running", None),
        "leased": ("stuck", "lease-expired"),
        "reaped": ("closed", None),
        "newed": ("closed", None),
        "failed": ("error", None),
        "shelved": ("archived", None),
        "tooling": ("stuck", "tool-no-result"),
    }
    assert "2 hours" in rows["tg-old"]["evidence"]
    assert rows["sub-1"]["hidden"] is True
    assert (
        rows["leased"]["name"] == "build it"
    )  # untitled: its first prompt, as the bot's pickers show
    tip = rows["tip"]
    assert tip == tip | {
        "name": "Refactor parser",
        "messages": 3,
        "input_tokens": 1010,
        "output_tokens": 101,
        "created_at": (real_now - timedelta(hours=5)).isoformat(),
        "hidden": False,
    }
    assert tip["cost_usd"] == pytest.approx(0.75)  # actual for the root, estimated for c1


async def test_details_lineage_and_transcript(state_db: Path) -> None:
    store = HermesAgentStore(state_db)
    report = await store.refresh()
    by_id = {s.id: s for s in report.sessions}
    tip, chat = dict(by_id["tip"].extra), dict(by_id["tg-chat"].extra)
    assert tip["lineage"] == "root → c1 → tip"
    assert tip["lease holder"].startswith("pid=5150")
    assert chat["cost provenance"] == "estimated / pricing_table"
    assert chat["model openai/gpt-4.1-mini (title_generation)"] == "$0.0002, 110 tokens, 1 calls"
    assert chat["bot status"] == "complete"
    assert dict(by_id["reaped"].extra)["end_reason"] == "idle_timeout (closed by runtime)"
    assert dict(by_id["newed"].extra)["end_reason"] == "new_session (closed by user)"
    assert dict(by_id["failed"].extra)["bot status"] == "error"

    page = await store.read_messages(by_id["tg-chat"])
    assert [(m.role, m.kind) for m in page.messages] == [
        ("user", MessageKind.TEXT),
        (Role.ASSISTANT, MessageKind.TEXT),
        (Role.ASSISTANT, MessageKind.TOOL_CALL),
        (Role.TOOL, MessageKind.TOOL_RESULT),
        ("assistant", MessageKind.TEXT),
    ]
    assert page.messages[1].text == "(thinking) Check the calendar."
    assert [(c.id, c.name, c.arguments) for c in page.messages[2].tool_calls] == [
        ("call_1", "terminal", '{"command": "ls"}')
    ]
    result = page.messages[3].tool_result
    assert result is not None and (result.tool_call_id, result.content) == (
        "call_1",
        "09:00 standup",
    )
    assert (await store.refresh()).changed is False  # nothing written: not even opened

    bot = HermesAgentBot(state_db)
    bot.append_message("tg-chat", "user", "thanks")
    bot.close()
    again = await store.refresh()
    assert again.changed and {s.id: s for s in again.sessions}["tg-chat"].message_count == 5
    newer = await store.read_new_messages(by_id["tg-chat"], page.newer)
    assert [m.text for m in newer.messages] == ["thanks"]


@pytest.mark.parametrize("version", sorted(STAGES))
async def test_every_schema_stage(tmp_path: Path, version: int, real_now: datetime) -> None:
    path = tmp_path / "state.db"
    bot = HermesAgentBot(path, version=version)
    bot.create_session("s1", "cli", model="m", title="One", now=real_now - timedelta(minutes=20))
    bot.append_message("s1", "user", "hi", now=real_now - timedelta(minutes=20))
    bot.append_message("s1", "assistant", "hello", now=real_now - timedelta(minutes=19))
    bot.record_usage("s1", "m", input_tokens=5, output_tokens=7, cost_usd=0.01, now=real_now)
    bot.close()
    with sqlite3.connect(path) as conn:
        session_columns = {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
    conn.close()
    assert ("last_activity_at" in session_columns) == (version >= 20)
    store = HermesAgentStore(path)
    (session,) = (await store.refresh()).sessions
    assert (session.name, session.message_count, session.usage and session.usage.output_tokens) == (
        "One",
        2,
        7,
    )
    assert session.last_activity == real_now - timedelta(
        minutes=19
    )  # the newest message, no last_activity_at
    assert [m.text for m in (await store.read_messages(session)).messages] == ["hi", "hello"]


async def test_newer_schema_is_read_with_a_note(tmp_path: Path, real_now: datetime) -> None:
    path = tmp_path / "state.db"
    bot = HermesAgentBot(path)
    bot.create_session("s1", "cli", now=real_now)
    bot.conn.execute("ALTER TABLE sessions ADD COLUMN future_column TEXT")
    bot.conn.execute("INSERT INTO schema_version (version) VALUES (31)")
    bot.close()
    report = await HermesAgentStore(path).refresh()
    assert [s.id for s in report.sessions] == ["s1"]
    assert report.note == (
        "schema version 31 is newer than sessiontui knows (30): read for the columns that exist"
    )


async def test_store_is_opened_read_only_and_never_kept_open(state_db: Path) -> None:
    before = {p.name: p.read_bytes() for p in state_db.parent.iterdir()}
    store = HermesAgentStore(state_db)
    (await store.refresh()).sessions  # noqa: B018
    assert store.watch_paths() == []
    after = {p.name: p.read_bytes() for p in state_db.parent.iterdir()}
    assert after["state.db"] == before["state.db"]
    # SQLite makes the WAL sidecars of a read-only open when the bot is not running: empty, and
    # with the database's own mode (0600), never readable by others.
    assert after.get("state.db-wal", b"") == b""
    assert {
        p.name: oct(p.stat().st_mode & 0o777) for p in state_db.parent.iterdir()
    } == dict.fromkeys(after, "0o600")


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to act as another user"
)
def test_a_store_it_cannot_open_names_the_user_who_can(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Hermes keeps state.db 0600: run as `nobody`, the store line says whose it is."""
    home = Path(
        tempfile.mkdtemp(prefix="issue15-hermes-")
    )  # traversable by nobody, unlike tmp_path
    try:
        home.chmod(0o755)
        db = home / "state.db"
        bot = HermesAgentBot(db)
        bot.create_session("s1", "cli")
        bot.close()
        code = (
            "import asyncio, sys; from pathlib import Path; from sessiontui.stores.hermes_agent import HermesAgentStore\n"
            "from sessiontui.stores.base import StoreError\n"
            "try:\n    asyncio.run(HermesAgentStore(Path(sys.argv[1])).refresh())\n"
            "except StoreError as exc:\n    print(exc)\n"
        )
        run = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                code,
                str(db),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "HOME": str(home)},
        )
        assert (
            run.stdout.strip()
            == f"{db}: mode 0600, owned by root: run sessiontui as root to read it"
        ), run.stderr
    finally:
        shutil.rmtree(home, ignore_errors=True)


async def test_spend_per_model_feeds_the_costs_view_as_recorded(state_db: Path) -> None:
    from sessiontui.model import Session, SessionRow, SessionState, Verdict
    from sessiontui.rules.costs import costs_by_model

    store = HermesAgentStore(state_db)
    sessions: dict[str, Session] = {s.id: s for s in (await store.refresh()).sessions}
    (m1,) = sessions["tip"].models  # the lineage's two recorded calls of m1, root and c1
    assert (m1.model, m1.calls, m1.usage.input_tokens, m1.usage.output_tokens) == (
        "m1",
        2,
        1010,
        101,
    )
    assert m1.cost_usd == pytest.approx(0.75) and m1.recorded
    rows = [SessionRow(s, Verdict(SessionState.IDLE)) for s in sessions.values()]
    group = next(g for g in costs_by_model(rows) if g.name == "m1")
    assert group.cost == pytest.approx(0.75) and group.recorded == group.priced == 1
    assert group.calls == 2
