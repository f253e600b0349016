"""The Textual app: a small shell around the Fleet (data) and the screens (views)."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.message import Message
from textual.screen import ModalScreen, Screen

from sessiontui import gc_pause
from sessiontui.config import Config, state_dir
from sessiontui.heap import release_free_heap
from sessiontui.live.alerts import Alert, AlertWatch, run_alert_command
from sessiontui.live.fleet import Clock, Fleet, FleetUpdate
from sessiontui.live.process_links import ProcessWatch
from sessiontui.private_files import open_private, private_dir
from sessiontui.seen import SeenSessions
from sessiontui.stores import Found, Store, open_stores
from sessiontui.stores.base import INTERACTIVE_READ_SECONDS, PacedStore
from sessiontui.text import one_line

if TYPE_CHECKING:
    from sessiontui.screens.base import FleetScreen


RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
# A key holds the garbage collector off until its frame is painted and this long after (the
# writer thread needs the interpreter to send it): at 100k sessions a collection that found a
# filter's or an order's new 100k-row lists young walked them for 20-100 ms inside the key.
KEY_COLLECTOR_HOLD_SECONDS = 0.05
KEY_COLLECTOR_HOLD_MOST_SECONDS = 1.0  # however long its frame takes


class FleetUpdated(Message):
    """A new picture of every store. Only the latest matters: a slow UI skips stale ones."""

    def __init__(self, update: FleetUpdate) -> None:
        super().__init__()
        self.update = update

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FleetUpdated)


@dataclass
class FleetFailed(Message):
    """The fleet stopped on an error; it is started again after `retry_in` seconds."""

    error: str
    retry_in: float
    log_path: Path | None


def log_failure(exc: BaseException) -> Path | None:
    """Append the traceback to the log under the state directory (owner-only); its path."""
    path = state_dir() / "sessiontui.log"
    try:
        private_dir(path.parent)
        descriptor = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(descriptor, "a", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"--- {datetime.now(UTC).isoformat()}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


class SessionTuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "sessiontui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "show_help_panel", "Keys", id="app.help"),
    ]

    def __init__(
        self, config: Config, fleet: Fleet, clock: Clock, notes: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.config = config
        self.fleet = fleet
        self.clock = clock
        self.notes = list(notes)
        self.latest: FleetUpdate | None = None
        self._loaded = False  # an update with every store read in full was delivered
        self.alerts = AlertWatch(config.alert_dollars_per_hour)
        self.fleet_error: FleetFailed | None = None  # set while the fleet is down
        self.seen = SeenSessions()  # "finished, not yet seen", across runs
        self.seen.load(clock())  # before the event loop runs: a file read (and write) at most
        self._key_holds: set[object] = set()  # keys holding the collector off (see on_event)

    def get_driver_class(self) -> type[Driver]:
        """Textual's terminal driver, but for one that takes a lone Esc at once (see
        `prompt_escape_driver`); any other (TEXTUAL_DRIVER, Windows) as Textual picks it."""
        chosen = super().get_driver_class()
        if chosen.__name__ != "LinuxDriver":  # (its module imports termios: not on Windows)
            return chosen
        try:  # it imports private Textual modules: a Textual release may move them
            from sessiontui.prompt_escape_driver import PromptEscapeDriver
        except ImportError:
            return chosen
        return PromptEscapeDriver if issubclass(PromptEscapeDriver, chosen) else chosen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:  # as the terminal sent it
            gc_pause.hold()
            hold = object()
            self._key_holds.add(hold)
            done = partial(self._key_done, hold)
            self.call_after_refresh(self.set_timer, KEY_COLLECTOR_HOLD_SECONDS, done)
            # A frame's callback goes with its screen: a key opening a screen that the next key
            # closes before its first frame would hold the collector off for good.
            self.set_timer(KEY_COLLECTOR_HOLD_MOST_SECONDS, done)
        await super().on_event(event)

    def _key_done(self, hold: object) -> None:
        if hold in self._key_holds:
            self._key_holds.discard(hold)
            gc_pause.release()

    def on_mount(self) -> None:
        from sessiontui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())
        for note in self.notes:
            self.notify(
                one_line(note, 300),
                title="At start",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self.run_fleet()

    @work(group="fleet", exclusive=True, exit_on_error=False, description="reading the stores")
    async def run_fleet(self) -> None:
        """Run the fleet; when it fails, say so, log the traceback and start it again, backing off."""
        delivered = False

        def deliver(update: FleetUpdate) -> None:
            nonlocal delivered
            delivered = True
            self.post_message(FleetUpdated(update))

        delay = RESTART_FIRST_SECONDS
        while True:
            delivered = False
            try:
                await self.fleet.run(deliver)
                return
            except Exception as exc:  # noqa: BLE001 - shown in a banner, logged, and retried
                delay = RESTART_FIRST_SECONDS if delivered else min(delay * 2, RESTART_MAX_SECONDS)
                logged = log_failure(exc)
                self.post_message(FleetFailed(f"{type(exc).__name__}: {exc}", delay, logged))
                await asyncio.sleep(delay)
                self.fleet.forget()

    def on_fleet_failed(self, message: FleetFailed) -> None:
        self.fleet_error = message
        where = f"; traceback in {message.log_path}" if message.log_path else ""
        text = (
            f"Reading the stores failed: {message.error}. What is shown is stale; "
            f"retrying in {message.retry_in:g} s{where}"
        )
        for screen in self.visible_fleet_screens():
            screen.show_banner(text)

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        if not self.is_running:  # shutting down: the screens are losing their widgets
            return
        self.fleet_error = None
        loading = any(status.loading for status in message.update.statuses)
        if self.latest is None or (not loading and not self._loaded):
            # after the first rows paint, and again once every store is read in full (at 100k
            # sessions a full collection walked them for 0.3-0.8 s: results/memory_100k.txt),
            # once that frame is written: the collection holds the interpreter, and with it the
            # thread writing the frame, for ~40 ms at 100k (results/ui12_load_inprocess_ab.txt)
            self._loaded = not loading
            self.call_after_refresh(
                self.set_timer, KEY_COLLECTOR_HOLD_SECONDS, _freeze_long_lived_objects
            )
        self.latest = message.update
        for screen in self.visible_fleet_screens():
            screen.show_update(message.update)
        update = message.update
        if loading:
            return  # a first page: the rest is still loading, and what is already so is not news
        for alert in self.alerts.check(update.rows, update.change, update.since):
            self.raise_alert(alert)

    def visible_fleet_screens(self) -> list[FleetScreen]:
        """The fleet screens that can be seen: the top one, and those under modal dialogs."""
        from sessiontui.screens.base import FleetScreen

        visible: list[FleetScreen] = []
        for screen in reversed(self.screen_stack):
            if isinstance(screen, FleetScreen):
                visible.append(screen)
            if not isinstance(screen, ModalScreen):
                break
        return visible

    def raise_alert(self, alert: Alert) -> None:
        if self.config.bell:
            self.bell()
        title = "Session stuck" if alert.kind == "stuck" else "Spending fast"
        self.notify(
            one_line(alert.message, 200), title=title, severity="warning", timeout=20, markup=False
        )
        if self.config.alert_command:
            self.run_worker(
                run_alert_command(self.config.alert_command, alert),
                group="alerts",
                exit_on_error=False,
                description="alert command",
            )

    def mark_seen(self, uid: str) -> None:
        """The operator looked at this session now; the marks are written in a thread."""
        self.seen.mark(uid, self.clock())
        self.run_worker(
            asyncio.to_thread(self.seen.save), group="seen", exclusive=True, exit_on_error=False
        )

    async def on_unmount(self) -> None:
        for hold in list(self._key_holds):  # a key's timer that will not fire now
            self._key_done(hold)
        await asyncio.to_thread(self.seen.save)  # the last marks, whatever a worker still did
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
        for namespace, binding, enabled, tooltip in screen.active_bindings.values():
            if binding.action in seen or not binding.description:
                continue
            reason = None if enabled or why is None else why(binding.action)
            if not enabled and reason is None:
                continue
            seen.add(binding.action)
            action = binding.action if reason is None else f"explain('{binding.action}')"
            yield SystemCommand(
                binding.description,
                f"not available: {one_line(reason, 100)}"
                if reason
                else tooltip or f"key: {binding.key_display or binding.key}",
                lambda action=action, namespace=namespace: self.run_action(action, namespace),
            )


def _freeze_long_lived_objects() -> None:
    """The app as started lives as long as the process: collect once, then keep the garbage
    collector from walking those objects again and again (full collections stalled keys 160 ms
    while a big transcript was being counted; benchmarks/results/big_transcript_app.txt).
    Then the heap the load freed goes back to the system."""
    gc.collect()
    gc.freeze()
    release_free_heap()  # what the load made and dropped: RSS down to what lives on


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
    for store in opened:  # a huge file is listed at once and counted over a few ticks
        if isinstance(store, PacedStore):
            store.read_seconds = INTERACTIVE_READ_SECONDS
    fleet = Fleet(
        opened,
        clock=clock,
        thresholds=config.thresholds,
        refresh_seconds=config.refresh_seconds,
        processes=ProcessWatch(),
    )
    return SessionTuiApp(config, fleet, clock, notes)


def start_notes(config: Config, found: Sequence[Found], problems: list[str]) -> list[str]:
    """What the app shows at start: the stores' problems, then (unless read-only) one line for
    each action a killed run left unfinished and each stray staged file, once settled."""
    if config.read_only:
        return problems
    from sessiontui.actions.recovery import recovery_notes

    directories = tuple((f.path, str(f.format)) for f in found if f.path.is_dir())
    return [*problems, *recovery_notes(directories=directories)]


def run_dashboard(config: Config) -> int:
    """Open the stores of `config` and run the dashboard until the operator quits (the exit code).
    With no store to open, each reason is one line on stderr and the code is 2."""
    from sessiontui.stores import find_stores

    found, errors = find_stores(list(config.paths))
    if not found:
        for error in errors:
            print(f"sessiontui: {one_line(error)}", file=sys.stderr)
        return 2
    from sessiontui.prompt_escape_driver import use_default_escape_delay

    use_default_escape_delay()
    app = make_app(config, found=found, notes=start_notes(config, found, errors))
    app.run()
    return app.return_code or 0
