"""What the dashboard derives from the rows, kept current from the fleet's changes (summary totals,
the unseen set, the hidden count, the sorted and filtered view with its prepared orders), always
equals a full recomputation, over random sequences of writes, deletes, clock moves (across
midnight), looks at sessions, filter texts, sort keys and idle moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.live.classified_rows import ClassifiedRows, RowChange
from sessiontui.live.fleet_summary import SummaryTally, summarize
from sessiontui.model import (
    CostSource,
    LastMessage,
    MessageKind,
    Session,
    SessionRow,
    StoreFormat,
    Usage,
)
from sessiontui.rules.state import Thresholds
from sessiontui.seen import SeenSessions, UnseenRows
from sessiontui.widgets.row_set import RowSet
from sessiontui.widgets.session_columns import COLUMN_KEYS

T0 = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)  # two hours before midnight
FORMATS = (StoreFormat.ZEROCLAW_SQLITE, StoreFormat.STARPOD)
PATHS = (None, None, "/t/a.jsonl", "/t/b.jsonl")  # some sessions share a transcript file
COSTS = (None, (0.1, CostSource.RECORDED), (0.3, CostSource.COMPUTED), (None, CostSource.UNKNOWN))


def make_session(store: int, sid: int, now: datetime, shape: tuple[int, ...]) -> Session:
    ago, kind, state, hidden, path, cost, tokens = shape
    activity = now - timedelta(minutes=ago)
    last = (
        None,
        LastMessage("assistant", MessageKind.TEXT, activity, "done."),
        LastMessage("assistant", MessageKind.TEXT, activity, "shall I?"),
        LastMessage("user", MessageKind.TEXT, activity, "hello"),
    )[kind]
    priced = COSTS[cost]
    return Session(
        FORMATS[store],
        f"/stores/{store}",
        f"s{sid}",
        f"name {sid % 4}",
        created_at=activity - timedelta(hours=1),
        last_activity=activity,
        model=("claude-opus-4-1", None, "gpt-5")[sid % 3],
        message_count=tokens,
        usage=Usage(tokens * 100, tokens) if tokens else None,
        cost_usd=priced[0] if priced else None,
        cost_source=priced[1] if priced else None,
        native_state=(None, "running", "error", "idle", None)[state],
        closed=state == 4,
        hidden=bool(hidden),
        source_path=PATHS[path],
        last_message=last,
    )


SHAPES = st.tuples(
    st.integers(0, 600),  # minutes since the last activity
    st.integers(0, 3),
    st.integers(0, 4),
    st.integers(0, 1),  # hidden by the bot's own pickers
    st.integers(0, len(PATHS) - 1),
    st.integers(0, len(COSTS) - 1),
    st.integers(0, 5),
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(0, 1), st.integers(0, 9), SHAPES),
        st.tuples(st.just("delete"), st.integers(0, 1), st.integers(0, 9)),
        st.tuples(st.just("clock"), st.integers(0, 180)),  # minutes
        st.tuples(st.just("look"), st.integers(0, 1), st.integers(0, 9)),
        st.tuples(
            st.just("type"), st.sampled_from(["", "n", "name", "name 1", "s", "xyz", "stuck"])
        ),
        st.tuples(st.just("sort"), st.sampled_from(COLUMN_KEYS), st.booleans()),
        st.tuples(st.just("next sort")),  # the `o` key: the next column, maybe prepared
        st.tuples(st.just("idle"), st.integers(1, 40)),  # warm() steps while the operator reads
        st.tuples(st.just("skip")),  # an update the UI never saw: no usable change
    ),
    max_size=30,
)


def fresh_view(rows: tuple[SessionRow, ...], like: RowSet) -> list[SessionRow]:
    fresh = RowSet(like.sort_key, like.reverse)
    fresh.set_rows(rows)
    fresh.set_text(like.text)
    return fresh.rebuild()


@settings(max_examples=250, deadline=None)
@given(
    initial=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 9), SHAPES), max_size=12),
    steps=STEPS,
)
def test_incremental_consumers_equal_a_full_recomputation(
    initial: list[tuple[int, int, tuple[int, ...]]],
    steps: list[tuple[object, ...]],
) -> None:
    now = T0
    stores: list[dict[int, Session]] = [{}, {}]
    for store, sid, shape in initial:
        stores[store][sid] = make_session(store, sid, now, shape)
    book = ClassifiedRows(Thresholds())
    seen = SeenSessions(Path("/nonexistent/seen.json"))
    seen.since = T0 - timedelta(hours=3)
    tally, unseen, row_set = SummaryTally(), UnseenRows(seen), RowSet()
    shown: tuple[SessionRow, ...] = ()  # the rows the consumers last took
    for step in [("write", 0, 0, (5, 1, 0, 0, 0, 1, 2)), *steps]:
        kind = step[0]
        skip = False
        if kind == "write":
            store, sid = cast(int, step[1]), cast(int, step[2])
            stores[store][sid] = make_session(store, sid, now, cast("tuple[int, ...]", step[3]))
        elif kind == "delete":
            stores[cast(int, step[1])].pop(cast(int, step[2]), None)
        elif kind == "clock":
            now += timedelta(minutes=cast(int, step[1]))
        elif kind == "look":
            key = stores[cast(int, step[1])].get(cast(int, step[2]))
            if key is not None:
                seen.mark(key.uid, now)
        elif kind == "type":
            text = str(step[1])
            grown = row_set.text + text[len(row_set.text) :]
            row_set.set_text(grown if text.startswith(row_set.text) else text)
        elif kind == "sort":
            row_set.set_sort(str(step[1]), bool(step[2]))
        elif kind == "next sort":
            keys = COLUMN_KEYS
            row_set.set_sort(keys[(keys.index(row_set.sort_key) + 1) % len(keys)], False)
        elif kind == "idle":
            for _ in range(cast(int, step[1])):
                if not row_set.warm(limit=3):
                    break
        elif kind == "skip":
            skip = True
        since = book.rows
        change: RowChange | None = book.update([tuple(s.values()) for s in stores], now)
        rows = book.rows
        usable = None if skip or since is not shown else change
        if skip:  # the consumers never saw this update: the next one does not follow theirs
            continue
        summary = tally.update(rows, now, usable, shown if usable is not None else None)
        assert summary == summarize(rows, now)
        unseen_keys = unseen.update(rows, usable, shown if usable is not None else None)
        assert unseen_keys == seen.unseen(rows)
        row_set.set_rows(rows, usable)
        view = row_set.rebuild()
        assert row_set.hidden_count == sum(1 for r in rows if r.session.hidden)
        expected = fresh_view(rows, row_set)
        assert {r.key for r in view} == {r.key for r in expected}
        latest = {r.key: r for r in rows}
        assert all(r is latest[r.key] for r in view)  # the latest version of each row
        assert [row_set.sort_key_of(r) for r in view] == [row_set.sort_key_of(r) for r in expected]
        for index, row in enumerate(view):  # the cursor finds its session wherever it moved
            assert row_set.find(row.key, -1, row) == index
        shown = rows
