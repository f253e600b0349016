"""The operator's keys, pressed through Pilot on real stores, checked on the files read back.

Every store is written by the bot impersonators of `sessiontui.demo` (the bots' own SQL and line
formats); the trash and the audit log go to a temporary XDG state dir. These tests are about
keys -> the right write on the right session (or a readable refusal and no write at all); the
SQL of each write is tested with the actions themselves.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pilot_wait import screen_text, until
from textual.pilot import Pilot
from textual.widgets import Input

from sessiontui.app import SessionTuiApp, make_app
from sessiontui.config import Config
from sessiontui.demo.bots import HermesJsonBot, HermesSqliteBot, StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
from sessiontui.screens.dashboard import DashboardScreen
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.screens.modals import BulkScreen, ConfirmScreen, TextScreen, TrashScreen
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable

SIZE = (180, 50)
AGO = datetime.now(UTC) - timedelta(minutes=30)


pytestmark = pytest.mark.usefixtures("state_home")  # HOME, the trash and the audit log in tmp_path


def open_app(root: Path, *, read_only: bool = False) -> tuple[SessionTuiApp, list[tuple[str, str]]]:
    """The app on every store under `root`, and a record of its notifications (message, severity)."""
    found, errors = find_stores([root])
    assert found and not errors
    app = make_app(Config(refresh_seconds=0.1, read_only=read_only), found=found)
    notes: list[tuple[str, str]] = []
    notify = app.notify

    def record(message: str, **kwargs: Any) -> None:
        notes.append((message, kwargs.get("severity", "information")))
        notify(message, **kwargs)

    app.notify = record  # type: ignore[method-assign]
    return app, notes


def acting(app: SessionTuiApp) -> bool:
    """True while an operator action is still being written."""
    return any(worker.group == "actions" and not worker.is_finished for worker in app.workers)


def table(app: SessionTuiApp) -> SessionTable:
    return app.screen_stack[1].query_one(SessionTable)


async def show_only(pilot: Pilot[Any], app: SessionTuiApp, text: str, count: int = 1) -> None:
    """Filter the table to the session(s) matching `text`, as a person would: / text Enter."""
    await until(pilot, lambda: table(app).total_count > 0, "the sessions to load")
    await pilot.press("slash", *text, "enter")
    await until(pilot, lambda: table(app).row_count == count, f"{count} rows matching {text!r}")


def query(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def starpod_store(root: Path, *ids: str) -> Path:
    db = root / "project" / ".starpod" / "db" / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    for n, session_id in enumerate(ids):
        bot.create_session(session_id, now=AGO)
        bot.save_message(session_id, "user", f"question {n} about {session_id}", now=AGO)
        bot.save_message(session_id, "assistant", "an answer", now=AGO)
        bot.touch_session(session_id, now=AGO)
        bot.record_usage(
            session_id,
            turn=1,
            input_tokens=1000,
            output_tokens=200,
            cache_read=0,
            cache_write=0,
            model="claude-sonnet-4-5",
            cost_usd=0.0123,
            now=AGO,
        )
    bot.close()
    return db


def zeroclaw_store(root: Path, *keys: str) -> Path:
    db = root / "zeroclaw" / "sessions.db"
    db.parent.mkdir(parents=True)
    bot = ZeroClawSqliteBot(db)
    for key in keys:
        bot.append(key, "user", f"hello from {key}", now=AGO)
        bot.append(key, "assistant", "hi", now=AGO)
    bot.close()
    return db


async def test_rename_a_starpod_title_with_n(tmp_path: Path) -> None:
    db = starpod_store(tmp_path, "sp-1")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "sp-1")
        await pilot.press("n")
        assert isinstance(app.screen, TextScreen)
        assert app.screen.query_one("#answer", Input).value == "question 0 about sp-1"
        await pilot.press(*"deploy notes", "enter")
        await until(
            pilot,
            lambda: (
                query(db, "SELECT title FROM session_metadata WHERE id='sp-1'")
                == [("deploy notes",)]
            ),
            "the title to be written",
        )
        await until(
            pilot, lambda: "deploy notes" in screen_text(app), "the table to show the new title"
        )
    assert notes[-1][1] == "information"


async def test_rename_a_zeroclaw_session_with_n(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1", "gw_2")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_2")
        await pilot.press("n", *"billing bot", "enter")
        await until(
            pilot,
            lambda: (
                query(db, "SELECT session_key, name FROM session_metadata WHERE name IS NOT NULL")
                == [("gw_2", "billing bot")]
            ),
            "only gw_2 renamed",
        )


async def test_close_a_starpod_session_with_a_summary(tmp_path: Path) -> None:
    db = starpod_store(tmp_path, "sp-1", "sp-2")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "sp-2")
        await pilot.press("C")
        assert isinstance(app.screen, TextScreen)
        await pilot.press(*"fixed by restart", "enter")
        await until(
            pilot,
            lambda: (
                query(db, "SELECT id, is_closed, summary FROM session_metadata ORDER BY id")
                == [("sp-1", 0, None), ("sp-2", 1, "fixed by restart")]
            ),
            "sp-2 closed with its summary",
        )
        await until(
            pilot, lambda: table(app).visible_rows()[0].session.closed, "the app to see it closed"
        )
        assert "closed" in table(app).render_line(1).text
        assert app.screen.active_bindings["C"].enabled is False  # no re-open: the key is greyed out


async def test_delete_asks_naming_the_session_then_u_restores_it(tmp_path: Path) -> None:
    db = starpod_store(tmp_path, "sp-1", "sp-2")
    before = query(db, "SELECT * FROM session_messages WHERE session_id='sp-1' ORDER BY id")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "sp-1")
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        asked = screen_text(app)
        for fact in ("question 0 about sp-1", "(sp-1)", "2 messages", "$0.0123"):
            assert fact in asked
        await pilot.press("y")
        await until(
            pilot,
            lambda: query(db, "SELECT id FROM session_metadata") == [("sp-2",)],
            "sp-1 deleted",
        )
        assert query(db, "SELECT count(*) FROM session_messages WHERE session_id='sp-1'") == [(0,)]
        await until(pilot, lambda: any("u to undo" in m for m, _ in notes), "the undo hint")

        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, TrashScreen), "the trash list")
        assert "question 0 about sp-1" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen) and "Restore" in screen_text(app)
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                query(db, "SELECT id FROM session_metadata ORDER BY id") == [("sp-1",), ("sp-2",)]
            ),
            "sp-1 restored",
        )
    assert query(db, "SELECT * FROM session_messages WHERE session_id='sp-1' ORDER BY id") == before


async def test_escape_in_the_delete_dialog_deletes_nothing(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_1")
        await pilot.press("d", "enter")  # Enter is on Cancel: a reflex never deletes
        await pilot.press("d", "escape")
        await until(
            pilot,
            lambda: isinstance(app.screen, DashboardScreen) and not acting(app),
            "the dialog closed with nothing to do",
        )
    assert query(db, "SELECT count(*) FROM sessions") == [(2,)]


async def test_reset_a_running_zeroclaw_session_to_idle(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1", "gw_2")
    bot = ZeroClawSqliteBot(db)
    bot.set_state("gw_1", "running", turn_id="t-1", now=AGO)
    bot.close()
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_2")
        assert app.screen.active_bindings["z"].enabled is False  # idle: nothing to reset
        await pilot.press("escape")
        await show_only(pilot, app, "gw_1")
        assert app.screen.active_bindings["z"].enabled is True
        await pilot.press("z", "y")
        await until(
            pilot,
            lambda: (
                query(
                    db,
                    "SELECT state, turn_started_at FROM session_metadata WHERE session_key='gw_1'",
                )
                == [("idle", None)]
            ),
            "gw_1 back to idle",
        )


async def test_clear_keeps_the_zeroclaw_session_without_its_messages(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1", "gw_2")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_1")
        await pilot.press("X")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                query(db, "SELECT session_key, count(*) FROM sessions GROUP BY session_key")
                == [("gw_2", 2)]
            ),
            "gw_1's messages cleared",
        )
    assert {key for (key,) in query(db, "SELECT session_key FROM session_metadata")} == {
        "gw_1",
        "gw_2",
    }


async def test_m_toggles_read_and_capital_a_toggles_archived(tmp_path: Path) -> None:
    db = starpod_store(tmp_path, "sp-1")
    flags = "SELECT is_read, is_archived FROM session_metadata WHERE id='sp-1'"
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "sp-1")
        assert query(db, flags) == [(1, 0)]
        await pilot.press("m")
        await until(pilot, lambda: query(db, flags) == [(0, 0)], "marked unread")
        await until(
            pilot,
            lambda: ("is_read", "0") in table(app).visible_rows()[0].session.extra,
            "the app to see it",
        )
        await pilot.press("m")
        await until(pilot, lambda: query(db, flags) == [(1, 0)], "marked read again")
        await pilot.press("A")
        await until(pilot, lambda: query(db, flags) == [(1, 1)], "archived")
        await until(
            pilot,
            lambda: table(app).visible_rows()[0].session.archived,
            "the app to see it archived",
        )
        await pilot.press("A")
        await until(pilot, lambda: query(db, flags) == [(1, 0)], "unarchived")


async def test_keys_on_claude_code_and_hermes_json_explain_and_write_nothing(
    tmp_path: Path,
) -> None:
    legacy = tmp_path / "hermes-legacy" / "sessions.json"
    HermesJsonBot(legacy).new_thread(
        "1700000000.000001", "repo", "/src/repo", "C1", "claude-opus-4-6", now=AGO
    )
    projects = tmp_path / "claude" / "projects"
    writer = ClaudeCodeWriter(projects)
    writer.user("cc-1", "/src/repo", "hi", now=AGO)
    writer.assistant(
        "cc-1",
        "/src/repo",
        [text_block("hello")],
        model="claude-haiku-4-5",
        usage=usage_dict(10, 5),
        now=AGO,
    )
    files = [legacy, *projects.rglob("*.jsonl")]
    bytes_before = {f: f.read_bytes() for f in files}
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for text, reason in (
            ("cc-1", "Claude Code transcripts are read-only"),
            ("1700000000", "hermes-bot 0.1.x rewrites sessions.json"),
        ):
            await show_only(pilot, app, text)
            for key in ("d", "n", "C", "X", "z", "m", "A"):
                assert app.screen.active_bindings[key].enabled is False, key
                notes.clear()
                await pilot.press(key)
                assert isinstance(app.screen, DashboardScreen), f"{key} opened a dialog"
                assert notes and reason in notes[-1][0] and notes[-1][1] == "warning", key
            await pilot.press("escape")
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert "not available" in commands["Delete"]  # the palette lists it with the reason
    assert {f: f.read_bytes() for f in files} == bytes_before


async def test_read_only_makes_every_write_unavailable(tmp_path: Path) -> None:
    db = starpod_store(tmp_path, "sp-1")
    before = query(db, "SELECT * FROM session_metadata")
    app, notes = open_app(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "sp-1")
        for key in ("d", "n", "C", "m", "A", "u", "B"):
            notes.clear()
            await pilot.press(key)
            assert isinstance(app.screen, DashboardScreen), f"{key} opened a dialog"
            assert notes and "--read-only" in notes[-1][0], key
    assert query(db, "SELECT * FROM session_metadata") == before


async def test_space_marks_rows_visibly(tmp_path: Path) -> None:
    zeroclaw_store(tmp_path, "gw_1", "gw_2", "gw_3")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 3, "three rows")
        sessions = table(app)
        uid = sessions.cursor_uid
        await pilot.press("space")
        assert sessions.marked == {uid}
        assert "\u25cf " in sessions.render_line(1).text
        assert "1 marked" in screen_text(app)
        await pilot.press("down", "down")  # off the cursor: marked and unmarked rows look different
        marked_line, plain_line = sessions.render_line(1), sessions.render_line(2)
        assert "\u25cf" not in plain_line.text
        assert next(iter(marked_line)).style != next(iter(plain_line)).style
        await pilot.press("home", "space")
        assert sessions.marked == set()
        assert "\u25cf" not in sessions.render_line(1).text
        await pilot.press("space", "down", "space")
        assert len(sessions.marked) == 2
        sessions.clear_marks()
        assert sessions.marked == set()


async def test_bulk_delete_of_marked_rows_needs_the_exact_count(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1", "gw_2", "gw_3", "gw_4")
    keys = "SELECT session_key FROM session_metadata ORDER BY session_key"
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 4, "four rows")
        await pilot.press("space", "down", "space", "down", "space")
        marked = {r.session.id for r in table(app).visible_rows() if r.key in table(app).marked}
        assert len(marked) == 3
        await pilot.press("B")
        assert isinstance(app.screen, BulkScreen)
        await pilot.press("down", "enter")  # close -> delete; Enter goes to the count
        shown = screen_text(app)
        assert "delete: 3 sessions" in shown and all(key in shown for key in marked)
        await pilot.press("2", "enter")
        await until(pilot, lambda: "is not the count" in screen_text(app), "the count refused")
        assert isinstance(app.screen, BulkScreen), "a wrong count must not proceed"
        assert not acting(app)
        assert len(query(db, keys)) == 4
        await pilot.press("backspace", "3", "enter")
        await until(pilot, lambda: query(db, keys) != [], "the deletes")
        await until(pilot, lambda: any("3 deleted" in m for m, _ in notes), "the summary")
        assert {k for (k,) in query(db, keys)} == {"gw_1", "gw_2", "gw_3", "gw_4"} - marked
        assert table(app).marked == set()


async def test_bulk_without_marks_takes_the_filtered_rows_and_lists_skips(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_a1", "gw_a2", "gw_b1")
    bot = ZeroClawSqliteBot(db)
    bot.set_state("gw_a1", "running", turn_id="t", now=AGO)
    bot.close()
    states = "SELECT session_key, state, turn_started_at FROM session_metadata ORDER BY session_key"
    before = query(db, states)
    assert before[0][1] == "running" and before[1][1] != "running"
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_a", count=2)
        await pilot.press("B", "down", "down")  # reset: only the running one
        shown = screen_text(app)
        assert "reset to idle: 1 sessions" in shown and "skipped: 1 sessions" in shown
        assert "only a session the store marks running" in shown
        await pilot.press("enter", "1", "enter")
        await until(pilot, lambda: any("1 reset" in m for m, _ in notes), "the summary")
    assert query(db, states) == [("gw_a1", "idle", None), *before[1:]]


async def test_a_session_that_changed_after_the_dialog_opened_is_refused(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_1")
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        bot = ZeroClawSqliteBot(db)
        bot.append("gw_1", "user", "one more thing")  # the bot writes while the operator reads
        bot.close()
        await until(
            pilot,
            lambda: [r.session.message_count for r in table(app).visible_rows()] == [3],
            "the table to see the new message",
        )  # the dialog keeps the session it was opened on
        await pilot.press("y")
        await until(pilot, lambda: notes and notes[-1][1] == "error", "the refusal")
        assert "changed since you looked" in notes[-1][0]
    assert query(db, "SELECT count(*) FROM sessions WHERE session_key='gw_1'") == [(3,)]


async def test_bulk_reports_refusals_by_reason(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1", "gw_2")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 2, "two rows")
        await pilot.press("B", "down", "enter")
        bot = ZeroClawSqliteBot(db)
        bot.append("gw_2", "user", "still here")
        bot.close()
        await pilot.press("2", "enter")
        await until(pilot, lambda: any("deleted" in m for m, _ in notes), "the summary")
    summary = next(m for m, _ in notes if "deleted" in m)
    assert summary.startswith("1 deleted, 1 refused: the session changed since you looked")
    assert query(db, "SELECT session_key FROM session_metadata") == [("gw_2",)]


async def test_capital_p_prunes_expired_hermes_rows_after_asking_the_ttl(tmp_path: Path) -> None:
    db = tmp_path / "hermes" / "sessions.db"
    bot = HermesSqliteBot(db)
    bot.new_thread(
        "1700000000.000001",
        "repo",
        "/src/repo",
        "C1",
        "claude-opus-4-6",
        now=datetime.now(UTC) - timedelta(days=30),
    )
    bot.new_thread("1700000000.000002", "repo", "/src/repo", "C1", "claude-opus-4-6", now=AGO)
    bot.close()
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 2, "two rows")
        await pilot.press("P")
        assert isinstance(app.screen, TextScreen)
        assert app.screen.query_one("#answer", Input).value == "7"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: query(db, "SELECT thread_ts FROM sessions") == [("1700000000.000002",)],
            "the 30-day-old row pruned",
        )
        assert notes[-1][1] == "information"


async def test_keys_work_in_the_detail_view_and_delete_returns_to_the_table(tmp_path: Path) -> None:
    db = zeroclaw_store(tmp_path, "gw_1", "gw_2")
    app, _ = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "gw_1")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, SessionDetailScreen) and app.screen.row is not None,
            "the detail view",
        )
        await pilot.press("n", *"ops", "enter")
        await until(
            pilot,
            lambda: (
                query(db, "SELECT name FROM session_metadata WHERE session_key='gw_1'")
                == [("ops",)]
            ),
            "renamed from the detail view",
        )
        await until(pilot, lambda: "ops" in screen_text(app), "the detail to show the name")
        await pilot.press("d", "y")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "back on the table")
    assert query(db, "SELECT session_key FROM session_metadata") == [("gw_2",)]


async def test_a_stray_staged_session_is_put_back_at_start_and_listed(tmp_path: Path) -> None:
    """A JSONL session hidden under a staging name by a killed sessiontui from before the
    journal is back in the table after the next start, and the app says what it did."""
    from sessiontui.actions.journal import staging_path
    from sessiontui.app import start_notes
    from sessiontui.demo.bots import ZeroClawJsonlBot

    sessions = tmp_path / "zeroclaw" / "sessions"
    bot = ZeroClawJsonlBot(sessions)
    bot.append("telegram_7", {"role": "user", "content": "hidden by a killed delete"})
    bot.append("telegram_8", {"role": "user", "content": "still here"})
    os.rename(sessions / "telegram_7.jsonl", staging_path(sessions, "telegram_7.jsonl"))
    found, errors = find_stores([sessions])
    config = Config(refresh_seconds=0.1)
    assert start_notes(Config(read_only=True), found, errors) == []  # read-only writes nothing

    app = make_app(config, found=found, notes=start_notes(config, found, errors))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "telegram_7" in screen_text(app), "the session back")
        assert "telegram_8" in screen_text(app)
        (note,) = app.notes  # shown as a notification at start
        assert "put back" in note and "telegram_7.jsonl" in note
    assert not list(sessions.glob(".*staging"))
