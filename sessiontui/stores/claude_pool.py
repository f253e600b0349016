"""A cold read of many Claude Code transcripts on every core: the files no cache holds are
shared between this process and a pool of worker processes, biggest first to the pool.

Used before a one-shot full read (`snapshot`, `costs`), and only where it pays: starting a
worker costs about half a CPU-second (imports, genai-prices, the price probes), so there must be
enough bytes to fold, and a core free to fold them on. The pool is made for the read and
shut down after it, so an idle process keeps no worker. Each file is folded by the same code in
whichever process reads it, and the followers are handed to their store in the store's own
order: the sessions are the same as a serial read's, to the last bit of every dollar figure.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from sessiontui.stores.claude_code import ClaudeCodeStore
from sessiontui.stores.claude_follower import TranscriptFollower, read_transcript

log = logging.getLogger(__name__)

POOL_MIN_BYTES = 96 << 20  # fewer new bytes than this are read in this process alone
POOL_MAX_WORKERS = 4  # processes folding at once, this one included
_QUEUED = 2  # files handed to each worker ahead, so none waits for the next


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
    workers = min(os.cpu_count() or 1, POOL_MAX_WORKERS, len(todo), 1 + idle_cores()) - 1
    if workers < 1 or sum(size for _, _, size in todo) < POOL_MIN_BYTES:
        return  # each store's own refresh reads them
    from concurrent.futures.process import BrokenProcessPool  # multiprocessing: only when used

    try:
        read = read_shared([path for _, path, _ in todo], {p: size for _, p, size in todo}, workers)
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


def read_shared(
    paths: list[Path], sizes: dict[Path, int], workers: int
) -> dict[Path, TranscriptFollower]:
    """Every path read, by `workers` spawned processes (the biggest files) and this one (the
    smallest) at once."""
    queue = deque(sorted(paths, key=lambda p: -sizes[p]))
    read: dict[Path, TranscriptFollower] = {}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # never fork a process that has threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
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
