"""ctrl+f in the dashboard: matches arrive with a count, the match is highlighted as text (the
store's markup and escapes inert), Enter opens the session, y copies its resume command."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from humanize import naturalsize
from pilot_wait import screen_text, until
from test_search import claude_tree, zeroclaw_store
from textual.widgets import Input

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.screens.modals import TextScreen
from sessiontui.screens.search import SearchScreen
from sessiontui.stores import find_stores


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)


async def test_search_from_the_dashboard(tmp_path: Path) -> None:
    zeroclaw_store(tmp_path / "stores")
    claude_tree(tmp_path / "stores")
    found, errors = find_stores([tmp_path / "stores" / "zeroclaw", tmp_path / "stores" / "claude"])
    assert found and not errors
    app = make_app(Config(refresh_seconds=0.1), found=found)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(180, 40)) as pilot:
        await until(
            pilot, lambda: app.latest is not None and len(app.latest.rows) >= 7, "the sessions"
        )
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, SearchScreen)
        screen = app.screen
        await pilot.press(*"invoice", "enter")
        await until(
            pilot,
            lambda: "7 matches" in screen_text(app) and not screen._searching,
            "the search to end",
        )
        shown = screen_text(app)
        assert "[bold red]invoice[/] ␛[31mred" in shown  # the store's markup and escape as text
        assert "claude --resume cc-old" in shown
        assert [h.session.id for h in screen.hits] == [
            "gw_new",
            "gw_old",
            "gw_old",
            "gw_hostile",
            "cc-json",
            "cc-old",
            "cc-old",
        ]
        await pilot.press("down", "down", "down", "down", "down", "y")
        assert copied == ["cd '/src/my repo' && claude --resume cc-old"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail view")
        assert app.screen.uid == screen.hits[5].session.uid  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back to the results")
        await pilot.press("escape")
        await until(
            pilot, lambda: not isinstance(app.screen, SearchScreen), "back to the dashboard"
        )


async def test_export_from_the_detail_view(tmp_path: Path) -> None:
    store = zeroclaw_store(tmp_path / "stores")
    found, _ = find_stores([store])
    app = make_app(Config(refresh_seconds=0.1), found=found)
    target = tmp_path / "gw_old.json"
    async with app.run_test(size=(180, 40)) as pilot:
        await until(
            pilot, lambda: app.latest is not None and len(app.latest.rows) == 4, "the sessions"
        )
        row = next(r for r in app.latest.rows if r.session.id == "gw_old")  # type: ignore[union-attr]
        app.push_screen(SessionDetailScreen(row.key))
        await until(
            pilot,
            lambda: isinstance(app.screen, SessionDetailScreen) and app.screen.row is not None,
            "the detail view",
        )
        await pilot.press("D")
        size = store.stat().st_size
        expected = f"disk: database {naturalsize(size, binary=True)}"
        await until(pilot, lambda: expected in screen_text(app), "the store's disk line")
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, TextScreen), "the export prompt")
        field = app.screen.query_one(Input)
        field.value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists, "the export file")
    document = json.loads(target.read_text())
    assert [(m["role"], m["text"]) for m in document["messages"]] == [
        ("user", "Where is the invoice for March?"),
        ("assistant", "Attached: the March invoice."),
    ]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_enter_opens_the_transcript_at_the_matching_message(tmp_path: Path) -> None:
    """The hit is 600 messages back, three pages before the end: the detail view reads older
    pages until it holds it, then shows it at the top instead of following the end."""
    from datetime import UTC, datetime, timedelta

    from sessiontui.demo.bots import ZeroClawSqliteBot
    from sessiontui.widgets.transcript_view import TranscriptView

    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    bot.append("gw_long", "user", "where is the unicorn invoice?", start)
    for i in range(1, 700):
        bot.append(
            "gw_long", "assistant" if i % 2 else "user", f"filler {i}", start + timedelta(seconds=i)
        )
    bot.close()
    found, _ = find_stores([db.parent])
    app = make_app(Config(refresh_seconds=0.1), found=found)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(
            pilot, lambda: app.latest is not None and len(app.latest.rows) == 1, "the session"
        )
        await pilot.press("ctrl+f", *"unicorn", "enter")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await until(
            pilot, lambda: "1 match" in screen_text(app) and not screen._searching, "the hit"
        )
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail view")
        view = app.screen.query_one(TranscriptView)
        await until(pilot, lambda: view.message_count >= 700, "the older pages")
        index = view.find(lambda m: "unicorn" in m.text)
        assert index is not None and not view.follow
        await until(
            pilot, lambda: "where is the unicorn invoice?" in screen_text(app), "the hit in view"
        )
        assert "filler 699" not in screen_text(app)  # not at the end
