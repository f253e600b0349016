"""SVG snapshots of the main views on the fixed demo scene, with the clock frozen.

Update with `pytest tests/test_snapshots.py --snapshot-update`, then look at every changed SVG
(snapshot_report.html) before committing it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixture_types import SnapCompare
from pilot_wait import screen_text, until
from textual.pilot import Pilot

from sessiontui.demo_command import scene_app
from sessiontui.widgets.session_table import SessionTable
from sessiontui.widgets.transcript_view import TranscriptView

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SCENE = Path("/tmp/sessiontui-snapshot-scene")  # a fixed path: it is shown on screen
SIZE = (160, 45)


@pytest.fixture
def scene(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    shutil.rmtree(SCENE, ignore_errors=True)
    yield SCENE
    shutil.rmtree(SCENE, ignore_errors=True)
    monkeypatch.undo()
    time.tzset()


async def _loaded(pilot: Pilot[object]) -> None:
    """The whole scene on the table (every store read once)."""
    app = pilot.app
    await until(
        pilot,
        lambda: (
            len(app.screen_stack) > 1
            and bool(app.screen.query(SessionTable))
            and app.screen.query_one(SessionTable).total_count > 40
        ),
        "the scene",
    )
    await pilot.pause()


def test_dashboard(snap_compare: SnapCompare, scene: Path) -> None:
    assert snap_compare(scene_app(scene, NOW), terminal_size=SIZE, run_before=_loaded)


def test_stuck_view(snap_compare: SnapCompare, scene: Path) -> None:
    async def stuck(pilot: Pilot[object]) -> None:
        await _loaded(pilot)
        await pilot.press("s")

    assert snap_compare(scene_app(scene, NOW), terminal_size=SIZE, run_before=stuck)


def test_detail_of_a_stuck_session(snap_compare: SnapCompare, scene: Path) -> None:
    async def detail(pilot: Pilot[object]) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"integration", "enter", "enter")
        view = pilot.app.screen.query_one(TranscriptView)
        await until(pilot, lambda: view.message_count > 0, "the transcript")
        await pilot.pause()

    assert snap_compare(scene_app(scene, NOW), terminal_size=SIZE, run_before=detail)


def test_costs(snap_compare: SnapCompare, scene: Path) -> None:
    async def costs(pilot: Pilot[object]) -> None:
        await _loaded(pilot)
        await pilot.press("c")
        await until(pilot, lambda: "Costliest sessions" in screen_text(pilot.app), "the costs view")
        # every store's spend counted (the scene's total), not the first stores read
        await until(
            pilot, lambda: "$0.87 priced" in screen_text(pilot.app), "the whole scene's spend"
        )
        await pilot.pause()

    assert snap_compare(scene_app(scene, NOW), terminal_size=SIZE, run_before=costs)


def test_cost_charts_last_24h_by_bot(snap_compare, scene: Path) -> None:  # type: ignore[no-untyped-def]
    """The hourly bars of the 24 h window, split by bot, with the fixed clock."""

    async def charts(pilot: Pilot[object]) -> None:
        await _loaded(pilot)
        await pilot.press("c")
        await until(pilot, lambda: "Costliest sessions" in screen_text(pilot.app), "the costs view")
        await pilot.press("t", "t", "t", "t", "b")  # 7d -> 30d -> all -> today -> 24h; by bot
        await until(
            pilot,
            lambda: (
                "window 24h" in screen_text(pilot.app)
                and "by bot" in screen_text(pilot.app)
                and "$0.73 priced" in screen_text(pilot.app)
            ),
            "the 24h window by bot, all of it",
        )
        await pilot.pause()

    assert snap_compare(scene_app(scene, NOW), terminal_size=SIZE, run_before=charts)
