"""Textual's vertical scrollbar, drawing the looks it drew lately from memory.

`Esc` puts the session table's scroll range and position back to what they were before `/`,
and Textual drew the bar again through Rich: 45 lines, about a quarter of the compositor's work
for the Esc frame at 200x50 (benchmarks/results/esc12b_*). A look is kept under everything its
lines depend on: the bar's size, the part of it asked for, and what Textual's own `render`
makes of its state (scroll range, window, position, thickness, direction and colours, which
already follow hover, grab, focus and the theme); a style update forgets every look.

`SessionTable` makes its bar one of these through two private Textual names,
`Widget._vertical_scrollbar` and `App._start_widget` (tests/test_textual_internals.py checks
them): without them, the table gets Textual's own bar.
"""

from __future__ import annotations

from typing import Any

from textual.cache import LRUCache
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

LOOKS_KEPT = 8


class RememberedScrollBar(ScrollBar):
    """A `ScrollBar` whose `render_lines` returns the lines of a look it drew before: one of
    the last `LOOKS_KEPT`, or the one `keep` was asked to keep (a filter's count draws a look
    at each step, and would push the one to come back to out of the recent ones)."""

    def __init__(
        self, vertical: bool = True, name: str | None = None, *, thickness: int = 1
    ) -> None:
        self._looks: LRUCache[tuple[Any, ...], list[Strip]] = LRUCache(LOOKS_KEPT)
        self._kept: tuple[tuple[Any, ...], list[Strip]] | None = None
        super().__init__(vertical, name, thickness=thickness)

    def keep(self) -> None:
        """Keep the look the whole bar has now (if it was drawn) until `keep` is asked again."""
        key = self._key(self.size.region)
        lines = None if key is None else self._looks.get(key)
        if key is not None and lines is not None:
            self._kept = (key, lines)

    def render_lines(self, crop: Region) -> list[Strip]:
        key = self._key(crop)
        if key is None:
            return super().render_lines(crop)
        kept = self._kept
        lines = kept[1] if kept is not None and kept[0] == key else self._looks.get(key)
        if lines is None:
            lines = self._looks[key] = super().render_lines(crop)
        return list(lines)

    def _key(self, crop: Region) -> tuple[Any, ...] | None:
        """What the lines of `crop` depend on; None for Textual's bar with no colour."""
        look = self.render()
        if not isinstance(look, ScrollBarRender):
            return None
        return (
            self.size,
            crop,
            look.virtual_size,
            look.window_size,
            look.position,
            look.thickness,
            look.vertical,
            look.style,
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._looks.clear()
        self._kept = None
