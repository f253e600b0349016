"""Processes linked to Hermes Agent, Codex and OpenClaw sessions, on real processes: stand-ins
named by a turn lease or a gateway heartbeat, carrying HERMES_SESSION_ID, resuming a Codex thread,
or holding an OpenClaw agent store open (STORES.md 11.1)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from test_live_processes import refresh, row_of

from sessiontui.demo.agent_processes import StandIn, start_standin
from sessiontui.demo.codex import CodexWriter
from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.demo.openclaw_bot import OpenClawAgentBot, header, message_record, ms, user
from sessiontui.live.fleet import FleetUpdate
from sessiontui.live.processes import is_agent, session_ids_in
from sessiontui.rules.state import Reason


@pytest.fixture
def standins() -> Iterator[Callable[..., StandIn]]:
    started: list[StandIn] = []

    def start(*args: Any, **kwargs: Any) -> StandIn:
        standin = start_standin(*args, **kwargs)
        started.append(standin)
        return standin

    yield start
    for standin in started:
        standin.stop()


def pids_of(update: FleetUpdate, session_id: str) -> tuple[int, ...]:
    facts = row_of(update, session_id).processes
    return () if facts is None else tuple(facts.pids)


# Unique ids: agents of other test runs on this machine must not name these sessions.
ONE, TWO, CHAT = (f"h-{name}-{uuid.uuid4().hex[:8]}" for name in ("one", "two", "tg"))


def hermes_store(root: Path) -> HermesAgentBot:
    """Two CLI sessions mid-turn, each with a user message."""
    bot = HermesAgentBot(root / ".hermes" / "state.db")
    now = datetime.now(UTC)
    for session_id in (ONE, TWO):
        bot.create_session(
            session_id, "cli", model="claude-sonnet-4-6", now=now - timedelta(seconds=30)
        )
        bot.append_message(session_id, "user", "fix the build", now=now - timedelta(seconds=20))
    return bot


@pytest.mark.parametrize(
    ("argv", "ids"),
    [
        (
            ["codex", "resume", "7f9f9a2e-1b3c-4e5f-9a8b-0c1d2e3f4a5b"],
            ["7f9f9a2e-1b3c-4e5f-9a8b-0c1d2e3f4a5b"],
        ),
        (["codex", "exec", "resume", "t-1", "fix it"], ["t-1"]),
        (["codex", "resume", "--last"], []),
        (["resume", "x"], []),
    ],
)
def test_a_resume_subcommand_names_the_thread(argv: list[str], ids: list[str]) -> None:
    assert session_ids_in(argv) == ids


def test_a_node_gateway_running_an_mjs_entry_is_an_agent() -> None:
    assert is_agent("node", ["node", "/usr/lib/node_modules/openclaw/openclaw.mjs", "gateway"])


async def test_a_turn_lease_links_its_live_holder_and_its_death_is_process_gone(
    tmp_path: Path, standins: Callable[..., StandIn]
) -> None:
    bot = hermes_store(tmp_path)
    agent = standins("hermes", ["chat"])
    other = standins("hermes", ["chat"])
    bot.acquire_lease(ONE, agent.pid, ttl=600)
    bot.acquire_lease(TWO, other.pid, ttl=600)
    bot.close()
    fleet, update = await refresh(tmp_path)
    mine = row_of(update, ONE)
    assert mine.processes.pids == (agent.pid,) and not mine.processes.shared
    assert "lease" in mine.processes.via
    assert pids_of(update, TWO) == (other.pid,)
    assert str(mine.verdict.state) == "running"

    agent.stop()
    _, update = await refresh(tmp_path, fleet)
    mine, theirs = row_of(update, ONE), row_of(update, TWO)
    assert mine.verdict.reason == Reason.PROCESS_GONE
    assert str(agent.pid) in (mine.verdict.evidence or "")
    assert mine.processes.gone_pid == agent.pid and mine.processes.pids == ()
    assert theirs.verdict.reason is None and theirs.processes.pids == (other.pid,)


async def test_a_lease_naming_a_reused_pid_is_not_linked(
    tmp_path: Path, standins: Callable[..., StandIn]
) -> None:
    bot = hermes_store(tmp_path)
    newcomer = standins("hermes", ["chat"])
    started = datetime.fromtimestamp(psutil.Process(newcomer.pid).create_time(), UTC)
    # The lease was taken an hour before this process started: an earlier holder had the PID.
    bot.acquire_lease(ONE, newcomer.pid, ttl=7200, now=started - timedelta(hours=1))
    bot.acquire_lease(TWO, newcomer.pid, ttl=600, now=started + timedelta(seconds=1))
    bot.close()
    _, update = await refresh(tmp_path)
    assert newcomer.pid not in pids_of(update, ONE)
    assert pids_of(update, TWO) == (newcomer.pid,)


async def test_a_gateway_heartbeat_serves_the_sessions_started_after_it(
    tmp_path: Path, standins: Callable[..., StandIn]
) -> None:
    gateway = standins(
        "python3", ["-m", "hermes_gateway"]
    )  # not named like an agent: the row links it
    started = datetime.fromtimestamp(psutil.Process(gateway.pid).create_time(), UTC)
    bot = HermesAgentBot(tmp_path / ".hermes" / "state.db")
    bot.heartbeat("gw-1", gateway.pid, started=started + timedelta(seconds=0.5))
    bot.create_session(CHAT, "telegram", model="m", now=datetime.now(UTC))
    bot.append_message(CHAT, "user", "hello", now=datetime.now(UTC))
    bot.acquire_lease(CHAT, gateway.pid, ttl=600)  # the gateway holds the turn itself
    bot.close()
    _, update = await refresh(tmp_path)
    facts = row_of(update, CHAT).processes
    assert facts.pids == (gateway.pid,) and facts.shared
    assert "gateway" in facts.via


async def test_hermes_session_id_in_an_agents_environment_links_it(
    tmp_path: Path, standins: Callable[..., StandIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    hermes_store(tmp_path).close()  # no lease: only the environment names the session
    monkeypatch.setenv("HERMES_SESSION_ID", TWO)
    agent = standins("hermes", ["chat"])
    monkeypatch.delenv("HERMES_SESSION_ID")
    bystander = standins("hermes", ["chat"])
    _, update = await refresh(tmp_path)
    assert pids_of(update, TWO) == (agent.pid,)
    assert pids_of(update, ONE) == ()
    assert bystander.pid not in pids_of(update, TWO)


async def test_a_codex_process_resuming_a_thread_links_and_its_death_is_process_gone(
    tmp_path: Path, standins: Callable[..., StandIn]
) -> None:
    writer = CodexWriter(tmp_path / ".codex")
    now = datetime.now(UTC)
    running = writer.start("/src/app", now - timedelta(seconds=20))
    writer.user_turn(running, "port the parser", now - timedelta(seconds=10))
    idle = writer.start("/src/app", now - timedelta(hours=2))
    writer.user_turn(idle, "hello", now - timedelta(hours=2))
    writer.answer(idle, "hi", now - timedelta(hours=2))
    writer.turn_complete(idle, now - timedelta(hours=2))
    agent = standins("codex", ["resume", running])
    holder = standins("codex", [], hold=[writer.path_of(idle)])
    fleet, update = await refresh(tmp_path)
    row = row_of(update, running)
    assert row.processes.pids == (agent.pid,) and not row.processes.shared
    assert str(row.verdict.state) == "running"
    assert pids_of(update, idle) == (holder.pid,)

    agent.stop()
    _, update = await refresh(tmp_path, fleet)
    assert row_of(update, running).verdict.reason == Reason.PROCESS_GONE


async def test_the_openclaw_gateway_holding_the_agent_store_serves_its_sessions(
    tmp_path: Path, standins: Callable[..., StandIn]
) -> None:
    path = tmp_path / ".openclaw" / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    bot = OpenClawAgentBot(path)
    now = datetime.now(UTC)
    key, sid = "agent:main:telegram:dm:123", "w-chat"
    bot.write_entry(
        key,
        {
            "sessionId": sid,
            "updatedAt": ms(now),
            "sessionStartedAt": ms(now),
            "chatType": "direct",
            "lastActivityAt": ms(now),
        },
        now=now,
    )
    bot.open_window(key, sid, channel="telegram", peer="123", now=now)
    bot.append(sid, header(sid, now), now=now)
    bot.append(sid, message_record(user("go"), now), now=now)
    bot.close()
    gateway = standins("openclaw", ["gateway"], hold=[path])
    _, update = await refresh(tmp_path)
    (status,) = update.statuses
    assert status.processes is not None and [p.pid for p in status.processes] == [gateway.pid]
    facts = row_of(update, key).processes
    assert facts.pids == (gateway.pid,) and facts.shared


async def test_the_demo_runs_codex_agents_and_the_hermes_agent_and_openclaw_gateways(
    tmp_path: Path,
) -> None:
    from sessiontui.demo import populate
    from sessiontui.demo.agent_processes import DemoAgents

    now = datetime.now(UTC)
    populate(tmp_path, now=now, seed=0)
    agents = DemoAgents(tmp_path)
    agents.start()
    try:
        _, update = await refresh(tmp_path)
        running = [
            r
            for r in update.rows
            if str(r.session.format) == "codex" and str(r.verdict.state) == "running"
        ]
        assert running
        for row in running:
            assert row.processes and row.processes.pids and not row.processes.shared
            assert row.processes.processes[0].name == "codex"
        gateways = {
            s.format: s.processes
            for s in update.statuses
            if s.format in ("hermes-agent", "openclaw")
        }
        assert set(gateways) == {"hermes-agent", "openclaw"}
        assert all(found and found[0].name in ("hermes", "openclaw") for found in gateways.values())
    finally:
        agents.stop_all()
