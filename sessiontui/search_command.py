"""`sessiontui search TEXT [PATH ...]`: every message holding TEXT, newest sessions first,
printed as found; the bot's own full-text index where it keeps one, else a scan."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TextIO

from sessiontui.config import Config
from sessiontui.search.hits import SearchHit
from sessiontui.text import json_line, one_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line per match")
    parser.add_argument(
        "--limit", type=int, default=0, metavar="N", help="stop after N matches (default: all)"
    )
    parser.add_argument(
        "--scan",
        action="store_true",
        help="scan every transcript, even where the bot keeps a full-text index",
    )


def write_hit(hit: SearchHit, out: TextIO, *, as_json: bool) -> None:
    if as_json:
        out.write(json_line(hit.as_json()) + "\n")
        return
    s = hit.session
    when = hit.at.strftime("%Y-%m-%d %H:%M") if hit.at else "?"
    line = (
        hit.line[: hit.start] + "[" + hit.line[hit.start : hit.end] + "]" + hit.line[hit.end :]
        if hit.end > hit.start
        else hit.line
    )
    out.write(one_line(f"{when}  {hit.role:<9} {s.name} ({s.id})  {line}", 400) + "\n")
    if hit.resume:
        out.write("    " + one_line(hit.resume, 400) + "\n")


async def run_search(config: Config, args: argparse.Namespace, error: Callable[[str], None]) -> int:
    """Exit 0 with matches, 1 with none, 2 when a store could not be read."""
    from sessiontui.search.finder import find
    from sessiontui.stores import open_paths
    from sessiontui.stores.base import StoreError

    opened = open_paths(config.paths, error)
    if opened is None:
        return 2
    stores, failed = opened
    count = 0
    try:
        sources = []
        for store in stores:
            try:
                sources.append((store, (await store.refresh()).sessions))
            except StoreError as exc:
                failed = True
                error(str(exc))
        async for hit in find(sources, args.text, use_index=not args.scan):
            write_hit(hit, sys.stdout, as_json=args.json)
            count += 1
            if args.limit and count >= args.limit:
                break
    finally:
        for store in stores:
            await store.close()
    if not args.json:
        print(f"{count} match{'es' if count != 1 else ''}", file=sys.stderr)
    return 2 if failed else (0 if count else 1)
