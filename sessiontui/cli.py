"""Command line: `sessiontui [PATH ...]`, `sessiontui snapshot`, `sessiontui demo`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from sessiontui import __version__
from sessiontui.config import (
    Config,
    ConfigError,
    default_config_file,
    load_config_file,
    parse_duration,
    parse_positive,
)
from sessiontui.text import json_line, one_line

SUBCOMMANDS = (
    "snapshot",
    "demo",
    "audit",
    "restore",
    "costs",
    "metrics",
    "check",
    "search",
    "export",
    "du",
)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="stores to open: files or directories (default: the bots' default locations)",
    )
    parser.add_argument(
        "--stuck-after",
        metavar="DURATION",
        help="how long a turn may run with nothing new before it is stuck (default 10m)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"TOML settings file (default {default_config_file()})",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the transcript cache (~/.cache/sessiontui)",
    )


def build_parser(command: str | None) -> argparse.ArgumentParser:
    if command == "snapshot":
        parser = argparse.ArgumentParser(
            prog="sessiontui snapshot", description="Print every session once, without a UI."
        )
        _common(parser)
        parser.add_argument(
            "--json", action="store_true", help="one JSON object per line per session"
        )
        parser.add_argument(
            "--stuck",
            action="store_true",
            help="only stuck sessions, with reasons; exit 1 when there are any",
        )
        return parser
    if command == "metrics":
        from sessiontui.metrics.command import add_arguments

        parser = argparse.ArgumentParser(
            prog="sessiontui metrics",
            description="The sessions as Prometheus metrics: printed, written "
            "for node_exporter, or served on /metrics.",
        )
        _common(parser)
        add_arguments(parser)
        return parser
    if command == "check":
        parser = argparse.ArgumentParser(
            prog="sessiontui check",
            description="Health checks for cron: exit 0 when nothing matches, 1 when something does "
            "(one line each), 2 on error. No test named: --stuck --store-down.",
        )
        _common(parser)
        parser.add_argument("--stuck", action="store_true", help="any stuck session")
        parser.add_argument(
            "--waiting-longer-than",
            metavar="DURATION",
            help="a session waiting for its user longer than this (e.g. 30m)",
        )
        parser.add_argument(
            "--burn-above",
            metavar="RATE",
            help="a session spending faster than this (dollars: 5/h, 0.1/m)",
        )
        parser.add_argument("--store-down", action="store_true", help="a store that cannot be read")
        return parser
    if command == "costs":
        from sessiontui.costs_command import add_arguments

        parser = argparse.ArgumentParser(
            prog="sessiontui costs", description="Print where the money went, without a UI."
        )
        _common(parser)
        add_arguments(parser)
        return parser
    if command == "search":
        from sessiontui.search_command import add_arguments as add_search_arguments

        parser = argparse.ArgumentParser(
            prog="sessiontui search",
            description="Every message holding TEXT, newest sessions first.",
        )
        parser.add_argument(
            "text", metavar="TEXT", help="the text to find (literal, case-insensitive)"
        )
        _common(parser)
        add_search_arguments(parser)
        return parser
    if command == "export":
        from sessiontui.export_command import add_arguments as add_export_arguments

        parser = argparse.ArgumentParser(
            prog="sessiontui export",
            description="One session's transcript with its metadata, tokens and cost.",
        )
        parser.add_argument(
            "id", metavar="ID", help="the session's id (as `snapshot --json` shows it)"
        )
        _common(parser)
        add_export_arguments(parser)
        return parser
    if command == "du":
        from sessiontui.disk_usage import add_arguments as add_du_arguments

        parser = argparse.ArgumentParser(
            prog="sessiontui du",
            description="What each store takes on disk, and what reclaims it. "
            "Never deletes anything.",
        )
        _common(parser)
        add_du_arguments(parser)
        return parser
    if command == "audit":
        parser = argparse.ArgumentParser(
            prog="sessiontui audit",
            description="Print every action taken with sessiontui on this machine.",
        )
        parser.add_argument("--json", action="store_true", help="the raw JSON lines")
        return parser
    if command == "restore":
        parser = argparse.ArgumentParser(
            prog="sessiontui restore",
            description="List the trash, or put a deleted session back exactly.",
        )
        parser.add_argument(
            "entry", nargs="?", help="the trash entry to restore (default: list them)"
        )
        return parser
    if command == "demo":
        parser = argparse.ArgumentParser(
            prog="sessiontui demo",
            description="A simulated bot host writing every store, and the dashboard on it.",
        )
        parser.add_argument(
            "--keep", type=Path, metavar="DIR", help="build the workspace in DIR and keep it"
        )
        parser.add_argument(
            "--simulate-only",
            type=Path,
            metavar="DIR",
            help="only run the simulated bots, writing into DIR (no UI)",
        )
        parser.add_argument(
            "--sessions", type=int, default=20, help="sessions to start with (default 20)"
        )
        parser.add_argument("--rate", type=float, default=5.0, help="writes per second (default 5)")
        parser.add_argument("--duration", type=float, help="stop after this many seconds")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        return parser
    parser = argparse.ArgumentParser(
        prog="sessiontui",
        description="Watch the session stores of AI chat bots live: state, stuck sessions, tokens, cost.",
        epilog="sub-commands: snapshot, demo, audit, restore, metrics, check, search, export, du ('sessiontui metrics --help')",
    )
    _common(parser)
    parser.add_argument(
        "--refresh", type=float, metavar="SECONDS", help="SQLite poll interval (default 1)"
    )
    parser.add_argument("--read-only", action="store_true", help="turn every write action off")
    parser.add_argument(
        "--alert-command",
        metavar="CMD",
        help="run CMD (split like a shell would, but never run by one) with each alert "
        "as JSON on stdin, once per transition",
    )
    parser.add_argument(
        "--alert-dollars-per-hour",
        type=float,
        metavar="USD",
        help="alert when a session spends faster than this",
    )
    parser.add_argument("--no-bell", action="store_true", help="no terminal bell on alerts")
    parser.add_argument("--version", action="version", version=f"sessiontui {__version__}")
    return parser


def resolve_config(args: argparse.Namespace) -> Config:
    config = load_config_file(args.config or default_config_file())
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: no such config file")
    changes: dict[str, object] = {"paths": tuple(args.paths)}
    if args.stuck_after is not None:
        changes["thresholds"] = replace(
            config.thresholds, stuck_after=parse_duration(args.stuck_after, "--stuck-after")
        )
    if getattr(args, "refresh", None) is not None:
        changes["refresh_seconds"] = parse_positive(args.refresh, "--refresh")
    if getattr(args, "read_only", False):
        changes["read_only"] = True
    if getattr(args, "alert_command", None):
        argv = shlex.split(args.alert_command)
        if not argv:
            raise ConfigError("--alert-command: empty command")
        changes["alert_command"] = tuple(argv)
    if getattr(args, "alert_dollars_per_hour", None) is not None:
        changes["alert_dollars_per_hour"] = parse_positive(
            args.alert_dollars_per_hour, "--alert-dollars-per-hour"
        )
    if getattr(args, "no_bell", False):
        changes["bell"] = False
    return replace(config, **changes)  # type: ignore[arg-type]


# One-shot commands that leave nothing running once `main` returns: their process ends without
# the interpreter's teardown (see `run`).
LEAVE_AT_ONCE = frozenset({"snapshot"})


def run() -> NoReturn:
    """The program (the `sessiontui` script, `python -m sessiontui`): `main`, then exit.

    After a one-shot command has written everything (its output flushed here, the transcript
    cache saved and its stores closed inside `main`), the process leaves with `os._exit`: the
    interpreter's teardown, freeing every object and module one by one, was 10-15 ms of a
    0.2 s warm `snapshot`, for nothing anyone sees. The collector, held off while the
    program's modules were imported (`sessiontui.__main__`), is on again before any work."""
    gc.enable()
    code = main()
    command = sys.argv[1] if len(sys.argv) > 1 else None
    if command in LEAVE_AT_ONCE:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe: the usual exit says so
            raise SystemExit(code) from None
        os._exit(code)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser = build_parser(command)
    rest = argv[1:] if command else argv
    # search: TEXT, flags and PATHs in any order
    args = (
        parser.parse_intermixed_args(rest)
        if command in ("search", "export", "du")
        else parser.parse_args(rest)
    )
    try:
        if command == "demo":
            from sessiontui.demo_command import run_demo

            return run_demo(args)
        if command == "audit":
            return run_audit(as_json=args.json)
        if command == "restore":
            return asyncio.run(run_restore(args.entry))
        config = resolve_config(args)
        if args.no_cache:
            from sessiontui.stores.transcript_cache import set_enabled

            set_enabled(False)
        if command == "snapshot":
            return asyncio.run(run_snapshot(config, as_json=args.json, stuck_only=args.stuck))
        if command == "metrics":
            from sessiontui.metrics.command import run_metrics

            return run_metrics(config, args, _error)
        if command == "check":
            from sessiontui.check import run_check

            return asyncio.run(run_check(config, args, _error))
        if command == "search":
            from sessiontui.search_command import run_search

            return asyncio.run(run_search(config, args, _error))
        if command == "du":
            from sessiontui.disk_usage import run_du

            return run_du(list(config.paths), args.json, _error)
        if command == "export":
            from sessiontui.export_command import run_export

            return asyncio.run(run_export(config, args, _error))
        if command == "costs":
            from sessiontui.costs_command import run_costs

            return asyncio.run(run_costs(config, args, _error))
        from sessiontui.app import run_dashboard

        return run_dashboard(config)
    except ConfigError as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130


async def run_snapshot(config: Config, *, as_json: bool, stuck_only: bool) -> int:
    from sessiontui.model import SessionRow, SessionState
    from sessiontui.snapshot import JsonLines, Table, stream_paths

    # What is loaded now (the modules) lives as long as the process: no collection need look at
    # it again. A warm run makes ~100k objects at once from the cache; without this, collections
    # walking the modules' objects too took up to a third of its time.
    gc.freeze()

    writer = JsonLines(sys.stdout) if as_json else Table(sys.stdout)

    def emit(row: SessionRow) -> None:
        if not stuck_only or row.verdict.state == SessionState.STUCK:
            writer.write(row)

    failed = await stream_paths(config.paths, config.thresholds, _error, emit)
    if failed is None:
        return 2
    writer.close()
    if failed:
        return 2
    return 1 if stuck_only and writer.rows else 0


def _error(message: str) -> None:
    """One line on stderr. Paths and store text are made printable: a file name may hold a
    newline or an escape sequence, and neither may reach the terminal."""
    print(f"sessiontui: {one_line(message)}", file=sys.stderr)


def _recover() -> list[str]:
    from sessiontui.actions.recovery import recovery_notes

    return recovery_notes()


def run_audit(*, as_json: bool) -> int:
    from sessiontui.actions.audit import read_audit_log, write_audit_table

    for note in _recover():
        _error(note)
    records, damaged = read_audit_log()
    if as_json:
        for record in records:
            print(json_line(record))
    else:
        write_audit_table(records, sys.stdout)
    for bad in damaged:
        _error(f"audit log line {bad.line} is damaged: {bad.reason}")
    return 2 if damaged else 0


async def run_restore(entry_id: str | None) -> int:
    from sessiontui.actions import restore_entry
    from sessiontui.actions.trash import DONE, read_trash

    for note in _recover():
        _error(note)
    everything, damaged = read_trash()
    entries = [e for e in everything if e.status == DONE]
    for bad in damaged:
        _error(f"damaged trash entry {bad.path}: {bad.reason}")
    for unsettled in (e for e in everything if e.status != DONE):
        _error(
            f"trash entry {unsettled.path} is {unsettled.status} (its store could not be checked)"
        )
    if entry_id is None:
        for entry in entries:
            print(
                one_line(
                    f"{entry.id}  {entry.action:<7} {entry.format:<16} {entry.session_id}  "
                    f"{entry.name}  ({entry.messages} messages)  from {entry.store}"
                )
            )
        if not entries:
            print("the trash is empty")
        return 0
    match = [e for e in entries if e.id == entry_id]
    if not match:
        print(
            f"sessiontui: no trash entry {one_line(entry_id)!r} (run 'sessiontui restore' to list them)",
            file=sys.stderr,
        )
        return 2
    outcome = await restore_entry(match[0])
    print(one_line(outcome.message), file=sys.stdout if outcome.ok else sys.stderr)
    return 0 if outcome.ok else 1
