"""The columns of the session table: what each shows, how it sorts, how wide it is.

Pure functions over `SessionRow`; no Textual. Every cell is plain text made safe by `one_line()`;
the table decides the styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import humanize
from rich.cells import cell_len, set_cell_size

from sessiontui.model import STATE_ORDER, CostSource, SessionRow, SessionState, StoreFormat
from sessiontui.money import dollars
from sessiontui.text import one_line

#: Sorting by state puts what needs an operator first: who waits for them, then what is stuck.
STATE_RANK: dict[SessionState, int] = {state: rank for rank, state in enumerate(STATE_ORDER)}

# Enum members hash through a Python-level __hash__; their ids hash as ints, several times faster.
# Hot loops over every row (sorting, state filters, summaries) look states up by id.
_RANK_BY_ID: dict[int, int] = {id(state): rank for state, rank in STATE_RANK.items()}


CellFn = Callable[[SessionRow, datetime], str]
SortKeyFn = Callable[[SessionRow], Any]  # None: no value, always sorted last


@dataclass(frozen=True, slots=True)
class Column:
    """One column. `width` is fixed, or the minimum when `flex` shares out the spare width.

    When the terminal is too narrow, columns with the highest `drop_order` go first;
    0 is never dropped. `sort_key` returns None for a row without a value.
    """

    key: str
    label: str
    width: int
    cell: CellFn
    sort_key: SortKeyFn
    flex: int = 0
    right: bool = False
    drop_order: int = 0
    total: bool = False  # the sort key is never None: no need to sort missing values last
    since: Callable[[SessionRow], datetime | None] | None = (
        None  # an age: the moment it counts from
    )


def _since(now: datetime, moment: datetime | None) -> timedelta | None:
    if moment is None:
        return None
    try:
        return max(now - moment, timedelta(0))
    except TypeError:  # a naive and an aware datetime: compare as POSIX times
        return timedelta(seconds=max(now.timestamp() - moment.timestamp(), 0.0))


def compact_delta(delta: timedelta) -> str:
    """A duration in at most 4 cells: 45s, 12m, 3h, 9d, 7w, 2y."""
    seconds = int(delta.total_seconds())
    for unit, size in (("y", 31_536_000), ("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size * (2 if unit in "yw" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def compact_count(value: int) -> str:
    """A count the way humanize would say it, in at most 6 cells: 999, 12.3k, 4.5M, 1.2B."""
    if value < 1000:
        return str(value)
    for suffix, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            scaled = value / size
            return f"{scaled:.1f}{suffix}" if scaled < 100 else f"{scaled:.0f}{suffix}"
    return str(value)  # pragma: no cover


def format_cost(row: SessionRow) -> str:
    """`$0.0123`; `?` when the model has no price; `-` when there is no cost at all."""
    session = row.session
    if session.counting is not None:  # a big transcript still being counted: how far it is
        return f"…{session.counting:.0%}"
    if session.cost_source is CostSource.UNKNOWN:
        return "?"
    if session.cost_usd is None:
        return "-"
    return dollars(session.cost_usd)


def state_label(state: SessionState) -> str:
    """The State cell: STUCK shouts, the rest speak."""
    return " STUCK " if state is SessionState.STUCK else str(state)


def channel_user(row: SessionRow) -> str | None:
    """`channel/user`, or whichever of the two the store knows."""
    parts = [part for part in (row.session.channel, row.session.user) if part]
    return "/".join(parts) or None


def reason(row: SessionRow) -> str:
    """The evidence an operator can check (for stuck sessions above all), or a runaway's rate."""
    burn = row.burn
    if burn is not None and burn.runaway and row.verdict.state is not SessionState.STUCK:
        return f"RUNAWAY: ${(burn.dollars_per_minute or 0) * 60:,.2f}/hour, {burn.tokens_per_minute:,.0f} tokens/min"
    return row.verdict.evidence or row.verdict.reason or ""


def format_burn(row: SessionRow, now: datetime) -> str:
    """Dollars per minute over the last 10 minutes; `!` marks a runaway."""
    burn = row.burn
    if burn is None:
        return "-"
    if burn.dollars_per_minute is None:
        return "?"
    return f"{'!' if burn.runaway else ''}${burn.dollars_per_minute:.3f}"


def format_pids(row: SessionRow, now: datetime) -> str:
    """The PID of the session's process (`+n` more); `gone` once it vanished; `-` for none."""
    facts = row.processes
    if facts is None:
        return "-"
    pids = facts.pids
    if pids:
        return (
            f"{pids[0]}"
            + (f"+{len(pids) - 1}" if len(pids) > 1 else "")
            + ("*" if facts.shared else "")
        )
    return "gone" if facts.gone_pid is not None else "-"


def _pid_key(row: SessionRow) -> int | None:
    facts = row.processes
    return facts.pids[0] if facts is not None and facts.pids else None


def _age(row: SessionRow, now: datetime) -> str:
    delta = _since(now, row.session.created_at)
    return "-" if delta is None else compact_delta(delta)


def _last(row: SessionRow, now: datetime) -> str:
    delta = _since(now, row.session.last_activity)
    return "-" if delta is None else str(humanize.naturaltime(delta))


def _tokens(row: SessionRow, now: datetime) -> str:
    usage = row.session.usage
    if row.session.counting is not None:
        return "count"
    return "-" if usage is None else compact_count(usage.total)


def _state_key(row: SessionRow) -> float:
    """Waiting for the operator first, then stuck, error, running ...; the most recently active first
    within a state.

    One float, `rank * 1e10 - last activity` (the time clamped to 0..4e9 s, year 2096), because
    floats compare several times faster than tuples in a sort of a million rows.
    """
    last = row.session.last_activity
    seconds = 0.0
    if last is not None:  # (no min/max: builtin calls cost more than this key's arithmetic)
        seconds = last.timestamp()
        if seconds < 0.0:
            seconds = 0.0
        elif seconds > 4e9:
            seconds = 4e9
    rank = _RANK_BY_ID.get(id(row.verdict.state))
    if rank is None:
        rank = STATE_RANK.get(row.verdict.state, 9)
    return rank * 1e10 - seconds


def _age_key(row: SessionRow) -> float | None:
    """Youngest first: the negated creation time."""
    created = row.session.created_at
    return None if created is None else -created.timestamp()


def _last_key(row: SessionRow) -> float | None:
    """Most recent first, as "3 min ago" reads: the negated time of last activity."""
    last = row.session.last_activity
    return None if last is None else -last.timestamp()


def _folded(text: str) -> str:
    """`text` case-folded; `text` itself when it already is, so that a sort by this column keeps
    no second string per row (100k session keys: 7.6 MiB)."""
    folded = text.casefold()
    return text if folded == text else folded


def _fold(value: str | None) -> str | None:
    return _folded(value) if value else None


def _store_text(row: SessionRow) -> str:
    """The store format's name: the one string of its enum member, not a copy per row (6 MiB
    a sort by this column kept at 100k)."""
    fmt = row.session.format
    return fmt.value if isinstance(fmt, StoreFormat) else str(fmt)


COLUMNS: tuple[Column, ...] = (
    Column("state", "State", 8, lambda r, n: state_label(r.verdict.state), _state_key, total=True),
    Column(
        "name",
        "Name",
        14,
        lambda r, n: r.session.name or r.session.id,
        lambda r: _folded(r.session.name or r.session.id),
        flex=2,
        total=True,
    ),
    Column(
        "store",
        "Store",
        15,
        lambda r, n: _store_text(r),
        _store_text,
        drop_order=7,
        total=True,
    ),
    Column(
        "channel",
        "Channel/User",
        16,
        lambda r, n: channel_user(r) or "-",
        lambda r: _fold(channel_user(r)),
        drop_order=6,
    ),
    Column(
        "model",
        "Model",
        16,
        lambda r, n: r.session.model or "-",
        lambda r: _fold(r.session.model),
        flex=1,
        drop_order=4,
    ),
    Column(
        "age",
        "Age",
        4,
        _age,
        _age_key,
        right=True,
        drop_order=5,
        since=lambda r: r.session.created_at,
    ),
    Column(
        "last",
        "Last activity",
        14,
        _last,
        _last_key,
        drop_order=1,
        since=lambda r: r.session.last_activity,
    ),
    Column(
        "msgs",
        "Msgs",
        6,
        lambda r, n: str(r.session.message_count),
        lambda r: r.session.message_count,
        right=True,
        total=True,
        drop_order=3,
    ),
    Column(
        "turns",
        "Turns",
        5,
        lambda r, n: "-" if r.session.turns is None else str(r.session.turns),
        lambda r: r.session.turns,
        right=True,
        drop_order=8,
    ),
    Column(
        "tokens",
        "Tokens",
        6,
        _tokens,
        lambda r: None if r.session.usage is None else r.session.usage.total,
        right=True,
        drop_order=2,
    ),
    Column(
        "cost",
        "Cost",
        8,
        lambda r, n: format_cost(r),
        lambda r: None if r.session.cost_source is CostSource.UNKNOWN else r.session.cost_usd,
        right=True,
        drop_order=2,
    ),
    Column(
        "burn",
        "$/min",
        7,
        format_burn,
        lambda r: None if r.burn is None else r.burn.dollars_per_minute,
        right=True,
        drop_order=3,
    ),
    Column("pid", "PID", 8, format_pids, _pid_key, right=True, drop_order=4),
    Column("reason", "Reason", 24, lambda r, n: reason(r), lambda r: _fold(reason(r)), flex=3),
)

COLUMN_KEYS: tuple[str, ...] = tuple(column.key for column in COLUMNS)
_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


def column(key: str) -> Column:
    """The column called `key`; KeyError names the known keys."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown column {key!r}; known: {', '.join(COLUMN_KEYS)}") from None


def layout_columns(
    width: int, columns: Sequence[Column] = COLUMNS, gap: int = 1
) -> list[tuple[Column, int]]:
    """Columns that fit in `width` cells, each with its width, in display order.

    Drops the columns with the highest `drop_order` until the minimum widths fit, then shares
    the spare cells among the flexible columns.
    """
    kept = list(columns)
    needed = sum(c.width for c in kept) + gap * (len(kept) - 1)
    for victim in sorted(columns, key=lambda c: -c.drop_order):
        if needed <= width or victim.drop_order == 0:
            break
        kept.remove(victim)
        needed -= victim.width + gap
    spare = max(0, width - needed)
    flex_total = sum(c.flex for c in kept)
    widths = [c.width for c in kept]
    if flex_total:
        flexible = [i for i, c in enumerate(kept) if c.flex]
        for i in flexible:
            widths[i] += spare * kept[i].flex // flex_total
        widths[flexible[-1]] += spare - sum(spare * kept[i].flex // flex_total for i in flexible)
    return list(zip(kept, widths, strict=True))


def filter_text(row: SessionRow) -> str:
    """What the text filter searches: name, id, channel, user and model, case-folded."""
    s = row.session
    return "\x00".join(
        part for part in (s.name, s.id, s.channel, s.user, s.model) if part
    ).casefold()


def cell_text(col: Column, row: SessionRow, now: datetime) -> str:
    """The safe one-line text of a cell (not yet cut to the column width)."""
    return one_line(col.cell(row, now))


def fit(text: str, width: int, right: bool = False) -> str:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "\u2026"
    padding = " " * (width - length)
    return padding + text if right else text + padding
