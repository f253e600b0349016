"""Helper of bench_search.py, run as its own process: list the sessions of one store, then
search it; prints the CPU and wall seconds of each step as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from sessiontui.search.finder import find
from sessiontui.stores import find_stores, open_stores


def cpu() -> float:
    return time.process_time()


async def main(needle: str, path: Path, use_index: bool) -> None:
    found, _ = find_stores([path])
    stores = open_stores(found)
    c0, w0 = cpu(), time.perf_counter()
    sources = [(store, (await store.refresh()).sessions) for store in stores]
    c1, w1 = cpu(), time.perf_counter()
    hits = 0
    async for _ in find(sources, needle, use_index=use_index):
        hits += 1
    c2, w2 = cpu(), time.perf_counter()
    for store in stores:
        await store.close()
    print(
        json.dumps(
            {
                "list_cpu": c1 - c0,
                "list_wall": w1 - w0,
                "search_cpu": c2 - c1,
                "search_wall": w2 - w1,
                "hits": hits,
                "sessions": sum(len(s) for _, s in sources),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "index"))
