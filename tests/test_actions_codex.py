"""Codex actions done as Codex does them, on a real Codex home, read back the way Codex reads.

Rename appends to `session_index.jsonl` (last entry wins), archive and unarchive move the
rollout between `sessions/YYYY/MM/DD/` and `archived_sessions/`, delete goes to the trash and
comes back; all three moves are refused while the rollout is still being written.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.actions.audit import read_audit
from sessiontui.actions.available import why_not
from sessiontui.actions.base import Verb
from sessiontui.actions.codex import thread_name
from sessiontui.actions.perform import perform, restore_entry
from sessiontui.actions.trash import list_trash
from sessiontui.demo.codex import CodexWriter, token_usage
from sessiontui.model import Session, SessionState
from sessiontui.rules.state import classify
from sessiontui.stores.codex import CodexStore

CWD = "/home/dev/src/app"
START = datetime(2026, 10, 2, 14, 3, 11, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "state"


def finished_thread(
    home: Path, *, older_than: timedelta = timedelta(hours=1)
) -> tuple[CodexWriter, str]:
    """A thread whose one turn finished, its rollout last written `older_than` ago."""
    w = CodexWriter(home)
    tid = w.start(CWD, START)
    w.user_turn(tid, "tidy the docs", START)
    w.token_count(tid, token_usage(1_000, 800, 50), START + timedelta(seconds=2))
    w.answer(tid, "Done.", START + timedelta(seconds=3))
    w.turn_complete(tid, START + timedelta(seconds=3))
    stamp = (datetime.now(UTC) - older_than).timestamp()
    os.utime(w.path_of(tid), (stamp, stamp))
    return w, tid


async def read(home: Path) -> dict[str, Session]:
    report = await CodexStore(home).refresh()
    return {s.id: s for s in report.sessions}


async def test_rename_appends_one_line_and_codex_reads_the_last_one(
    tmp_path: Path, state: Path
) -> None:
    w, tid = finished_thread(tmp_path)
    w.rename(tid, "docs pass", START)
    before = (tmp_path / "session_index.jsonl").read_bytes()
    session = (await read(tmp_path))[tid]
    assert session.name == "docs pass"
    outcome = await perform(session, Verb.RENAME, text="  docs pass, take two ", state_dir=state)
    assert outcome.ok, outcome.message
    after = (tmp_path / "session_index.jsonl").read_bytes()
    assert after.startswith(before)  # appended, never rewritten
    (added,) = after[len(before) :].splitlines()
    entry = json.loads(added)
    assert list(entry) == ["id", "thread_name", "updated_at"]
    assert (entry["id"], entry["thread_name"]) == (tid, "docs pass, take two")
    assert entry["updated_at"].endswith("+00:00")
    assert thread_name(tmp_path, tid) == "docs pass, take two"
    assert (await read(tmp_path))[tid].name == "docs pass, take two"
    refused = await perform(session, Verb.RENAME, text="   ", state_dir=state)
    assert not refused.ok and "empty" in refused.message
    assert (tmp_path / "session_index.jsonl").read_bytes() == after
    assert [r["action"] for r in read_audit(state)] == ["rename", "rename"]


async def test_a_running_session_can_be_renamed_as_codex_itself_does(
    tmp_path: Path, state: Path
) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "long task", START)
    session = (await read(tmp_path))[tid]
    assert session.native_state == "running"
    assert (await perform(session, Verb.RENAME, text="long one", state_dir=state)).ok
    assert thread_name(tmp_path, tid) == "long one"


async def test_archive_and_unarchive_move_the_rollout_as_codex_does(
    tmp_path: Path, state: Path
) -> None:
    w, tid = finished_thread(tmp_path)
    original = w.path_of(tid)
    content = original.read_bytes()
    session = (await read(tmp_path))[tid]
    outcome = await perform(session, Verb.ARCHIVE, state_dir=state)
    assert outcome.ok, outcome.message
    archived = tmp_path / "archived_sessions" / original.name
    assert not original.exists() and archived.read_bytes() == content
    session = (await read(tmp_path))[tid]
    assert session.archived and classify(session, datetime.now(UTC)).state is SessionState.ARCHIVED
    assert why_not(session, Verb.ARCHIVE) == "already archived"
    os.utime(archived, (START.timestamp(), START.timestamp()))
    session = (await read(tmp_path))[tid]
    outcome = await perform(session, Verb.UNARCHIVE, state_dir=state)
    assert outcome.ok, outcome.message
    assert original.read_bytes() == content and not archived.exists()
    assert original.parent == tmp_path / "sessions" / "2026" / "10" / "02"
    assert datetime.now(UTC).timestamp() - original.stat().st_mtime < 3600  # touched, as Codex does
    assert not (await read(tmp_path))[tid].archived


async def test_moves_are_refused_while_the_rollout_is_being_written(
    tmp_path: Path, state: Path
) -> None:
    home = tmp_path / "codex"
    w, tid = finished_thread(home)
    running = w.start(CWD, START + timedelta(seconds=1))
    w.user_turn(running, "still at it", START + timedelta(seconds=1))
    old = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    os.utime(w.path_of(running), (old, old))
    sessions = await read(home)
    files = sorted(p.relative_to(home) for p in home.rglob("*") if p.is_file())
    for verb in (Verb.ARCHIVE, Verb.DELETE):
        outcome = await perform(sessions[running], verb, state_dir=state)
        assert not outcome.ok and "a turn is running" in outcome.message
    # Written to a moment ago (after the operator looked): refused, and again once seen.
    w.answer(tid, "One more thing.", datetime.now(UTC))
    outcome = await perform(sessions[tid], Verb.ARCHIVE, state_dir=state)
    assert not outcome.ok and "changed since you looked" in outcome.message
    fresh = (await read(home))[tid]
    outcome = await perform(fresh, Verb.DELETE, state_dir=state)
    assert not outcome.ok and "still being written" in outcome.message
    assert sorted(p.relative_to(home) for p in home.rglob("*") if p.is_file()) == files
    assert list_trash(state) == []


async def test_delete_goes_to_the_trash_and_undo_puts_it_back(tmp_path: Path, state: Path) -> None:
    w, tid = finished_thread(tmp_path)
    path = w.path_of(tid)
    content, mtime = path.read_bytes(), path.stat().st_mtime_ns
    session = (await read(tmp_path))[tid]
    outcome = await perform(session, Verb.DELETE, state_dir=state)
    assert outcome.ok and outcome.trash_id, outcome.message
    assert not path.exists() and not list(path.parent.iterdir())
    assert tid not in await read(tmp_path)
    (entry,) = list_trash(state)
    assert (entry.format, entry.session_id, entry.action) == ("codex", tid, "delete")
    restored = await restore_entry(entry, state_dir=state)
    assert restored.ok, restored.message
    assert path.read_bytes() == content and path.stat().st_mtime_ns == mtime
    assert (await read(tmp_path))[tid].usage == session.usage
    assert list_trash(state) == []


async def test_restore_never_overwrites_a_rollout_that_is_back(tmp_path: Path, state: Path) -> None:
    w, tid = finished_thread(tmp_path)
    path = w.path_of(tid)
    session = (await read(tmp_path))[tid]
    assert (await perform(session, Verb.DELETE, state_dir=state)).ok
    path.write_text("{}\n")
    (entry,) = list_trash(state)
    outcome = await restore_entry(entry, state_dir=state)
    assert not outcome.ok and "exists again" in outcome.message
    assert path.read_text() == "{}\n" and list_trash(state) == [entry]


async def test_codex_has_no_close(tmp_path: Path) -> None:
    _, tid = finished_thread(tmp_path)
    session = (await read(tmp_path))[tid]
    assert (
        why_not(session, Verb.CLOSE)
        == "Codex has no close: a Codex session lives while its codex process runs"
    )
    assert why_not(session, Verb.RENAME) is None
    assert why_not(session, Verb.RENAME, read_only=True) == "sessiontui runs with --read-only"
