"""What the simulated bots write reads back through the store layer exactly as they report it,
and the scene's sessions classify the way the scene meant them (every stuck reason, no false one)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from sessiontui.demo import populate, run_simulation
from sessiontui.live.fleet import Fleet, FleetUpdate
from sessiontui.model import SessionState
from sessiontui.rules.state import Thresholds
from sessiontui.stores import find_stores, open_stores

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def read_all(root: Path, now: datetime) -> FleetUpdate:
    found, errors = find_stores([root])
    assert errors == []
    fleet = Fleet(open_stores(found), clock=lambda: now, thresholds=Thresholds())
    try:
        return await fleet.refresh(full=True)
    finally:
        await fleet.close()


@pytest.fixture
def no_home_claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)


async def test_simulated_writes_read_back_with_matching_counts(
    tmp_path: Path, no_home_claude: None
) -> None:
    root = tmp_path / "host"
    report = run_simulation(root, sessions=30, rate=10.0, seed=11, steps=600, now=NOW)
    update = await read_all(root, NOW + timedelta(seconds=60))
    for status in update.statuses:
        assert status.error is None and status.problems == () and status.skipped_lines == 0, status

    read: dict[str, dict[str, int]] = defaultdict(dict)
    for row in update.rows:
        read[str(row.session.format)][row.session.id] = row.session.message_count
    for fmt, written in report.stores.items():
        ids = {unquote(sid) for sid in written.sessions}  # v0.6.6 file names are shown decoded
        assert ids <= set(read[fmt]), (fmt, ids - set(read[fmt]))
        if fmt in ("zeroclaw-sqlite", "zeroclaw-jsonl", "starpod", "codex"):  # counted per message
            for sid, count in written.sessions.items():
                assert read[fmt][unquote(sid)] == count, (fmt, sid)
    assert len(update.rows) >= report.session_count


async def test_every_scene_session_classifies_as_the_scene_meant(
    tmp_path: Path, no_home_claude: None
) -> None:
    root = tmp_path / "scene"
    report = populate(root, now=NOW, seed=0)
    update = await read_all(root, NOW)
    by_id = {(str(r.session.format), r.session.id): r for r in update.rows}
    by_id.update({(f, unquote(i)): r for (f, i), r in list(by_id.items())})
    checked = 0
    for fmt, expected in report.expected.items():
        for sid, expectation in expected.items():
            row = by_id[(fmt, unquote(sid))]
            assert (row.verdict.state, row.verdict.reason) == (
                expectation.state,
                expectation.reason,
            ), (fmt, sid, expectation.note, row.verdict)
            checked += 1
    assert checked >= 30
    stuck = [r for r in update.rows if r.verdict.state is SessionState.STUCK]
    assert {r.verdict.reason for r in stuck} >= {
        "turn-running",
        "tool-no-result",
        "unanswered",
        "pending",
        "interrupted",
    }
    assert all(r.verdict.evidence for r in stuck)
