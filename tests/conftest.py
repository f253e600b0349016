"""Fixtures shared by the store, rule, timestamp and snapshot tests.

Every store under test is a real file written by the bot impersonators of `sessiontui.demo`
(the bots' exact SQL and line formats); nothing is mocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixture_types import DumpFiles, OneStoreEach, SnapshotRows, SnapshotRun, StartStandIn

from sessiontui.cli import main
from sessiontui.demo.agent_processes import StandIn, start_standin

BOT_ENV = (
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "ZEROCLAW_DATA_DIR",
    "ZEROCLAW_CONFIG_DIR",
    "ZEROCLAW_WORKSPACE",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "HERMES_HOME",
    "XDG_CACHE_HOME",
)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and cwd in tmp_path, and no bot location variables: nothing of the real machine
    (a real ~/.claude, a sessiontui config file) can leak into a test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in BOT_ENV:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


@pytest.fixture
def snapshot_json(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> SnapshotRun:
    """Run `sessiontui snapshot --json PATH...` in-process: (exit code, rows, stderr)."""

    def run(
        *paths: Path | str, flags: tuple[str, ...] = ()
    ) -> tuple[int, list[dict[str, Any]], str]:
        code = main(["snapshot", "--json", *flags, *(str(p) for p in paths)])
        out, err = capsys.readouterr()
        return code, [json.loads(line) for line in out.splitlines()], err

    return run


@pytest.fixture
def snapshot_rows(snapshot_json: SnapshotRun) -> SnapshotRows:
    """Snapshot rows keyed by session id; asserts the run succeeded with nothing on stderr."""

    def run(*paths: Path | str) -> dict[str, dict[str, Any]]:
        code, rows, err = snapshot_json(*paths)
        assert (code, err) == (0, "")
        by_id = {row["id"]: row for row in rows}
        assert len(by_id) == len(rows), "session ids repeat within one snapshot"
        return by_id

    return run


@pytest.fixture
def real_now() -> datetime:
    """The wall clock, for stores read through `snapshot` (which classifies at now)."""
    return datetime.now(UTC)


SNAPSHOT_KEYS = {
    "format",
    "store",
    "id",
    "name",
    "state",
    "reason",
    "evidence",
    "created_at",
    "last_activity",
    "messages",
    "turns",
    "model",
    "channel",
    "user",
    "agent",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "cost_source",
    "transcript",
    "tokens_per_minute",
    "dollars_per_minute",
    "runaway",
    "hidden",
    "rate_limits",
    "pids",
}


@pytest.fixture
def snapshot_keys() -> set[str]:
    """The keys every `snapshot --json` row carries (scripts depend on them)."""
    return set(SNAPSHOT_KEYS)


@pytest.fixture
def one_store_each(real_now: datetime) -> OneStoreEach:
    """Build one small store of every format A-F under a root, as each bot leaves it;
    returns each format's expected store path (what `snapshot` reports as `store`)."""
    from datetime import timedelta

    from sessiontui.demo.bots import (
        ClaudeCodeWriter,
        HermesJsonBot,
        HermesSqliteBot,
        StarpodBot,
        ZeroClawJsonlBot,
        ZeroClawSqliteBot,
    )
    from sessiontui.demo.botschema import create_starpod_db
    from sessiontui.demo.claude_code import text_block, usage_dict

    def build(root: Path) -> dict[str, Path]:
        at = real_now - timedelta(minutes=30)
        paths = {
            "hermes-json": root / "hermes-legacy" / "sessions.json",
            "hermes-sqlite": root / "hermes" / "sessions.db",
            "zeroclaw-jsonl": root / "zeroclaw-old" / "workspace" / "sessions",
            "zeroclaw-sqlite": root / "zeroclaw" / "data" / "sessions" / "sessions.db",
            "starpod": root / "project" / ".starpod" / "db" / "core.db",
            "claude-code": root / "claude" / "projects",
        }
        legacy = HermesJsonBot(paths["hermes-json"])
        legacy.new_thread("1700000000.000001", "repo", "/src/repo", "C1", "claude-opus-4-6", now=at)
        hermes = HermesSqliteBot(paths["hermes-sqlite"])
        hermes.new_thread("1700000000.000002", "repo", "/src/repo", "C1", "claude-opus-4-6", now=at)
        hermes.close()
        ZeroClawJsonlBot(paths["zeroclaw-jsonl"]).append(
            "telegram_1", {"role": "user", "content": "hi"}
        )
        zeroclaw = ZeroClawSqliteBot(paths["zeroclaw-sqlite"])
        zeroclaw.append("gw_1", "user", "hi", now=at)
        zeroclaw.close()
        create_starpod_db(paths["starpod"])
        starpod = StarpodBot(paths["starpod"])
        starpod.create_session("sp-1", now=at)
        starpod.close()
        writer = ClaudeCodeWriter(paths["claude-code"])
        writer.user("cc-1", "/src/repo", "hi", now=at)
        writer.assistant(
            "cc-1",
            "/src/repo",
            [text_block("hello")],
            model="claude-haiku-4-5",
            usage=usage_dict(10, 5),
            now=at,
        )
        return {fmt: path.resolve() for fmt, path in paths.items()}

    return build


@pytest.fixture
def dump_files() -> DumpFiles:
    """Every file under a root: SQL dump for databases, bytes (and mtime for JSONL) for the rest.

    For reproducibility checks of the demo; the mtime matters for JSONL, ZeroClaw's only clock there.
    """

    def dump(root: Path) -> dict[str, object]:
        import sqlite3

        result: dict[str, object] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.endswith(("-wal", "-shm")):
                continue
            key = str(path.relative_to(root))
            if path.suffix in (".db", ".sqlite"):
                with sqlite3.connect(path) as conn:
                    result[key] = list(conn.iterdump())
            else:
                mtime = path.stat().st_mtime_ns if ".jsonl" in path.name else None
                result[key] = (path.read_bytes(), mtime)
        return result

    return dump


@pytest.fixture
def standins() -> Iterator[StartStandIn]:
    """Start stand-in agent processes (`start_standin`); each is stopped after the test."""
    started: list[StandIn] = []

    def start(*args: Any, **kwargs: Any) -> StandIn:
        standin = start_standin(*args, **kwargs)
        started.append(standin)
        return standin

    yield start
    for standin in started:
        standin.stop()


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the XDG state dir in tmp_path: the trash and the audit log land there."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    return tmp_path / "state"


@pytest.fixture(autouse=True)
def private_xdg_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets XDG state, cache and config dirs of its own: the trash, the audit log, the
    transcript cache and the settings of the machine running the tests are never read or written.
    (A test that sets its own, as `state_home` does, wins: it sets them after this.)"""
    root = tmp_path_factory.mktemp("xdg")
    for kind in ("STATE", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(root / kind.lower()))
    return root


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a test writes a demo scene, with HOME its own (no Claude Code tree of the machine's
    is found). Test files that build their scene otherwise define their own `scene`."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    return tmp_path / "scene"
