"""The Textual app: a small shell around the Fleet (data) and the screens (views)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from sessiontui.config import Config
from sessiontui.live.alerts import Alert, AlertWatch, run_alert_command
from sessiontui.live.fleet import Clock, Fleet, FleetUpdate
from sessiontui.stores import Found, Store, open_stores
from sessiontui.text import one_line


class FleetUpdated(Message):
    """A new picture of every store. Only the latest matters: a slow UI skips stale ones."""

    def __init__(self, update: FleetUpdate) -> None:
        super().__init__()
        self.update = update

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FleetUpdated)


class SessionTuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "sessiontui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "show_help_panel", "Keys", id="app.help"),
    ]

    def __init__(self, config: Config, fleet: Fleet, clock: Clock, notes: Sequence[str] = ()) -> None:
        super().__init__()
        self.config = config
        self.fleet = fleet
        self.clock = clock
        self.notes = list(notes)
        self.latest: FleetUpdate | None = None
        self.alerts = AlertWatch(config.alert_dollars_per_hour)

    def on_mount(self) -> None:
        from sessiontui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())
        for note in self.notes:
            self.notify(one_line(note, 300), title="Not opened", severity="warning", timeout=15, markup=False)
        self.run_fleet()

    @work(group="fleet", exclusive=True, exit_on_error=False, description="reading the stores")
    async def run_fleet(self) -> None:
        def deliver(update: FleetUpdate) -> None:
            self.post_message(FleetUpdated(update))

        await self.fleet.run(deliver)

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        if not self.is_running:  # shutting down: the screens are losing their widgets
            return
        self.latest = message.update
        for screen in self.screen_stack:
            apply = getattr(screen, "apply_update", None)
            if apply is not None:
                apply(message.update)
        update = message.update
        if any(status.loading for status in update.statuses):
            return  # a first page: the rest is still loading, and what is already so is not news
        for alert in self.alerts.check(update.rows, update.change, update.since):
            self.raise_alert(alert)

    def raise_alert(self, alert: Alert) -> None:
        if self.config.bell:
            self.bell()
        title = "Session stuck" if alert.kind == "stuck" else "Spending fast"
        self.notify(one_line(alert.message, 200), title=title, severity="warning", timeout=20, markup=False)
        if self.config.alert_command:
            self.run_worker(run_alert_command(self.config.alert_command, alert), group="alerts",
                            exit_on_error=False, description="alert command")

    async def on_unmount(self) -> None:
        self.workers.cancel_group(self, "fleet")
        await self.fleet.close()  # aiosqlite threads would keep the process alive

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key of the current screen in the command palette, with the app's own.

        An action unavailable for the session under the cursor is listed with the reason, and
        choosing it says why (the screen's `explain` action) instead of doing nothing.
        """
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        why = getattr(screen, "unavailable_reason", None)
        for (namespace, binding, enabled, tooltip) in screen.active_bindings.values():
            if binding.action in seen or not binding.description:
                continue
            reason = None if enabled or why is None else why(binding.action)
            if not enabled and reason is None:
                continue
            seen.add(binding.action)
            action = binding.action if reason is None else f"explain('{binding.action}')"
            yield SystemCommand(
                binding.description,
                f"not available: {one_line(reason, 100)}" if reason
                else tooltip or f"key: {binding.key_display or binding.key}",
                lambda action=action, namespace=namespace: self.run_action(action, namespace),
            )


def make_app(
    config: Config,
    *,
    found: Sequence[Found] = (),
    stores: Sequence[Store] | None = None,
    clock: Clock | None = None,
    notes: Sequence[str] = (),
) -> SessionTuiApp:
    """The app, shared by the CLI and the tests (which pass their own stores and a fixed clock)."""
    clock = clock or (lambda: datetime.now(UTC))
    opened = list(stores) if stores is not None else open_stores(list(found))
    fleet = Fleet(opened, clock=clock, thresholds=config.thresholds, refresh_seconds=config.refresh_seconds)
    return SessionTuiApp(config, fleet, clock, notes)
