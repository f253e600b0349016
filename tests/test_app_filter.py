"""The `/` filter through Pilot on the demo scene (real stores of every format): any column shown,
`field:value` terms, the syntax in the `?` help, and Esc bringing every row back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pilot_wait import screen_text
from textual.pilot import Pilot

from sessiontui.demo_command import scene_app
from sessiontui.model import SessionState, StoreFormat
from sessiontui.widgets.session_table import SessionTable

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def until(pilot: Pilot[Any], condition: Any, what: str) -> None:
    for _ in range(120):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


async def type_filter(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("slash", *["space" if c == " " else c for c in text])


async def test_filter_matches_the_store_column_and_field_terms(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = app.screen.query_one(SessionTable)
        await until(pilot, lambda: table.total_count > 40, "the scene's sessions")
        every = list(table.visible_rows())
        starpod = {r.key for r in every if r.session.format is StoreFormat.STARPOD}
        assert starpod and len(starpod) < len(every)

        await type_filter(pilot, "starpod")  # no name or id says starpod: the Store column does
        assert {r.key for r in table.visible_rows()} == starpod
        sub_title = app.screen.sub_title or ""
        assert "of" in sub_title and f"all: {len(starpod)} of {len(every)}" in sub_title

        await pilot.press("escape")
        assert table.row_count == len(every)
        await type_filter(pilot, "state:stuck store:starpod")
        shown = table.visible_rows()
        assert [r.key for r in shown] == [
            r.key
            for r in every
            if r.session.format is StoreFormat.STARPOD and r.verdict.state is SessionState.STUCK
        ]
        assert len(shown) == 1

        await pilot.press("escape", "escape")
        await type_filter(pilot, "model:opus")
        opus = {r.key for r in every if "opus" in (r.session.model or "")}
        assert opus and {r.key for r in table.visible_rows()} == opus
        await pilot.press("space", *"state:idle")  # the text grew: narrowed from the last result
        assert {r.key for r in table.visible_rows()} == {
            r.key for r in every if r.key in opus and r.verdict.state is SessionState.IDLE
        }
        await pilot.press("escape")
        assert table.row_count == len(every)


async def test_help_lists_the_filter_syntax(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("question_mark")
        await until(
            pilot, lambda: "field:value matches one field" in screen_text(app), "the filter help"
        )
        text = screen_text(app)
        assert "state:stuck store:starpod" in text and "model:" in text
