"""`sessiontui export ID [PATH ...] [--format md|json|jsonl] [-o FILE]`: one session's transcript
with its metadata, streamed (bounded memory), to stdout or to a file only its owner may read."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sessiontui.config import Config
from sessiontui.export.formats import FORMATS
from sessiontui.model import Session
from sessiontui.stores.base import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md (for people, the default), json (one document) or jsonl (a line each)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write to FILE, created owner-only (0600); default stdout",
    )


async def export_to(store: Store, session: Session, fmt: str, output: Path | None) -> int:
    """Write one export; the number of messages. A file is written beside its name and renamed
    into place when complete, so a failed export leaves no half file."""
    from sessiontui.export.formats import write_export
    from sessiontui.export.transcript import messages_in_order
    from sessiontui.private_files import open_private

    if output is None:
        return await write_export(fmt, session, messages_in_order(store, session), sys.stdout)
    temp = output.with_name(f".{output.name}.partial")
    handle = open_private(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            count = await write_export(fmt, session, messages_in_order(store, session), out)
        os.replace(temp, output)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return count


async def run_export(config: Config, args: argparse.Namespace, error: Callable[[str], None]) -> int:
    from sessiontui.stores import open_paths
    from sessiontui.stores.base import StoreError
    from sessiontui.text import one_line

    opened = open_paths(config.paths, error)
    if opened is None:
        return 2
    stores, _ = opened
    try:
        matches = []
        for store in stores:
            try:
                sessions = (await store.refresh()).sessions
            except StoreError as exc:
                error(str(exc))
                continue
            matches += [(store, s) for s in sessions if s.id == args.id]
        if len(matches) != 1:
            where = "; ".join(f"{s.format} {s.store}" for _, s in matches)
            error(
                f"no session {args.id!r}"
                if not matches
                else f"{args.id!r} is in {len(matches)} stores: {where}"
            )
            return 2
        store, session = matches[0]
        count = await export_to(store, session, args.format, args.output)
        if args.output is not None:
            print(one_line(f"{count} messages written to {args.output}"), file=sys.stderr)
        return 0
    finally:
        for store in stores:
            await store.close()
