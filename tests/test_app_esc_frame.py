"""What `Esc` no longer redoes (Pilot on the demo scene): the table's scrollbar draws looks it
drew before from memory, and they are the looks Textual draws; Esc puts back the very screen
of before `/`, its bar drawn from the look kept at `/`; the filter's rows are let go by the
next idle step, not inside the key."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pilot_wait import until
from test_app_filter_mode import loaded
from textual.screen import Screen
from textual.strip import Strip

from sessiontui.demo_command import scene_app
from sessiontui.widgets.remembered_scrollbar import LOOKS_KEPT, RememberedScrollBar
from sessiontui.widgets.row_set import RowSet

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def drawn(lines: list[Strip]) -> list[list[object]]:
    return [list(line) for line in lines]


async def test_remembered_looks_are_the_looks_textual_draws(scene: Path) -> None:
    """At each scroll position and filter, the bar's lines (from memory once a look repeats)
    equal the lines Textual draws for that state with nothing remembered."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 40)) as pilot:
        table = await loaded(pilot, app)
        bar = table.vertical_scrollbar
        assert isinstance(bar, RememberedScrollBar)
        steps = [
            ("end",),
            ("home",),
            ("pagedown",),
            ("slash", "s"),
            ("t",),
            ("escape",),
            ("end",),
            ("pagedown",),
            ("home",),
            ("slash", "s"),
            ("escape",),
        ]
        for keys in steps * 2:  # the second time round, every look is one drawn before
            await pilot.press(*keys)
            if not table.show_vertical_scrollbar:
                continue
            whole = bar.size.region
            for crop in (whole, whole.crop_size((bar.size.width, 7))):
                remembered = bar.render_lines(crop)
                bar.notify_style_update()  # forget every look: Textual draws this one now
                bar._styles_cache.clear()
                assert drawn(remembered) == drawn(bar.render_lines(crop)), keys


async def test_esc_puts_back_the_screen_of_before_the_filter(scene: Path) -> None:
    """The screen after Esc is the screen before `/`, pixel for pixel (the SVG), with the
    bar's lines those kept when `/` was pressed."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 40)) as pilot:
        table = await loaded(pilot, app)
        await pilot.press("pagedown", "down")
        bar = table.vertical_scrollbar
        assert isinstance(bar, RememberedScrollBar) and table.show_vertical_scrollbar
        before = app.export_screenshot()
        kept = bar.render_lines(bar.size.region)
        await pilot.press("slash", *"starpod")
        await until(pilot, lambda: not table.counting, "the filter counted")
        assert app.export_screenshot() != before
        await pilot.press("escape")
        assert app.export_screenshot() == before
        again = bar.render_lines(bar.size.region)
        assert all(a is b for a, b in zip(again, kept, strict=True))


async def test_the_kept_look_outlives_the_recent_ones(scene: Path) -> None:
    """A filter's count draws a look at each step: the look kept at `/` is still drawn from
    memory after more looks than the recent ones kept."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 40)) as pilot:
        table = await loaded(pilot, app)
        bar = table.vertical_scrollbar
        assert isinstance(bar, RememberedScrollBar) and table.show_vertical_scrollbar
        whole, position = bar.size.region, bar.position
        kept = bar.render_lines(whole)
        bar.keep()
        for step in range(1, LOOKS_KEPT + 3):
            bar.position = position + step
            bar.render_lines(whole)
        bar.position = position
        assert all(a is b for a, b in zip(bar.render_lines(whole), kept, strict=True))


async def test_a_filter_matching_few_rows_keeps_the_scrollbar_and_lays_nothing_out(
    scene: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filter whose matches fit on the table keeps the scrollbar (with nothing to scroll to
    but blank lines): its going, and its coming back at Esc, laid the whole screen out."""
    app = scene_app(scene, NOW)
    layouts: list[bool] = []
    lay_out = Screen._refresh_layout

    def counted(screen: Screen[object], size: object = None, scroll: bool = False) -> None:
        layouts.append(scroll)
        lay_out(screen, size, scroll)  # type: ignore[arg-type]

    async with app.run_test(size=(180, 40)) as pilot:
        table = await loaded(pilot, app)
        assert table.show_vertical_scrollbar
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        await pilot.press("slash", *"starpod")
        await until(pilot, lambda: not table.counting, "the filter counted")
        assert 0 < table.row_count < table.size.height - 3  # the matches fit
        assert table.show_vertical_scrollbar
        await pilot.press("escape")
        assert table.show_vertical_scrollbar and not table.filter_text
        assert table.virtual_size.height == table.row_count + 1
        assert not [scroll for scroll in layouts if not scroll]  # no full layout


async def test_a_replaced_view_is_let_go_by_the_next_idle_step(scene: Path) -> None:
    """The rows a filter showed stay alive through the key that replaced them (freeing them
    was part of Esc's time) and are freed by the next `warm` step."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 40)) as pilot:
        table = await loaded(pilot, app)
        rows = RowSet()
        rows.set_rows(table.rows_given or ())
        rows.rebuild()
        rows.set_text("starpod")
        filtered = rows.rebuild()
        held = sys.getrefcount(filtered)
        rows.set_text("")
        plain = rows.rebuild()
        assert plain is not filtered and len(plain) > len(filtered)
        assert sys.getrefcount(filtered) == held - 1  # no longer the view, but not yet freed
        while rows.warm():
            pass
        assert sys.getrefcount(filtered) == held - 2  # let go
