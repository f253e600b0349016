"""The base of every screen that shows the fleet: typed access to the app, and updates only
while the screen can be seen (a hidden screen catches up when it is shown again)."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from sessiontui.app import SessionTuiApp
from sessiontui.live.fleet import FleetUpdate


class FleetScreen(Screen[None]):
    """A screen drawn from the fleet's latest update (`apply_update`)."""

    _shown_update: FleetUpdate | None = None  # the update this screen last drew
    _banner: Static | None = None  # the failure banner while one is shown

    @property
    def tui(self) -> SessionTuiApp:
        """The app, typed: every screen of sessiontui runs inside a SessionTuiApp."""
        app = self.app
        assert isinstance(app, SessionTuiApp), type(app)
        return app

    def apply_update(self, update: FleetUpdate) -> None:
        """Draw this update (subclasses); called only while the screen is visible."""

    def show_update(self, update: FleetUpdate) -> None:
        if not self.children:
            return  # pushed but not composed yet: on_mount shows the latest
        self.show_banner(None)
        if update is not self._shown_update:
            self._shown_update = update
            self.apply_update(update)

    def show_latest(self) -> None:
        if self.tui.latest is not None:
            self.show_update(self.tui.latest)

    def show_banner(self, text: str | None) -> None:
        """A line across the top of the screen saying what is wrong (None: nothing is)."""
        if text is None:
            if self._banner is not None:  # every update clears it: no DOM query when none is up
                self._banner.remove()
                self._banner = None
        elif self._banner is not None:
            self._banner.update(Text(text))
        else:
            self._banner = Static(Text(text), id="fleet-banner")
            self.mount(self._banner, before=0)

    def on_screen_resume(self) -> None:
        self.show_latest()  # updates that arrived while hidden: only the newest matters
        failed = self.tui.fleet_error
        if failed is not None:
            self.show_banner(f"Reading the stores failed: {failed.error}. What is shown is stale")
