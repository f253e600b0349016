"""The processes behind sessions in the app, through Pilot, on real stand-in processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from fixture_types import StartStandIn
from pilot_wait import screen_text, until
from test_app_actions import SIZE, open_app, show_only
from textual.widgets import Input, OptionList

from sessiontui.actions.audit import read_audit
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.screens.processes import ProcessesScreen
from sessiontui.screens.stop_process import StopProcessScreen

CWD = "/src/app"


pytestmark = pytest.mark.usefixtures("state_home")  # HOME, the trash and the audit log in tmp_path


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def claude_sessions(root: Path, *ids: str) -> None:
    writer = ClaudeCodeWriter(root / "claude" / "projects")
    for session_id in ids:
        writer.user(session_id, CWD, f"task {session_id}", now=datetime.now(UTC))
        writer.assistant(
            session_id,
            CWD,
            [text_block("on it")],
            model="claude-sonnet-4-5",
            usage=usage_dict(10, 5),
            now=datetime.now(UTC),
        )


async def test_k_stops_the_sessions_process_and_it_turns_process_gone(
    tmp_path: Path, standins: StartStandIn, state_home: Path
) -> None:
    claude_sessions(tmp_path, "aaaa-1111", "bbbb-2222")
    hung = standins("claude", ["--resume", "aaaa-1111"], mode="hung")
    other = standins("claude", ["--resume", "bbbb-2222"], mode="hung")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.latest and app.latest.processes_linked, "a process linked")
        await until(pilot, lambda: str(hung.pid) in screen_text(app), "the PID column")
        await show_only(pilot, app, "aaaa-1111")
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, StopProcessScreen), "the stop dialog")
        assert isinstance(app.screen, StopProcessScreen) and app.screen.info.pid == hung.pid
        await pilot.press("y")
        await until(pilot, lambda: any("stopped" in m for m, _ in notes), "the stop to be reported")
        assert not running(hung.pid) and running(other.pid)

        def verdict() -> str | None:
            assert app.latest is not None
            (row,) = [r for r in app.latest.rows if r.session.id == "aaaa-1111"]
            return row.verdict.reason

        await until(pilot, lambda: verdict() == "process-gone", "the process-gone verdict")
        await until(
            pilot, lambda: f"process {hung.pid} that served" in screen_text(app), "its evidence"
        )
    actions = [r["action"] for r in read_audit(state_home / "sessiontui")]
    assert actions == ["stop-process:sigterm", "stop-process:verify"]


async def test_k_is_refused_in_read_only_and_nothing_is_signalled(
    tmp_path: Path, standins: StartStandIn
) -> None:
    claude_sessions(tmp_path, "aaaa-1111")
    agent = standins("claude", ["--resume", "aaaa-1111"], mode="hung")
    app, notes = open_app(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.latest and app.latest.processes_linked, "a process linked")
        await show_only(pilot, app, "aaaa-1111")
        await pilot.press("K")
        await until(pilot, lambda: any("read-only" in m for m, _ in notes), "the refusal")
        assert not isinstance(app.screen, StopProcessScreen)
    assert running(agent.pid)


async def test_a_daemon_serving_many_sessions_stops_only_when_its_name_is_typed(
    tmp_path: Path, standins: StartStandIn
) -> None:
    db = tmp_path / "zeroclaw" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    for key in ("gw_1", "gw_2"):
        bot.append(key, "user", "hello", now=datetime.now(UTC) - timedelta(minutes=5))
    bot.close()
    daemon = standins("zeroclaw", ["daemon"], hold=[db], mode="hung")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.latest and app.latest.processes_linked, "a process linked")
        assert "zeroclaw" in screen_text(app) and f"{daemon.pid}*" in screen_text(app)
        await show_only(pilot, app, "gw_1")
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, StopProcessScreen), "the stop dialog")
        assert isinstance(app.screen, StopProcessScreen) and app.screen.serves == 2
        await pilot.press("y")  # not enough for a daemon
        await pilot.press(*"zero", "enter")
        assert isinstance(app.screen, StopProcessScreen) and running(daemon.pid)
        name = app.screen.info.name
        app.screen.query_one("#stop-name", Input).value = ""
        await pilot.press(*name, "enter")
        await until(pilot, lambda: any("stopped" in m for m, _ in notes), "the stop to be reported")
        assert not running(daemon.pid)
        await until(
            pilot, lambda: "GONE" in screen_text(app), "the store line saying its process is gone"
        )


async def test_the_detail_screen_shows_the_process(tmp_path: Path, standins: StartStandIn) -> None:
    claude_sessions(tmp_path, "aaaa-1111")
    agent = standins("claude", ["--session-id", "aaaa-1111"])
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.latest and app.latest.processes_linked, "a process linked")
        await show_only(pilot, app, "aaaa-1111")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail screen")
        await until(pilot, lambda: f"PID {agent.pid}" in screen_text(app), "the process block")
        text = screen_text(app)
        assert "--session-id aaaa-1111" in text and "RSS" in text and "linked by its id" in text


async def test_p_lists_orphans_first_and_k_stops_one(
    tmp_path: Path, standins: StartStandIn
) -> None:
    claude_sessions(tmp_path, "aaaa-1111", "bbbb-2222")
    live = standins("claude", ["--resume", "aaaa-1111"])
    orphan = standins("claude", ["--resume", "bbbb-2222"], orphan=True, mode="hung")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.latest and app.latest.processes_linked, "a process linked")
        await pilot.press("p")
        await until(
            pilot, lambda: isinstance(app.screen, ProcessesScreen) and app.screen.listed, "the list"
        )
        assert isinstance(app.screen, ProcessesScreen)
        # The scan covers the whole machine: another test run's stand-ins may be listed too, so
        # ours is found by PID, and the order is checked as a property (orphans first).
        listed = app.screen.listed
        pids = [p.info.pid for p in listed]
        ours = pids.index(orphan.pid)
        assert listed[ours].why_orphan == "parent is init"
        assert live.pid in pids and pids.index(live.pid) > ours
        assert all(p.why_orphan is not None for p in listed[:ours])
        assert "ORPHAN (parent is init)" in screen_text(app)
        for _ in range(ours):
            await pilot.press("down")
        assert app.screen.query_one(OptionList).highlighted == ours
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, StopProcessScreen), "the stop dialog")
        assert isinstance(app.screen, StopProcessScreen) and app.screen.info.pid == orphan.pid
        await pilot.press("y")
        await until(pilot, lambda: any("stopped" in m for m, _ in notes), "the stop to be reported")
        assert not running(orphan.pid) and running(live.pid)


async def test_p_and_k_are_listed_in_the_command_palette(tmp_path: Path) -> None:
    claude_sessions(tmp_path, "aaaa-1111")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "aaaa-1111")
        titles = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert "Processes" in titles
        assert "Stop process" in titles and "no running process" in titles["Stop process"]
