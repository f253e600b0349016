"""Big transcripts counted in a worker process while the app lists them from head and tail.

Folding 500 MB takes seconds of CPU; in the app's own process it would also hold the GIL that
the event loop needs, and every key press would wait. So a transcript with more than
BACKGROUND_MIN_BYTES left to read is handed to a pool of spawned workers, made when the first
such file appears and ended when the last result is taken (an idle app keeps no worker). A
worker reads the file with the same fold the app would use; the app takes its follower over
and reads on from where it stopped. A worker that fails leaves the file to the app's own
slice-per-refresh reading.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sessiontui.stores.claude_follower import TranscriptFollower, read_transcript

if TYPE_CHECKING:  # multiprocessing is imported when a first worker is started
    from multiprocessing.pool import AsyncResult, Pool

log = logging.getLogger(__name__)

T = TypeVar("T")
BACKGROUND_MIN_BYTES = 32 << 20  # a file with more unread bytes than this is counted aside
MAX_WORKERS = 3


class BackgroundCount:
    """The files being counted in worker processes, and the pool that counts them."""

    def __init__(self) -> None:
        self._pool: Pool | None = None
        self._jobs: dict[Path, AsyncResult[TranscriptFollower | None]] = {}

    def __contains__(self, path: Path) -> bool:
        return path in self._jobs

    @property
    def running(self) -> bool:
        """Whether worker processes exist (none while nothing is being counted)."""
        return self._pool is not None

    def start(self, path: Path) -> bool:
        """Count `path` in a worker; False when no worker can be started (count it here)."""
        try:
            if self._pool is None:
                self._pool = _lowly(_new_pool)
            self._jobs[path] = self._pool.apply_async(read_transcript, (path,))
        except (OSError, ValueError) as exc:
            log.warning("sessiontui: no worker process to count %s (%s)", path, exc)
            return False
        return True

    def take(self, path: Path) -> tuple[bool, TranscriptFollower | None]:
        """(done, the follower read aside); a failed count is done with None."""
        job = self._jobs[path]
        if not job.ready():
            return False, None
        del self._jobs[path]
        try:
            follower = job.get()
        except Exception as exc:  # noqa: BLE001 - any failure there: the app counts it itself
            log.warning("sessiontui: counting %s in a worker failed (%s)", path, exc)
            follower = None
        self.stop_if_idle()
        return True, follower

    def forget(self, path: Path) -> None:
        """No longer count `path` (the workers stay until `stop_if_idle`: it waits for them)."""
        self._jobs.pop(path, None)

    def stop_if_idle(self) -> None:
        if not self._jobs:
            self.stop()

    def stop(self) -> None:
        """End the workers at once (a file still being counted is read again later)."""
        self._jobs.clear()
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _new_pool() -> Pool:
    _start_resource_tracker()
    workers = max(1, min((os.cpu_count() or 1) - 1, MAX_WORKERS))
    import multiprocessing

    return multiprocessing.get_context("spawn").Pool(workers, initializer=_quiet)


def _lowly(make: Callable[[], T]) -> T:
    """`make()` run in a thread of its own at a lower priority (Linux: per thread), which the
    processes it starts inherit from their first instruction, imports included: the app's
    own threads come first for the CPU, and a key press never waits for the count."""
    made: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            os.nice(10)
            made.append(make())
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller
            failed.append(exc)

    thread = threading.Thread(target=run, name="sessiontui-background-start")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return made[0]


def _start_resource_tracker() -> None:
    """multiprocessing's resource tracker, started with /dev/null as its stderr: the running
    app has put an object without a file descriptor in sys.stderr (Textual captures output),
    on which starting it would fail, and its warnings must never be drawn over the screen."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def _quiet() -> None:
    """In a worker: nothing it prints reaches the terminal the app draws on."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
