"""Rows as they arrive: the newest sessions of a big store first, read through the bot's indexes,
each exactly as the full read then shows it, with how many more are loading."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.demo.bots import StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.live import fleet as fleet_module
from sessiontui.live.fleet import Fleet
from sessiontui.rules.state import Thresholds
from sessiontui.stores.base import Store
from sessiontui.stores.starpod import StarpodStore
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SESSIONS = 40

NEVER = datetime.min.replace(tzinfo=UTC)


def zeroclaw(tmp_path: Path) -> Path:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    for i in range(SESSIONS):
        at = T0 - timedelta(minutes=7 * i)
        bot.append(f"gw_{i:03d}", "user", f"question {i}", at)
        bot.append(f"gw_{i:03d}", "assistant", f"answer {i}", at + timedelta(seconds=5))
        if i % 3 == 0:
            bot.append(f"gw_{i:03d}", "user", "[Tool results] ok", at + timedelta(seconds=9))
    bot.set_state("gw_004", "running", "t4", T0)
    bot.close()
    return db


def starpod(tmp_path: Path) -> Path:
    db = tmp_path / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    for i in range(SESSIONS):
        at = T0 - timedelta(minutes=7 * i)
        sid = f"sp-{i:03d}"
        bot.create_session(sid, now=at)
        bot.save_message(sid, "user", f"question {i}", at)
        bot.save_tool_use(sid, f"tu{i}", "shell", {"cmd": "ls"}, at + timedelta(seconds=2))
        bot.touch_session(sid, at + timedelta(seconds=2))
    bot.close()
    return db


@pytest.mark.parametrize(
    "make, open_store", [(zeroclaw, ZeroClawSqliteStore), (starpod, StarpodStore)]
)
async def test_first_page_is_the_newest_sessions_as_the_full_read_shows_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make: Callable[[Path], Path],
    open_store: Callable[[Path], Store],
) -> None:
    monkeypatch.setattr(fleet_module, "FIRST_PAGE", 10)
    monkeypatch.setattr(fleet_module, "FIRST_PAGE_BYTES", 0)  # page this small file as a big one
    fleet = Fleet(
        [open_store(make(tmp_path))],
        clock=lambda: T0 + timedelta(minutes=1),
        thresholds=Thresholds(),
    )
    try:
        first = await fleet.first_pages()
        assert first is not None
        assert first.statuses[0].loading == SESSIONS and first.statuses[0].sessions == 10
        paged = {r.session.id: r for r in first.rows}
        newest = sorted(
            (r.session for r in first.rows), key=lambda s: s.last_activity or NEVER, reverse=True
        )
        assert [s.id[-3:] for s in newest] == [f"{i:03d}" for i in range(10)]

        full = await fleet.refresh(full=True)
        assert len(full.rows) == SESSIONS and full.statuses[0].loading is None
        whole = {r.session.id: r for r in full.rows}
        for sid, row in paged.items():
            want = whole[sid]
            assert (
                row.session.message_count,
                row.session.turns,
                row.session.last_message,
                row.session.native_state,
            ) == (
                want.session.message_count,
                want.session.turns,
                want.session.last_message,
                want.session.native_state,
            )
            assert row.verdict == want.verdict
    finally:
        await fleet.close()


async def test_a_small_store_is_not_paged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet_module, "FIRST_PAGE_BYTES", 0)
    fleet = Fleet(
        [ZeroClawSqliteStore(zeroclaw(tmp_path))], clock=lambda: T0, thresholds=Thresholds()
    )
    try:
        assert await fleet.first_pages() is None  # 40 sessions fit on the first page
    finally:
        await fleet.close()


async def test_sessions_arriving_after_the_first_page_raise_no_alerts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stuck sessions already stuck when the dashboard opens are not news, paged in or not."""
    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.widgets.session_table import SessionTable

    monkeypatch.setattr(fleet_module, "FIRST_PAGE", 10)
    monkeypatch.setattr(fleet_module, "FIRST_PAGE_BYTES", 0)
    db = zeroclaw(
        tmp_path
    )  # every session older than 10 minutes ends with the assistant's answer ...
    bot = ZeroClawSqliteBot(db)
    for i in range(20, SESSIONS):  # ... but these older ones end on an unanswered user message
        bot.append(f"gw_{i:03d}", "user", "hello?", T0 - timedelta(minutes=7 * i - 1))
    bot.close()
    app = make_app(
        Config(), stores=[ZeroClawSqliteStore(db)], clock=lambda: T0 + timedelta(minutes=1)
    )
    raised: list[object] = []
    monkeypatch.setattr(app, "raise_alert", raised.append)
    async with app.run_test(size=(200, 50)) as pilot:
        table = app.screen_stack[-1].query_one(SessionTable)
        for _ in range(200):
            if table.total_count == SESSIONS:
                break
            await pilot.pause(0.05)
        assert table.total_count == SESSIONS
        assert sum(r.verdict.state == "stuck" for r in table.visible_rows()) >= SESSIONS - 20
        await pilot.pause(0.05)
    assert raised == []
