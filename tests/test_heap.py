"""Freed C heap goes back to the system after a load (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes

import pytest

from sessiontui.heap import _libc, release_free_heap


def rss_anon_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon")


@pytest.mark.skipif(_libc() is None, reason="no glibc malloc_trim here")
def test_freed_heap_in_the_middle_goes_back_to_the_system() -> None:
    """Blocks freed between blocks still held stay in glibc's heap (free() returns only the top);
    releasing them gives the pages back."""
    malloc, free = _libc().malloc, _libc().free
    malloc.restype, free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    blocks = [malloc(64 * 1024 - 64) for _ in range(1600)]  # ~100 MB in heap blocks
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024 - 64)  # touched: resident
    for block in blocks[:-1:2]:
        free(block)  # every other one: holes no free() can return
    held = rss_anon_kb()
    assert release_free_heap()
    released = held - rss_anon_kb()
    for block in blocks[1::2]:
        free(block)
    assert released > 20_000  # KB: most of the ~50 MB of holes
