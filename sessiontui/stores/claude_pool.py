"""A cold read of many Claude Code transcripts on every core: the files no cache holds are
shared between this process and a pool of worker processes, biggest first to the pool.

Used before a one-shot full read (`snapshot`, `costs`), and only where it pays. Where only one
thread runs (the CLI, before its event loop starts any), the workers are forked: they start
in a few milliseconds with this process's imports and price data, so any read of more than a
few megabytes gains, whatever the load (a busy machine's cores are shared, not lost).
Elsewhere (the app: Textual's and aiosqlite's threads, which a fork would copy mid-work) they
are spawned, and a spawned worker costs about half a CPU-second (imports, genai-prices, the
price probes): there must be enough bytes to fold, and a core free to fold them on. The pool
is made for the read and shut down after it, so an idle process keeps no worker. Each file is
folded by the same code in whichever process reads it, and the followers are handed to their
store in the store's own order: the sessions are the same as a serial read's, to the last bit
of every dollar figure.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from sessiontui.stores.claude_code import ClaudeCodeStore
from sessiontui.stores.claude_follower import TranscriptFollower, read_transcript

log = logging.getLogger(__name__)

POOL_MIN_BYTES = 96 << 20  # fewer new bytes than this are read in this process alone (spawn)
FORK_MIN_BYTES = 8 << 20  # the same, for forked workers
POOL_MAX_WORKERS = 4  # processes folding at once, this one included
_QUEUED = 2  # files handed to each worker ahead, so none waits for the next


async def read_cold(stores: Sequence[object]) -> None:
    """`read_in_parallel` for a one-shot read on an event loop: on this thread where only this
    thread runs (its workers can then be forked), else in a thread of its own."""
    if start_method() == "fork":
        read_in_parallel(stores)  # nothing else runs on this loop yet: blocking it costs nothing
    else:
        await asyncio.to_thread(read_in_parallel, stores)


def start_method() -> str:
    """`fork` where no other thread runs and the platform forks; `spawn` otherwise."""
    import multiprocessing

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def read_in_parallel(stores: Sequence[object]) -> None:
    """Read the transcripts of these stores that no cache holds, on every core when it pays;
    each store then finds them read. Stores read a slice per refresh (the app) are left out."""
    todo: list[tuple[ClaudeCodeStore, Path, int]] = []
    for store in stores:
        if (
            not isinstance(store, ClaudeCodeStore)
            or store.read_seconds is not None
            or not store.path.is_dir()
        ):
            continue
        for path in store.list_files():
            if path in store._followers:
                continue
            follower = store.new_follower(path)
            if follower.counting:  # not restored from the cache: to be read
                try:
                    todo.append((store, path, os.path.getsize(path)))
                except OSError:
                    continue
            else:
                store._followers[path] = follower
    method = start_method()
    cores = min(os.cpu_count() or 1, POOL_MAX_WORKERS, len(todo))
    if method == "fork":
        workers, least = cores - 1, FORK_MIN_BYTES
    else:
        workers, least = min(cores, 1 + idle_cores()) - 1, POOL_MIN_BYTES
    if workers < 1 or sum(size for _, _, size in todo) < least:
        return  # each store's own refresh reads them
    from concurrent.futures.process import BrokenProcessPool  # multiprocessing: only when used

    if method == "fork":
        _load_for_workers()
    sizes = {path: size for _, path, size in todo}
    try:
        read = read_shared([path for _, path, _ in todo], sizes, workers, method)
    except (OSError, BrokenProcessPool) as exc:  # no pool here: each store reads its own files
        log.warning(
            "sessiontui: reading transcripts in parallel failed (%s); reading them in turn", exc
        )
        return
    for store, path, _ in todo:  # in the store's own order, as a serial read would add them
        done = read.get(path)
        if done is not None:
            store._followers[path] = done
            store._cache_dirty = True


def idle_cores() -> int:
    """Cores no one is using (the 1-minute load average; this process counts as using one).
    A worker on a busy machine only takes turns with this process: it costs its start (about
    half a CPU-second) and gains no time (benchmarks/results/vs_peers.txt, load average 3-4 on
    2 cores: 200 MB cold 2.4 CPU-s with a worker, 2.0 without, the same wall time)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 0
    return max(0, round((os.cpu_count() or 1) - load))


def _load_for_workers() -> None:
    """What every worker needs, loaded once here before they fork: the fold (msgspec) and the
    price data (genai-prices, about 0.15 s of imports)."""
    from sessiontui.rules.pricing import load_price_data
    from sessiontui.stores import claude_fold  # noqa: F401

    load_price_data()


def _forked_worker() -> None:
    """A forked worker leaves Ctrl-C to its parent and wakes no event loop of the parent's."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(-1)


def read_shared(
    paths: list[Path], sizes: dict[Path, int], workers: int, method: str = "spawn"
) -> dict[Path, TranscriptFollower]:
    """Every path read, by `workers` processes started by `method` (the biggest files) and this
    one (the smallest) at once. Never `fork` where another thread runs (see `start_method`)."""
    queue = deque(sorted(paths, key=lambda p: -sizes[p]))
    read: dict[Path, TranscriptFollower] = {}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(method)
    initializer = _forked_worker if method == "fork" else None
    with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer) as pool:
        running: dict[Future[TranscriptFollower | None], Path] = {}
        while queue or running:
            for future in [f for f in running if f.done()]:
                path = running.pop(future)
                result = future.result()
                if result is not None:
                    read[path] = result
            while queue and len(running) < workers * _QUEUED:
                path = queue.popleft()
                running[pool.submit(read_transcript, path)] = path
            if queue:
                path = queue.pop()
                result = read_transcript(path)
                if result is not None:
                    read[path] = result
            elif running:
                wait(running, return_when=FIRST_COMPLETED)
    return read
