"""Textual's Footer, recomposed only when the keys it shows changed.

Textual's Footer recomposes (removes and mounts a widget per key) on every bindings signal: a
focus change, a screen push, each `refresh_bindings()`. Opening a session fired 8-12 of them,
about a third of the time from Enter to the transcript on screen. The keys shown are a
function of the screen's active bindings, so a recompose that would draw the same keys is
skipped, and one where only some keys became available or unavailable (the cursor moved to a
session that allows other actions) dims or undims those keys in place: no widget is mounted
and the screen is not laid out again.

Both shortcuts rest on private Textual names, `Footer._bindings_ready` and
`FooterKey._disabled` (tests/test_textual_internals.py checks that they still exist). Should a
Textual release drop them, the footer recomposes as the stock one does: slower, never wrong.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class SteadyFooter(Footer):
    _shown: Any = None  # what the last compose drew

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        yield from super().compose()

    async def recompose(self) -> None:
        if self.is_attached and hasattr(self, "_bindings_ready"):
            # the screen's bindings, each one's availability asked once (it looks at the
            # session under the cursor): the look runs after every key's frame
            bindings = list(self.screen.active_bindings.values())
            keys = self._keys(bindings)
            if keys == self._shown:
                return
            if _layout(keys) == _layout(self._shown) and self._dim_unavailable(bindings):
                self._shown = keys
                return
        await super().recompose()

    def _dim_unavailable(self, bindings: list[ActiveBinding]) -> bool:
        """Each key's dimmed look (and its click) from whether its action is available now
        (`bindings`: the screen's); False, with nothing changed, when this Textual's FooterKey
        has no `_disabled`."""
        keys = list(self.query(FooterKey))
        if not all(hasattr(key, "_disabled") for key in keys):
            return False
        enabled: dict[tuple[str, str], bool] = {}
        for _, binding, available, _tooltip in bindings:
            enabled.setdefault((binding.key, binding.action), available)
        for key in keys:
            available = enabled.get((key.key, key.action), not key._disabled)
            if key._disabled == available:
                key._disabled = not available
                key.set_class(not available, "-disabled")
        return True

    def _keys(self, bindings: list[ActiveBinding] | None = None) -> Any:
        if not self._bindings_ready:
            return None
        if bindings is None:
            bindings = list(self.screen.active_bindings.values())
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
                    tooltip,
                    enabled,
                )
                for _, binding, enabled, tooltip in bindings
            ),
        )


def _layout(keys: Any) -> Any:
    """What the footer's widgets depend on: the keys without whether each is available."""
    if keys is None:
        return None
    compact, palette, bindings = keys
    return compact, palette, tuple(binding[:-1] for binding in bindings)
