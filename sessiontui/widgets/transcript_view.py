"""A transcript as lines (Textual's Line API, not RichLog): a bounded window of messages.

Each message is laid out once per width (`transcript_layout.layout_message`) and its lines are
cached on the entry; `render_line` finds the entry by bisecting the line offsets, so painting
costs the same at 50 messages or 5,000. Follow mode keeps the newest message in view while the
viewport is at the bottom; scrolling up pauses it and counts the arrivals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import tzinfo
from itertools import accumulate
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sessiontui.model import Message
from sessiontui.widgets.transcript_layout import Line, is_expandable, layout_message


class _Entry:
    """One message and its lines, cached for one (width, expanded) pair."""

    __slots__ = ("expanded", "laid_out_for", "lines", "message")

    def __init__(self, message: Message) -> None:
        self.message = message
        self.expanded: bool | None = None  # None: follow the view's expand-all setting
        self.lines: list[Line] = []
        self.laid_out_for: tuple[int, bool] | None = None


class TranscriptView(ScrollView, can_focus=True):
    """Messages of one session, wrapped to the width, newest at the bottom.

    Keys: `x` expands or collapses every tool call and tool result (a click toggles just the
    message clicked); `End` follows new messages again; `Home` goes to the oldest loaded
    message (and asks for older ones).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript-view--user",
        "transcript-view--assistant",
        "transcript-view--tool",
        "transcript-view--system",
        "transcript-view--timestamp",
        "transcript-view--tool-call",
        "transcript-view--tool-result",
        "transcript-view--tool-error",
        "transcript-view--more",
    }

    DEFAULT_CSS = """
    TranscriptView {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        border: round $panel;
        padding: 0 1;
        border-subtitle-color: $warning;
        &:focus { border: round $accent; }
        & > .transcript-view--user { color: $success; text-style: bold; }
        & > .transcript-view--assistant { color: $primary; text-style: bold; }
        & > .transcript-view--tool { color: $secondary; text-style: bold; }
        & > .transcript-view--system { color: $text-muted; text-style: italic; }
        & > .transcript-view--timestamp { color: $text-muted; }
        & > .transcript-view--tool-call { color: $secondary; }
        & > .transcript-view--tool-result { color: $text-muted; }
        & > .transcript-view--tool-error { color: $error; }
        & > .transcript-view--more { color: $text-muted; text-style: italic; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "follow", "Follow", id="transcript.follow"),
        Binding("home", "oldest", "Oldest", show=False, id="transcript.oldest"),
        Binding("x", "toggle_expand", "Expand tools", id="transcript.expand"),
    ]

    @dataclass
    class _Need(TextualMessage):
        """The view needs a page it does not hold (the screen reads it from the store)."""

        view: TranscriptView

        @property
        def control(self) -> TranscriptView:
            return self.view

    class NeedOlder(_Need):
        """The viewport reached the oldest loaded message: load the page before it."""

    class NeedLatest(_Need):
        """`End` was pressed but the newest messages were dropped: load the latest page."""

    def __init__(
        self,
        *,
        max_messages: int = 5000,
        tz: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`tz`: the zone timestamps are shown in (None: the local zone)."""
        super().__init__(name=name, id=id, classes=classes)
        self.max_messages = max(1, max_messages)
        self.tz = tz
        self.has_older = True
        """Whether the store holds messages before the first one loaded (set by the owner)."""
        self._entries: list[_Entry] = []
        self._starts: list[int] = [0]  # line offset of each entry, then the total
        self._expand_all = False
        self._follow = True
        self._new_since_pause = 0
        self._tail_dropped = False
        self._older_pending = False
        self._width = 0

    # ----------------------------------------------------------------- public API

    @property
    def follow(self) -> bool:
        """True while new messages scroll into view."""
        return self._follow

    @property
    def new_since_pause(self) -> int:
        """Messages that arrived while follow mode was paused."""
        return self._new_since_pause

    @property
    def message_count(self) -> int:
        return len(self._entries)

    @property
    def line_count(self) -> int:
        return self._starts[-1]

    @property
    def messages(self) -> list[Message]:
        """The messages held, oldest first (a copy)."""
        return [entry.message for entry in self._entries]

    def set_messages(self, messages: Iterable[Message], has_older: bool = True) -> None:
        """Show these messages (the newest `max_messages` of them) and follow the end."""
        self._entries = [_Entry(m) for m in messages][-self.max_messages :]
        self.has_older = has_older
        self._older_pending = False
        self._tail_dropped = False
        self._follow = True
        self._count_new(-self._new_since_pause)
        self._relayout()

    def append_messages(self, messages: Iterable[Message]) -> None:
        """Add messages that just arrived; they scroll into view only in follow mode."""
        new = [_Entry(m) for m in messages]
        if not new:
            return
        if self._tail_dropped:  # we are not at the live end: a reload on End brings them
            self._count_new(len(new))
            return
        first_new = len(self._entries)
        self._entries.extend(new)
        self._lay_out(self._entries[first_new:])
        removed_lines = self._trim(from_start=True)
        self._update_size()
        if self._follow:
            self._scroll_to(y=self.max_scroll_y, animate=False)
        else:
            if removed_lines:
                self._scroll_to(y=max(0, self.scroll_offset.y - removed_lines), animate=False)
            self._count_new(len(new))
        self.refresh()

    def prepend_messages(self, messages: Iterable[Message], has_older: bool | None = None) -> None:
        """Add an older page above; the viewport keeps showing the same lines.

        An empty page means the start of the transcript (`has_older` becomes False).
        """
        new = [_Entry(m) for m in messages]
        self._older_pending = False
        self.has_older = bool(new) if has_older is None else has_older
        if not new:
            return
        self._lay_out(new)
        added = sum(len(entry.lines) for entry in new)
        top = self.scroll_offset.y
        self._entries[:0] = new
        if self._trim(from_start=False):
            self._tail_dropped = True
            self._follow = False
        self._update_size()
        self._scroll_to(y=top + added, animate=False)
        self.refresh()

    def find(self, holds: Callable[[Message], bool]) -> int | None:
        """The index of the newest message held for which `holds(message)` is true."""
        for index in range(len(self._entries) - 1, -1, -1):
            if holds(self._entries[index].message):
                return index
        return None

    def show_message(self, index: int) -> None:
        """Stop following and bring message `index` to the top of the view (a search hit)."""
        self._follow = False
        self._scroll_to(y=self._starts[index], animate=False)
        # The layout may still grow (a new width): place it again once laid out.
        self.call_after_refresh(lambda: self._scroll_to(y=self._starts[index], animate=False))
        self.refresh()

    def scroll_to_latest(self) -> None:
        """Follow new messages again: to the bottom, counter reset (or ask for the latest page)."""
        if self._tail_dropped:
            self.post_message(self.NeedLatest(self))
            return
        self._resume_follow()

    # ----------------------------------------------------------------- actions

    def action_follow(self) -> None:
        self.scroll_to_latest()

    def action_oldest(self) -> None:
        if self.scroll_offset.y == 0:
            self._request_older()
        self._scroll_to(y=0, animate=False)

    def action_scroll_up(self) -> None:
        if self.scroll_offset.y == 0:
            self._request_older()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        if self.scroll_offset.y == 0:
            self._request_older()
        super().action_page_up()

    def action_toggle_expand(self) -> None:
        """Expand (or collapse) every tool call and tool result."""
        self._expand_all = not self._expand_all
        for entry in self._entries:
            entry.expanded = None
        self._relayout()

    # ----------------------------------------------------------------- events

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        at_end = round(new_value) >= self.max_scroll_y
        if at_end and not self._tail_dropped:
            if not self._follow or self._new_since_pause:
                self._follow = True
                self._count_new(-self._new_since_pause)
        elif round(new_value) < round(old_value):
            self._follow = False
        if round(new_value) == 0 and round(old_value) > 0:
            self._request_older()
        elif round(new_value) > 0:
            self._older_pending = False

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_offset.y == 0:
            self._request_older()

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self._entry_at(self.scroll_offset.y + offset.y)
        if index is None or not is_expandable(self._entries[index].message):
            return
        entry = self._entries[index]
        entry.expanded = not self._expanded(entry)
        self._relayout()

    def _on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._relayout()
        elif self._follow:
            self._scroll_to(y=self.max_scroll_y, animate=False)

    # ----------------------------------------------------------------- rendering

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        virtual_y = self.scroll_offset.y + y
        index = self._entry_at(virtual_y)
        base = self.rich_style
        if index is None:
            return Strip.blank(width, base)
        line = self._entries[index].lines[virtual_y - self._starts[index]]
        segments = [
            Segment(
                text,
                base + self.get_component_rich_style(f"transcript-view--{style}", partial=True),
            )
            if style
            else Segment(text, base)
            for text, style in line
        ]
        return Strip(segments).crop_extend(0, width, base)

    # ----------------------------------------------------------------- internals

    def _expanded(self, entry: _Entry) -> bool:
        return self._expand_all if entry.expanded is None else entry.expanded

    def _lay_out(self, entries: Iterable[_Entry]) -> None:
        """Lay out entries at the current width, reusing each entry's cached lines."""
        width = self._width
        for entry in entries:
            wanted = (width, self._expanded(entry))
            if entry.laid_out_for != wanted:
                entry.lines = layout_message(entry.message, width, wanted[1], self.tz)
                entry.laid_out_for = wanted
        self._starts = [0, *accumulate(len(entry.lines) for entry in self._entries)]

    def _relayout(self) -> None:
        """Lay out every entry again (width or expansion changed).

        In follow mode the view stays at the bottom; otherwise the message at the top of the
        viewport stays there.
        """
        top = self.scroll_offset.y
        index = self._entry_at(top)
        within = top - self._starts[index] if index is not None else 0
        self._width = self.scrollable_content_region.width or 80
        self._lay_out(self._entries)
        self._update_size()
        if self._follow:
            self._scroll_to(y=self.max_scroll_y, animate=False)
            # A new virtual size only bounds scrolling once laid out: go to the end again then,
            # or a freshly opened transcript shows the top of its last page.
            self.call_after_refresh(self._stick_to_end)
        elif index is not None:
            lines = len(self._entries[index].lines)
            self._scroll_to(y=self._starts[index] + min(within, lines - 1), animate=False)
        self.refresh()

    def _trim(self, from_start: bool) -> int:
        """Drop entries beyond `max_messages` from one end; the number of lines dropped."""
        excess = len(self._entries) - self.max_messages
        if excess <= 0:
            self._starts = [0, *accumulate(len(entry.lines) for entry in self._entries)]
            return 0
        if from_start:
            dropped, self._entries = self._entries[:excess], self._entries[excess:]
            self.has_older = True
        else:
            dropped, self._entries = self._entries[-excess:], self._entries[:-excess]
        self._starts = [0, *accumulate(len(entry.lines) for entry in self._entries)]
        return sum(len(entry.lines) for entry in dropped)

    def _update_size(self) -> None:
        size = Size(self._width, self._starts[-1])
        if size != self.virtual_size:
            self.virtual_size = size

    def _entry_at(self, virtual_y: int) -> int | None:
        if virtual_y < 0 or virtual_y >= self._starts[-1]:
            return None
        return bisect_right(self._starts, virtual_y) - 1

    def _stick_to_end(self) -> None:
        if self._follow and self.scroll_offset.y != self.max_scroll_y:
            self._scroll_to(y=self.max_scroll_y, animate=False)

    def _resume_follow(self) -> None:
        self._follow = True
        self._count_new(-self._new_since_pause)
        self._scroll_to(y=self.max_scroll_y, animate=False)
        self.refresh()

    def _count_new(self, count: int) -> None:
        self._new_since_pause += count
        if self._new_since_pause:
            self.border_subtitle = f"{self._new_since_pause} new \u2014 End to follow"
        else:
            self.border_subtitle = ""

    def _request_older(self) -> None:
        if self.has_older and not self._older_pending and self._entries:
            self._older_pending = True
            self.post_message(self.NeedOlder(self))
