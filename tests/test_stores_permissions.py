"""Stores another user owns: permission denied is said as such, and the rest still load.

The checks run as an unprivileged user (a forked child that drops to `nobody` when the tests
run as root, since root reads everything), against real files in a world-traversable directory.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sessiontui.demo.bots import ZeroClawJsonlBot
from sessiontui.stores import find_stores
from sessiontui.stores.base import StoreError
from sessiontui.stores.detect import detect_file
from sessiontui.stores.sqlite_read import read_tables_sync

NOBODY = 65534


def as_other_user(work: Callable[[], Any]) -> Any:
    """Run `work` in a forked child as `nobody` (when we are root) and return its result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            if os.getuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            result: Any = ("ok", work())
        except BaseException as exc:  # noqa: BLE001 - handed to the parent
            result = ("raised", f"{type(exc).__name__}: {exc}")
        os.write(write_end, pickle.dumps(result))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    assert status == "ok", value
    return value


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A directory every user may enter (pytest's tmp_path is private to its user)."""
    root = Path(tempfile.mkdtemp(prefix="sessiontui-perm-"))
    os.chmod(root, 0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def chat(directory: Path) -> Path:
    ZeroClawJsonlBot(directory).append("telegram_1", {"role": "user", "content": "hi"})
    os.chmod(directory, 0o755)
    os.chmod(directory / "telegram_1.jsonl", 0o644)
    return directory


def test_an_unreadable_directory_is_one_line_and_the_other_stores_load(shared_root: Path) -> None:
    chat(shared_root / "open")
    secret = chat(shared_root / "secret")
    os.chmod(secret, 0o700 if os.getuid() == 0 else 0o000)
    found, errors = as_other_user(lambda: find_stores([shared_root]))
    assert [f.path for f in found] == [shared_root / "open"]
    assert errors == [f"{secret}: permission denied; run as the bot's user"]


def test_an_unreadable_store_path_is_permission_denied_not_no_store(shared_root: Path) -> None:
    store = chat(shared_root / "store")
    os.chmod(store / "telegram_1.jsonl", 0o600 if os.getuid() == 0 else 0o000)

    def detect_it() -> str:
        try:
            detect_file(store / "telegram_1.jsonl")
        except StoreError as exc:
            return str(exc)
        return "detected"

    message = as_other_user(detect_it)
    assert "permission denied" in message and "not a session store" not in message


def probe(db: Path) -> Callable[[], str]:
    def read() -> str:
        try:
            read_tables_sync(db)
        except sqlite3.Error as exc:
            from sessiontui.stores.sqlite_read import explain

            return explain(db, exc)
        return "read"

    return read


def test_a_wal_database_in_a_directory_we_may_not_write_says_so(shared_root: Path) -> None:
    db = shared_root / "wal" / "sessions.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    os.chmod(db.parent, 0o755)
    os.chmod(db, 0o644)
    message = as_other_user(probe(db))
    assert "WAL database needs its -shm file" in message and "readonly" not in message


def test_a_hot_rollback_journal_says_so(shared_root: Path) -> None:
    db = shared_root / "hot" / "sessions.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - a writer killed inside its transaction
        writer = sqlite3.connect(db, isolation_level=None)
        writer.execute("PRAGMA cache_size = 1")
        writer.execute("BEGIN")
        for _ in range(2000):
            writer.execute("INSERT INTO t VALUES (?)", ("x" * 500,))
        os._exit(0)
    os.waitpid(pid, 0)
    assert db.with_name("sessions.db-journal").stat().st_size > 0
    os.chmod(db.parent, 0o755)
    for path in db.parent.iterdir():
        os.chmod(path, 0o644)
    message = as_other_user(probe(db))
    assert "hot rollback journal" in message and "readonly" not in message


def test_an_unreadable_default_location_does_not_stop_the_start(
    shared_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.starpod/` in the working directory belongs to another user: the other defaults load."""
    private = shared_root / ".starpod"
    (private / "db").mkdir(parents=True)
    os.chmod(private, 0o700 if os.getuid() == 0 else 0o000)
    zeroclaw = chat(shared_root / "zc" / "workspace" / "sessions")
    for part in (shared_root / "zc", shared_root / "zc" / "workspace"):
        os.chmod(part, 0o755)
    monkeypatch.chdir(shared_root)
    monkeypatch.setenv("HOME", str(shared_root))
    monkeypatch.setenv("ZEROCLAW_CONFIG_DIR", str(shared_root / "zc"))
    found, errors = as_other_user(lambda: find_stores([]))
    assert [f.path for f in found] == [zeroclaw] and errors == []
