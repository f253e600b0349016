"""A simulated bot fleet that keeps writing to a demo workspace.

Threading: the simulator is plain synchronous code (stdlib sqlite3 and file writes, as the
bots do). `run_simulation()` runs it in the calling thread; `simulate()` runs that same loop
in one worker thread through `asyncio.to_thread`, so no sqlite write ever blocks the event
loop, and stops it through a `threading.Event` when `stop` is set or the task is cancelled.

Reproducible: every choice comes from `seed`. Give `now` to run on a virtual clock (step i
happens at `now + i / rate`, no sleeping); then a fixed seed and number of steps writes the
same bytes every time. Without `now` the clock is real and `rate` paces the writes.
"""

from __future__ import annotations

import asyncio
import heapq
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessiontui.demo.actors import Actor, spawn
from sessiontui.demo.fleet import Fleet
from sessiontui.demo.ids import Ids
from sessiontui.demo.scene import populate
from sessiontui.demo.workspace import SimulationReport, workspace_is_empty


class Simulator:
    """Keeps about `sessions` simulated sessions alive, one write per `step()`.

    A step makes the earliest due session write; when none is due, a new session starts if
    fewer than `sessions` are alive, else the soonest due writes early (so a step is a write,
    and `rate` steps a second are `rate` writes). Sessions that finish (or get stuck, or
    fail) stop writing and make room for new ones.
    """

    def __init__(
        self,
        root: Path,
        *,
        sessions: int = 20,
        seed: int = 0,
        start: datetime | None = None,
        virtual: bool = False,
        scene_sessions: int = 8,
    ) -> None:
        self.root = Path(root)
        self.target = sessions
        self.now = start or datetime.now(UTC)
        self.report = SimulationReport.empty(self.root)
        salt = "fresh"
        if workspace_is_empty(self.root):
            self.report.merge(populate(self.root, now=self.now, seed=seed, sessions=scene_sessions))
        else:  # a second run over the same files must not mint the same ids again
            salt = str(sum(1 for _ in self.root.rglob("*")))
        self.rng = random.Random(f"sessiontui-demo-sim:{seed}:{salt}")
        self.fleet = Fleet(self.root, Ids(self.rng), self.report, set_mtime=virtual)
        self._queue: list[tuple[float, int, Actor]] = []
        self._order = 0

    @property
    def alive(self) -> int:
        return len(self._queue)

    def step(self, now: datetime | None = None) -> bool:
        """Make at most one write at `now` (default: the real clock). True when it wrote."""
        self.now = now or datetime.now(UTC)
        self.report.steps += 1
        moment = self.now.timestamp()
        if self._queue and self._queue[0][0] <= moment:
            _, _, actor = heapq.heappop(self._queue)
        elif len(self._queue) < self.target:
            actor = spawn(self)
        elif self._queue:  # all busy and none due: the soonest writes early, to keep the rate
            _, _, actor = heapq.heappop(self._queue)
        else:
            return False
        try:
            delay = next(actor)
        except StopIteration:
            delay = None  # the session's last write: it is now idle, stuck or failed for good
        if delay is not None:
            self._order += 1
            heapq.heappush(self._queue, (moment + delay, self._order, actor))
        self.report.writes += 1
        return True

    def close(self) -> None:
        self.fleet.close()


def run_simulation(
    root: Path,
    *,
    sessions: int = 20,
    rate: float = 5.0,
    duration: float | None = None,
    seed: int = 0,
    steps: int | None = None,
    now: datetime | None = None,
    halt: threading.Event | None = None,
) -> SimulationReport:
    """Run the fleet in this thread until `steps`, `duration` (seconds) or `halt` says stop.

    An empty workspace is first filled with populate(). With `now` the clock is virtual and
    nothing sleeps (tests); without it, writes are paced at `rate` per second of real time.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    virtual = now is not None
    sim = Simulator(root, sessions=sessions, seed=seed, start=now, virtual=virtual)
    started = time.monotonic()
    taken = 0
    try:
        while steps is None or taken < steps:
            if halt is not None and halt.is_set():
                break
            if now is not None:
                elapsed = taken / rate
                at = now + timedelta(seconds=elapsed)
            else:
                elapsed = time.monotonic() - started
                at = datetime.now(UTC)
            if duration is not None and elapsed >= duration:
                break
            sim.step(at)
            taken += 1
            if not virtual:
                pause = started + taken / rate - time.monotonic()
                if pause > 0:
                    if halt is not None:
                        halt.wait(pause)
                    else:
                        time.sleep(pause)
    finally:
        sim.close()
    return sim.report


async def simulate(
    root: Path,
    *,
    sessions: int = 20,
    rate: float = 5.0,
    duration: float | None = None,
    seed: int = 0,
    stop: asyncio.Event | None = None,
    steps: int | None = None,
    now: datetime | None = None,
) -> SimulationReport:
    """run_simulation() in a worker thread; returns when it ends, `stop` is set or on cancel."""
    halt = threading.Event()
    relay = None
    if stop is not None:

        async def _relay() -> None:
            await stop.wait()
            halt.set()

        relay = asyncio.create_task(_relay())
    try:
        return await asyncio.to_thread(
            run_simulation,
            Path(root),
            sessions=sessions,
            rate=rate,
            duration=duration,
            seed=seed,
            steps=steps,
            now=now,
            halt=halt,
        )
    finally:
        halt.set()
        if relay is not None:
            relay.cancel()
