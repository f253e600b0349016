"""The table's ages ("3 minutes ago", "12m") on idle ticks: each screen line is looked at again
only when its age text may read differently, and every line that does read differently is
repainted, as a full look at every line would."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import humanize
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from test_widgets_session_table import NOW, TableApp, row

from sessiontui.age_steps import age_text_holds_until, step_floor
from sessiontui.model import SessionRow, SessionState, Verdict
from sessiontui.widgets.session_columns import cell_text, compact_delta
from sessiontui.widgets.session_table import SessionTable, _runs

FOUR_YEARS = 4 * 365 * 86_400


def age_texts(moment: datetime, now: datetime) -> tuple[str, str]:
    """Both ways the table writes an age: the Age column's and the Last activity column's."""
    delta = max(now - moment, timedelta(0))
    return compact_delta(delta), str(humanize.naturaltime(delta))


@given(
    seconds=st.integers(min_value=-5, max_value=FOUR_YEARS),
    micros=st.integers(min_value=0, max_value=999_999),
)
@example(seconds=89, micros=999_999)  # "a minute ago" becomes "2 minutes ago" at 90 s
@example(seconds=150, micros=0)  # 2.5 minutes rounds to 2 (half to even): 3 only from 151 s
@example(seconds=209, micros=500_000)  # 3.5 rounds to 4 at 210 s exactly
@example(seconds=3_599, micros=999_999)  # "60 minutes" is "an hour", "59m" becomes "1h"
@example(seconds=86_399, micros=999_999)  # hours become days
@example(seconds=2 * 365 * 86_400 - 1, micros=999_999)  # weeks become years
def test_an_age_reads_the_same_until_the_moment_given(seconds: int, micros: int) -> None:
    """Both age texts are the same at `now` and at the moment returned; as an age's text never
    comes back to an earlier one, it is the same all along in between: the line is looked at
    again no later than its text changes."""
    moment = datetime(2025, 3, 4, 12, 0, 0, 250_000, tzinfo=UTC)
    now = moment + timedelta(seconds=seconds, microseconds=micros)
    until = age_text_holds_until(moment, now)
    assert until > now.timestamp() - 0.002, "never in the past (but for its millisecond early)"
    assert age_texts(moment, now) == age_texts(moment, datetime.fromtimestamp(until, UTC))


@given(seconds=st.floats(min_value=0, max_value=FOUR_YEARS))
@example(seconds=150.9)
@example(seconds=29.99)
def test_an_age_taken_down_to_its_step_reads_as_the_age(seconds: float) -> None:
    """A process's idle time is kept as its step (so it moves only when its words do): it
    reads the same, and is on the same side of a whole-second threshold."""
    floor = step_floor(seconds)
    assert floor <= seconds
    assert humanize.naturaldelta(timedelta(seconds=floor)) == humanize.naturaldelta(
        timedelta(seconds=seconds)
    )
    assert (floor >= 30) == (seconds >= 30)


def test_an_age_is_looked_at_again_soon_after_it_changes() -> None:
    """Not so early as to be useless: within a second under a minute, half a minute under an
    hour, half an hour under a day, a day after."""
    moment = NOW
    for age, most in ((30, 1), (600, 30), (7_200, 1_800), (5 * 86_400, 86_400)):
        now = moment + timedelta(seconds=age, microseconds=400_000)
        assert 0 < age_text_holds_until(moment, now) - now.timestamp() <= most


def rows_of_every_age(count: int, rng: random.Random) -> list[SessionRow]:
    """Sessions last active from seconds to weeks before NOW."""
    out = []
    for i in range(count):
        ago = rng.choice((rng.uniform(0, 60), rng.uniform(60, 3_600), rng.uniform(3_600, 2e6)))
        created = ago + rng.uniform(0, 86_400)
        out.append(
            row(
                i,
                last_activity=NOW - timedelta(seconds=ago),
                created_at=NOW - timedelta(seconds=created),
            )
        )
    return out


def old_row(i: int) -> SessionRow:
    """A session created and last active hours before NOW, off the hour and half hour."""
    last = NOW - timedelta(hours=5, minutes=7, seconds=i)
    return row(i, last_activity=last, created_at=last - timedelta(hours=2, minutes=11))


def count_calls(table: SessionTable, name: str) -> list[Any]:
    """Record each call of the table's method `name` (its arguments)."""
    calls: list[Any] = []
    original = getattr(table, name)

    def spy(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    setattr(table, name, spy)
    return calls


async def test_an_idle_tick_with_no_age_due_looks_at_no_line() -> None:
    """Every session last active hours ago: a tick a second later checks no line's text and
    repaints none (before: every visible line's ages were formatted again on every tick)."""
    rows = [old_row(i) for i in range(200)]
    app = TableApp(rows)
    async with app.run_test(size=(200, 40)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        given = table.rows_given
        assert given is not None
        signatures = count_calls(table, "_signature")
        refreshed = count_calls(table, "refresh_lines")
        for tick in range(1, 6):
            table.set_rows(given, NOW + timedelta(seconds=tick))
        assert signatures == [] and refreshed == []


async def test_an_idle_tick_repaints_exactly_the_lines_whose_age_moved() -> None:
    """One session active 89.5 s ago among old ones: a second later only its line is looked at
    and repainted ("a minute ago" -> "2 minutes ago"), the others not even looked at."""
    old = [old_row(i) for i in range(1, 30)]
    fresh = row(0, last_activity=NOW - timedelta(seconds=89.5))
    app = TableApp([fresh, *old])
    async with app.run_test(size=(200, 40)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        line = 1 + [r.key for r in table.visible_rows()].index(fresh.key)
        assert "a minute ago" in table.render_line(line).text
        signatures = count_calls(table, "_signature")
        refreshed = count_calls(table, "refresh_lines")
        given = table.rows_given
        assert given is not None
        table.set_rows(given, NOW + timedelta(seconds=1))
        await pilot.pause()
        assert {args[0].key for args in signatures} == {fresh.key}, "looked at (and painted)"
        assert refreshed == [(table.scroll_offset.y + line, 1)]
        assert "2 minutes ago" in table.render_line(line).text


@pytest.mark.parametrize("seed", range(4))
async def test_aged_lines_match_a_full_look_over_random_ticks(seed: int) -> None:
    """Over random clock steps (and scrolls, cursor moves), what every line last painted is
    what a full look at every line wants now: no age is left stale."""
    rng = random.Random(seed)
    rows = rows_of_every_age(300, rng)
    app = TableApp(rows)
    async with app.run_test(size=(200, 30)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        given = table.rows_given
        assert given is not None
        now = NOW
        for _ in range(40):
            now += timedelta(seconds=rng.choice((0.3, 1.0, 1.0, 7.5, 31.0, 1_799.0, 86_400.0)))
            roll = rng.random()
            if roll < 0.1:
                table.scroll_to(y=rng.randrange(0, 250), animate=False)
            elif roll < 0.2:
                table.move_cursor(rng.randrange(0, 300))
            table.set_rows(given, now)
            await pilot.pause()
            top = table.scroll_offset.y
            view = table.visible_rows()
            for y in range(1, table.scrollable_content_region.height):
                index = top + y - 1
                shown = view[index]
                ages = tuple(  # formatted afresh: the table's own kept age texts are not the oracle
                    cell_text(col, shown, now) for col, _x, _w in table._layout if col.since
                )
                wanted = (
                    shown,
                    index == table.cursor_row,
                    shown.key in table.marked,
                    shown.key in table.unseen,
                    ages,
                )
                assert table._painted.get(y) == wanted, (seed, now, y)
                assert all(age in table.render_line(y).text for age in ages if age != "-")


async def test_a_row_changed_off_screen_formats_no_age_on_screen() -> None:
    """A tick that changed a session below the screen looks at the lines on screen (rows may
    have moved) but formats none of their ages: they show the same rows, not yet due."""
    rows = [old_row(i) for i in range(300)]
    app = TableApp(rows)
    async with app.run_test(size=(200, 30)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()
        signatures = count_calls(table, "_signature")
        refreshed = count_calls(table, "refresh_lines")
        changed = list(rows)
        changed[250] = replace(rows[250], verdict=Verdict(SessionState.RUNNING))
        table.set_rows(changed, NOW + timedelta(seconds=1))
        await pilot.pause()
        assert signatures == [] and refreshed == []


@given(st.sets(st.integers(0, 60)))
def test_lines_to_repaint_go_as_runs_of_consecutive_lines(lines: set[int]) -> None:
    """A repaint refreshes each run of consecutive lines at once: the runs cover exactly the
    lines asked for, and no two runs touch (they would have been one)."""
    runs = _runs(sorted(lines))
    covered = [line for start, count in runs for line in range(start, start + count)]
    assert covered == sorted(lines)
    assert all(a[0] + a[1] < b[0] for a, b in pairwise(runs))
