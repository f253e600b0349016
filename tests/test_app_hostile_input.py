"""The real app on a store of hostile names and text, and a damaged trash: it shows every
session with the bad parts escaped, opens each transcript, and lists the trash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pilot_wait import screen_text, until
from test_app_actions import SIZE, open_app, table

from sessiontui.actions.trash import trash_dir
from sessiontui.demo.bots import ZeroClawJsonlBot
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.screens.modals import TrashScreen

pytestmark = pytest.mark.usefixtures("state_home")  # HOME, the trash and the audit log in tmp_path

HOSTILE = [
    b'{"role":"user","content":"cut \\ud83d emoji"}',
    b'{"role":"assistant","content":"rtl \\u200f mark \\u061c and \\u2028 line \\u2029 para"}',
    b'{"role":"user","content":"\\u001b]0;title\\u0007 \\u001b[31m red [bold]markup[/bold]"}',
    b"\xff\xfe not json at all",
]


async def test_hostile_names_and_text_are_shown_escaped_and_every_view_opens(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "zcj"
    ZeroClawJsonlBot(directory).append("telegram_1", {"role": "user", "content": "fine"})
    Path(os.fsdecode(os.fsencode(directory) + b"/bad\xff\xfe.jsonl")).write_bytes(
        b"\n".join(HOSTILE) + b"\n"
    )
    damaged = trash_dir(tmp_path / "state" / "sessiontui") / "20200101T000000.000000-dddddd"
    damaged.mkdir(parents=True)
    (damaged / "entry.json").write_text("{broken")
    app, notes = open_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).total_count == 2, "both sessions")
        assert "bad\\xff\\xfe" in screen_text(app)
        for row in range(2):
            table(app).move_cursor(row)
            await pilot.press("enter")
            await until(
                pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the transcript"
            )
            await pilot.pause(0.2)
            shown = screen_text(app)
            assert "\x1b" not in shown and "\u200f" not in shown and "\u2028" not in shown
            await pilot.press("escape")
            await until(
                pilot, lambda: not isinstance(app.screen, SessionDetailScreen), "back on the table"
            )
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, TrashScreen), "the trash list")
        await until(
            pilot,
            lambda: any("damaged trash entry" in m for m, _ in notes),
            f"the damaged entry named {notes}",
        )
        assert any(str(damaged) in m for m, _ in notes)
