"""`K`: stop the process behind a session (or one from the process list), the operator watching.

The dialog shows the process and keeps it as shown (PID and start time), so what is signalled
is what was on screen. A process serving many sessions asks for its name to be typed. SIGTERM
runs in a thread worker; if the process outlives the wait, SIGKILL is offered in a second dialog.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from sessiontui.actions.stop_process import StopRequest, StopResult, stop_process
from sessiontui.app import SessionTuiApp
from sessiontui.model import ProcessInfo, Session, SessionRow
from sessiontui.screens.modals import ConfirmScreen, session_label
from sessiontui.text import one_line
from sessiontui.widgets.process_facts import process_line


def sessions_served(rows: tuple[SessionRow, ...], info: ProcessInfo) -> int:
    """How many sessions list this process (by PID and start time) as theirs."""
    return sum(
        1
        for row in rows
        if row.processes is not None
        and any(p.pid == info.pid and p.started == info.started for p in row.processes.processes)
    )


class StopProcessScreen(ModalScreen[StopRequest | None]):
    """Confirm stopping one process; a process serving many sessions wants its name typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="stop.cancel"),
        Binding("y", "stop", "Stop", id="stop.yes"),
    ]

    def __init__(self, info: ProcessInfo, session: Session | None, serves: int) -> None:
        super().__init__(classes="action-modal")
        self.info, self.session, self.serves = info, session, serves  # captured now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(f"Stop process {self.info.pid} ({one_line(self.info.name, 30)})"),
                classes="dialog-title",
            )
            body = process_line(self.info, _now())
            body.append("\n" + one_line(" ".join(self.info.cmdline), 200), style="dim")
            if self.session is not None:
                body.append("\nfor ")
                body.append_text(session_label(self.session))
            body.append(
                "\n\nSIGTERM to the process (to its group when it leads one), then a wait;"
                " SIGKILL is offered if it does not exit."
            )
            yield Static(body)
            if self.serves > 1:
                yield Static(
                    Text(
                        f"It serves {self.serves} sessions: type its name, "
                        f"{one_line(self.info.name, 30)}, and press Enter.",
                        style="bold yellow",
                    )
                )
                yield Input(placeholder="process name", id="stop-name")
                yield Static(id="stop-hint")
            else:
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Stop (y)", variant="error", id="yes")
                    yield Button("Cancel (Esc)", id="no")

    def on_mount(self) -> None:
        if self.serves > 1:
            self.query_one("#stop-name", Input).focus()
        else:
            self.query_one("#no", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "stop" and self.serves > 1)  # typing a name must not press y

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.action_stop()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() != self.info.name:
            self.query_one("#stop-hint", Static).update(
                Text(
                    f"'{one_line(event.value, 20)}' is not {one_line(self.info.name, 30)}",
                    style="bold red",
                )
            )
            return
        self.dismiss(StopRequest(self.info, self.session, self.serves, event.value.strip()))

    def action_stop(self) -> None:
        self.dismiss(StopRequest(self.info, self.session, self.serves))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_and_stop(
    app: SessionTuiApp, info: ProcessInfo, session: Session | None, serves: int, *, read_only: bool
) -> None:
    """Open the dialog; on yes, SIGTERM in a worker, then offer SIGKILL if it outlived the wait."""

    def notify(result: StopResult) -> None:
        app.notify(
            one_line(result.message, 300),
            title="Stop process",
            markup=False,
            timeout=10,
            severity="information" if result.gone else ("error" if result.refused else "warning"),
        )

    def rescan() -> None:
        app.fleet.scan_processes_soon()

    def run(request: StopRequest, sig: int) -> None:
        async def work() -> None:
            result = await asyncio.to_thread(stop_process, request, sig, read_only=read_only)
            notify(result)
            rescan()
            if result.alive and sig != signal.SIGKILL:
                body = process_line(request.process, _now())
                body.append(
                    f"\n\n{one_line(result.message, 200)}\nSend SIGKILL? It cannot be caught."
                )
                app.push_screen(
                    ConfirmScreen("Still running: kill it?", body, yes="SIGKILL"),
                    lambda yes: run(request, signal.SIGKILL) if yes else None,
                )

        app.run_worker(
            work(),
            group="actions",
            exit_on_error=False,
            description=f"stopping {request.process.pid}",
        )

    def answered(request: StopRequest | None) -> None:
        if request is not None:
            run(request, signal.SIGTERM)

    app.push_screen(StopProcessScreen(info, session, serves), answered)


def _now() -> datetime:
    return datetime.now(UTC)
