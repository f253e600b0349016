"""A digest of every row a checkout makes of a store at a pinned clock: run it from two checkouts
and compare (a faster load must give the same rows).

Run: PYTHONPATH=CHECKOUT python benchmarks/rows_digest.py STORE_PATH [--now ISO] [--out FILE]
                                                          [--snapshot]
rows (default)  Fleet.first_pages, then Fleet.refresh(full=True), as the dashboard loads: every
                row (the SessionRow's repr: session, verdict, burn) and its valid-until (the
                moment the row book will look at it again), sorted by key; sha256 and row count
--snapshot      `snapshot --json STORE_PATH` with the clock pinned: sha256 of its output
--out FILE      also write the rows (or the snapshot output) to FILE, for a diff
PYTHONPATH picks the checkout measured (this script adds none of its own to the path).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import sys
from datetime import datetime
from pathlib import Path


async def rows_of(path: Path, now: datetime) -> list[str]:
    from sessiontui.live.fleet import Fleet
    from sessiontui.rules.state import Thresholds
    from sessiontui.stores import open_paths

    opened = open_paths([path], lambda line: print(line, file=sys.stderr))
    assert opened is not None
    fleet = Fleet(opened[0], clock=lambda: now, thresholds=Thresholds())
    await fleet.first_pages()
    await fleet.refresh(full=True, processes=False)
    entries = fleet._book._entries  # noqa: SLF001 - the valid-until is the book's own
    lines = sorted(f"{row.key}|{row!r}|{entries[row.key].due}" for row in fleet.rows)
    await fleet.close()
    return lines


def snapshot_of(path: Path, now: datetime) -> str:
    import sessiontui.snapshot as snapshot
    from sessiontui.cli import main

    class Pinned(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Pinned:  # type: ignore[override]
            return now  # type: ignore[return-value]

    snapshot.datetime = Pinned  # type: ignore[misc]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["snapshot", "--json", str(path)])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--now", default="2026-11-30T03:00:00+00:00")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--snapshot", action="store_true")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    if args.snapshot:
        text = snapshot_of(args.path, now)
        count = text.count("\n")
    else:
        lines = asyncio.run(rows_of(args.path, now))
        text, count = "\n".join(lines), len(lines)
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    print(f"{count} {'lines' if args.snapshot else 'rows'} {digest}")
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8", errors="surrogateescape")


if __name__ == "__main__":
    main()
