"""The dialogs of the operator actions: each asks one thing and `dismiss()`es the answer.

A dialog never writes. It keeps the `Session` objects it was opened on (they carry the
`version` the write is checked against) and the caller performs the action with them, so a row
that moves or vanishes while a dialog is open can never redirect the action to another session.
Every text that comes from a store is shown through `one_line()` inside a rich `Text`: never
as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from sessiontui.actions import TrashEntry, Verb, why_not
from sessiontui.model import Session
from sessiontui.money import session_cost
from sessiontui.stores import registry
from sessiontui.text import one_line

PREVIEW_ROWS = 20  # sessions a bulk dialog lists before "and N more"

#: The verbs a bulk action offers, with the word its summary uses.
BULK_VERBS: dict[Verb, tuple[str, str]] = {
    Verb.CLOSE: ("close", "closed"),
    Verb.DELETE: ("delete", "deleted"),
    Verb.RESET: ("reset to idle", "reset"),
    Verb.CLEAR: ("clear messages", "cleared"),
    Verb.MARK_READ: ("mark read", "marked read"),
    Verb.ARCHIVE: ("archive", "archived"),
}


def session_label(session: Session, width: int = 60) -> Text:
    """`name (id)` as safe text; the id alone when the store has no name."""
    text = Text(one_line(session.name or session.id, width), style="bold")
    if session.name and session.name != session.id:
        text.append(f" ({one_line(session.id, 40)})", style="dim")
    return text


def cost_words(session: Session) -> str:
    """The session's cost as an operator reads it, or why there is no number."""
    return session_cost(session, unknown="cost unknown", none="no cost data")


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no about one session (or trash entry): `y` does it, `n` or Escape does not."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self, title: str, body: Text, *, yes: str = "Yes", session: Session | None = None
    ) -> None:
        super().__init__(classes="action-modal")
        self.title_text, self.body, self.yes = title, body, yes
        self.session = session  # the session the question is about, as it was when asked

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Static(self.body, id="confirm-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # Enter alone never destroys anything

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


def confirm_session(title: str, session: Session, what: str, *, yes: str) -> ConfirmScreen:
    """A confirmation naming the session, its store, message count and cost, then `what` happens."""
    body = Text()
    body.append_text(session_label(session))
    body.append(f"\n{session.format}  {one_line(session.store, 70)}", style="dim")
    body.append(f"\n{session.message_count} messages, {cost_words(session)}")
    targets = dict(session.extra).get("delete targets")
    if (
        targets and yes == "Delete"
    ):  # the exact ids the delete is guarded by (Hermes Agent lineages)
        body.append(f"\nsessions: {one_line(targets, 200)}", style="dim")
    body.append(f"\n\n{what}")
    return ConfirmScreen(title, body, yes=yes, session=session)


class TextScreen(ModalScreen[str | None]):
    """One line of text (a name, a summary, a number of days); Enter gives it, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="text.cancel")
    ]

    def __init__(
        self,
        title: str,
        about: Text,
        *,
        value: str = "",
        placeholder: str = "",
        check: Callable[[str], str | None] | None = None,
        session: Session | None = None,
    ) -> None:
        super().__init__(classes="action-modal")
        self.title_text, self.about, self.value, self.placeholder = title, about, value, placeholder
        self.check = check  # returns why a value cannot be used, or None
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Static(self.about)
            yield Input(value=self.value, placeholder=self.placeholder, id="answer")
            yield Static(Text("Enter to confirm, Esc to cancel", style="dim"), id="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value) if self.check else None
        if problem is not None:
            self.query_one("#hint", Static).update(Text(problem, style="bold red"))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def rename_screen(session: Session) -> TextScreen:
    def check(value: str) -> str | None:
        return "a name cannot be empty" if not value.strip() else None

    return TextScreen(
        f"Rename this {session.format} session",
        session_label(session),
        value=one_line(session.name),
        placeholder="new name",
        check=check,
        session=session,
    )


def close_screen(session: Session) -> TextScreen:
    about = session_label(session)
    about.append(
        "\nStarpod keeps a summary with a closed session; it cannot be re-opened.", style="dim"
    )
    return TextScreen(
        "Close this session", about, placeholder="summary (optional)", session=session
    )


def prune_screen(session: Session) -> TextScreen:
    def check(value: str) -> str | None:
        return (
            None
            if value.strip().isdigit() and int(value) > 0
            else "a whole number of days, 1 or more"
        )

    record = registry.record_for(session.format)
    bot = record.bot if record is not None else str(session.format)
    about = Text(
        f"{bot}'s own prune: sessions idle longer than this many days are deleted from\n"
        f"{one_line(session.store, 70)}"
    )
    about.append("\n(a copy goes to the trash first: u puts it back)", style="dim")
    return TextScreen(
        f"Prune expired {bot} sessions", about, value="7", check=check, session=session
    )


class TrashScreen(ModalScreen[TrashEntry | None]):
    """What delete, clear and prune removed, newest first; Enter restores one after a confirmation."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="trash.cancel")
    ]

    def __init__(self, entries: Sequence[TrashEntry]) -> None:
        super().__init__(classes="action-modal")
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Static(Text("Restore from the trash (newest first)"), classes="dialog-title")
            yield OptionList(
                *(Option(_entry_text(e), id=str(i)) for i, e in enumerate(self.entries)), id="trash"
            )
            hint = (
                "Enter restores the highlighted entry, Esc closes"
                if self.entries
                else "The trash is empty."
            )
            yield Static(Text(hint, style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.entries[event.option_index]
        body = _entry_text(entry)
        body.append(f"\n\nPut it back into {one_line(entry.store, 70)}?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(entry)

        self.app.push_screen(ConfirmScreen("Restore this session", body, yes="Restore"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _entry_text(entry: TrashEntry) -> Text:
    text = Text(f"{entry.deleted_at:%Y-%m-%d %H:%M:%S} UTC  {one_line(entry.action, 10):<8} ")
    text.append(one_line(entry.name or entry.session_id, 40), style="bold")
    if entry.name and entry.name != entry.session_id:
        text.append(f" ({one_line(entry.session_id, 30)})", style="dim")
    text.append(f"  {one_line(entry.format, 16)}  {entry.messages} messages")
    return text


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """What a bulk dialog agreed to: one verb, the sessions it applies to as they were shown."""

    verb: Verb
    sessions: tuple[Session, ...]


class BulkScreen(ModalScreen[BulkPlan | None]):
    """Choose a verb, see what it changes and what it skips, type the count to proceed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="bulk.cancel")
    ]

    def __init__(self, sessions: Sequence[Session], what: str, *, read_only: bool = False) -> None:
        super().__init__(classes="action-modal")
        self.sessions = tuple(
            sessions
        )  # captured now: what the operator is shown is what is changed
        self.what, self.read_only = what, read_only
        self.verb = Verb.CLOSE
        self.applies: tuple[Session, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            title = Text(f"Bulk action on {len(self.sessions)} {self.what}")
            title.append("  (space on a row marks it)", style="dim not bold")
            yield Static(title, classes="dialog-title")
            yield OptionList(
                *(Option(Text(label), id=str(verb)) for verb, (label, _) in BULK_VERBS.items()),
                id="bulk-verbs",
            )
            with VerticalScroll(id="bulk-preview-box"):
                yield Static(id="bulk-preview")
            yield Input(placeholder="type the number of sessions to proceed", id="bulk-count")
            yield Static(id="bulk-hint")

    def on_mount(self) -> None:
        self._choose(Verb.CLOSE)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self._choose(Verb(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#bulk-count", Input).focus()

    def _choose(self, verb: Verb) -> None:
        self.verb = verb
        label = BULK_VERBS[verb][0]
        checked = [(s, why_not(s, verb, read_only=self.read_only)) for s in self.sessions]
        self.applies = tuple(s for s, reason in checked if reason is None)
        skipped = [(s, reason) for s, reason in checked if reason is not None]
        text = Text()
        text.append(f"{label}: {len(self.applies)} sessions\n", style="bold")
        _list(text, [(s, None) for s in self.applies])
        if skipped:
            text.append(f"\nskipped: {len(skipped)} sessions\n", style="bold yellow")
            _list(text, skipped)
        self.query_one("#bulk-preview", Static).update(text)
        self.query_one("#bulk-count", Input).value = ""
        hint = (
            f"Type {len(self.applies)} and press Enter to {label} them"
            if self.applies
            else "Nothing to do: choose another action"
        )
        self.query_one("#bulk-hint", Static).update(Text(hint, style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.applies and event.value.strip() == str(len(self.applies)):
            self.dismiss(BulkPlan(self.verb, self.applies))
            return
        wanted = str(len(self.applies)) if self.applies else "nothing (no session would change)"
        self.query_one("#bulk-hint", Static).update(
            Text(f"'{one_line(event.value, 12)}' is not the count: type {wanted}", style="bold red")
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


def _list(text: Text, rows: Sequence[tuple[Session, str | None]]) -> None:
    for session, reason in rows[:PREVIEW_ROWS]:
        text.append("  ")
        text.append_text(session_label(session, 40))
        text.append(f"  {session.format}", style="dim")
        if reason is not None:
            text.append(f": {one_line(reason, 80)}", style="yellow")
        text.append("\n")
    if len(rows) > PREVIEW_ROWS:
        text.append(f"  and {len(rows) - PREVIEW_ROWS} more\n", style="italic")
