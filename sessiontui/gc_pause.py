"""The cyclic garbage collector held off while a first read builds its objects.

A full collection walks every object the collector tracks, and runs each time those grew by a
quarter: building 100,000 sessions (about a million objects) walked them again and again, 4 of
the 10 CPU-seconds of a first Starpod read (benchmarks/results/table12_gc.txt). Reference
counting still frees everything that is not a cycle; the cycles made meanwhile wait for the next
collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # reads holding the collector off now (a read may run beside another)
_disabled_here = False  # the collector was on when the first of them began


def hold() -> None:
    """Hold the collector off until the matching `release` (holds nest, from any thread)."""
    global _holders, _disabled_here
    with _lock:
        if _holders == 0:
            _disabled_here = gc.isenabled()
            gc.disable()
        _holders += 1


def release(*, freeze: bool = False) -> None:
    """End one `hold`; the collector is on again when the last ends, if it was on before the
    first began. `freeze`: see `gc_paused`."""
    global _holders
    with _lock:
        _holders -= 1
        if freeze:
            gc.freeze()
        if _holders == 0 and _disabled_here:
            gc.enable()


@contextmanager
def gc_paused(pause: bool = True, *, freeze: bool = False) -> Iterator[None]:
    """Hold the collector off for the block (when `pause`), and turn it back on when the last
    block holding it off ends, if it was on before the first began.

    `freeze`: what is alive then is kept out of later collections (`gc.freeze()`), so the
    first collection after the block does not walk it all again (0.6 s at 100k Starpod
    sessions). Cycles that became garbage during the block are then never collected: use it
    only after building what lives as long as the process (the app freezes after its first
    load anyway)."""
    if not pause:
        yield
        return
    hold()
    try:
        yield
    finally:
        release(freeze=freeze)
