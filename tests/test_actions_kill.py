"""A destructive action SIGKILLed at any point leaves the session intact or gone, never lost.

A child process (forked, so it starts at once) does one action on a real store; the parent
kills it with SIGKILL after a random delay spread over the action's measured window, runs
recovery as the next start would, and checks: the session is either intact with no trash
entry, or gone with a complete trash entry (holding exactly what was there) and its audit
lines; for a restore, either back exactly with no trash entry, or still in the trash whole.
A few runs per action here; `-m soak` runs `KILL_SOAK_RUNS` (default 300) per action and store.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import found_sessions
import pytest

from sessiontui.actions import Verb, perform, prune, restore_entry
from sessiontui.actions.audit import read_audit
from sessiontui.actions.journal import recover
from sessiontui.actions.trash import DONE, TrashEntry, incoming_leftovers, read_trash
from sessiontui.demo.bots import HermesSqliteBot, StarpodBot, ZeroClawJsonlBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.demo.codex import CodexWriter
from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.model import Session

T0 = datetime.now(UTC) - timedelta(hours=3)
NORMAL_RUNS = 5
RESULTS = Path(__file__).parent.parent / "benchmarks" / "results" / "kill_soak.json"


def sessions_of(path: Path) -> dict[str, Session]:
    return asyncio.run(found_sessions.sessions_of(path))


def dump_db(db: Path) -> list[str]:
    """Every row of every table but FTS5's internal segments (rebuilt, not copied, by a restore)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [
            line for line in conn.iterdump() if not line.startswith('INSERT INTO "sessions_fts_')
        ]
    finally:
        conn.close()


def dump_dir(directory: Path) -> dict[str, tuple[bool, bytes]]:
    """Every name in the directory (hidden ones too: a staging name left behind shows here)."""
    return {
        p.name: (p.is_symlink(), p.read_bytes() if p.exists() else b"")
        for p in sorted(directory.iterdir())
    }


@dataclass
class Case:
    """One action on one store: how to build it, do it, look at it, and what gone means."""

    name: str
    build: Callable[[Path], Path]  # root -> the store path
    act: Callable[[Path, Path], Callable[[], Any]]  # (store, state dir) -> what the child runs
    look: Callable[[Path], object]  # store -> comparable content
    gone: Callable[[Path], bool]  # store -> the action's effect is there
    key: str
    restore: bool = False


def dump_tree(home: Path) -> dict[str, tuple[bool, bytes]]:
    """Every file below a directory (by relative path): a tree store's whole state."""
    return {
        str(p.relative_to(home)): (p.is_symlink(), p.read_bytes())
        for p in sorted(home.rglob("*"))
        if p.is_file()
    }


def zeroclaw_db(root: Path) -> Path:
    db = root / "zc" / "sessions.db"
    db.parent.mkdir(parents=True)
    bot = ZeroClawSqliteBot(db)
    for key in ("gw_a", "gw_b"):
        for i in range(6):
            bot.append(key, "user" if i % 2 == 0 else "assistant", f"{key} message {i} " * 20, T0)
    bot.set_name("gw_a", "Alpha")
    bot.close()
    return db


def starpod_db(root: Path) -> Path:
    db = root / "project" / ".starpod" / "db" / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    for sid in ("sp-a", "sp-b"):
        bot.create_session(sid, now=T0)
        for i in range(6):
            bot.save_message(
                sid, "user" if i % 2 == 0 else "assistant", f"{sid} says {i} " * 20, now=T0
            )
    bot.close()
    return db


def hermes_db(root: Path) -> Path:
    db = root / "hermes" / "sessions.db"
    db.parent.mkdir(parents=True)
    bot = HermesSqliteBot(db)
    now = datetime.now(UTC)
    for i in range(4):
        bot.new_thread(
            f"100.{i}", "web", "/src/web", "C1", "claude-sonnet-4-6", now - timedelta(days=10)
        )
    bot.new_thread(
        "200.1", "web", "/src/web", "C1", "claude-sonnet-4-6", now - timedelta(minutes=5)
    )
    bot.close()
    return db


def jsonl_dir(root: Path) -> Path:
    directory = root / "zcj"
    bot = ZeroClawJsonlBot(directory)
    for key in ("telegram_1", "telegram_2"):
        for i in range(40):
            bot.append(
                key, {"role": "user" if i % 2 == 0 else "assistant", "content": f"{key} {i} " * 30}
            )
    return directory


def hermes_agent_db(root: Path) -> Path:
    """Two ended chats from months ago (what a prune takes), one open chat, a recent one."""
    db = root / "hermes-agent" / "state.db"
    db.parent.mkdir(parents=True)
    bot = HermesAgentBot(db)
    now = datetime.now(UTC)
    for sid, age in (("old-1", 200), ("old-2", 150), ("open", 120), ("recent", 0)):
        at = now - timedelta(days=age, hours=1)
        bot.create_session(sid, "telegram", title=f"chat {sid}", model="claude-sonnet-4-6", now=at)
        for i in range(6):
            bot.append_message(
                sid, "user" if i % 2 == 0 else "assistant", f"{sid} {i} " * 20, now=at
            )
        if sid != "open":
            bot.end_session(sid, "user_exit", now=at)
    bot.close()
    return db


CODEX_THREAD: dict[str, str] = {}  # codex home -> the thread the case deletes


def codex_home(root: Path) -> Path:
    home = root / "codex"
    writer = CodexWriter(home)
    start = datetime(2026, 10, 2, 14, 3, 11, tzinfo=UTC)
    for n in range(2):
        tid = writer.start("/src/app", start + timedelta(minutes=n))
        for i in range(20):
            writer.user_turn(tid, f"step {i} " * 30, start + timedelta(minutes=n, seconds=i))
        writer.answer(tid, "Done.", start + timedelta(minutes=n, seconds=30))
        writer.turn_complete(tid, start + timedelta(minutes=n, seconds=30))
        old = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
        os.utime(writer.path_of(tid), (old, old))
        CODEX_THREAD.setdefault(str(home), tid)
    return home


def _codex_gone(home: Path) -> bool:
    return not any(home.rglob(f"*{CODEX_THREAD[str(home)]}.jsonl"))


def codex_delete(home: Path, state: Path) -> Callable[[], Any]:
    session = sessions_of(home)[CODEX_THREAD[str(home)]]
    return lambda: perform(session, Verb.DELETE, state_dir=state)


def rows_of(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def verb(
    key: str, what: Verb, where: Callable[[Path], Path]
) -> Callable[[Path, Path], Callable[[], Any]]:
    def act(store: Path, state: Path) -> Callable[[], Any]:
        session = sessions_of(where(store))[
            key
        ]  # read before the child starts: its window is the write
        return lambda: perform(session, what, state_dir=state)

    return act


def _same(path: Path) -> Path:
    return path


def _parent(path: Path) -> Path:
    return path.parent


CASES = [
    Case(
        "zeroclaw-sqlite delete",
        zeroclaw_db,
        verb("gw_a", Verb.DELETE, _parent),
        dump_db,
        lambda db: (
            not rows_of(
                db,
                "SELECT 1 FROM session_metadata WHERE session_key='gw_a' UNION ALL "
                "SELECT 1 FROM sessions WHERE session_key='gw_a'",
            )
        ),
        "gw_a",
    ),
    Case(
        "zeroclaw-sqlite clear",
        zeroclaw_db,
        verb("gw_a", Verb.CLEAR, _parent),
        dump_db,
        lambda db: (
            not rows_of(db, "SELECT 1 FROM sessions WHERE session_key='gw_a'")
            and rows_of(db, "SELECT message_count FROM session_metadata WHERE session_key='gw_a'")
            == [(0,)]
        ),
        "gw_a",
    ),
    Case(
        "starpod delete",
        starpod_db,
        verb("sp-a", Verb.DELETE, _same),
        dump_db,
        lambda db: (
            not rows_of(
                db,
                "SELECT 1 FROM session_metadata WHERE id='sp-a' UNION ALL "
                "SELECT 1 FROM session_messages WHERE session_id='sp-a'",
            )
        ),
        "sp-a",
    ),
    Case(
        "hermes-sqlite delete",
        hermes_db,
        verb("200.1", Verb.DELETE, _parent),
        dump_db,
        lambda db: not rows_of(db, "SELECT 1 FROM sessions WHERE thread_ts='200.1'"),
        "200.1",
    ),
    Case(
        "hermes-sqlite prune",
        hermes_db,
        lambda db, state: lambda: prune(db, 7, state_dir=state),
        dump_db,
        lambda db: rows_of(db, "SELECT thread_ts FROM sessions") == [("200.1",)],
        "rows",
    ),
    Case(
        "zeroclaw-jsonl delete",
        jsonl_dir,
        verb("telegram_1", Verb.DELETE, _same),
        dump_dir,
        lambda d: sorted(p.name for p in d.iterdir()) == ["telegram_2.jsonl"],
        "telegram_1",
    ),
    Case(
        "zeroclaw-jsonl clear",
        jsonl_dir,
        verb("telegram_1", Verb.CLEAR, _same),
        dump_dir,
        lambda d: (
            sorted(p.name for p in d.iterdir()) == ["telegram_1.jsonl", "telegram_2.jsonl"]
            and (d / "telegram_1.jsonl").read_bytes() == b""
        ),
        "telegram_1",
    ),
]
CASES += [
    Case(
        "hermes-agent delete",
        hermes_agent_db,
        verb("recent", Verb.DELETE, _same),
        dump_db,
        lambda db: (
            not rows_of(
                db,
                "SELECT 1 FROM sessions WHERE id='recent' UNION ALL "
                "SELECT 1 FROM messages WHERE session_id='recent'",
            )
        ),
        "recent",
    ),
    Case(
        "hermes-agent prune",
        hermes_agent_db,
        lambda db, state: lambda: prune(db, 90, state_dir=state),
        dump_db,
        lambda db: rows_of(db, "SELECT id FROM sessions ORDER BY id") == [("open",), ("recent",)],
        "rows",
    ),
]
CASES.append(Case("codex delete", codex_home, codex_delete, dump_tree, _codex_gone, "codex"))
RESTORES = [
    Case(f"{c.name} restore", c.build, c.act, c.look, c.gone, c.key, restore=True) for c in CASES
]


def in_child(work: Callable[[], Any]) -> tuple[int, float]:
    """Fork; the child says it is ready, runs `work` and exits. Returns (pid, ready time)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            os.write(write_end, b"r")
            asyncio.run(work())
            os._exit(0)
        except BaseException:  # noqa: BLE001 - any failure is the exit status
            os._exit(3)
    os.close(write_end)
    assert os.read(read_end, 1) == b"r"
    ready = time.perf_counter()
    os.close(read_end)
    return pid, ready


def wait_child(pid: int) -> str:
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "killed"
    assert os.WEXITSTATUS(status) == 0, f"the child failed (exit {os.WEXITSTATUS(status)})"
    return "finished"


def prepared(case: Case, root: Path) -> tuple[Path, Path, object, object]:
    """A fresh store (and for a restore, the action done, unkilled): (store, state, before, after)."""
    store = case.build(root)
    state = root / "state"
    original = case.look(store)
    if not case.restore:
        return store, state, original, None
    assert asyncio.run(case.act(store, state)()).ok
    return store, state, case.look(store), original  # before = deleted; after = restored


def entries(state: Path) -> list[TrashEntry]:
    good, damaged = read_trash(state)
    assert damaged == [], damaged
    assert incoming_leftovers(state) == []
    return good


def verdict(case: Case, store: Path, state: Path, before: object, after: object) -> str:
    """After recovery: 'intact' or 'done'; anything else fails the test."""
    now = case.look(store)
    trash = entries(state)
    audit = read_audit(state)
    if case.restore:
        if now == after:
            assert trash == [], f"{case.name}: restored, but the trash entry is still there"
            return "done"
        assert now == before, f"{case.name}: neither restored nor still deleted"
        (entry,) = trash
        assert entry.status == DONE
        return "intact"
    if now == before:
        assert trash == [], f"{case.name}: intact, but a trash entry was left: {trash}"
        return "intact"
    assert case.gone(store), f"{case.name}: the store is neither intact nor done"
    (entry,) = trash
    assert entry.status == DONE
    if entry.files:
        assert isinstance(before, dict)
        (name,) = entry.files
        kept = before.get(name) or next(v for k, v in before.items() if k.endswith(f"/{name}"))
        assert (entry.path / "files" / name).read_bytes() == kept[1], "the trash copy is not whole"
    else:
        assert next(iter(entry.rows.values()))["rows"], "the trash entry lacks the session's row"
    lines = [r["result"] for r in audit if r.get("trash") == entry.id]
    assert "started" in lines and ({"ok", "recovered: completed"} & set(lines)), (
        f"unaudited: {lines}"
    )
    return "done"


def window(case: Case, root: Path) -> float:
    """The action's duration from the child's ready signal to its exit (the longest of 5: under
    load a short median left the kills all before the write)."""
    spans = []
    for run in range(5):
        store, state, before, after = prepared(case, root / f"calibrate{run}")
        pid, ready = in_child(do(case, store, state))
        wait_child(pid)
        spans.append(time.perf_counter() - ready)
        verdict(case, store, state, before, after)
    return max(max(spans), 0.001)


def do(case: Case, store: Path, state: Path) -> Callable[[], Any]:
    if case.restore:
        (entry,) = [e for e in read_trash(state)[0] if e.status == DONE]
        return lambda: restore_entry(entry, state_dir=state)
    return case.act(store, state)


def kill_runs(case: Case, root: Path, runs: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    span = window(case, root)
    counts: Counter[str] = Counter()
    for run in range(runs):
        store, state, before, after = prepared(case, root / f"run{run}")
        pid, ready = in_child(do(case, store, state))
        delay = rng.uniform(0, span * 1.5)
        while time.perf_counter() - ready < delay:  # the fault's timing, not a wait for a result
            pass
        os.kill(pid, signal.SIGKILL)
        ended = wait_child(pid)
        recover(state)
        counts[f"{ended}/{verdict(case, store, state, before, after)}"] += 1
    counts["window_ms"] = round(span * 1000)
    return counts


@pytest.mark.parametrize("case", CASES + RESTORES, ids=lambda c: c.name)
def test_a_killed_action_leaves_the_session_intact_or_gone_with_its_trash_entry(
    case: Case, tmp_path: Path
) -> None:
    counts = kill_runs(case, tmp_path, NORMAL_RUNS, seed=hash(case.name) & 0xFFFF)
    assert sum(v for k, v in counts.items() if k != "window_ms") == NORMAL_RUNS


@pytest.mark.soak
@pytest.mark.parametrize("case", CASES + RESTORES, ids=lambda c: c.name)
def test_kill_soak(case: Case, tmp_path: Path) -> None:
    runs = int(os.environ.get("KILL_SOAK_RUNS", "300"))
    counts = kill_runs(case, tmp_path, runs, seed=1)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[case.name] = {"runs": runs, **counts}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    assert sum(v for k, v in counts.items() if k != "window_ms") == runs
