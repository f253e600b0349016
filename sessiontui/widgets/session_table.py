"""A virtualised session table: Textual's Line API, so 100,000 rows cost what 50 visible ones do.

Line 0 of the widget is the header, drawn at every scroll position; line `y > 0` shows the row
at `scroll_y + y - 1`. The virtual height is therefore `rows + 1`, the same trick DataTable uses
for its fixed header. Each refresh is a keyed diff (`SessionRow.key`): the cursor stays on its
session while rows move, and only screen lines whose content changed are repainted.

The `/` filter is typed into the table itself (`start_filter`): it keeps the focus and shows the
text in its bottom border, so a key shows or hides no widget, moves no focus and lays nothing
out again; only the lines whose rows changed repaint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from sessiontui.age_steps import age_text_holds_until
from sessiontui.live.classified_rows import RowChange
from sessiontui.model import SessionRow, SessionState
from sessiontui.widgets.remembered_scrollbar import RememberedScrollBar
from sessiontui.widgets.row_set import RowSet
from sessiontui.widgets.session_columns import (
    COLUMN_KEYS,
    COLUMNS,
    Column,
    cell_text,
    fit,
    layout_columns,
)
from sessiontui.widgets.state_style import state_classes, state_rules

_GAP = 1
_ALWAYS = (-math.inf, math.inf)  # what a blank line shows holds at any time
_NEVER = (math.inf, -math.inf)  # (a line never looked at: look now)
_WARM_SLICE = 0.008  # seconds of idle work at a time (a key waits at most about this long)
# the first slice waits this long after the frame: the thread writing the frame needs the
# interpreter, which a slice holds (a filter letter's frame reached the terminal ~10 ms late)
_WRITE_FIRST = 0.004
_INACTIVE = frozenset({SessionState.CLOSED, SessionState.ARCHIVED})


class _UidMessage(Message):
    """A message from a SessionTable about one session."""

    uid: str | None

    def __init__(self, table: SessionTable, uid: str | None) -> None:
        super().__init__()
        self.table, self.uid = table, uid

    @property
    def control(self) -> SessionTable:
        return self.table


class SessionTable(ScrollView, can_focus=True):
    """Sessions, one per line, sorted, filtered and keyed by session uid."""

    ALLOW_MAXIMIZE = True

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-table--header",
        "session-table--header-sorted",
        "session-table--cursor",
        "session-table--stuck-row",
        "session-table--inactive-row",
        "session-table--marked-row",
        "session-table--empty",
        *state_classes("session-table"),
    }

    DEFAULT_CSS = (
        """
    SessionTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        &:focus { background-tint: $foreground 5%; }
        & > .session-table--header { background: $panel; color: $foreground; text-style: bold; }
        & > .session-table--header-sorted { color: $accent; text-style: bold underline; }
        & > .session-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .session-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .session-table--stuck-row { background: $error 15%; }
        & > .session-table--inactive-row { color: $text-muted; }
        & > .session-table--marked-row { background: $accent 25%; text-style: bold; }
        & > .session-table--empty { color: $text-muted; text-style: italic; }
        """
        + state_rules("session-table")
        + "\n}"
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_home", "First", show=False),
        Binding("end", "cursor_end", "Last", show=False),
        Binding("enter", "select", "Open", id="session_table.select"),
        Binding("o", "cycle_sort", "Sort", id="session_table.sort"),
        Binding("O", "reverse_sort", "Reverse sort", id="session_table.reverse_sort"),
    ]

    class Highlighted(_UidMessage):
        """The cursor moved to another session (`uid` None: no row is shown)."""

    class Selected(_UidMessage):
        """Enter (or a double click) on the session `uid`."""

        uid: str

    class Filtered(_UidMessage):
        """The filter text changed (typed, kept or cleared), or its count ended; `uid` is the
        cursor's session."""

    def __init__(
        self,
        *,
        sort: str = "state",
        reverse: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._set = RowSet(sort, reverse)
        self._view: list[SessionRow] = []  # the filtered, sorted rows (self._set.view)
        self._now = datetime.fromtimestamp(0, UTC)
        self._rows_given: Sequence[SessionRow] | None = None  # the last tuple set_rows() took
        self._cursor = 0
        self._cursor_uid: str | None = None
        # Until the operator moves the cursor it stays on the top row, whatever session that is:
        # following the first page's newest session took it (and the view) to the middle of the
        # table once every session was read (row ~40,800 of 100k Starpod sessions).
        self._cursor_moved = False
        self._layout: list[tuple[Column, int, int]] = []  # column, x, width
        self._layout_width = -1
        self._layout_cells = 0  # cells the columns and the gaps between them take
        self._strips: LRUCache[str, tuple[tuple[Any, ...], Strip]] = LRUCache(1024)
        # uid -> (row, from, until, texts): a row's age cells ("3 min ago"), which read the same
        # from `from` until `until` (POSIX times): humanize runs once per age step, not at
        # every look at a line (a key looked at each line three times)
        self._ages: LRUCache[str, tuple[SessionRow, float, float, tuple[str, ...]]] = LRUCache(1024)
        self._painted: dict[int, tuple[Any, ...]] = {}  # screen line -> what it shows
        # screen line -> (from, until): POSIX times between which its ages ("3 min ago") read
        # as painted
        self._holds: dict[int, tuple[float, float]] = {}
        self.marked: set[str] = set()  # uids marked for a bulk action (read only: see toggle_mark)
        self.unseen: AbstractSet[str] = frozenset()  # uids finished since last opened (set_unseen)
        self.hidden_columns: frozenset[str] = frozenset({"pid"})  # shown once a process is linked
        self._warming = False
        self._paint_width: int | None = None  # the content width while `render_lines` runs
        # typing a filter: the cursor's uid and index and the top line at `/`
        self._editing: tuple[str | None, int, int] | None = None

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's scrollbar, made as Textual makes it, but one that draws its recent looks
        from memory (`remembered_scrollbar`); Textual's own if its private names moved."""
        if self._vertical_scrollbar is None and hasattr(self.app, "_start_widget"):
            bar = RememberedScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return super().vertical_scrollbar

    # ----------------------------------------------------------------- public API

    @property
    def cursor_uid(self) -> str | None:
        """The uid of the session under the cursor; None when no row is shown."""
        return self._cursor_uid

    @property
    def cursor_row(self) -> int:
        """The index of the cursor in `visible_rows()`."""
        return self._cursor

    @property
    def row_count(self) -> int:
        """Rows shown: those that pass the filters."""
        return len(self._view)

    @property
    def total_count(self) -> int:
        """Rows given to `set_rows`, before filtering (but for those the bots' pickers hide, until shown)."""
        return len(self._set.rows) - self._set.hidden_count

    @property
    def hidden_count(self) -> int:
        """Rows left out because the bots' own pickers hide them (H shows them)."""
        return self._set.hidden_count

    @property
    def sort_column(self) -> tuple[str, bool]:
        """The sort column key and whether the order is reversed."""
        return self._set.sort_key, self._set.reverse

    def visible_rows(self) -> Sequence[SessionRow]:
        """The rows that pass the filters, in display order (read only); while a typed filter is
        still counting (`counting`), those found so far."""
        return self._view

    def every_match(self) -> Sequence[SessionRow]:
        """Every row that passes the filters, in display order: a filter still counting is
        counted to its end first, so an action on "the sessions shown" takes all of them."""
        if self._set.counting:
            before = len(self._view)
            self._set.count_all()
            self._counted(before)
        return self._view

    @property
    def rows_given(self) -> Sequence[SessionRow] | None:
        """The rows the last `set_rows` took (the same object while the fleet changed nothing)."""
        return self._rows_given

    def rows_on_screen(self) -> Sequence[SessionRow]:
        """The rows in the viewport now."""
        top = self.scroll_offset.y
        return self._view[top : top + self._page_height()]

    def set_rows(
        self,
        rows: Sequence[SessionRow],
        now: datetime,
        change: RowChange | None = None,
        since: Sequence[SessionRow] | None = None,
    ) -> None:
        """Replace the rows with a new snapshot, keyed by `SessionRow.key`.

        `change` says which rows changed from the rows `since`; when those are the rows this
        table last took, only the changed rows move. The cursor stays on its session, and on the
        same screen line, while rows move. If its session vanished, the cursor keeps its index
        (clamped). Scrolling is never reset.
        """
        self._now = now  # (cached lines stay valid: their signature holds the cells that age)
        if rows is self._rows_given:  # the fleet hands back the same tuple when no row changed
            self._repaint_changed(False, empty=False)  # only lines whose "3 min ago" moved
            return
        usable = change if since is not None and since is self._rows_given else None
        self._rows_given = rows
        self._set.set_rows(rows, usable)
        self._rebuild()
        self._start_warming()

    def _start_warming(self) -> None:
        if not self._warming:
            self._warming = True
            self.call_after_refresh(self.set_timer, _WRITE_FIRST, self._warm)

    def _warm(self) -> None:
        """A typed filter's count, filter haystacks for new rows and the order the next `o`
        shows, a step per idle moment, so those keys find their work done."""
        start = time.perf_counter()
        counted = len(self._view) if self._set.counting else None
        while self._set.warm(limit=2500):
            if time.perf_counter() - start > _WARM_SLICE:  # keys and ticks go between slices
                self._counted(counted)
                self.set_timer(0.002, self._warm)
                return
        self._counted(counted)
        self._warming = False

    def _counted(self, before: int | None) -> None:
        """A filter's count went on (from `before` rows shown): scroll range, lines, title."""
        if before is None:
            return
        count = len(self._view)
        virtual = self._scroll_range(count)
        if virtual != self.virtual_size:
            self._set_virtual_size(virtual)
        if self._cursor_uid is None and count:  # the first match was found only now
            self._set_cursor(self._cursor)
        if before < self.scroll_offset.y + self._page_height():  # lines that were blank
            self._repaint_changed(False)
        if not self._set.counting:  # the title's count, once (each repaints the table's border)
            self.post_message(self.Filtered(self, self._cursor_uid))

    def show_column(self, key: str, shown: bool) -> None:
        """Show or hide a column (the PID column appears once some session has a process)."""
        hidden = self.hidden_columns - {key} if shown else self.hidden_columns | {key}
        if hidden != self.hidden_columns:
            self.hidden_columns = hidden
            self._layout_width = -1  # laid out again on the next paint
            self._forget_painted()
            self.refresh()

    def sort_by(self, column_key: str, reverse: bool = False) -> None:
        """Sort by the column `column_key`; missing values always go last."""
        self._set.set_sort(column_key, reverse)
        self._rebuild(header=True)
        self._start_warming()  # the order the next `o` shows

    def set_filter(self, text: str) -> None:
        """Show only sessions matching every word of `text` (see `filter_query`): in any column
        shown or the id, or in one field for `field:value` words (`state:stuck store:starpod`)."""
        self._set.set_text(text)
        self._rebuild()

    @property
    def counting(self) -> bool:
        """Whether a typed filter shows its first rows while the rest are still counted."""
        return self._set.counting

    @property
    def filter_text(self) -> str:
        """The filter text, as typed."""
        return self._set.text

    @property
    def editing_filter(self) -> bool:
        """Whether the keys typed now edit the filter text (after `/`, until Enter or Esc)."""
        return self._editing is not None

    def start_filter(self) -> None:
        """`/`: the printable keys typed next edit the filter, Backspace deletes, ctrl+u clears,
        Enter keeps it, Esc clears it; the arrows still move the cursor. The table keeps the focus
        and the text shows in its bottom border, so nothing is shown, hidden or laid out again."""
        if self._editing is None:
            self._editing = (self._cursor_uid, self._cursor, self.scroll_offset.y)
            if isinstance(self._vertical_scrollbar, RememberedScrollBar):
                self._vertical_scrollbar.keep()  # the bar Esc puts back
            self._show_filter_text()

    def keep_filter(self) -> None:
        """Stop editing the filter; its rows stay shown."""
        if self._editing is not None:
            self._editing = None
            self._show_filter_text()
            self.post_message(self.Filtered(self, self._cursor_uid))

    def clear_filter(self) -> None:
        """Show every row again (the sorted rows kept, not filtered or sorted again); after a
        `/` the cursor goes back to its session and line of before."""
        editing, self._editing = self._editing, None
        self._set.set_text("")
        self._rebuild(before=editing)
        self._start_warming()  # (the filter's rows are let go after the frame)
        self._show_filter_text()
        self.post_message(self.Filtered(self, self._cursor_uid))

    def _edit_filter(self, text: str) -> None:
        """A typed filter shows its first screenful at once, with the cursor on the first
        match; the rest are counted in idle steps (`counting`)."""
        if text != self._set.text:
            self._set.set_text(text)
            # a row more than the screen: the scrollbar shows at once if more match (its coming
            # later, as the count goes on, laid the whole screen out again: ~38 ms)
            self._rebuild(before=(None, 0, 0), enough=self._page_height() + 1)
            self._start_warming()  # the rest counted, the rows of before let go
            self._show_filter_text()
            self.post_message(self.Filtered(self, self._cursor_uid))

    def _show_filter_text(self) -> None:
        """The filter in the bottom border, as plain text (markup typed in it stays text)."""
        text = self._set.text
        if self._editing is not None:
            self.border_subtitle = Content(f" filter: {text}\u258f  Enter keeps, Esc clears ")
        elif text:
            self.border_subtitle = Content(f" filter: {text}  / edits, Esc clears ")
        else:
            self.border_subtitle = None

    def set_state_filter(self, states: Collection[SessionState] | None) -> None:
        """Show only sessions in `states`; None shows every state."""
        self._set.set_states(states)
        self._rebuild()

    def set_show_hidden(self, show: bool) -> None:
        """Show or leave out the sessions the bot's own pickers hide (subagent runs and the like)."""
        self._set.set_show_hidden(show)
        self._rebuild()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and scroll it into view."""
        self._set_cursor(index)
        self._scroll_to_cursor()

    def move_cursor_to_uid(self, uid: str) -> bool:
        """Put the cursor on the session `uid`; False when it is not shown."""
        index = self._set.find(uid, self._cursor)
        if index is not None:
            self.move_cursor(index)
        return index is not None

    def toggle_mark(self, uid: str) -> bool:
        """Mark the session `uid` for a bulk action, or unmark it; True when it is now marked."""
        if uid in self.marked:
            self.marked.discard(uid)
        else:
            self.marked.add(uid)
        self._repaint_changed(False)
        return uid in self.marked

    def set_unseen(self, uids: AbstractSet[str]) -> None:
        """The sessions to mark "finished, not yet seen" (a ◆ before the name). The same set
        object again costs nothing (comparing tens of thousands of keys took 0.2 ms a tick)."""
        if uids is not self.unseen and uids != self.unseen:
            self.unseen = uids
            self._repaint_changed(False)

    def clear_marks(self) -> None:
        """Unmark every session."""
        self.marked.clear()
        self._repaint_changed(False)

    # ----------------------------------------------------------------- actions

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page_height())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page_height())

    def action_cursor_home(self) -> None:
        self.move_cursor(0)

    def action_cursor_end(self) -> None:
        self.move_cursor(len(self._view) - 1)

    def action_select(self) -> None:
        if self._cursor_uid is not None:
            self.post_message(self.Selected(self, self._cursor_uid))

    def action_cycle_sort(self) -> None:
        """Sort by the next column, in its natural direction."""
        keys = COLUMN_KEYS
        self.sort_by(keys[(keys.index(self._set.sort_key) + 1) % len(keys)])

    def action_reverse_sort(self) -> None:
        self.sort_by(self._set.sort_key, not self._set.reverse)

    # ----------------------------------------------------------------- events

    async def _on_key(self, event: events.Key) -> None:
        """While the filter is edited, text keys, Backspace, ctrl+u, Enter and Esc go to it (and
        to no binding); other keys (the arrows, ctrl+p) act as always.

        `/` itself starts the editing here, not only through the screen's binding: a binding runs
        once the key has bubbled up to the app, and the keys a terminal (or an ssh link) hands
        over in the same burst are by then already here, so `/stuck` typed fast fired the
        bindings of s, t, u, c (the costs view) and k."""
        if self._editing is None:
            if event.key == "slash":
                self.start_filter()
                event.stop()
                event.prevent_default()
            return
        key, text = event.key, self._set.text
        if key == "escape":
            self.clear_filter()
        elif key == "enter":
            self.keep_filter()
        elif key == "backspace":
            self._edit_filter(text[:-1])
        elif key == "ctrl+u":
            self._edit_filter("")
        elif event.is_printable and event.character:
            self._edit_filter(text + event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        """Text pasted while the filter is edited goes to it (its first line, printable only)."""
        if self._editing is not None:
            line = event.text.splitlines()[0] if event.text else ""
            self._edit_filter(self._set.text + "".join(c for c in line if c.isprintable()))
            event.stop()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:  # the header: sort by that column, again to reverse
            for col, x, width in self._layout:
                if x <= offset.x < x + width:
                    same = col.key == self._set.sort_key
                    reverse = not self._set.reverse if same else False
                    self.sort_by(col.key, reverse)
            return
        index = self.scroll_offset.y + offset.y - 1
        if 0 <= index < len(self._view):
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def _on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._update_layout()
        self.refresh()

    def _on_focus(self, event: events.Focus) -> None:
        self._strips.clear()

    def _on_blur(self, event: events.Blur) -> None:
        self._strips.clear()
        self.keep_filter()  # the keys go elsewhere now: the text typed so far stays

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._forget_painted()

    # ----------------------------------------------------------------- rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of `crop`, the content width looked up once for all of them: it is
        Textual's `scrollable_content_region`, computed anew at each look (a key repaints ~50
        lines, and the look was a fifth of each line's own cost)."""
        self._paint_width = self._width()
        try:
            return super().render_lines(crop)
        finally:
            self._paint_width = None

    def render_line(self, y: int) -> Strip:
        width = self._width() if self._paint_width is None else self._paint_width
        if width != self._layout_width:
            self._update_layout()
        if y == 0:
            return self._render_header(width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._view):
            self._painted.pop(y, None)
            self._holds[y] = _ALWAYS
            if index == 0:
                text = "No sessions match the filters" if self._set.rows else "No sessions"
                style = self.rich_style + self._style("session-table--empty", partial=True)
                return Strip([Segment(fit(" " + text, width), style)], width)
            return Strip.blank(width, self.rich_style)
        row = self._view[index]
        signature = self._signature(row, index == self._cursor)
        self._painted[y] = signature
        self._holds[y] = self._holds_from_now(row)
        cached = self._strips.get(row.key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        strip = self._render_row(row, index == self._cursor, width)
        self._strips[row.key] = (signature, strip)
        return strip

    def _render_header(self, width: int) -> Strip:
        style = self._style("session-table--header")
        sorted_style = style + self._style("session-table--header-sorted", partial=True)
        arrow = " \u25bc" if self._set.reverse else " \u25b2"
        segments: list[Segment] = []
        for col, _x, col_width in self._layout:
            sorted_here = col.key == self._set.sort_key
            label = fit(col.label + arrow if sorted_here else col.label, col_width, col.right)
            segments.append(Segment(label, sorted_style if sorted_here else style))
            segments.append(Segment(" " * _GAP, style))
        return Strip(segments).adjust_cell_length(width, style)

    def _render_row(self, row: SessionRow, is_cursor: bool, width: int) -> Strip:
        """One row as (at most) four segments: before the state label, the label, the rest, padding."""
        state = row.verdict.state
        if state is SessionState.STUCK:
            base = self._style("session-table--stuck-row")
        else:
            base = self.rich_style
            if state in _INACTIVE:
                base += self._style("session-table--inactive-row", partial=True)
        marked = row.key in self.marked
        if marked:
            base += self._style("session-table--marked-row", partial=True)
        if is_cursor:
            base += self._style("session-table--cursor")
        now, gap = self._now, " " * _GAP
        ages = iter(self._age_texts(row)[0])
        cells: list[str] = []
        for col, _x, w in self._layout:
            if col.since:
                text = next(ages)
            elif col.key == "name":
                text = _name_marks(marked, row.key in self.unseen) + cell_text(col, row, now)
            else:
                text = cell_text(col, row, now)
            cells.append(fit(text, w, col.right))
        segments: list[Segment] = []
        rest = gap.join(cells)
        for i, (col, x, _w) in enumerate(self._layout):
            if col.key == "state":
                before = gap.join(cells[:i]) + gap if i else ""
                label = cells[i].rstrip()
                if before:
                    segments.append(Segment(before, base))
                segments.append(
                    Segment(label, base + self._style(f"session-table--{state}", partial=True))
                )
                rest = rest[len(before) + len(label) :]
        segments.append(Segment(rest, base))
        length = self._layout_cells
        if length == width:
            return Strip(segments, width)
        return Strip(segments, length).adjust_cell_length(width, base)

    def _signature(self, row: SessionRow, is_cursor: bool) -> tuple[Any, ...]:
        """What a row's line depends on: the row, the cursor, and the cells that age with `now`."""
        timed = self._age_texts(row)[0]
        return (row, is_cursor, row.key in self.marked, row.key in self.unseen, timed)

    def _holds_from_now(self, row: SessionRow) -> tuple[float, float]:
        """The POSIX times between which the row's ages (Age, Last activity) read as they do
        now: from (at the latest) now until the first may change."""
        return self._age_texts(row)[1]

    def _age_texts(self, row: SessionRow) -> tuple[tuple[str, ...], tuple[float, float]]:
        """The row's age cells at `now`, in layout order, and the POSIX times between which
        they read so (formatted again only once they may have changed)."""
        now = self._now.timestamp()
        cached = self._ages.get(row.key)
        if cached is not None and cached[0] is row and cached[1] <= now < cached[2]:
            return cached[3], (cached[1], cached[2])
        texts: list[str] = []
        until = math.inf
        for col, _x, _w in self._layout:
            if col.since:
                texts.append(cell_text(col, row, self._now))
                moment = col.since(row)
                if moment is not None:
                    until = min(until, age_text_holds_until(moment, self._now))
        self._ages[row.key] = (row, now, until, tuple(texts))
        return tuple(texts), (now, until)

    def _style(self, name: str, partial: bool = False) -> Style:
        return self.get_component_rich_style(name, partial=partial)

    # ----------------------------------------------------------------- internals

    def _width(self) -> int:
        return self.scrollable_content_region.width

    def _page_height(self) -> int:
        """Rows the viewport shows (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _update_layout(self) -> None:
        width = self._width()
        self._layout_width = width
        self._strips.clear()
        self._ages.clear()  # (their texts follow the columns shown)
        self._layout = []
        x = 0
        shown = [col for col in COLUMNS if col.key not in self.hidden_columns]
        for col, col_width in layout_columns(width, shown, gap=_GAP):
            self._layout.append((col, x, col_width))
            x += col_width + _GAP
        self._layout_cells = max(0, x - _GAP)

    def _rebuild(
        self,
        header: bool = False,
        before: tuple[str | None, int, int] | None = None,
        enough: int | None = None,
    ) -> None:
        """Filter, sort, keep the cursor on its session (or on the session, at the screen line,
        of `before`: a uid, its index and the top line), repaint the lines that changed.
        `enough`: a text filter may show that many rows first (see `RowSet.rebuild`)."""
        shown_uid = self._cursor_uid
        if before is None and not self._cursor_moved:  # the top row, on the same screen line
            old_uid, old_cursor, top, old_row = None, 0, self.scroll_offset.y, None
        elif before is None:
            old_uid, old_cursor, top = shown_uid, self._cursor, self.scroll_offset.y
            old_row = self._view[old_cursor] if 0 <= old_cursor < len(self._view) else None
        else:
            (old_uid, old_cursor, top), old_row = before, None
        screen_line = old_cursor - top if 0 <= old_cursor - top < self._page_height() else None

        self._view = self._set.rebuild(enough)
        count = len(self._view)
        index = self._set.find(old_uid, old_cursor, old_row) if old_uid is not None else None
        self._cursor = min(old_cursor, count - 1) if index is None else index
        self._cursor = max(self._cursor, 0)
        self._cursor_uid = self._view[self._cursor].key if count else None

        virtual = self._scroll_range(count)
        if virtual != self.virtual_size:
            self._set_virtual_size(virtual)
        scrolled = False
        if screen_line is not None and max(0, self._cursor - screen_line) != self.scroll_offset.y:
            scrolled = self._scroll_to(y=max(0, self._cursor - screen_line), animate=False)
        if not scrolled:
            self._repaint_changed(header)
        if self._cursor_uid != shown_uid:
            self.post_message(self.Highlighted(self, self._cursor_uid))

    def _scroll_range(self, count: int) -> Size:
        """The virtual size for `count` rows and the header. While a text filter is set, and
        the rows without it need the scrollbar, at least a line more than the table shows (the
        bar stays; `max_scroll_y` still stops at the last row): the scrollbar going when a
        filter's matches fit and coming back at `Esc` laid the whole screen out again both
        times (Esc at 1k sessions 10 ms slower than at 100k)."""
        height = count + 1
        shown = self.scrollable_content_region.height
        if self._set.text and self._set.unfiltered_count + 1 > shown:
            height = max(height, shown + 1)
        return Size(self._width(), height)

    @property
    def max_scroll_y(self) -> int:
        """As Textual's, but never past the last row shown (the scroll range may hold more
        while a filter is set: see `_scroll_range`)."""
        rows_past = len(self._view) + 1 - self.scrollable_content_region.height
        return max(0, min(super().max_scroll_y, rows_past))

    def _set_virtual_size(self, size: Size) -> None:
        """Scroll over `size` without laying the screen out again: setting `virtual_size`
        re-lays out the whole screen (tens of ms at every filter letter and Esc), yet the table's
        own size stays the same; only its scroll range and scrollbar move. (When the scrollbar
        appears or goes, that alone still lays the screen out.) `_scroll_update` is a private
        Textual name (tests/test_textual_internals.py checks it): without it, the stock way."""
        if not hasattr(self, "_scroll_update"):
            self.virtual_size = size
            return
        self.set_reactive(SessionTable.virtual_size, size)
        self._scroll_update(size)

    def _repaint_changed(self, header: bool, empty: bool = True) -> None:
        """Refresh only the screen lines whose content differs from what was painted. A line
        that shows the same row object, marks and cursor as painted, at a time its ages still
        read as painted, is not looked at further: an idle tick formats no age that is not due.
        (`empty`: also repaint the "No sessions" line, whose text follows the rows given.)"""
        top = self.scroll_offset.y
        changed = [0] if header else []  # screen lines to repaint, in order
        view, cursor, painted, holds = self._view, self._cursor, self._painted, self._holds
        now = self._now.timestamp()
        marked, unseen = self.marked, self.unseen
        for y in range(1, self._page_height() + 1):
            index = top + y - 1
            if index < len(view):
                row = view[index]
                was = painted.get(y)
                hold = holds.get(y, _NEVER)
                if (
                    was is not None
                    and was[0] is row
                    and hold[0] <= now < hold[1]
                    and was[1:4] == (index == cursor, row.key in marked, row.key in unseen)
                ):
                    continue
                wanted: tuple[Any, ...] | None = self._signature(row, index == cursor)
                holds[y] = self._holds_from_now(row)
            else:
                wanted = None
                holds[y] = _ALWAYS
            was = painted.get(y)
            if was is None or wanted is None:
                differs = was is not wanted
            else:  # another row: differs without comparing the rows field by field
                differs = was[0] is not wanted[0] or was != wanted
            if differs or (empty and wanted is None and index == 0):
                changed.append(y)
        for start, count in _runs(changed):  # a refresh per run of lines: a key repaints ~50
            self.refresh_lines(top + start, count)

    def _forget_painted(self) -> None:
        """What was painted is unknown now (every line is painted again)."""
        self._painted.clear()
        self._holds.clear()

    def _set_cursor(self, index: int) -> None:
        self._cursor_moved = True  # from now on the cursor follows its session
        count = len(self._view)
        index = max(0, min(index, count - 1))
        old = self._cursor
        self._cursor = index
        if old != index:
            self.refresh_lines(old + 1)
            self.refresh_lines(index + 1)
        uid = self._view[index].key if count else None
        if uid != self._cursor_uid:
            self._cursor_uid = uid
            self.post_message(self.Highlighted(self, uid))

    def _scroll_to_cursor(self) -> None:
        top, height = self.scroll_offset.y, self._page_height()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False)


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    """Ascending line numbers as (first, count) runs of consecutive lines."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and runs[-1][0] + runs[-1][1] == line:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((line, 1))
    return runs


def _name_marks(marked: bool, unseen: bool) -> str:
    """● marked for a bulk action; ◆ finished since the operator last opened it."""
    return ("\u25cf " if marked else "") + ("\u25c6 " if unseen else "")
