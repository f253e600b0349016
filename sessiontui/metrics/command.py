"""`sessiontui metrics [PATH ...] [--textfile FILE | --listen [HOST:]PORT]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from sessiontui.config import Config, ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--textfile",
        type=Path,
        metavar="FILE",
        help="write the metrics to FILE for node_exporter's textfile collector "
        "(atomically, owner-only) instead of printing them",
    )
    where.add_argument(
        "--listen",
        metavar="[HOST:]PORT",
        help="serve /metrics from a live view of the stores (HOST defaults to 127.0.0.1)",
    )
    parser.add_argument(
        "--refresh",
        type=float,
        metavar="SECONDS",
        help="with --listen: how often the stores are read (default 5)",
    )


def run_metrics(config: Config, args: argparse.Namespace, error: Callable[[str], None]) -> int:
    from sessiontui.metrics.exporter import (
        FleetMetrics,
        parse_listen,
        print_exposition,
        read_once,
        serve,
        write_textfile,
    )
    from sessiontui.stores import find_stores, open_stores

    if args.listen is not None:
        try:
            host, port = parse_listen(args.listen)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    found, errors = find_stores(list(config.paths))
    for line in errors:
        error(line)
    if not found:
        return 2
    stores = open_stores(found)
    metrics = FleetMetrics(None)
    if args.listen is not None:
        refresh = args.refresh if args.refresh is not None else 5.0
        if refresh <= 0:
            raise ConfigError("--refresh: must be a positive number of seconds")
        live = Config(paths=config.paths, refresh_seconds=refresh, thresholds=config.thresholds)
        try:
            asyncio.run(serve(stores, live, metrics, host, port, error))
        except OSError as exc:  # the address is taken, or not ours to bind
            error(f"--listen {args.listen}: {exc.strerror or exc}")
            return 2
        return 0

    async def once() -> list[str]:
        try:
            update = await read_once(stores, config, metrics)
        finally:
            for store in stores:
                await store.close()
        return [s.error for s in update.statuses if s.error]

    read_errors = asyncio.run(once())
    for line in read_errors:
        error(line)
    if args.textfile is not None:
        try:
            write_textfile(args.textfile, metrics)
        except OSError as exc:
            error(f"{args.textfile}: {exc.strerror or exc}")
            return 2
    else:
        print_exposition(metrics)
        sys.stdout.flush()
    return 0
