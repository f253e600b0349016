"""The real app through Pilot, on stores written exactly as the bots write them."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pilot_wait import screen_text, until
from textual.app import App
from textual.pilot import Pilot

from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.demo_command import scene_app
from sessiontui.model import SessionState
from sessiontui.screens.costs import CostsScreen
from sessiontui.screens.dashboard import DashboardScreen
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.widgets.session_table import SessionTable
from sessiontui.widgets.transcript_view import TranscriptView

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def loaded(pilot: Pilot[Any], app: App[Any], at_least: int = 1) -> SessionTable:
    """The dashboard's table, once the first read of the stores is on it."""
    await until(
        pilot,
        lambda: len(app.screen_stack) > 1 and bool(app.screen.query(SessionTable)),
        "the dashboard",
    )
    table = app.screen.query_one(SessionTable)
    await until(pilot, lambda: table.total_count >= at_least, "the first rows")
    return table


async def test_state_keys_filter_the_table(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app, 41)
        total = table.total_count
        assert total > 40
        await pilot.press("s")
        stuck = [r.verdict.state for r in table.visible_rows()]
        assert stuck and set(stuck) == {SessionState.STUCK}
        reasons = {r.verdict.reason for r in table.visible_rows()}
        assert {"turn-running", "pending", "unanswered", "tool-no-result", "interrupted"} <= reasons
        await pilot.press("r")
        assert {r.verdict.state for r in table.visible_rows()} == {SessionState.RUNNING}
        await pilot.press("a")
        assert table.row_count == total


async def test_text_filter_and_escape(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app, 41)
        await pilot.press("slash", *"alice")
        names = [r.session.id for r in table.visible_rows()]
        assert names and all(
            "alice" in n.lower() or "alice" in (r.session.name + str(r.session.user)).lower()
            for n, r in zip(names, table.visible_rows(), strict=True)
        )
        assert table.row_count < table.total_count
        await pilot.press("escape")
        assert table.row_count == table.total_count


async def test_enter_opens_detail_with_transcript_and_escape_returns(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app, 41)
        await pilot.press("s")
        uid = table.cursor_uid
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail screen")
        assert isinstance(app.screen, SessionDetailScreen)
        assert app.screen.uid == uid
        view = app.screen.query_one(TranscriptView)
        await until(pilot, lambda: view.message_count > 0, "the transcript")
        assert "STUCK" in screen_text(app)
        await pilot.press("escape")
        assert app.screen.query_one(SessionTable).cursor_uid == uid


async def test_costs_view_lists_models_and_top_sessions(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        await loaded(pilot, app, 41)
        await pilot.press("c")
        await until(pilot, lambda: "Costliest sessions" in screen_text(app), "the costs view")
        assert isinstance(app.screen, CostsScreen)
        text = screen_text(app)
        assert "claude-sonnet-4-6" in text and "Costliest sessions" in text and "$" in text


async def test_markup_and_escapes_in_store_text_show_literally(scene: Path) -> None:
    app = scene_app(scene, NOW)
    # (wide enough for the markup to show whole in the Name column beside the scrollbar, which
    # a filter keeps while the rows without it need one)
    async with app.run_test(size=(210, 50)) as pilot:
        await loaded(pilot, app, 41)
        await pilot.press("slash", *"print")  # the Starpod title holding markup and an escape
        await until(pilot, lambda: "[bold red]x[/]" in screen_text(app), "the title in the table")
        await pilot.press("enter", "enter")  # keep the filter, open the session
        await until(pilot, lambda: "and then \u241b[2J as-is" in screen_text(app), "the transcript")
        text = screen_text(app)  # the detail: title and transcript
        assert "Please print [bold red]x[/] and then \u241b[2J as-is" in text
        assert "\x1b" not in text


async def test_cursor_stays_on_its_session_while_a_bot_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    start = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(30):
        bot.append(f"gw_{i:03d}", "user", f"hello {i}", start + timedelta(seconds=i))
    bot.close()

    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.stores import find_stores

    found, _ = find_stores([tmp_path / "zc"])
    app = make_app(Config(refresh_seconds=0.1), found=found)
    stop = threading.Event()

    def keep_writing() -> None:  # a second writer, as the bot would be
        writer = ZeroClawSqliteBot(db, busy_timeout_ms=5000)
        n = 0
        while not stop.is_set():
            writer.append(f"gw_new_{n:03d}", "user", "new session", datetime.now(UTC))
            writer.append(f"gw_{n % 30:03d}", "assistant", "reply", datetime.now(UTC))
            n += 1
            stop.wait(0.05)
        writer.close()

    async with app.run_test(size=(160, 40)) as pilot:
        table = await loaded(pilot, app, 30)
        table.sort_by("last", reverse=True)  # most recent first: rows move on every write
        await pilot.press("down", "down", "down")
        chosen = table.cursor_uid
        before = table.total_count
        thread = threading.Thread(target=keep_writing)
        thread.start()
        try:
            for seen in range(before + 1, before + 6):  # five new sessions arrive, one by one

                def arrived(seen: int = seen) -> bool:
                    return table.total_count >= seen

                await until(pilot, arrived, f"{seen} sessions")
                assert table.cursor_uid == chosen
        finally:
            stop.set()
            thread.join()
        assert table.total_count > before
        assert table.cursor_uid == chosen


async def test_unreadable_store_is_marked_stale_and_others_keep_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    jsonl = tmp_path / "zc"
    jsonl.mkdir()
    (jsonl / "telegram_1.jsonl").write_text('{"role":"user","content":"hi"}\n')
    db = tmp_path / "other" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_1", "user", "hello", datetime.now(UTC))
    bot.close()

    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.stores import find_stores

    found, _ = find_stores([jsonl, db.parent])
    app = make_app(Config(refresh_seconds=0.1), found=found)
    async with app.run_test(size=(160, 40)) as pilot:
        table = await loaded(pilot, app, 2)
        assert table.total_count == 2
        shutil.rmtree(jsonl)
        app.fleet.reconcile_all()  # the next refresh rescans at once instead of in 30 s
        await until(pilot, lambda: "directory is gone" in screen_text(app), "the gone directory")
        text = screen_text(app)
        assert "STALE" in text and "directory is gone" in text
        assert table.total_count == 2  # the gone store's sessions stay, marked stale


async def test_costs_view_shows_markup_in_titles_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Starpod title is the user's first message: '[/]' in it must not crash the costs view."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.demo.bots import StarpodBot
    from sessiontui.demo.botschema import create_starpod_db
    from sessiontui.stores import find_stores

    db = tmp_path / "sp" / "core.db"
    db.parent.mkdir()
    create_starpod_db(db)
    bot = StarpodBot(db)
    bot.create_session("s1", now=NOW)
    bot.save_message("s1", "user", "[/] what is [bold red]on[/] my calendar", NOW)
    bot.record_usage(
        "s1",
        turn=1,
        input_tokens=10,
        output_tokens=5,
        cache_read=0,
        cache_write=0,
        model="[red]claude-sonnet-4-6",
        now=NOW,
    )
    bot.touch_session("s1", NOW)
    bot.close()
    found, _ = find_stores([db.parent])
    app = make_app(Config(), found=found, clock=lambda: NOW + timedelta(minutes=1))
    async with app.run_test(size=(180, 50)) as pilot:
        await loaded(pilot, app, 1)
        await pilot.press("c")
        await until(pilot, lambda: "[/] what is" in screen_text(app), "the costs view")
        assert isinstance(app.screen, CostsScreen)
        text = screen_text(app)
        assert "[/] what is [bold red]on[/]" in text and "[red]claude-sonnet-4-6" in text


async def test_rows_changing_under_the_same_title_repaint_no_table_line(scene: Path) -> None:
    """Setting a table's border title repaints all of it: at 100k sessions rows change every
    few seconds with nothing on screen moving, and the title is set only when it differs."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app, 41)
        update, screen = app.latest, app.screen
        assert update is not None and isinstance(screen, DashboardScreen)
        screen.show_update(replace(update, rows=(*update.rows,)))
        await pilot.pause()
        title = table.border_title
        whole: list[object] = []
        original = table.refresh

        def spy(*regions: Any, **kwargs: Any) -> Any:
            if not regions:
                whole.append(kwargs)
            return original(*regions, **kwargs)

        table.refresh = spy  # type: ignore[method-assign]
        again = replace(update, rows=(*update.rows,), change=None, since=None)
        screen.show_update(again)  # other row objects, the same sessions and counts
        table.refresh = original  # type: ignore[method-assign]
        assert table.rows_given is again.rows and table.border_title == title
        assert whole == [], "no repaint of the whole table"
        screen.show_update(replace(again, rows=again.rows[1:]))  # one session fewer
        shown = str(table.border_title)
        assert shown != title and f"{table.row_count} of {table.total_count} sessions" in shown
