"""Processes behind sessions, found on real processes: stand-ins started under an agent's name
with a session id in their command line, or holding a store's files open."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from fixture_types import SnapshotRows, StartStandIn

from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
from sessiontui.live.fleet import Fleet, FleetUpdate
from sessiontui.live.process_links import ProcessWatch, current
from sessiontui.live.processes import is_agent, session_ids_in
from sessiontui.model import SessionProcesses
from sessiontui.rules.state import Reason, Thresholds
from sessiontui.stores import find_stores, open_stores

CWD = "/src/app"


RUN = uuid.uuid4().hex[:8]  # session ids of this run: agents another test run started never match


def claude_session(root: Path, session_id: str, *, at: datetime) -> Path:
    writer = ClaudeCodeWriter(root / "claude" / "projects")
    writer.user(session_id, CWD, "run the tests", now=at)
    return writer.assistant(
        session_id,
        CWD,
        [text_block("running them")],
        model="claude-sonnet-4-5",
        usage=usage_dict(10, 5),
        now=at,
    )


OPENED: list[Fleet] = []


@pytest.fixture(autouse=True)
async def close_fleets() -> AsyncIterator[None]:
    """Each fleet a test opened is closed in its own loop (no store thread outlives the test)."""
    yield
    while OPENED:
        await OPENED.pop().close()


async def refresh(root: Path, fleet: Fleet | None = None) -> tuple[Fleet, FleetUpdate]:
    if fleet is None:
        found, errors = find_stores([root])
        assert found and not errors
        fleet = Fleet(
            open_stores(found),
            clock=lambda: datetime.now(UTC),
            thresholds=Thresholds(),
            processes=ProcessWatch(),
        )
        OPENED.append(fleet)
    return fleet, await fleet.refresh(full=True)


def row_of(update: FleetUpdate, session_id: str) -> Any:
    return next(r for r in update.rows if r.session.id == session_id)


@pytest.mark.parametrize(
    ("argv", "ids"),
    [
        (["claude", "--resume", "abc"], ["abc"]),
        (["node", "/usr/lib/claude", "-r", "abc", "--model", "m"], ["abc"]),
        (["claude", "--session-id=abc"], ["abc"]),
        (["claude", "--resume"], []),
        (["claude", "--resume", "--verbose"], []),
        (["claude", "-c"], []),
    ],
)
def test_session_ids_in_a_command_line(argv: list[str], ids: list[str]) -> None:
    assert session_ids_in(argv) == ids


@pytest.mark.parametrize(
    ("name", "argv", "agent"),
    [
        ("node", ["node", "/home/u/.npm/bin/claude", "--resume", "x"], True),
        ("python", ["claude", "/x/standin.py"], True),
        ("zeroclaw", ["zeroclaw", "daemon"], True),
        ("python3", ["python3", "-m", "http.server"], False),
        ("bash", ["bash"], False),
    ],
)
def test_agents_are_known_by_name_or_command_line(name: str, argv: list[str], agent: bool) -> None:
    assert is_agent(name, argv) is agent


async def test_a_claude_process_is_linked_by_its_session_id_and_its_death_is_process_gone(
    tmp_path: Path, standins: StartStandIn
) -> None:
    now = datetime.now(UTC)
    claude_session(tmp_path, f"aaaa-1111-{RUN}", at=now)
    claude_session(tmp_path, f"bbbb-2222-{RUN}", at=now)
    agent = standins("claude", ["--session-id", f"aaaa-1111-{RUN}"])
    other = standins("claude", ["--resume", f"bbbb-2222-{RUN}"])
    fleet, update = await refresh(tmp_path)
    mine, theirs = row_of(update, f"aaaa-1111-{RUN}"), row_of(update, f"bbbb-2222-{RUN}")
    assert mine.processes.pids == (agent.pid,) and not mine.processes.shared
    assert theirs.processes.pids == (other.pid,)
    info = mine.processes.processes[0]
    assert info.cmdline[0] == "claude" and f"aaaa-1111-{RUN}" in info.cmdline
    assert info.started == pytest.approx(psutil.Process(agent.pid).create_time())
    assert info.rss and info.rss > 0 and info.inspectable
    assert str(mine.verdict.state) == "running"

    agent.stop()
    _, update = await refresh(tmp_path, fleet)
    mine, theirs = row_of(update, f"aaaa-1111-{RUN}"), row_of(update, f"bbbb-2222-{RUN}")
    assert mine.verdict.reason == Reason.PROCESS_GONE
    assert str(agent.pid) in (mine.verdict.evidence or "")
    assert mine.processes.gone_pid == agent.pid and mine.processes.pids == ()
    assert theirs.verdict.reason is None and theirs.processes.pids == (other.pid,)


async def test_a_process_holding_the_transcript_open_is_linked(
    tmp_path: Path, standins: StartStandIn
) -> None:
    path = claude_session(tmp_path, f"cccc-3333-{RUN}", at=datetime.now(UTC))
    holder = standins("claude", [], hold=[path])
    _, update = await refresh(tmp_path)
    row = row_of(update, f"cccc-3333-{RUN}")
    assert row.processes.pids == (holder.pid,)
    assert row.processes.processes[0].open_store_files == (str(path),)


async def test_a_daemon_holding_the_database_serves_every_session_and_its_exit_is_seen(
    tmp_path: Path, standins: StartStandIn
) -> None:
    db = tmp_path / "zeroclaw" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_run", "user", "deploy it", now=datetime.now(UTC))
    bot.set_state("gw_run", "running", turn_id="t-1", now=datetime.now(UTC))
    bot.append("gw_idle", "user", "hello", now=datetime.now(UTC) - timedelta(hours=2))
    bot.append("gw_idle", "assistant", "hi", now=datetime.now(UTC) - timedelta(hours=2))
    bot.close()
    daemon = standins("zeroclaw", ["daemon"], hold=[db])
    fleet, update = await refresh(tmp_path)
    (status,) = update.statuses
    assert status.processes is not None and [p.pid for p in status.processes] == [daemon.pid]
    for key in ("gw_run", "gw_idle"):
        facts = row_of(update, key).processes
        assert facts.pids == (daemon.pid,) and facts.shared
    assert str(db) in status.processes[0].open_store_files

    daemon.stop()
    _, update = await refresh(tmp_path, fleet)
    assert row_of(update, "gw_run").verdict.reason == Reason.PROCESS_GONE
    assert row_of(update, "gw_idle").verdict.reason is None  # idle: nothing was being served
    (status,) = update.statuses
    assert status.processes == () and status.process_gone is not None
    assert status.process_gone[0] == daemon.pid


async def test_a_daemon_rescanned_with_new_cpu_and_rss_changes_no_row(
    tmp_path: Path, standins: StartStandIn
) -> None:
    """The bot holds its store open on every host: its CPU % and RSS move every scan, and must
    not make every one of its sessions' rows change (100k rows redone every 5 s)."""
    db = tmp_path / "zeroclaw" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "hello", now=datetime.now(UTC) - timedelta(hours=2))
    bot.append("gw_b", "user", "hello", now=datetime.now(UTC) - timedelta(hours=2))
    bot.close()
    daemon = standins("zeroclaw", ["daemon"], hold=[db])
    fleet, first = await refresh(tmp_path)
    watch = fleet.processes
    assert watch is not None and watch.last is not None
    info = watch.last.processes[daemon.pid]
    moved = replace(info, cpu_percent=(info.cpu_percent or 0) + 12.5, rss=(info.rss or 0) + 4096)
    scan = replace(watch.last, processes={**watch.last.processes, daemon.pid: moved})
    sessions = [row.session for row in first.rows]
    before = fleet._process_facts
    after = watch.link(sessions, scan, datetime.now(UTC))
    assert after is before  # the same mapping: the fleet looks at no row
    stranger = replace(moved, pid=moved.pid + 100_000, name="unrelated")  # linked again, alike
    scan = replace(scan, processes={**scan.processes, stranger.pid: stranger})
    assert watch.link(list(sessions), scan, datetime.now(UTC)) is before
    facts = row_of(first, "gw_a").processes
    assert facts.pids == (daemon.pid,)
    shown = current(facts, watch.last)  # what the detail view shows: the scan's own figures
    assert shown.processes[0].rss == watch.last.processes[daemon.pid].rss


async def test_an_agent_of_no_session_here_relinks_nothing_and_links_as_a_fresh_watch(
    tmp_path: Path, standins: StartStandIn
) -> None:
    """Agents come and go on a host (other users' Claude Code sessions): with the same sessions
    and the same processes serving them, the watch hands back the same mapping, equal to what a
    watch that never saw the earlier scans links."""
    db = tmp_path / "zeroclaw" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_a", "user", "hello", now=datetime.now(UTC) - timedelta(hours=2))
    bot.close()
    claude_session(tmp_path, f"kkkk-1111-{RUN}", at=datetime.now(UTC))
    standins("zeroclaw", ["daemon"], hold=[db])
    agent = standins("claude", ["--resume", f"kkkk-1111-{RUN}"])
    fleet, first = await refresh(tmp_path)
    watch = fleet.processes
    assert watch is not None and watch.last is not None
    sessions = fleet._all_sessions([tuple(row.session for row in first.rows)])
    now = datetime.now(UTC)
    before = watch.link(sessions, watch.last, now)
    assert before[row_of(first, f"kkkk-1111-{RUN}").session.uid].pids == (agent.pid,)
    info = watch.last.processes[agent.pid]
    stranger = replace(info, pid=info.pid + 100_000, cmdline=("claude", "--resume", "elsewhere"))
    scan = replace(
        watch.last,
        processes={**watch.last.processes, stranger.pid: stranger},
        by_session_id={**watch.last.by_session_id, "elsewhere": (stranger.pid,)},
    )
    after = watch.link(sessions, scan, now)
    fresh = ProcessWatch().link(sessions, scan, now)

    def shown(facts: dict[str, SessionProcesses]) -> dict[str, tuple[object, ...]]:
        return {u: (f.pids, f.via, f.shared, f.gone_pid, f.gone_at) for u, f in facts.items()}

    assert shown(after) == shown(fresh) == shown(before)
    daemon_row = row_of(first, "gw_a").session.uid
    assert after[daemon_row] is before[daemon_row]  # the daemon's sessions keep their facts


async def test_an_orphaned_agent_of_an_idle_session_is_flagged(
    tmp_path: Path, standins: StartStandIn
) -> None:
    claude_session(tmp_path, f"dddd-4444-{RUN}", at=datetime.now(UTC) - timedelta(hours=1))
    orphan = standins("claude", ["--resume", f"dddd-4444-{RUN}"], orphan=True)
    assert psutil.Process(orphan.pid).ppid() != psutil.Process().pid
    _, update = await refresh(tmp_path)
    row = row_of(update, f"dddd-4444-{RUN}")
    assert row.processes.pids == (orphan.pid,) and row.processes.processes[0].orphaned
    assert row.verdict.reason == Reason.ORPHAN_PROCESS
    assert str(orphan.pid) in (row.verdict.evidence or "")


async def test_sessions_without_processes_have_none(tmp_path: Path) -> None:
    claude_session(tmp_path, f"eeee-5555-{RUN}", at=datetime.now(UTC))
    _, update = await refresh(tmp_path)
    assert row_of(update, f"eeee-5555-{RUN}").processes is None
    assert not update.processes_linked


def test_snapshot_json_reports_the_pids_of_each_session(
    tmp_path: Path, standins: StartStandIn, snapshot_rows: SnapshotRows
) -> None:
    root = tmp_path / "stores"
    claude_session(root, f"ffff-6666-{RUN}", at=datetime.now(UTC))
    claude_session(root, f"gggg-7777-{RUN}", at=datetime.now(UTC))
    agent = standins("claude", ["--resume", f"ffff-6666-{RUN}"])
    rows = snapshot_rows(root)
    assert rows[f"ffff-6666-{RUN}"]["pids"] == [agent.pid]
    assert rows[f"gggg-7777-{RUN}"]["pids"] == []


async def test_a_hermes_bot_thread_is_linked_to_its_claude_child_and_others_to_the_daemon(
    tmp_path: Path, standins: StartStandIn
) -> None:
    from sessiontui.demo.bots import HermesSqliteBot

    db = tmp_path / "hermes" / "sessions.db"
    db.parent.mkdir()
    bot = HermesSqliteBot(db)
    now = datetime.now(UTC)
    for ts, session_id in (("1700000000.000001", "sess-busy"), ("1700000000.000002", "sess-quiet")):
        bot.new_thread(ts, "repo", "/src/repo", "C1", "claude-opus-4-6", now=now)
        bot.finish_turn(ts, session_id, 1, now=now)
    bot.close()
    daemon = standins("hermes", [], hold=[db])
    child = standins("claude", ["--output-format", "stream-json", "--resume", "sess-busy"])
    _, update = await refresh(tmp_path)
    busy, quiet = row_of(update, "1700000000.000001"), row_of(update, "1700000000.000002")
    assert busy.processes.pids == (child.pid,) and not busy.processes.shared
    assert quiet.processes.pids == (daemon.pid,) and quiet.processes.shared


async def test_claude_codes_session_registry_links_a_live_process_and_ignores_stale_files(
    tmp_path: Path, standins: StartStandIn
) -> None:
    import json

    claude_session(tmp_path, f"hhhh-8888-{RUN}", at=datetime.now(UTC))
    claude_session(tmp_path, f"iiii-9999-{RUN}", at=datetime.now(UTC))
    live = standins("claude", [])  # a bare `claude`: nothing in its command line names the session
    reused = standins("claude", [])
    registry = tmp_path / "claude" / "sessions"
    registry.mkdir()
    started = psutil.Process(live.pid).create_time()
    (registry / f"{live.pid}.json").write_text(
        json.dumps(
            {
                "pid": live.pid,
                "sessionId": f"hhhh-8888-{RUN}",
                "startedAt": int(started * 1000),
                "status": "busy",
            }
        )
    )
    (registry / f"{reused.pid}.json").write_text(
        json.dumps(  # written by an earlier owner of the PID
            {
                "pid": reused.pid,
                "sessionId": f"iiii-9999-{RUN}",
                "startedAt": int((started - 3600) * 1000),
            }
        )
    )
    (registry / "99999999.json").write_text(
        '{"pid": 99999999, "sessionId": f"iiii-9999-{RUN}"}'
    )  # a crash's leftover
    _, update = await refresh(tmp_path)
    assert row_of(update, f"hhhh-8888-{RUN}").processes.pids == (live.pid,)
    assert row_of(update, f"iiii-9999-{RUN}").processes is None


async def test_metrics_count_linked_and_orphaned_agents_by_bot(
    tmp_path: Path, standins: StartStandIn
) -> None:
    from sessiontui.metrics.exporter import process_counts

    claude_session(tmp_path, f"gggg-7777-{RUN}", at=datetime.now(UTC))
    claude_session(tmp_path, f"hhhh-8888-{RUN}", at=datetime.now(UTC) - timedelta(hours=1))
    ours = {
        standins("claude", ["--resume", f"gggg-7777-{RUN}"]).pid,
        standins("claude", ["--resume", f"hhhh-8888-{RUN}"], orphan=True).pid,
    }
    _, update = await refresh(tmp_path)
    scan = update.process_scan
    assert scan is not None and ours <= scan.processes.keys()
    # The scan covers the whole machine: count only this test's stand-ins (another test run's
    # orphans are listed too).
    only_ours = {pid: info for pid, info in scan.processes.items() if pid in ours}
    update = replace(update, process_scan=replace(scan, processes=only_ours))
    assert process_counts(update) == {("claude-code", "linked"): 1, ("claude-code", "orphan"): 1}


@pytest.mark.parametrize(
    ("argv", "ours", "worker"),
    [
        (["/usr/bin/python3", "/x/.venv/bin/sessiontui", "demo"], True, False),
        (["python", "-m", "sessiontui", "snapshot"], True, False),
        (
            ["python", "-c", "from multiprocessing.spawn import spawn_main; spawn_main()"],
            False,
            True,
        ),
        (
            ["claude", "/x/standin.py", "--resume", "abc"],
            False,
            False,
        ),  # the demo's stand-in: linked
    ],
)
def test_sessiontui_and_its_reader_pool_are_told_from_the_agents_it_starts(
    argv: list[str], ours: bool, worker: bool
) -> None:
    from sessiontui.live.processes import is_sessiontui, is_worker

    assert is_sessiontui(argv) is ours
    assert is_worker(argv) is worker


async def test_an_idle_agent_relinks_nothing_until_its_idle_time_steps(
    tmp_path: Path, standins: StartStandIn
) -> None:
    """An agent linked to its own session, using no CPU: its idle time grows with every scan,
    but the facts (and so the row) move only on the steps where its words may change ("no CPU
    for 2 minutes": every half minute at that age); between steps a scan hands back the same
    mapping, as for a daemon's sessions. (Before: every scan, every 5 s.)"""
    claude_session(tmp_path, f"iiii-1111-{RUN}", at=datetime.now(UTC) - timedelta(hours=1))
    agent = standins("claude", ["--resume", f"iiii-1111-{RUN}"])
    fleet, first = await refresh(tmp_path)
    watch = fleet.processes
    assert watch is not None and watch.last is not None
    sessions = fleet._all_sessions([tuple(row.session for row in first.rows)])
    uid = row_of(first, f"iiii-1111-{RUN}").session.uid
    scan, now = watch.last, datetime.now(UTC)
    cpu = scan.cpu_seconds[agent.pid]

    def later(seconds: float) -> dict[str, SessionProcesses]:
        """A scan `seconds` after the first, the agent's CPU time unchanged."""
        return watch.link(
            sessions, replace(scan, at=scan.at + seconds, cpu_seconds={agent.pid: cpu}), now
        )

    steady = later(100)
    assert steady[uid].idle_seconds == 91  # the step of 100 s, read as 100 s: "2 minutes"
    assert later(105) is steady and later(115) is steady  # the same step: nothing relinked
    moved = later(155)
    assert moved is not steady and moved[uid].idle_seconds == 151  # "3 minutes"
    assert moved[uid].pids == (agent.pid,) and not moved[uid].shared
