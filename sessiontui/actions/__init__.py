"""Operator actions on a live bot's store: close, rename, delete and each store's own verbs.

Data side: no Textual. Every write mirrors the bot's own SQL in one short `BEGIN IMMEDIATE`
transaction on a connection opened for it and closed after; the session is refused when it
changed since the operator looked (`Session.version`); deletes go to the trash first; every
action is appended to the audit log. See `perform()`.
"""

from sessiontui.actions.available import why_not, why_not_prune
from sessiontui.actions.base import Outcome, Verb
from sessiontui.actions.perform import perform, prune, restore_entry
from sessiontui.actions.trash import TrashEntry, list_trash

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
