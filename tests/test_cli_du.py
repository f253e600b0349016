"""`sessiontui du`: each part's size equals the sum of its files' sizes; tombstones and archives
are named with what reclaims them; nothing is deleted."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_search import openclaw_store, zeroclaw_store

from sessiontui.cli import main
from sessiontui.demo.codex import CodexWriter
from sessiontui.demo.openclaw_bot import OpenClawLegacyBot, header

AT = datetime.now(UTC) - timedelta(hours=1)


def sizes(*files: Path) -> int:
    return sum(f.stat().st_size for f in files)


def du(capsys: pytest.CaptureFixture[str], *paths: Path) -> list[dict[str, Any]]:
    assert main(["du", "--json", *(str(p) for p in paths)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def every_file(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_size for p in root.rglob("*") if p.is_file()}


def test_du_sizes_equal_the_files(
    tmp_path: Path,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stores = tmp_path / "stores"
    zeroclaw = zeroclaw_store(stores)
    openclaw = openclaw_store(stores)
    leftovers = OpenClawLegacyBot(
        openclaw.parent.parent / "sessions"
    )  # files from before the SQLite store
    leftovers.append("old-1", header("old-1", AT))
    leftovers.append("old-2", header("old-2", AT))
    tombstone = leftovers.tombstone("old-2", "deleted", AT)
    codex_home = stores / "codex"
    writer = CodexWriter(codex_home)
    live = writer.start("/src/a", AT)
    gone = writer.start("/src/b", AT)
    writer.user_turn(live, "hello", AT)
    archived = writer.archive(gone)
    trash = tmp_path / "state" / "sessiontui" / "trash" / "entry-1"
    trash.mkdir(parents=True)
    (trash / "entry.json").write_bytes(b"x" * 1234)
    du(
        capsys, zeroclaw, openclaw, codex_home
    )  # detection opens the databases: SQLite adds -wal/-shm
    before = every_file(tmp_path)

    parts = {(p["format"], p["what"]): p for p in du(capsys, zeroclaw, openclaw, codex_home)}

    database = parts[("zeroclaw-sqlite", "database")]
    assert database["bytes"] == sizes(zeroclaw) and database["files"] == 1
    assert "session_ttl_hours" in database["reclaim"]
    assert parts[("zeroclaw-sqlite", "WAL")]["bytes"] == sizes(Path(f"{zeroclaw}-wal"))
    assert parts[("zeroclaw-sqlite", "shared memory (-shm)")]["bytes"] == sizes(
        Path(f"{zeroclaw}-shm")
    )
    assert parts[("openclaw", "database")]["bytes"] == sizes(openclaw)
    tomb = parts[("openclaw", "tombstones (.deleted/.reset)")]
    assert (tomb["bytes"], tomb["files"]) == (sizes(tombstone), 1)
    assert "cleanup" in tomb["reclaim"] and "75658" in tomb["reclaim"]
    left = parts[("openclaw", "leftover JSONL from before the SQLite store")]
    assert (left["bytes"], left["files"]) == (
        sizes(openclaw.parent.parent / "sessions" / "old-1.jsonl"),
        1,
    )
    rollouts = [p for p in (codex_home / "sessions").rglob("*") if p.is_file()]
    assert parts[("codex", "transcripts")]["bytes"] == sizes(*rollouts) and len(rollouts) == 1
    assert parts[("codex", "archived sessions")]["bytes"] == sizes(archived)
    assert parts[("sessiontui", "sessiontui trash")]["bytes"] == 1234
    assert every_file(tmp_path) == before  # nothing deleted, nothing written


def test_du_text(tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zeroclaw = zeroclaw_store(tmp_path)
    assert main(["du", str(zeroclaw)]) == 0
    out = capsys.readouterr().out
    assert f"ZeroClaw (zeroclaw-sqlite) {zeroclaw}" in out
    assert "reclaim: [gateway] session_ttl_hours" in out
    assert os.path.exists(zeroclaw)
