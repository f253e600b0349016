"""The garbage collector is held off while a first read builds its sessions, and only then: on
again after it (also after a failure, and when two reads overlap), off if it was off before."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from pilot_wait import until
from textual.binding import Binding, BindingType
from textual.screen import Screen

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.gc_pause import gc_paused
from sessiontui.live.fleet import Fleet
from sessiontui.rules.state import Thresholds
from sessiontui.screens.processes import ProcessesScreen
from sessiontui.stores.base import ReadReport
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()
    gc.unfreeze()  # what a test froze may be collected again


def test_off_inside_on_after_even_on_failure() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()
    with gc_paused(False):
        assert gc.isenabled()


def test_overlapping_reads_turn_it_on_when_the_last_ends() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with gc_paused():
            pass
        seen.append(gc.isenabled())  # the first read still holds it off
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with gc_paused():
        first_in.set()
        second_done.wait()
    thread.join()
    assert seen == [False] and gc.isenabled()


def test_freeze_keeps_what_lives_then_out_of_later_collections() -> None:
    gc.unfreeze()
    built = [[index] for index in range(1000)]
    with gc_paused():
        pass
    assert gc.get_freeze_count() == 0
    with gc_paused(freeze=True):
        pass
    assert gc.get_freeze_count() >= len(built) and gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


class Watched(ZeroClawSqliteStore):
    """The bot's real store, noting whether the collector ran during each read."""

    collector: list[bool]

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        self.collector.append(gc.isenabled())
        return await super().refresh(changed_paths)


async def test_only_the_fleets_first_read_holds_the_collector_off(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_1", "user", "question", T0)
    bot.close()
    store = Watched(db)
    store.collector = []
    gc.unfreeze()
    fleet = Fleet([store], clock=lambda: T0, thresholds=Thresholds())
    try:
        first = await fleet.refresh(full=True, processes=False)
        assert gc.isenabled()
        await fleet.refresh(full=True, processes=False)
    finally:
        await fleet.close()
    assert store.collector == [False, True]
    assert gc.get_freeze_count() > 0
    assert [r.session.id for r in first.rows] == ["gw_1"]


class _Probe(Screen[None]):
    """A screen whose `x` notes whether the collector is on while a key is handled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "probe", "Probe")]

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[bool] = []

    def action_probe(self) -> None:
        self.seen.append(gc.isenabled())


async def test_a_key_holds_the_collector_off_until_its_frame_is_out() -> None:
    """(A collection inside a key walked a filter's young 100k-row lists for 20-100 ms.)"""
    app = make_app(Config(paths=()), stores=[])
    async with app.run_test() as pilot:
        probe = _Probe()
        await app.push_screen(probe)
        await until(pilot, gc.isenabled, "the collector on after the start")
        await pilot.press("x")
        assert probe.seen == [False]
        await until(pilot, gc.isenabled, "the collector on once the key's frame is out")
        await pilot.press("x")
        assert probe.seen == [False, False]
    assert gc.isenabled(), "a key's hold ends when the app does"


async def test_a_key_whose_screen_goes_before_its_first_frame_still_lets_go() -> None:
    """A key that opens a screen, and the next key closing it before its first frame: the
    frame's callback went with the screen, and the collector stayed off for good (a dashboard
    left running for days would never collect a cycle)."""
    app = make_app(Config(paths=()), stores=[])
    async with app.run_test() as pilot:
        await until(pilot, gc.isenabled, "the collector on after the start")
        for _ in range(5):
            app.push_screen(ProcessesScreen())  # (as `p` would) and Esc closing it at once
            await pilot.press("escape")
        assert not isinstance(app.screen, ProcessesScreen)
        await until(pilot, gc.isenabled, "the collector on again once the keys are done")
