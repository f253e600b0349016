"""The private Textual names sessiontui leans on for speed still exist in the installed Textual
(a Textual upgrade that drops one fails here, not quietly on an operator's screen), and the
footer falls back to the stock recompose when a key lacks its private `_disabled`."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

from test_app_filter_mode import footer_looks, loaded
from textual.app import App
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from sessiontui.demo_command import scene_app

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_the_private_names_in_use_exist() -> None:
    assert "_bindings_ready" in Footer._reactives
    assert FooterKey("q", "q", "quit", "quit")._disabled is False
    assert list(inspect.signature(Widget._scroll_update).parameters) == ["self", "virtual_size"]
    assert list(inspect.signature(App._start_widget).parameters) == ["self", "parent", "widget"]
    assert Widget()._vertical_scrollbar is None  # (the table makes its own bar there)


async def test_footer_keys_without_the_private_flag_are_remounted_and_still_right(
    scene: Path,
) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app)
        first_keys = list(app.screen.query(FooterKey))
        for key in first_keys:
            del key._disabled  # as if Textual had dropped the attribute
        looks = set()
        for _ in range(table.row_count):
            await pilot.press("j")
            looks.add(footer_looks(app))
        assert len(looks) > 1, "the scene must hold sessions allowing different actions"
        assert all(key not in first_keys for key in app.screen.query(FooterKey))
