"""Textual's Footer, recomposed only when the keys it shows changed.

Textual's Footer recomposes (removes and mounts a widget per key) on every bindings signal: a
focus change, a screen push, each `refresh_bindings()`. Opening a session fired 8-12 of them,
about a third of the time from Enter to the transcript on screen. The keys shown are a
function of the screen's active bindings, so a recompose that would draw the same keys is
skipped.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer


class SteadyFooter(Footer):
    _shown: Any = None  # what the last compose drew

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        yield from super().compose()

    async def recompose(self) -> None:
        if self.is_attached and self._keys() == self._shown:
            return
        await super().recompose()

    def _keys(self) -> Any:
        if not self._bindings_ready:
            return None
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (
                    binding.key,
                    binding.action,
                    binding.description,
                    binding.show,
                    binding.key_display,
                    binding.group,
                    enabled,
                    tooltip,
                )
                for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            ),
        )
