"""SessionTable in a real Textual app: virtualisation, keyed diffs, sorting, filters, styles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pilot_wait import until
from rich.cells import cell_len
from textual.app import App, ComposeResult

from sessiontui.model import (
    CostSource,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)
from sessiontui.widgets.row_set import RowSet
from sessiontui.widgets.session_columns import (
    COLUMNS,
    compact_count,
    compact_delta,
    fit,
    format_cost,
    layout_columns,
)
from sessiontui.widgets.session_table import SessionTable

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def row(
    i: int,
    *,
    name: str | None = None,
    state: SessionState = SessionState.IDLE,
    msgs: int | None = None,
    turns: int | None = 1,
    evidence: str | None = None,
    **fields: object,
) -> SessionRow:
    """Session `s{i:06d}`, named `n{i:06d}` unless told, active `i` seconds before NOW."""
    values: dict[str, object] = {
        "created_at": NOW - timedelta(hours=1, seconds=i),
        "last_activity": NOW - timedelta(seconds=i),
        "channel": "slack",
        "user": f"U{i}",
        "model": "claude-sonnet-4",
        "message_count": i if msgs is None else msgs,
        "turns": turns,
        "usage": Usage(input_tokens=i * 10, output_tokens=i),
        "cost_usd": i / 1000,
        "cost_source": CostSource.COMPUTED,
    }
    values.update(fields)
    session = Session(
        StoreFormat.ZEROCLAW_SQLITE,
        "/data/zeroclaw.db",
        f"s{i:06d}",
        f"n{i:06d}" if name is None else name,
        **values,  # type: ignore[arg-type]
    )
    return SessionRow(session, Verdict(state, "tool_hang" if evidence else None, evidence))


class TableApp(App[None]):
    """A table and a record of the messages it posts."""

    def __init__(self, rows: list[SessionRow] | None = None) -> None:
        super().__init__()
        self.initial = rows or []
        self.posted: list[SessionTable.Highlighted | SessionTable.Selected] = []
        self.filtered: list[tuple[int, bool]] = []  # rows shown and counting, at each Filtered

    def compose(self) -> ComposeResult:
        yield SessionTable(sort="name")

    def on_mount(self) -> None:
        table = self.query_one(SessionTable)
        table.set_rows(self.initial, NOW)
        table.focus()

    def on_session_table_highlighted(self, message: SessionTable.Highlighted) -> None:
        self.posted.append(message)

    def on_session_table_selected(self, message: SessionTable.Selected) -> None:
        self.posted.append(message)

    def on_session_table_filtered(self, message: SessionTable.Filtered) -> None:
        table = message.control
        self.filtered.append((table.row_count, table.counting))


def screen_lines(table: SessionTable) -> list[str]:
    """The text of every line the table paints now."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def names(table: SessionTable) -> list[str]:
    return [r.session.name for r in table.visible_rows()]


def cursor_line(table: SessionTable) -> str:
    return table.render_line(table.cursor_row - table.scroll_offset.y + 1).text


async def test_100k_rows_paint_first_and_last() -> None:
    rows = [row(i) for i in range(100_000)]
    app = TableApp(rows)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[0].startswith("State")
        assert "n000000" in lines[1] and "n000001" in lines[2]
        assert table.row_count == 100_000
        await pilot.press("end")
        lines = screen_lines(table)
        assert "n099999" in lines[-1]
        assert lines[0].startswith("State"), "the header stays on top when scrolled"
        assert table.cursor_uid == rows[-1].key
        await pilot.press("home")
        assert "n000000" in screen_lines(table)[1]


async def test_keyed_diff_keeps_cursor_on_its_session() -> None:
    rows = [row(i * 10) for i in range(50)]  # names n000000, n000010, ... n000490
    app = TableApp(rows)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(SessionTable)
        table.move_cursor(20)
        await pilot.pause()
        uid, screen_y = rows[20].key, table.cursor_row - table.scroll_offset.y
        assert "n000200" in cursor_line(table)

        # Inserted before the cursor: same session, same screen line, new index.
        inserted = [row(i * 10 + 5) for i in range(5)]
        table.set_rows(inserted + rows, NOW)
        await pilot.pause()
        assert table.cursor_uid == uid
        assert table.cursor_row == 25
        assert table.cursor_row - table.scroll_offset.y == screen_y
        assert "n000200" in cursor_line(table)

        # Re-ordered: sort by message count with the counts reversed.
        table.sort_by("msgs")
        table.set_rows(
            [
                replace(r, session=replace(r.session, message_count=1000 - i))
                for i, r in enumerate(rows)
            ],
            NOW,
        )
        await pilot.pause()
        assert table.cursor_uid == uid
        assert table.cursor_row == 49 - 20
        assert "n000200" in cursor_line(table)

        # Removed elsewhere.
        table.sort_by("name")
        table.set_rows(rows[10:15] + rows[20:22], NOW)
        await pilot.pause()
        assert table.cursor_uid == uid and table.cursor_row == 5

        # The cursor's own row vanished: the cursor keeps its index and says so.
        app.posted.clear()
        table.set_rows(rows[10:15] + rows[21:22] + rows[30:40], NOW)
        await pilot.pause()
        assert table.cursor_row == 5
        assert table.cursor_uid == rows[21].key
        assert [m.uid for m in app.posted if isinstance(m, SessionTable.Highlighted)] == [
            rows[21].key
        ]


async def test_the_cursor_stays_on_the_top_row_until_the_operator_moves_it() -> None:
    """Before any cursor key, rows arriving above the first session (the rest of a big store,
    read after its first page) leave the cursor and the view at the top; once moved, the cursor
    follows its session. (Following it from the start took the view to row ~40,800 of 100k.)"""
    first_page = [row(i * 10) for i in range(20)]
    app = TableApp(first_page)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        assert table.cursor_row == 0 and table.cursor_uid == first_page[0].key
        earlier = [row(i * 10 + 5, name=f"a{i:06d}") for i in range(500)]  # sort before "n..."
        table.set_rows(earlier + first_page, NOW)
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        assert table.cursor_uid == earlier[0].key

        await pilot.press("down")
        uid = table.cursor_uid
        more = [row(i * 10 + 7, name=f"0{i:06d}") for i in range(3)]  # before all of them
        table.set_rows(more + earlier + first_page, NOW)
        await pilot.pause()
        assert table.cursor_uid == uid and table.cursor_row == 4


async def test_refresh_never_resets_scroll_and_repaints_only_changes() -> None:
    rows = [row(i) for i in range(1000)]
    app = TableApp(rows)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(SessionTable)
        table.scroll_to(y=500, animate=False)
        await pilot.pause()
        top = table.scroll_offset.y
        assert top == 500
        refreshed: list[int] = []
        original = table.refresh_lines

        def spy(y_start: int, line_count: int = 1) -> None:
            refreshed.append(y_start)
            original(y_start, line_count)

        table.refresh_lines = spy  # type: ignore[method-assign]
        changed = [
            replace(r, verdict=Verdict(SessionState.RUNNING)) if i == 503 else r
            for i, r in enumerate(rows)
        ]
        table.set_rows(changed, NOW)
        await pilot.pause()
        assert table.scroll_offset.y == top
        assert refreshed == [503 + 1], "only the changed row's line (virtual y = index + 1)"
        assert "running" in screen_lines(table)[503 - top + 1]


async def test_sorting_both_directions_with_keys() -> None:
    rows = [
        row(1, msgs=5),
        row(2, msgs=50),
        row(3, msgs=7, turns=None),
        row(4, msgs=1, turns=None),
        row(5, msgs=9),
    ]
    app = TableApp(rows)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(SessionTable)
        table.sort_by("msgs")
        assert [r.session.message_count for r in table.visible_rows()] == [1, 5, 7, 9, 50]
        assert "Msgs \u25b2" in screen_lines(table)[0]
        table.sort_by("msgs", reverse=True)
        assert [r.session.message_count for r in table.visible_rows()] == [50, 9, 7, 5, 1]
        await pilot.pause()
        lines = screen_lines(table)
        assert "Msgs \u25bc" in lines[0]
        assert [line.split()[1] for line in lines[1:6]] == [
            "n000002",
            "n000005",
            "n000003",
            "n000001",
            "n000004",
        ]

        # Rows without a value go last in both directions.
        table.sort_by("turns")
        assert names(table)[-2:] == ["n000003", "n000004"]
        table.sort_by("turns", reverse=True)
        assert names(table)[-2:] == ["n000003", "n000004"]

        # o moves to the next column, O reverses it.
        await pilot.press("o")
        assert table.sort_column == ("tokens", False)
        assert names(table) == ["n000001", "n000002", "n000003", "n000004", "n000005"]
        await pilot.press("O")
        assert table.sort_column == ("tokens", True)
        assert names(table) == ["n000005", "n000004", "n000003", "n000002", "n000001"]


async def test_text_filter_and_state_filter() -> None:
    rows = [
        row(1, name="Alpha build", state=SessionState.RUNNING),
        row(2, name="beta", state=SessionState.STUCK, evidence="tool `shell` started 14 min ago"),
        row(3, name="gamma", state=SessionState.IDLE, model="gpt-ALPHA-mini"),
        row(4, name="delta", state=SessionState.RUNNING, channel="alphachan"),
    ]
    app = TableApp(rows)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(SessionTable)
        table.set_filter("aLpHa")
        await pilot.pause()
        assert names(table) == ["Alpha build", "delta", "gamma"]
        assert table.row_count == 3 and table.total_count == 4
        lines = screen_lines(table)
        assert "Alpha build" in lines[1] and "beta" not in "".join(lines)

        table.set_filter("s000002")  # the id
        assert names(table) == ["beta"]

        table.set_filter("")
        table.set_state_filter({SessionState.RUNNING, SessionState.STUCK})
        assert names(table) == ["Alpha build", "beta", "delta"]
        table.set_filter("alpha")
        table.set_state_filter({SessionState.RUNNING})
        assert names(table) == ["Alpha build", "delta"]
        table.set_state_filter({SessionState.ERROR})
        await pilot.pause()
        assert table.row_count == 0 and table.cursor_uid is None
        assert "No sessions match" in screen_lines(table)[1]
        table.set_state_filter(None)
        table.set_filter("")
        assert table.row_count == 4


def full_filter(rows: list[SessionRow], text: str) -> list[str]:
    """The keys a filter shows, filtered at once from every row (sorted by name)."""
    reference = RowSet("name")
    reference.set_rows(rows)
    reference.set_text(text)
    return [r.key for r in reference.rebuild()]


async def test_a_typed_filter_paints_its_first_rows_then_counts_the_rest() -> None:
    """Each letter shows a screenful of matches at once with the cursor on the first; the
    rest are counted while idle (`counting`) until the view is the full filter's, in order.
    Backspace filters again from every row; Esc puts back the rows, cursor and scroll."""
    rows = [row(i, name=f"{'jyx' if i % 2 else 'wv'} {i}") for i in range(60_000)]
    app = TableApp(rows)
    counts = app.filtered
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.press(*"jjjj", "pagedown")
        before = (table.cursor_uid, table.cursor_row, table.scroll_offset.y)
        full = table.visible_rows()

        table.start_filter()
        typed = "jyx 1"  # (letters no other column shows)
        for end, char in enumerate(typed, 1):
            text = typed[:end]
            await pilot.press("space" if char == " " else char)
            assert table.cursor_row == 0 and table.scroll_offset.y == 0
            assert table.visible_rows()[0].session.name.startswith(text)
            await until(pilot, lambda: not table.counting, "the count")
            assert [r.key for r in table.visible_rows()] == full_filter(rows, text)
        assert any(counting for _count, counting in counts), "some letter counted while idle"
        assert counts[-1] == (len(full_filter(rows, typed)), False)
        assert "jyx 1" in screen_lines(table)[1]

        await pilot.press("backspace", "backspace")  # "jyx": every odd row, again from all rows
        await until(pilot, lambda: not table.counting, "the count")
        assert table.row_count == 30_000

        await pilot.press("escape")
        assert table.visible_rows() is full
        assert (table.cursor_uid, table.cursor_row, table.scroll_offset.y) == before


async def test_stuck_row_carries_the_stuck_style() -> None:
    rows = [
        row(1, name="calm"),
        row(2, name="wedged", state=SessionState.STUCK, evidence="tool `shell` started 14 min ago"),
    ]
    app = TableApp(rows)
    async with app.run_test(size=(200, 10)) as pilot:
        table = app.query_one(SessionTable)
        table.move_cursor(0)  # the cursor on the calm row
        await pilot.pause()
        stuck_line = table.render_line(2)
        assert "STUCK" in stuck_line.text and "tool `shell` started 14 min ago" in stuck_line.text
        label = next(seg for seg in stuck_line if "STUCK" in seg.text)
        assert label.style is not None and label.style.reverse and label.style.bold
        stuck_colour = table.get_component_rich_style("session-table--stuck", partial=True).color
        assert label.style.color == stuck_colour
        row_bg = table.get_component_rich_style("session-table--stuck-row").bgcolor
        assert all(seg.style is not None and seg.style.bgcolor == row_bg for seg in stuck_line)
        calm = table.render_line(1)
        assert not any(
            seg.style is not None and seg.style.reverse for seg in calm if seg.text.strip()
        )


async def test_markup_and_escapes_render_literally() -> None:
    rows = [row(1, name="[bold red]x[/] \x1b[2J\x07bell", model="[link=http://e]m[/link]")]
    app = TableApp(rows)
    async with app.run_test(size=(200, 10)) as pilot:
        await pilot.pause()
        text = app.query_one(SessionTable).render_line(1).text
        assert "[bold red]x[/]" in text and "[link=http://e]m" in text
        assert "\u241b[2J" in text and "\u2407bell" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_cursor_keys_click_and_messages() -> None:
    rows = [row(i) for i in range(100)]
    app = TableApp(rows)
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        assert [m.uid for m in app.posted] == [rows[0].key]
        await pilot.press("down", "down", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + 11  # 12 lines, less the header
        assert table.scroll_offset.y > 0
        await pilot.press("pageup", "home")
        assert table.cursor_row == 0
        await pilot.click(SessionTable, offset=(3, 4))
        assert table.cursor_uid == rows[3].key
        await pilot.press("enter")
        await pilot.pause()
        selected = [m for m in app.posted if isinstance(m, SessionTable.Selected)]
        assert [m.uid for m in selected] == [rows[3].key]
        highlighted = [m.uid for m in app.posted if isinstance(m, SessionTable.Highlighted)]
        assert highlighted == [rows[i].key for i in (0, 1, 2, 1, 12, 1, 0, 3)]
        await pilot.click(SessionTable, offset=(12, 0))  # the header: sort by Name, reversed
        assert table.sort_column == ("name", True)
        assert table.cursor_uid == rows[3].key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (999, "999"),
        (12_345, "12.3k"),
        (123_456, "123k"),
        (4_500_000, "4.5M"),
        (1_200_000_000, "1.2B"),
    ],
)
def test_compact_count(value: int, expected: str) -> None:
    assert compact_count(value) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(5, "5s"), (125, "2m"), (7200, "2h"), (3 * 86400, "3d"), (30 * 86400, "4w")],
)
def test_compact_delta(seconds: int, expected: str) -> None:
    assert compact_delta(timedelta(seconds=seconds)) == expected


def test_cost_cell() -> None:
    base = row(1)
    assert format_cost(replace(base, session=replace(base.session, cost_usd=0.0123))) == "$0.0123"
    assert (
        format_cost(replace(base, session=replace(base.session, cost_usd=None, cost_source=None)))
        == "-"
    )
    unknown = replace(base.session, cost_usd=None, cost_source=CostSource.UNKNOWN)
    assert format_cost(replace(base, session=unknown)) == "?"


@pytest.mark.parametrize("width", [50, 80, 120, 220])
def test_columns_fit_the_width(width: int) -> None:
    laid_out = layout_columns(width)
    assert sum(w for _c, w in laid_out) + len(laid_out) - 1 == width, "flex columns fill the line"
    keys = [c.key for c, _w in laid_out]
    assert keys[:2] == ["state", "name"] and "reason" in keys
    assert keys == [c.key for c in COLUMNS if c.key in keys], "display order kept"
    if width >= 220:
        assert len(keys) == len(COLUMNS)


def test_fit_is_cell_aware() -> None:
    assert fit("abcdef", 4) == "abc\u2026"
    assert fit("ab", 4, right=True) == "  ab"
    assert cell_len(fit("日本語テキスト", 6)) == 6
    assert fit("日本語テキスト", 6).endswith("\u2026")
