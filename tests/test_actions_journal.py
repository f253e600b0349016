"""The trash and audit log under faults: nothing deleted without both, damaged parts listed,
owner-only files whatever the umask, raw names kept, symlinks kept."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRun
from found_sessions import sessions_of

from sessiontui.actions import Verb, list_trash, perform, restore_entry
from sessiontui.actions.audit import audit_path, read_audit, read_audit_log
from sessiontui.actions.trash import read_trash, trash_dir
from sessiontui.cli import main
from sessiontui.demo.bots import ZeroClawJsonlBot, ZeroClawSqliteBot

T0 = datetime.now(UTC) - timedelta(hours=2)


def jsonl_store(root: Path) -> Path:
    directory = root / "zcj"
    bot = ZeroClawJsonlBot(directory)
    for i in range(30):
        bot.append(
            "telegram_1",
            {"role": "user" if i % 2 == 0 else "assistant", "content": f"line {i} " * 200},
        )
    bot.append("telegram_2", {"role": "user", "content": "other"})
    return directory


def zeroclaw_store(root: Path) -> Path:
    db = root / "zc" / "sessions.db"
    db.parent.mkdir(parents=True)
    bot = ZeroClawSqliteBot(db)
    for i in range(30):
        bot.append("gw_a", "user", f"message {i} " * 200, T0)
    bot.append("gw_b", "user", "other", T0)
    bot.close()
    return db


def every_file(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# ------------------------------------------------------------ (3) no trash or audit: no delete


@pytest.mark.parametrize("make", [jsonl_store, zeroclaw_store], ids=["jsonl", "zeroclaw-sqlite"])
async def test_a_delete_is_refused_when_the_audit_log_cannot_be_written(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    store = make(tmp_path)
    key = "telegram_1" if store.is_dir() else "gw_a"
    session = (await sessions_of(store if store.is_dir() else store.parent))[key]
    state = tmp_path / "state"
    audit_path(state).mkdir(parents=True)  # a directory where the log should be
    before = every_file(store if store.is_dir() else store.parent)
    outcome = await perform(session, Verb.DELETE, state_dir=state)
    assert not outcome.ok and "audit log cannot be written" in outcome.message
    assert "nothing was deleted" in outcome.message
    assert every_file(store if store.is_dir() else store.parent) == before
    assert list(trash_dir(state).iterdir()) == []


@pytest.mark.parametrize("make", [jsonl_store, zeroclaw_store], ids=["jsonl", "zeroclaw-sqlite"])
def test_a_delete_on_a_full_disk_deletes_nothing_and_leaves_no_partial_entry(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    """The trash cannot be written (files may not grow past 40 KiB, as on a full disk)."""
    store = make(tmp_path)
    where = store if store.is_dir() else store.parent
    key = "telegram_1" if store.is_dir() else "gw_a"
    session = asyncio.run(sessions_of(where))[key]
    state = tmp_path / "state"
    before = every_file(where)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40960, 40960))
        outcome = asyncio.run(perform(session, Verb.DELETE, state_dir=state))
        os.write(write_end, json.dumps([outcome.ok, outcome.message]).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        ok, message = json.loads(answer.read())
    os.waitpid(pid, 0)
    assert not ok and "nothing was deleted" in message, message
    assert every_file(where) == before
    assert list(trash_dir(state).iterdir()) == []  # no partial directory, hidden or not


# ------------------------------------------------------------ (7) damaged trash and audit


def test_damaged_trash_entries_are_listed_and_the_good_one_restores(
    tmp_path: Path,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = tmp_path / "xdg-state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    from sessiontui.config import state_dir

    directory = jsonl_store(tmp_path)
    session = asyncio.run(sessions_of(directory))["telegram_1"]
    original = (directory / "telegram_1.jsonl").read_bytes()
    assert asyncio.run(perform(session, Verb.DELETE, state_dir=state_dir())).ok
    trash = trash_dir(state_dir())
    (trash / "20200101T000000.000000-aaaaaa").mkdir()  # no entry.json
    (trash / "20200101T000000.000000-bbbbbb").mkdir()
    (trash / "20200101T000000.000000-bbbbbb" / "entry.json").write_text("{not json")
    (trash / "20200101T000000.000000-cccccc").mkdir()
    (trash / "20200101T000000.000000-cccccc" / "entry.json").write_text(
        json.dumps({"id": 1, "rows": []})
    )
    (trash / "stray-file").write_text("x")
    good, damaged = read_trash(state_dir())
    assert [e.session_id for e in good] == ["telegram_1"]
    assert len(damaged) == 4
    code = main(["restore"])
    out, err = capsys.readouterr()
    assert code == 0 and "telegram_1" in out
    assert err.count("damaged trash entry") == 4 and "bbbbbb" in err and "no entry.json" in err
    (entry,) = list_trash(state_dir())
    assert main(["restore", entry.id]) == 0
    assert (directory / "telegram_1.jsonl").read_bytes() == original


def test_damaged_audit_lines_are_reported_and_the_rest_printed(
    tmp_path: Path,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    from sessiontui.config import state_dir

    log = audit_path(state_dir())
    log.parent.mkdir(parents=True)
    good = {
        "time": "2026-01-01T00:00:00+00:00",
        "user": "op",
        "action": "delete",
        "result": "ok",
        "format": "starpod",
        "session": "s1",
        "message": "deleted",
    }
    log.write_bytes(
        json.dumps(good).encode()
        + b"\n{half a line\n[1, 2]\n\xff\xfe not utf-8\n"
        + json.dumps({**good, "session": "s2"}).encode()
        + b"\n"
    )
    records, damaged = read_audit_log(state_dir())
    assert [r["session"] for r in records] == ["s1", "s2"]
    assert [d.line for d in damaged] == [2, 3, 4]
    assert main(["audit"]) == 2
    out, err = capsys.readouterr()
    assert "s1" in out and "s2" in out and err.count("damaged") == 3
    assert main(["audit", "--json"]) == 2
    out, _ = capsys.readouterr()
    assert [json.loads(line)["session"] for line in out.splitlines()] == ["s1", "s2"]


def test_an_unreadable_audit_log_is_one_line_not_a_crash(
    tmp_path: Path,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    from sessiontui.config import state_dir

    audit_path(state_dir()).mkdir(
        parents=True
    )  # reading it fails (EISDIR), as an unreadable file does
    assert main(["audit"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "audit.jsonl" in err and len(err.splitlines()) == 1


# ------------------------------------------------------------ (11) owner-only, whatever the umask


async def test_trash_and_audit_are_owner_only_under_umask_022(
    tmp_path: Path, umask_022: None
) -> None:
    directory = jsonl_store(tmp_path)
    state = tmp_path / "state" / "sessiontui"
    session = (await sessions_of(directory))["telegram_1"]
    assert (await perform(session, Verb.DELETE, state_dir=state)).ok
    (entry,) = list_trash(state)
    for path in (state, trash_dir(state), entry.path, entry.path / "files"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (
        audit_path(state),
        entry.path / "entry.json",
        entry.path / "files" / "telegram_1.jsonl",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_wider_existing_modes_are_tightened(tmp_path: Path, umask_022: None) -> None:
    state = tmp_path / "state"
    trash_dir(state).mkdir(parents=True, mode=0o755)
    os.chmod(state, 0o755)
    audit_path(state).write_text("")
    os.chmod(audit_path(state), 0o644)
    directory = jsonl_store(tmp_path)
    session = (await sessions_of(directory))["telegram_1"]
    assert (await perform(session, Verb.CLEAR, state_dir=state)).ok
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE(trash_dir(state).stat().st_mode) == 0o700
    assert stat.S_IMODE(audit_path(state).stat().st_mode) == 0o600


# ------------------------------------------------------------ (4, 12) raw names, links


def test_a_file_name_that_is_not_utf8_is_deleted_and_restored_exactly(
    tmp_path: Path, snapshot_json: SnapshotRun
) -> None:
    directory = jsonl_store(tmp_path)
    raw = os.path.join(os.fsencode(directory), b"bad\xff\xfe.jsonl")
    with open(raw, "wb") as out:
        out.write(b'{"role":"user","content":"cut \\ud83d emoji"}\n')
    original = Path(os.fsdecode(raw)).read_bytes()
    code, rows, err = snapshot_json(directory)
    assert code == 0, err
    (bad,) = [r for r in rows if "bad" in r["id"]]
    assert bad["id"] == "bad\\xff\\xfe" and bad["messages"] == 1
    session = asyncio.run(sessions_of(directory))["bad\udcff\udcfe"]
    state = tmp_path / "state"
    assert asyncio.run(perform(session, Verb.DELETE, state_dir=state)).ok, "delete"
    assert not os.path.exists(raw)
    (entry,) = list_trash(state)
    assert entry.files == ("bad\udcff\udcfe.jsonl",)
    (entry.path / "entry.json").read_bytes().decode("ascii")  # the document is plain ASCII JSON
    assert asyncio.run(restore_entry(entry, state_dir=state)).ok
    assert os.listdir(os.fsencode(directory)).count(b"bad\xff\xfe.jsonl") == 1
    assert Path(os.fsdecode(raw)).read_bytes() == original


async def test_a_symlinked_session_stays_a_link_through_clear_and_restore(tmp_path: Path) -> None:
    directory = jsonl_store(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "telegram_1.jsonl"
    os.rename(directory / "telegram_1.jsonl", target)
    os.symlink(target, directory / "telegram_1.jsonl")
    original = target.read_bytes()
    state = tmp_path / "state"
    session = (await sessions_of(directory))["telegram_1"]
    assert (await perform(session, Verb.CLEAR, state_dir=state)).ok
    assert (directory / "telegram_1.jsonl").is_symlink() and target.read_bytes() == b""
    (entry,) = list_trash(state)
    assert (await restore_entry(entry, state_dir=state)).ok
    assert (directory / "telegram_1.jsonl").is_symlink()
    assert os.readlink(directory / "telegram_1.jsonl") == str(target)
    assert target.read_bytes() == original
    assert [r["result"] for r in read_audit(state)].count("ok") == 2


def test_recovery_leaves_an_action_another_process_is_doing_alone(tmp_path: Path) -> None:
    """Two sessiontui at once: one's start-up recovery must not settle the other's running delete."""
    from sessiontui.actions.journal import begin, recover
    from sessiontui.actions.trash import PENDING

    directory = jsonl_store(tmp_path)
    state = tmp_path / "state"
    started_r, started_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the other sessiontui, between (b) and (c)
        begin(
            action="delete",
            fmt="zeroclaw-jsonl",
            store=str(directory),
            session_id="telegram_1",
            name="telegram_1",
            messages=30,
            files=[(directory / "telegram_1.jsonl", "telegram_1.jsonl")],
            state_dir=state,
        )
        os.write(started_w, b"s")
        os.read(go_r, 1)  # holds its entry until told to go on
        os._exit(0)
    assert os.read(started_r, 1) == b"s"
    try:
        assert recover(state) == []
        (entry,) = read_trash(state)[0]
        assert entry.status == PENDING  # not rolled back under the running action
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    (settled,) = recover(state)  # the other process died: now it is settled by the store
    assert settled.result == "rolled back" and read_trash(state) == ([], [])
    assert (directory / "telegram_1.jsonl").exists()
    for handle in (started_r, started_w, go_r, go_w):
        os.close(handle)
