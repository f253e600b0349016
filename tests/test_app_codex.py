"""Codex sessions in the real app: keys pressed through Pilot, checked on the Codex home's files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pilot_wait import screen_text, until
from test_app_actions import SIZE, open_app, show_only, table

from sessiontui.app import SessionTuiApp
from sessiontui.demo.codex import CodexWriter, rate_limits, token_usage
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.screens.modals import ConfirmScreen, TrashScreen

CWD = "/home/dev/src/app"
AGO = datetime.now(UTC) - timedelta(hours=1)


def codex_home(root: Path) -> tuple[Path, CodexWriter, dict[str, str]]:
    """Two finished threads, 'alpha' and 'bravo', and one turn still running, 'charlie'."""
    home = root / ".codex"
    w = CodexWriter(home)
    ids = {}
    for name in ("alpha", "bravo", "charlie"):
        tid = w.start(CWD, AGO)
        w.user_turn(tid, f"{name} job", AGO)
        w.token_count(
            tid,
            token_usage(10_000, 8_000, 300, 100),
            AGO + timedelta(seconds=2),
            rate_limits(37.0, 12.0, resets=AGO + timedelta(hours=3)),
        )
        if name != "charlie":
            w.answer(tid, "Done.", AGO + timedelta(seconds=3))
            w.turn_complete(tid, AGO + timedelta(seconds=3))
        os.utime(w.path_of(tid), (AGO.timestamp(), AGO.timestamp()))
        ids[name] = tid
    return home, w, ids


def seen_mtime(app: SessionTuiApp) -> float:
    """The rollout mtime the app last read for the first row (what an action checks against)."""
    moment = table(app).visible_rows()[0].session.version[1]
    assert isinstance(moment, datetime)
    return moment.timestamp()


def names(home: Path) -> list[tuple[str, str]]:
    index = home / "session_index.jsonl"
    if not index.exists():
        return []
    return [(e["id"], e["thread_name"]) for e in map(json.loads, index.read_text().splitlines())]


async def test_rename_archive_and_restore_a_codex_thread_with_keys(tmp_path: Path) -> None:
    home, w, ids = codex_home(tmp_path)
    rollout = w.path_of(ids["alpha"])
    archived = home / "archived_sessions" / rollout.name
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "alpha job")
        assert "5h 37%" in screen_text(app)  # the store line's rate limits
        await pilot.press("n", "ctrl+u", *"alpha renamed", "enter")
        await until(
            pilot, lambda: names(home) == [(ids["alpha"], "alpha renamed")], "the name appended"
        )
        await pilot.press("slash", "ctrl+u", *"alpha renamed", "enter")
        await until(pilot, lambda: table(app).row_count == 1, "the row under its new name")
        await pilot.press("A")
        await until(
            pilot, lambda: archived.exists() and not rollout.exists(), "the rollout archived"
        )
        await until(
            pilot,
            lambda: table(app).visible_rows()[0].session.archived,
            "the app to see it archived",
        )
        os.utime(archived, (AGO.timestamp(), AGO.timestamp()))  # Codex's own quiet period
        await until(
            pilot, lambda: seen_mtime(app) == AGO.timestamp(), "the app to see the file as it is"
        )
        await pilot.press("A")
        await until(
            pilot,
            lambda: rollout.exists() and not archived.exists(),
            "the rollout back in sessions/",
        )
        await until(
            pilot,
            lambda: not table(app).visible_rows()[0].session.archived,
            "the app to see it back",
        )
        os.utime(rollout, (AGO.timestamp(), AGO.timestamp()))
        await until(
            pilot, lambda: seen_mtime(app) == AGO.timestamp(), "the app to see the file as it is"
        )
        content = rollout.read_bytes()
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: not rollout.exists(), "the rollout deleted")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, TrashScreen), "the trash list")
        await pilot.press("enter", "y")
        await until(pilot, lambda: rollout.exists(), "the rollout restored")
    assert rollout.read_bytes() == content
    assert not any(severity == "error" for _, severity in notes), notes


async def test_a_running_codex_thread_is_not_moved_and_says_why(tmp_path: Path) -> None:
    home, w, ids = codex_home(tmp_path)
    rollout = w.path_of(ids["charlie"])
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "charlie job")
        await pilot.press("A")
        await until(pilot, lambda: any("a turn is running" in m for m, _ in notes), "the refusal")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail view")
        await until(
            pilot, lambda: "rate limits" in screen_text(app), "the rate limits in the details"
        )
        text = screen_text(app)
        assert "5h 37%" in text and "weekly 12%" in text
    assert rollout.exists() and not (home / "archived_sessions").exists()
