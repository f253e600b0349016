"""populate(): deterministic, every state on show, and the report agrees with the files."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.demo import SimulationReport, populate, store_paths
from sessiontui.demo.zeroclaw_bots import INTERRUPTED_MARKER
from sessiontui.model import SessionState

NOW = datetime(2026, 8, 22, 21, 44, 0, 123456, tzinfo=UTC)
Scene = tuple[Path, SimulationReport]


def test_populate_is_byte_identical_for_a_seed(
    tmp_path: Path, dump_files: Callable[[Path], dict[str, object]]
) -> None:
    first = populate(tmp_path / "a", now=NOW, seed=7)
    second = populate(tmp_path / "b", now=NOW, seed=7)
    assert dump_files(tmp_path / "a") == dump_files(tmp_path / "b")
    assert first.expected == second.expected
    populate(tmp_path / "c", now=NOW, seed=8)
    assert dump_files(tmp_path / "c") != dump_files(tmp_path / "a")


def test_populate_refuses_a_used_workspace(tmp_path: Path) -> None:
    populate(tmp_path, now=NOW, seed=0, sessions=0)
    with pytest.raises(FileExistsError):
        populate(tmp_path, now=NOW, seed=0)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    root = tmp_path_factory.mktemp("scene")
    return root, populate(root, now=NOW, seed=1, sessions=10)


def test_layout(scene: Scene) -> None:
    root, _ = scene
    paths = store_paths(root)
    assert paths["hermes-json"] == root / "hermes-legacy" / "sessions.json"
    assert paths["hermes-json"].parent != paths["hermes-sqlite"].parent
    assert all(path.exists() for path in paths.values())
    zc_dir = paths["zeroclaw-sqlite"].parent
    assert [p.name for p in zc_dir.glob("*.jsonl*")] == ["telegram_42.jsonl.migrated"]
    assert (paths["zeroclaw-jsonl"] / "telegram%2Ebot_123.jsonl").exists()


def test_every_state_is_on_show(scene: Scene) -> None:
    _, report = scene
    seen = Counter(e.state for per in report.expected.values() for e in per.values())
    assert set(seen) == set(SessionState)
    reasons = {e.reason for per in report.expected.values() for e in per.values()} - {None}
    assert reasons == {
        "turn-running",
        "tool-no-result",
        "unanswered",
        "pending",
        "interrupted",
        "lease-expired",
        "gateway-silent",
        "stale-running",
        "archived-running",
    }


def test_report_matches_the_files(scene: Scene) -> None:
    root, report = scene
    paths = store_paths(root)
    with sqlite3.connect(paths["zeroclaw-sqlite"]) as conn:
        counts = dict(conn.execute("SELECT session_key, message_count FROM session_metadata"))
        rows = dict(conn.execute("SELECT session_key, COUNT(*) FROM sessions GROUP BY 1"))
    assert counts == report.stores["zeroclaw-sqlite"].sessions
    assert {k: v for k, v in counts.items() if v} == rows
    with sqlite3.connect(paths["starpod"]) as conn:
        rows = dict(conn.execute("SELECT session_id, COUNT(*) FROM session_messages GROUP BY 1"))
    assert rows == report.stores["starpod"].sessions
    jsonl = {p.stem: len(p.read_text().splitlines()) for p in paths["zeroclaw-jsonl"].iterdir()}
    assert jsonl == report.stores["zeroclaw-jsonl"].sessions
    claude = {
        p.stem: len(p.read_text().splitlines()) for p in paths["claude-code"].rglob("*.jsonl")
    }
    assert claude == report.stores["claude-code"].sessions
    with sqlite3.connect(paths["hermes-sqlite"]) as conn:
        threads = {r[0] for r in conn.execute("SELECT thread_ts FROM sessions")}
    assert threads == set(report.stores["hermes-sqlite"].sessions)
    legacy = json.loads(paths["hermes-json"].read_text())
    assert set(legacy) == set(report.stores["hermes-json"].sessions)


def test_stuck_sessions_look_stuck_in_the_raw_data(scene: Scene) -> None:
    root, report = scene
    paths = store_paths(root)
    by_reason = {
        e.reason: (fmt, sid)
        for fmt, per in report.expected.items()
        for sid, e in per.items()
        if e.reason
    }
    _, key = by_reason["turn-running"]
    with sqlite3.connect(paths["zeroclaw-sqlite"]) as conn:
        state, started, last = conn.execute(
            "SELECT state, turn_started_at, last_activity FROM session_metadata "
            "WHERE session_key = ?",
            (key,),
        ).fetchone()
    assert state == "running"
    assert (
        datetime.fromisoformat(started)
        == NOW - timedelta(minutes=25)
        == datetime.fromisoformat(last)
    )
    _, thread = by_reason["pending"]
    with sqlite3.connect(paths["hermes-sqlite"]) as conn:
        session_id, created = conn.execute(
            "SELECT session_id, created_at FROM sessions WHERE thread_ts = ?", (thread,)
        ).fetchone()
    assert session_id == f"pending-{thread}"
    assert datetime.fromisoformat(created) == NOW - timedelta(minutes=30)
    _, stem = by_reason["interrupted"]
    lines = (paths["zeroclaw-jsonl"] / f"{stem}.jsonl").read_text().splitlines()
    assert [json.loads(line)["role"] for line in lines] == ["user", "assistant"]
    assert json.loads(lines[-1])["content"] == INTERRUPTED_MARKER
    _, sid = by_reason["tool-no-result"]
    [path] = paths["claude-code"].rglob(f"{sid}.jsonl")
    last_line = json.loads(path.read_text().splitlines()[-1])
    assert last_line["message"]["content"][0]["type"] == "tool_use"
    assert last_line["timestamp"] == "2026-08-22T21:24:00.123Z"
    _, sid = by_reason["unanswered"]
    with sqlite3.connect(paths["starpod"]) as conn:
        role, at = conn.execute(
            "SELECT role, timestamp FROM session_messages WHERE session_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (sid,),
        ).fetchone()
    assert role == "user" and datetime.fromisoformat(at) == NOW - timedelta(minutes=15)


def test_hermes_rows_link_to_transcripts(scene: Scene) -> None:
    root, _ = scene
    paths = store_paths(root)
    with sqlite3.connect(paths["hermes-sqlite"]) as conn:
        rows = conn.execute("SELECT session_id, repo_path FROM sessions").fetchall()
    linked = [(sid, repo) for sid, repo in rows if not sid.startswith("pending-")]
    assert linked
    for sid, repo in linked:
        path = paths["claude-code"] / repo.replace("/", "-") / f"{sid}.jsonl"
        assert json.loads(path.read_text().splitlines()[0])["sessionId"] == sid


def test_timestamp_forms(scene: Scene) -> None:
    root, _ = scene
    paths = store_paths(root)
    checks = {
        "hermes-sqlite": "SELECT created_at, last_active FROM sessions",
        "zeroclaw-sqlite": "SELECT created_at, last_activity FROM session_metadata",
        "starpod": "SELECT timestamp, timestamp FROM session_messages",
    }
    for fmt, sql in checks.items():
        with sqlite3.connect(paths[fmt]) as conn:
            values = [v for row in conn.execute(sql) for v in row]
        assert values and all(v.endswith("+00:00") for v in values), fmt
    legacy = json.loads(paths["hermes-json"].read_text())
    assert all(info["last_active"].endswith("Z") for info in legacy.values())


def test_hostile_text_is_stored_verbatim(scene: Scene) -> None:
    root, _ = scene
    paths = store_paths(root)
    with sqlite3.connect(paths["starpod"]) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM session_metadata")]
    assert any("[bold red]x[/]" in t and "\x1b[2J" in t for t in titles)
    text = (paths["zeroclaw-jsonl"] / "whatsapp_15551234567.jsonl").read_text()
    assert "[bold red]x[/]" in text and "\\u001b[2J" in text
