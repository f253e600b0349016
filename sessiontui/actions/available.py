"""Whether an operator may do a verb to a session now, and if not, why: the format's record says
what its bot allows; the session's own facts say whether it applies to this one now."""

from __future__ import annotations

from sessiontui.actions.base import READ_ONLY, Verb
from sessiontui.model import Session
from sessiontui.stores import registry


def why_not(session: Session, verb: Verb, *, read_only: bool = False) -> str | None:
    """None when `verb` can be done to `session`; otherwise the reason, for the operator."""
    record = registry.record_for(session.format)
    if record is None:
        return f"{session.format} is not a format sessiontui knows"
    if record.read_only is not None:
        return record.read_only
    if read_only:
        return READ_ONLY
    reason = record.refusal(verb)
    if reason is not None:
        return reason
    if verb is Verb.RESET and session.native_state != "running":
        return "only a session the store marks running can be reset to idle"
    if verb in (Verb.ARCHIVE, Verb.UNARCHIVE) and session.archived == (verb is Verb.ARCHIVE):
        return f"already {'archived' if session.archived else 'not archived'}"
    if verb in (Verb.MARK_READ, Verb.MARK_UNREAD) and session.read is None:
        return f"this {record.bot} store has no read flag (an older {record.bot})"
    if verb is Verb.CLOSE and session.closed:
        return f"already closed ({record.bot} has no re-open)"
    return None


def why_not_prune(session: Session, *, read_only: bool = False) -> str | None:
    """None when the store holding `session` has a prune of its own (and writes are allowed)."""
    record = registry.record_for(session.format)
    if record is None or record.prune is None:
        pruners = " and ".join(sorted({r.bot for r in registry.RECORDS if r.prune is not None}))
        return f"prune works on {pruners} stores, which expire old rows; this is a {session.format} session"
    return READ_ONLY if read_only else None
