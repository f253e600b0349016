"""The operator's keys on a session: close, rename, delete, reset, clear, read, archive, prune, undo.

`ActionScreen` is the base of the dashboard and the detail screen; each says which session the
keys act on (`action_session()`). A key whose action is unavailable for that session is greyed out
in the footer (`check_action` returns None) and, when pressed anyway, explains why: each action
binding is followed by a hidden binding on the same key that Textual tries when the first one is
disabled. Writes run as app workers (a screen closing never cancels a write half way) through
`sessiontui.actions`, which checks the session did not change since it was captured here.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Sequence
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType

from sessiontui.actions import (
    Outcome,
    TrashEntry,
    Verb,
    perform,
    prune,
    restore_entry,
    why_not,
    why_not_prune,
)
from sessiontui.actions.base import READ_ONLY
from sessiontui.actions.journal import settled_trash
from sessiontui.model import Session, SessionProcesses
from sessiontui.screens.base import FleetScreen
from sessiontui.screens.modals import (
    BULK_VERBS,
    BulkPlan,
    BulkScreen,
    TextScreen,
    TrashScreen,
    close_screen,
    confirm_session,
    prune_screen,
    rename_screen,
)
from sessiontui.text import one_line

#: The verb each session action performs (toggles choose theirs from the session's state).
VERBS: dict[str, Verb] = {
    "close_session": Verb.CLOSE,
    "rename_session": Verb.RENAME,
    "delete_session": Verb.DELETE,
    "reset_session": Verb.RESET,
    "clear_session": Verb.CLEAR,
}

NO_SESSION = "no session under the cursor"


def action_bindings(
    keys: Sequence[tuple[str, str, str, bool]],
    prefix: str,
    *,
    footer: Collection[str] | None = None,
) -> list[BindingType]:
    """A binding per (key, action, description, in the footer), each followed by its explanation.

    `footer`: only these actions show in the footer (a narrow screen has no room for every key).
    """
    bindings: list[BindingType] = []
    for key, action, description, show in keys:
        show = show and (footer is None or action in footer)
        bindings.append(Binding(key, action, description, show=show, id=f"{prefix}.{action}"))
        bindings.append(Binding(key, f"explain('{action}')", show=False))  # runs only when disabled
    return bindings


#: The keys on one session. Prune (hermes-bot only) stays out of the footer, to leave it room;
#: `?` and the command palette list every key.
SESSION_KEYS = (
    ("C", "close_session", "Close", True),
    ("n", "rename_session", "Rename", True),
    ("d", "delete_session", "Delete", True),
    ("z", "reset_session", "Reset", True),
    ("X", "clear_session", "Clear", True),
    ("m", "toggle_read", "Read/unread", True),
    ("A", "toggle_archive", "Archive", True),
    ("P", "prune_store", "Prune expired", False),
    ("u", "undo_delete", "Undo", True),
    ("K", "stop_process", "Stop process", False),
)


def is_read(session: Session) -> bool:
    """Whether Starpod's `is_read` is set (shown in the session's details)."""
    return dict(session.extra).get("is_read", "0") not in ("0", "", "None", "False")


def verb_for(action: str, session: Session) -> Verb | None:
    if action == "toggle_read":
        return Verb.MARK_UNREAD if is_read(session) else Verb.MARK_READ
    if action == "toggle_archive":
        return Verb.UNARCHIVE if session.archived else Verb.ARCHIVE
    return VERBS.get(action)


def _reason_of(outcome: Outcome, session: Session, verb: Verb) -> str:
    """A refusal's reason without the session it names, so that refusals can be counted together."""
    prefix = f"{verb} {session.id}: "
    return outcome.message.removeprefix(prefix)


class ActionScreen(FleetScreen):
    """A screen whose keys act on one session: the one `action_session()` returns."""

    # Each screen lists `action_bindings(SESSION_KEYS, ...)` after its own keys (footer order).
    GUARDED: ClassVar[frozenset[str]] = frozenset(key[1] for key in SESSION_KEYS)
    _available: tuple[bool, ...] | None = None  # what update_bindings() last showed

    def action_session(self) -> Session | None:
        """The session the keys act on now (the cursor's, or the one shown)."""
        raise NotImplementedError

    @property
    def read_only(self) -> bool:
        return self.tui.config.read_only

    # ------------------------------------------------------------- availability

    def unavailable_reason(self, action: str) -> str | None:
        """None when `action` can be done now; otherwise why not, in words for the operator."""
        if action == "undo_delete":
            return READ_ONLY if self.read_only else None
        session = self.action_session()
        if session is None:
            return NO_SESSION
        if action == "stop_process":
            return self._why_not_stop()
        if action == "prune_store":
            return why_not_prune(session, read_only=self.read_only)
        verb = verb_for(action, session)
        return None if verb is None else why_not(session, verb, read_only=self.read_only)

    def session_processes(self) -> SessionProcesses | None:
        """The processes behind the session the keys act on (None: none known)."""
        return None

    def _why_not_stop(self) -> str | None:
        facts = self.session_processes()
        if self.read_only:
            return READ_ONLY
        if facts is None or not facts.processes:
            return "no running process is linked to this session"
        if not facts.processes[0].inspectable:
            return (
                f"process {facts.processes[0].pid} belongs to another user: it cannot be inspected"
            )
        return None

    def update_bindings(self) -> None:
        """Grey out the keys again, only when what is available changed (the footer recomposes)."""
        available = tuple(
            self.unavailable_reason(action) is None for action in sorted(self.GUARDED)
        )
        if available != self._available:
            self._available = available
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.GUARDED:
            return None if self.unavailable_reason(action) else True
        return True

    def action_explain(self, action: str) -> None:
        reason = self.unavailable_reason(action)
        if reason is not None:
            self.app.notify(
                one_line(reason, 200), title="Not available", severity="warning", markup=False
            )

    # ------------------------------------------------------------- the actions

    def action_close_session(self) -> None:
        self._ask(
            close_screen, lambda s, summary: self.run_verb(s, Verb.CLOSE, summary.strip() or None)
        )

    def action_rename_session(self) -> None:
        def rename(session: Session, name: str) -> None:
            if name.strip() == one_line(session.name):
                self.app.notify("The name is unchanged", severity="information")
            else:
                self.run_verb(session, Verb.RENAME, name.strip())

        self._ask(rename_screen, rename)

    def action_delete_session(self) -> None:
        self._confirm(
            "Delete this session",
            "A copy goes to the trash first: u puts it back.",
            "Delete",
            Verb.DELETE,
        )

    def action_reset_session(self) -> None:
        self._confirm(
            "Reset this session to idle",
            "ZeroClaw's state becomes idle, as the daemon does at a restart.",
            "Reset",
            Verb.RESET,
        )

    def action_clear_session(self) -> None:
        self._confirm(
            "Clear this session's messages",
            "The session stays; its messages go to the trash (u puts them back).",
            "Clear",
            Verb.CLEAR,
        )

    def action_toggle_read(self) -> None:
        session = self.action_session()
        if session is not None:
            self.run_verb(session, verb_for("toggle_read", session) or Verb.MARK_READ)

    def action_toggle_archive(self) -> None:
        session = self.action_session()
        if session is not None:
            self.run_verb(session, verb_for("toggle_archive", session) or Verb.ARCHIVE)

    def action_prune_store(self) -> None:
        session = self.action_session()
        if session is None:
            return
        store = Path(session.store)

        def answered(days: str | None) -> None:
            if days is not None:
                self._run(prune(store, int(days), read_only=self.read_only), "pruning expired rows")

        self.app.push_screen(prune_screen(session), answered)

    def action_stop_process(self) -> None:
        from sessiontui.screens.stop_process import ask_and_stop, sessions_served

        facts, session = self.session_processes(), self.action_session()
        if facts is None or not facts.processes:
            return
        info = facts.processes[0]
        latest = self.tui.latest
        rows = latest.rows if latest is not None else ()
        serves = max(sessions_served(rows, info), 2 if facts.shared else 1)
        ask_and_stop(self.tui, info, session, serves, read_only=self.read_only)

    def action_undo_delete(self) -> None:
        async def show_trash() -> None:
            entries, damaged = await asyncio.to_thread(settled_trash)
            for bad in damaged:
                self.app.notify(
                    one_line(f"damaged trash entry {bad.path}: {bad.reason}"),
                    severity="warning",
                    markup=False,
                )
            self.app.push_screen(TrashScreen(entries), restore)

        def restore(entry: TrashEntry | None) -> None:
            if entry is not None:
                self._run(
                    restore_entry(entry, read_only=self.read_only), "restoring from the trash"
                )

        self.app.run_worker(
            show_trash(), group="actions", exit_on_error=False, description="reading the trash"
        )

    # ------------------------------------------------------------- running them

    def _ask(
        self, screen: Callable[[Session], TextScreen], then: Callable[[Session, str], None]
    ) -> None:
        """Open a text dialog on the session under the cursor, captured now; act on its answer."""
        session = self.action_session()
        if session is None:
            return

        def answered(text: str | None) -> None:
            if text is not None:
                then(session, text)

        self.app.push_screen(screen(session), answered)

    def _confirm(self, title: str, what: str, yes: str, verb: Verb) -> None:
        session = self.action_session()
        if session is None:
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_verb(session, verb)

        self.app.push_screen(confirm_session(title, session, what, yes=yes), answered)

    def run_verb(self, session: Session, verb: Verb, text: str | None = None) -> None:
        """Perform `verb` on `session` as it was captured, in an app worker; report the outcome."""
        self._run(
            perform(session, verb, text=text, read_only=self.read_only),
            f"{verb} {session.id}",
            lambda outcome: self.after_outcome(verb, outcome),
        )

    def after_outcome(self, verb: Verb, outcome: Outcome) -> None:
        """Called after a single-session action finished (the detail screen leaves a deleted session)."""

    def _run(
        self,
        action: Awaitable[Outcome],
        description: str,
        then: Callable[[Outcome], None] | None = None,
    ) -> None:
        app = self.tui

        async def run() -> None:
            try:
                outcome = await action
            except Exception as exc:  # noqa: BLE001 - an error is a message for the operator, not a traceback
                outcome = Outcome(False, f"{description} failed: {exc}")
            if outcome.ok:
                app.fleet.reconcile_all()
            message = outcome.message + (" (u to undo)" if outcome.ok and outcome.trash_id else "")
            app.notify(
                one_line(message, 300),
                severity="information" if outcome.ok else "error",
                timeout=8,
                markup=False,
            )
            if then is not None:
                then(outcome)

        app.run_worker(
            run(), group="actions", exit_on_error=False, description=one_line(description, 80)
        )

    def run_bulk(self, plan: BulkPlan) -> None:
        """Perform the plan's verb on each of its sessions in turn; one summary at the end."""
        app, read_only = self.tui, self.read_only

        app.notify(
            f"{BULK_VERBS[plan.verb][0]}: {len(plan.sessions)} sessions, one at a time",
            severity="information",
            markup=False,
        )

        async def run() -> None:
            done = 0
            refused: Counter[str] = Counter()
            for session in plan.sessions:
                try:
                    outcome = await perform(session, plan.verb, read_only=read_only)
                except Exception as exc:  # noqa: BLE001 - counted and shown, the rest still run
                    outcome = Outcome(False, str(exc))
                if outcome.ok:
                    done += 1
                else:
                    refused[_reason_of(outcome, session, plan.verb)] += 1
            if done:
                app.fleet.reconcile_all()
            app.notify(
                one_line(bulk_summary(plan.verb, done, refused), 400),
                severity="information" if not refused else "warning",
                timeout=15,
                markup=False,
            )

        app.run_worker(run(), group="actions", exit_on_error=False, description=f"bulk {plan.verb}")

    def open_bulk(self, sessions: Sequence[Session], what: str, then: Callable[[], None]) -> None:
        def answered(plan: BulkPlan | None) -> None:
            if plan is not None:
                self.run_bulk(plan)
                then()

        self.app.push_screen(BulkScreen(sessions, what, read_only=self.read_only), answered)


def bulk_summary(verb: Verb, done: int, refused: Counter[str]) -> str:
    """'12 deleted, 2 refused: the session changed since you looked'."""
    parts = [f"{done} {BULK_VERBS[verb][1]}"]
    parts += [f"{count} refused: {reason}" for reason, count in refused.most_common(3)]
    others = sum(refused.values()) - sum(count for _, count in refused.most_common(3))
    if others:
        parts.append(f"{others} refused for other reasons (see the audit log)")
    return ", ".join(parts)
