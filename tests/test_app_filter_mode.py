"""Typing a filter while the table keeps the focus (Pilot on the demo scene): after `/` every
printable key edits the filter (no binding fires), the text shows in the table's border as
text, Enter keeps it (j and k move in the filtered rows), Esc brings back the same rows, cursor
and scroll position, and the footer dims the keys of the session under the cursor in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pilot_wait import screen_text, until
from textual import events
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from sessiontui.app import SessionTuiApp
from sessiontui.demo_command import scene_app
from sessiontui.model import StoreFormat
from sessiontui.screens.dashboard import DashboardScreen
from sessiontui.widgets.session_table import SessionTable

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def loaded(pilot: Pilot[Any], app: SessionTuiApp) -> SessionTable:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
    table = app.screen.query_one(SessionTable)
    await until(pilot, lambda: table.total_count > 40, "the scene's sessions")
    return table


def keys(table: SessionTable) -> list[str]:
    return [row.key for row in table.visible_rows()]


async def test_typed_keys_edit_the_filter_and_esc_restores_rows_cursor_and_scroll(
    scene: Path,
) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 40)) as pilot:
        table = await loaded(pilot, app)
        await pilot.press("end", "up", "up")  # scrolled: the cursor near the bottom
        before_view = table.visible_rows()
        before = (table.cursor_uid, table.cursor_row, table.scroll_offset.y)
        assert before[2] > 0, "the scene must be taller than the table"
        sort = table.sort_column

        # s, t, a, r, p, o and d are all bindings (stuck view, all, running, sort, delete)
        await pilot.press("slash", *"starpod")
        assert table.editing_filter and table.filter_text == "starpod"
        assert app.focused is table
        assert isinstance(app.screen, DashboardScreen) and app.screen.view_name == "all"
        assert table.sort_column == sort
        assert keys(table) == [
            k.key for k in before_view if k.session.format is StoreFormat.STARPOD
        ]
        assert "filter: starpod" in screen_text(app)

        await pilot.press("escape")
        assert not table.editing_filter and table.filter_text == ""
        assert table.visible_rows() is before_view  # the kept rows, not filtered or sorted again
        assert (table.cursor_uid, table.cursor_row, table.scroll_offset.y) == before
        assert "filter:" not in screen_text(app)
        assert app.focused is table


async def test_enter_keeps_the_filter_and_j_k_move_in_its_rows(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app)
        every = list(table.visible_rows())
        starpod = [r.key for r in every if r.session.format is StoreFormat.STARPOD]
        assert len(starpod) >= 3

        await pilot.press("slash", *"starpodx")
        assert table.row_count == 0
        assert "No sessions match the filters" in screen_text(app)
        assert table.max_scroll_y == 0
        await pilot.press("backspace")  # the text shrank: filtered again from every row
        assert keys(table) == starpod
        await pilot.press("enter")
        assert not table.editing_filter and table.filter_text == "starpod"
        assert "filter: starpod" in screen_text(app)  # still shown while it applies

        await pilot.press("home", "j", "j")
        assert table.cursor_row == 2 and table.cursor_uid == starpod[2]
        await pilot.press("k")
        assert table.cursor_uid == starpod[1]
        await pilot.press("slash", "ctrl+u", *"zzz", "escape")  # / again edits it; Esc clears
        assert keys(table) == [r.key for r in every]
        assert table.cursor_uid == starpod[1]  # the cursor's session of before the `/`
        assert table.max_scroll_y == max(0, len(every) + 1 - table.scrollable_content_region.height)

        await pilot.press("s")  # keys are bindings again
        assert isinstance(app.screen, DashboardScreen) and app.screen.view_name == "stuck"


async def test_markup_typed_in_the_filter_is_shown_as_text(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        await loaded(pilot, app)
        await pilot.press("slash", *"[b]x[/b]")
        assert "filter: [b]x[/b]" in screen_text(app)


def footer_looks(app: SessionTuiApp) -> tuple[bool, ...]:
    """Which footer keys are dimmed, checked against the screen's bindings."""
    enabled = {(b.key, b.action): on for _, b, on, _tip in app.screen.active_bindings.values()}
    keys = list(app.screen.query(FooterKey))
    for key in keys:
        assert key.has_class("-disabled") is not enabled[key.key, key.action], key.action
    return tuple(key.has_class("-disabled") for key in keys)


async def test_footer_dims_unavailable_keys_in_place(scene: Path) -> None:
    """The cursor on sessions of different stores: the keys each allows, dimmed or not, match
    the screen's bindings, and no footer key was mounted again."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app)
        footer_keys = list(app.screen.query(FooterKey))
        looks = set()
        for _ in range(table.row_count):
            await pilot.press("j")
            looks.add(footer_looks(app))
        assert len(looks) > 1, "the scene must hold sessions allowing different actions"
        assert list(app.screen.query(FooterKey)) == footer_keys


async def test_esc_gives_the_footer_the_keys_of_the_session_put_back(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app)
        await pilot.press("slash", *"starpod")
        filtered = footer_looks(app)
        await pilot.press("escape", "home")
        for _ in range(table.row_count):  # a session whose keys differ from the filtered one's
            if footer_looks(app) != filtered:
                break
            await pilot.press("j")
        else:
            raise AssertionError("the scene must hold sessions allowing other actions")
        looks = footer_looks(app)
        await pilot.press("slash", *"starpod")
        assert footer_looks(app) == filtered
        await pilot.press("escape")
        assert footer_looks(app) == looks


async def test_pasted_text_goes_to_the_filter(scene: Path) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app)
        await pilot.press("slash")
        table.post_message(events.Paste("star\x1bpod\nsecond line"))
        await until(
            pilot, lambda: table.filter_text == "starpod", "the pasted text, printable only"
        )


async def test_a_letter_shows_a_screenful_and_the_title_counts_the_rest(scene: Path) -> None:
    """On a short table a letter matching most rows shows the first screenful, the title says
    "counting…" while the rest are counted in idle steps, then the full count."""
    app = scene_app(scene, NOW)
    titles: list[str] = []

    def note_title(_message: object) -> None:
        screens = app.screen_stack
        if screens and isinstance(screens[-1], DashboardScreen) and screens[-1].query(SessionTable):
            titles.append(str(screens[-1].query_one(SessionTable).border_title))

    async with app.run_test(size=(180, 16), message_hook=note_title) as pilot:
        table = await loaded(pilot, app)
        every = list(table.visible_rows())
        await pilot.press("slash", "e")
        await until(pilot, lambda: not table.counting, "the count")
        matching = [r.key for r in every if "e" in r.session.name.casefold() + r.session.id]
        assert table.row_count > table.scrollable_content_region.height  # more than a screenful
        assert set(matching) <= set(keys(table))
        assert any("counting…" in title for title in titles)
        assert f"all: {table.row_count} of {table.total_count} sessions" in str(table.border_title)
        assert "counting…" not in str(table.border_title)


async def test_keys_arriving_in_one_burst_after_slash_go_to_the_filter(scene: Path) -> None:
    """As a terminal or an ssh link hands them over: `/stuck` posted at once, none waiting for
    the key before it to be handled. Each letter must edit the filter, none fire its binding
    (`s`, `t`, `u`, `c` and `k` are all bindings: `c` opens the costs view)."""
    app = scene_app(scene, NOW)
    async with app.run_test(size=(180, 50)) as pilot:
        table = await loaded(pilot, app)
        for character in "/stuck":
            app.post_message(events.Key("slash" if character == "/" else character, character))
        await until(pilot, lambda: table.filter_text == "stuck", "the whole text in the filter")
        assert isinstance(app.screen, DashboardScreen) and app.screen.view_name == "all"
        assert table.editing_filter and app.focused is table
        app.post_message(events.Key("k", "k"))  # Esc in the same burst as a letter
        app.post_message(events.Key("escape", None))
        await until(pilot, lambda: not table.editing_filter, "Esc to end the filter")
        assert table.filter_text == "" and isinstance(app.screen, DashboardScreen)


async def test_every_match_counts_a_filter_still_counting_to_its_end(scene: Path) -> None:
    """What an action on "the sessions shown" takes (`B`, bulk): every match, not only the
    screenful a letter showed first while the rest are still being counted."""
    app = scene_app(scene, NOW)
    taken: list[tuple[int, list[str], bool]] = []

    def take_while_counting(_message: object) -> None:
        screens = app.screen_stack
        if taken or not screens or not isinstance(screens[-1], DashboardScreen):
            return
        tables = screens[-1].query(SessionTable)
        if tables and tables.first().counting:
            table = tables.first()
            shown = len(table.visible_rows())
            taken.append((shown, [r.key for r in table.every_match()], table.counting))

    async with app.run_test(size=(180, 16), message_hook=take_while_counting) as pilot:
        table = await loaded(pilot, app)
        await pilot.press("slash", "e")
        await until(pilot, lambda: bool(taken) and not table.counting, "the count")
        shown_first, every, still_counting = taken[0]
        assert not still_counting
        assert shown_first < len(every) == table.row_count
        assert every == keys(table)
