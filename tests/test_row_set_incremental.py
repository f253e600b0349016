"""The table's view kept incrementally (changed rows placed by bisect, filters narrowed, Esc
restoring the kept view) is always the view a fresh full filter-and-sort gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.live.classified_rows import RowChange
from sessiontui.model import (
    Burn,
    CostSource,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)
from sessiontui.widgets.filter_query import parse
from sessiontui.widgets.row_set import RowSet
from sessiontui.widgets.session_columns import COLUMN_KEYS, column
from sessiontui.widgets.sorted_rows import SortBuilder, key_function

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
STATES = tuple(SessionState)
MODELS = (None, "claude-opus-4-1", "claude-sonnet-4-5", "gpt-5")


def make_row(uid: int, shape: tuple[int, ...]) -> SessionRow:
    state, seconds, model, msgs, cost, burn, fmt = shape
    session = Session(
        (StoreFormat.ZEROCLAW_SQLITE, StoreFormat.STARPOD)[fmt],
        "/s.db",
        f"s{uid}",
        f"name {uid % 3}",
        last_activity=NOW - timedelta(seconds=seconds) if seconds else None,
        created_at=NOW - timedelta(seconds=2 * seconds) if seconds % 3 else None,
        model=MODELS[model],
        message_count=msgs,
        turns=None if msgs % 2 else msgs,
        usage=Usage(msgs * 10) if cost else None,
        cost_usd=cost / 100 if cost else None,
        cost_source=CostSource.RECORDED if cost else None,
        hidden=msgs == 7,  # (a subagent run the bot's own picker hides)
    )
    return SessionRow(
        session,
        Verdict(STATES[state], "unanswered" if state == 3 else None),
        Burn(10.0, burn / 100) if burn else None,
    )


SHAPES = st.tuples(
    st.integers(0, len(STATES) - 1),
    st.integers(0, 50),
    st.integers(0, 3),
    st.integers(0, 9),
    st.integers(0, 4),
    st.integers(0, 3),
    st.integers(0, 1),
)
TEXTS = st.sampled_from(
    [
        "",
        "s",
        "s1",
        "name",
        "name 1",
        "stuck",
        "state:stuck",
        "state:idle store:starpod",
        "model:opus",
        "model:gpt",
        "starpod",
        "$0.0",
        "opus s",
    ]
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(0, 14), SHAPES),
        st.tuples(st.just("delete"), st.integers(0, 14)),
        st.tuples(st.just("type"), TEXTS),  # the filter text grows when it can, else is replaced
        # typed a letter at a time: the first `enough` rows at once, the rest counted by warm
        st.tuples(st.just("letter"), st.sampled_from("s1nam e$0op"), st.integers(1, 4)),
        st.tuples(st.just("backspace"), st.integers(1, 4)),
        st.tuples(st.just("warm"), st.integers(1, 3)),
        st.tuples(st.just("sort"), st.sampled_from(COLUMN_KEYS), st.booleans()),
        st.tuples(
            st.just("states"),
            st.sampled_from(
                [None, (SessionState.STUCK,), (SessionState.IDLE, SessionState.WAITING)]
            ),
        ),
    ),
    max_size=25,
)


def expected_view(rows: dict[int, SessionRow], state: RowSet) -> list[SessionRow]:
    fresh = RowSet(state.sort_key, state.reverse)
    fresh.set_rows(tuple(rows.values()))
    fresh.set_states(state.states)
    fresh.set_text(state.text)
    return fresh.rebuild()


def keys_of(view: list[SessionRow], state: RowSet) -> list[object]:
    return [state.sort_key_of(row) for row in view]


@settings(max_examples=200, deadline=None)
@given(initial=st.dictionaries(st.integers(0, 14), SHAPES, max_size=12), steps=STEPS)
def test_incremental_view_equals_a_full_rebuild(
    initial: dict[int, tuple[int, ...]], steps: list[tuple[object, ...]]
) -> None:
    rows = {uid: make_row(uid, shape) for uid, shape in initial.items()}
    given_rows = tuple(rows.values())
    row_set = RowSet()
    row_set.set_rows(given_rows)
    row_set.rebuild()
    for step in steps:
        if step[0] == "write":
            new = make_row(step[1], step[2])  # type: ignore[arg-type]
            old = rows.get(step[1])  # type: ignore[call-overload]
            replaced = (
                frozenset({old.key}) if old is not None and old.key != new.key else frozenset()
            )
            rows[step[1]] = new  # type: ignore[index]
            given_rows = tuple(rows.values())
            same = old is not None and not replaced
            change = RowChange(
                (new,),
                replaced,
                not same,
                (old if same else None,),
                (old,) if replaced and old is not None else (),
            )
            row_set.set_rows(given_rows, change)
        elif step[0] == "delete" and step[1] in rows:
            gone = rows.pop(step[1])
            given_rows = tuple(rows.values())
            row_set.set_rows(given_rows, RowChange((), frozenset({gone.key}), True, (), (gone,)))
        elif step[0] == "type":
            text = str(step[1])
            row_set.set_text(
                row_set.text + text[len(row_set.text) :] if text.startswith(row_set.text) else text
            )
        elif step[0] == "sort":
            row_set.set_sort(str(step[1]), bool(step[2]))
        elif step[0] == "states":
            row_set.set_states(step[1])  # type: ignore[arg-type]
        if step[0] == "letter":
            row_set.set_text(row_set.text + str(step[1]))
            view = row_set.rebuild(enough=int(step[2]))  # type: ignore[call-overload]
        elif step[0] == "backspace":
            row_set.set_text(row_set.text[:-1])
            view = row_set.rebuild(enough=int(step[1]))  # type: ignore[call-overload]
        elif step[0] == "warm":
            row_set.warm(limit=int(step[1]))  # type: ignore[call-overload]
            view = row_set.view
        else:
            view = row_set.rebuild()
        assert_view(view, rows, row_set)
    while row_set.warm(limit=1):  # the count ends with every matching row, in order
        pass
    assert not row_set.counting
    assert_view(row_set.view, rows, row_set)


def assert_view(view: list[SessionRow], rows: dict[int, SessionRow], row_set: RowSet) -> None:
    """`view` is the full filter's view, or its first rows while the filter still counts."""
    expected = expected_view(rows, row_set)
    if row_set.counting:  # (rows of equal keys may come in another order)
        assert {r.key for r in view} <= {r.key for r in expected}
        expected = expected[: len(view)]
    else:
        assert {r.key for r in view} == {r.key for r in expected}
    assert all(r is rows[int(r.session.id[1:])] for r in view)  # the latest version of each
    assert keys_of(view, row_set) == keys_of(expected, row_set)  # in sorted order
    assert row_set.hidden_count == sum(1 for r in rows.values() if r.session.hidden)


def test_filter_terms_match_columns_and_fields() -> None:
    stuck = make_row(1, (3, 10, 1, 2, 1, 0, 1))  # starpod, opus, stuck
    idle = make_row(2, (2, 10, 2, 2, 1, 0, 0))  # zeroclaw, sonnet
    row_set = RowSet()
    row_set.set_rows((stuck, idle))
    for text, expected in [
        ("starpod", {stuck.key}),  # the Store column
        ("STUCK", {stuck.key}),  # the State column, any case
        ("state:stuck store:starpod model:opus", {stuck.key}),
        ("store:zeroclaw", {idle.key}),
        ("model:opus store:zeroclaw", set()),
        ("state:", {stuck.key, idle.key}),  # a field with no value yet asks nothing
        ("name", {stuck.key, idle.key}),
        ("s2", {idle.key}),  # the id
    ]:
        row_set.set_text(text)
        assert {r.key for r in row_set.rebuild()} == expected, text
    assert parse("nosuch:thing") == parse("nosuch:thing")
    assert parse("nosuch:thing")[0].field is None


TYPED = st.lists(
    st.one_of(
        st.tuples(st.just("letter"), st.sampled_from("s1nam e$0opu"), st.integers(1, 2)),
        st.tuples(st.just("backspace"), st.just(""), st.integers(1, 2)),
        st.tuples(st.just("warm"), st.just(""), st.integers(1, 2)),
        st.tuples(st.just("esc"), st.just(""), st.just(0)),
        st.tuples(st.just("sort"), st.sampled_from(COLUMN_KEYS), st.just(0)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(shapes=st.lists(SHAPES, max_size=40), steps=TYPED)
def test_a_typed_filter_shows_its_first_rows_then_counts_to_the_full_filter(
    shapes: list[tuple[int, ...]], steps: list[tuple[str, object, int]]
) -> None:
    """Letters (a screenful of `enough` rows at once), Backspace, idle counting steps, Esc and
    `o` between letters, in any order: the view is always the first rows of a full filter, and
    once counted, all of them."""
    rows = {uid: make_row(uid, shape) for uid, shape in enumerate(shapes)}
    row_set = RowSet()
    row_set.set_rows(tuple(rows.values()))
    row_set.rebuild()
    for kind, value, enough in steps:
        if kind == "letter":
            row_set.set_text(row_set.text + str(value))
            view = row_set.rebuild(enough=enough)
        elif kind == "backspace":
            row_set.set_text(row_set.text[:-1])
            view = row_set.rebuild(enough=enough)
        elif kind == "warm":
            row_set.warm(limit=enough)
            view = row_set.view
        elif kind == "esc":
            row_set.set_text("")
            view = row_set.rebuild()
        else:
            row_set.set_sort(str(value), False)
            view = row_set.rebuild()
        assert_view(view, rows, row_set)
    while row_set.warm(limit=1):
        pass
    assert not row_set.counting
    assert_view(row_set.view, rows, row_set)


@settings(max_examples=200, deadline=None)
@given(
    shapes=st.lists(SHAPES, max_size=60),
    column=st.sampled_from(COLUMN_KEYS),
    reverse=st.booleans(),
    step=st.integers(1, 9),
)
def test_an_order_made_in_steps_is_the_stable_sort(
    shapes: list[tuple[int, ...]], column: str, reverse: bool, step: int
) -> None:
    """Sorted slices merged a pair of neighbours per step: the rows in exactly the order of one
    stable sort (rows of equal keys keep the order they were given in)."""
    rows = [make_row(uid, shape) for uid, shape in enumerate(shapes)]
    key = key_function(column, reverse)
    built = SortBuilder(column, reverse, rows, step).finish()
    assert built.rows == sorted(rows, key=key, reverse=reverse)
    assert built.keys == [key(row) for row in built.rows]


@given(st.text(max_size=12), st.sampled_from(list(StoreFormat)))
def test_sort_keys_share_the_rows_strings_where_they_can(name: str, fmt: StoreFormat) -> None:
    """The Name and Store sort keys equal the case-folded name and the format's name, and keep
    no string of their own per row where the row's (or the format's) string already is one."""
    session = Session(fmt, "/s.db", "s1", name)
    row = SessionRow(session, Verdict(SessionState.IDLE))
    name_key = column("name").sort_key(row)
    assert name_key == (name or "s1").casefold()
    if name and name.casefold() == name:
        assert name_key is name
    assert column("store").sort_key(row) is fmt.value == str(fmt)
