"""Waiting for you first, and "finished, not yet seen": marked until opened, remembered across
runs in the XDG state dir (owner-only)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pilot_wait import screen_text, until

from sessiontui.app import SessionTuiApp, make_app
from sessiontui.config import Config
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.model import SessionState
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "state"


T = datetime.now(UTC)


def write(db: Path, key: str, role: str, text: str, minutes_ago: float) -> None:
    bot = ZeroClawSqliteBot(db)
    try:
        bot.append(key, role, text, now=T - timedelta(minutes=minutes_ago))
    finally:
        bot.close()


def app_on(db: Path, minutes_ago: float = 0) -> SessionTuiApp:
    """The dashboard on `db`, its clock stopped `minutes_ago` before T."""
    found, _ = find_stores([db])
    at = T - timedelta(minutes=minutes_ago)
    return make_app(Config(refresh_seconds=0.1), found=found, clock=lambda: at)


def table(app: SessionTuiApp) -> SessionTable:
    return app.screen_stack[1].query_one(SessionTable)


async def unseen_names(db: Path, minutes_ago: float, *, open_key: str | None = None) -> set[str]:
    """Run the dashboard once; the sessions marked unseen (after opening `open_key`, if given)."""
    app = app_on(db, minutes_ago)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(
            pilot, lambda: app.latest is not None and table(app).total_count == 2, "the sessions"
        )
        marked = {uid.split("\x1f")[-1] for uid in table(app).unseen}
        if marked:
            assert "\u25c6 " in screen_text(app)
        if open_key is not None:
            row = next(r for r in app.latest.rows if r.session.id == open_key)  # type: ignore[union-attr]
            app.push_screen(SessionDetailScreen(row.key))
            await until(
                pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail view"
            )
            await pilot.press("escape")
            await until(pilot, lambda: row.key not in table(app).unseen, "the session to be seen")
    return marked


async def test_finished_not_yet_seen_survives_a_restart(tmp_path: Path, state_home: Path) -> None:
    db = tmp_path / "zeroclaw" / "sessions.db"
    write(db, "gw_a", "user", "hello", 120)
    write(db, "gw_b", "user", "hi", 120)
    assert (
        await unseen_names(db, 60) == set()
    )  # the first run remembers from then on: nothing old is marked
    seen_file = state_home / "sessiontui" / "seen.json"
    assert stat.S_IMODE(seen_file.stat().st_mode) == 0o600
    write(db, "gw_a", "assistant", "Done.", 50)  # turns end while sessiontui is not running
    write(db, "gw_b", "assistant", "Done too.", 50)
    assert await unseen_names(db, 40, open_key="gw_a") == {"gw_a", "gw_b"}
    assert await unseen_names(db, 30) == {"gw_b"}  # the look at gw_a was remembered
    write(db, "gw_a", "user", "one more", 25)
    write(db, "gw_a", "assistant", "Finished again.", 24)
    assert await unseen_names(db, 0) == {"gw_a", "gw_b"}


async def test_waiting_for_you_first_and_its_view(tmp_path: Path) -> None:
    db = tmp_path / "zeroclaw" / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    now = T  # the app's clock (app_on)
    try:
        bot.append("gw_done", "user", "go", now=now - timedelta(minutes=3))
        bot.append("gw_done", "assistant", "Done.", now=now - timedelta(minutes=1))
        bot.append("gw_asks", "user", "book it", now=now - timedelta(minutes=9))
        bot.append(
            "gw_asks", "assistant", "Which day would you like?", now=now - timedelta(minutes=8)
        )
    finally:
        bot.close()
    app = app_on(db)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: table(app).total_count == 2, "the sessions")
        rows = table(app).visible_rows()
        assert [r.session.id for r in rows] == [
            "gw_asks",
            "gw_done",
        ]  # older, but waiting on a person
        assert rows[0].verdict.state is SessionState.WAITING
        await pilot.press("w")
        await until(pilot, lambda: table(app).row_count == 1, "the waiting view")
        assert [r.session.id for r in table(app).visible_rows()] == ["gw_asks"]
        await until(pilot, lambda: "8 minutes ago" in screen_text(app), "how long it has waited")
