"""Operator actions on a live bot's store: close, rename, delete and each store's own verbs.

Data side: no Textual. Every write mirrors the bot's own SQL in one short `BEGIN IMMEDIATE`
transaction on a connection opened for it and closed after; the session is refused when it
changed since the operator looked (`Session.version`); deletes go to the trash first; every
action is appended to the audit log. See `perform()`.

The names below are imported at their first use: the registry's records name this package's
refusal texts and verbs, and a run that writes nothing (`snapshot`) need not import the
writing, journal, trash and audit modules behind `perform`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sessiontui.actions.available import why_not, why_not_prune
    from sessiontui.actions.base import Outcome, Verb
    from sessiontui.actions.perform import perform, prune, restore_entry
    from sessiontui.actions.trash import TrashEntry, list_trash

_HOMES = {
    "why_not": "available",
    "why_not_prune": "available",
    "Outcome": "base",
    "Verb": "base",
    "perform": "perform",
    "prune": "perform",
    "restore_entry": "perform",
    "TrashEntry": "trash",
    "list_trash": "trash",
}

__all__ = [
    "Outcome",
    "TrashEntry",
    "Verb",
    "list_trash",
    "perform",
    "prune",
    "restore_entry",
    "why_not",
    "why_not_prune",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:  # (a submodule not imported yet: the import system imports it)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
