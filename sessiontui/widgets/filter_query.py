"""The `/` filter's little language. Pure; no Textual.

Words separated by spaces must all match (any case). A plain word matches any column the table
shows (state, name, store, channel/user, model, counts, cost, $/min, reason) or the session id;
the Age and Last activity columns, which move with the clock, are not searched.
`field:value` matches one field only: `state:stuck store:starpod model:opus`. An unknown
field name is an ordinary word (`http://x` is looked for as text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sessiontui.model import SessionRow
from sessiontui.widgets.session_columns import compact_count, format_burn, format_cost, reason

_EPOCH = datetime.fromtimestamp(0, UTC)

#: The fields `field:value` may name, and the text each one matches against.
FIELDS: dict[str, Callable[[SessionRow], str | None]] = {
    "state": lambda r: str(r.verdict.state),
    "store": lambda r: f"{r.session.format}\x00{r.session.store}",
    "name": lambda r: r.session.name,
    "id": lambda r: r.session.id,
    "channel": lambda r: r.session.channel,
    "user": lambda r: r.session.user,
    "agent": lambda r: r.session.agent,
    "model": lambda r: r.session.model,
    "reason": lambda r: f"{r.verdict.reason or ''}\x00{r.verdict.evidence or ''}",
}

FILTER_HELP = (
    "## Filter (`/`)\n\n"
    "Words must all match, in any case, in any column shown (State, Name, Store, Channel/User, Model, "
    "Msgs, Turns, Tokens, Cost, $/min, Reason) or the session id: `starpod` lists the Starpod sessions.\n\n"
    "`field:value` matches one field: " + ", ".join(f"`{name}:`" for name in FIELDS) + ". "
    "Example: `state:stuck store:starpod model:opus`.\n\n"
    "The text shows in the table's bottom border as you type, the cursor on the first match (a "
    'big table shows its first screenful at once; the title says "counting…" until every match '
    "is counted); Backspace deletes a letter, ctrl+u the whole text, the arrows move the cursor. "
    "Enter keeps the filter (j and k move again); Esc clears it and puts the cursor back where "
    "it was."
)


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: any column
    value: str  # case-folded


def parse(text: str) -> tuple[Term, ...]:
    """The terms of a filter text; `()` matches every row."""
    terms = []
    for word in text.casefold().split():
        name, colon, value = word.partition(":")
        if colon and name in FIELDS:
            if value:
                terms.append(Term(name, value))
        else:
            terms.append(Term(None, word))
    return tuple(terms)


def narrows(before: tuple[Term, ...], after: tuple[Term, ...]) -> bool:
    """Whether every row matching `after` also matches `before` (so `after` may filter the rows
    that matched `before` instead of every row): each earlier term is kept, the same or longer."""
    if len(after) < len(before):
        return False
    return all(
        b.field == a.field and b.value in a.value for b, a in zip(before, after, strict=False)
    )


def haystack(row: SessionRow) -> str:
    """Every searchable cell of a row (as the table shows it) and its id, case-folded.

    Built field by field rather than through the cell functions: it is made for every row, so it
    costs a few microseconds, not a dozen."""
    s, burn = row.session, row.burn
    usage = s.usage
    return (
        f"{row.verdict.state}\x00{s.name}\x00{s.id}\x00{s.format}\x00{s.channel or ''}/{s.user or ''}"
        f"\x00{s.agent or ''}\x00{s.model or ''}\x00{s.message_count}\x00{'' if s.turns is None else s.turns}"
        f"\x00{'' if usage is None else compact_count(usage.total)}\x00{format_cost(row)}"
        f"\x00{'' if burn is None else format_burn(row, _EPOCH)}\x00{reason(row)}"
    ).casefold()


def field_text(row: SessionRow, name: str) -> str:
    return (FIELDS[name](row) or "").casefold()


def matches(terms: tuple[Term, ...], row: SessionRow, text: str) -> bool:
    """Whether `row` (whose haystack is `text`) passes every term."""
    for term in terms:
        if term.field is None:
            if term.value not in text:
                return False
        elif term.value not in field_text(row, term.field):
            return False
    return True
