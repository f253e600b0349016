"""The types of the shared fixtures in conftest.py, for test functions that take them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path, PurePath
from typing import Any, Protocol

from textual.app import App
from textual.pilot import Pilot

from sessiontui.demo.agent_processes import StandIn


class SnapshotRun(Protocol):
    """`snapshot_json`: run `sessiontui snapshot --json PATH...`; (exit code, rows, stderr)."""

    def __call__(
        self, *paths: Path | str, flags: tuple[str, ...] = ()
    ) -> tuple[int, list[dict[str, Any]], str]: ...


class SnapshotRows(Protocol):
    """`snapshot_rows`: the snapshot's rows keyed by session id."""

    def __call__(self, *paths: Path | str) -> dict[str, dict[str, Any]]: ...


OneStoreEach = Callable[[Path], dict[str, Path]]
"""`one_store_each`: build one store of every format A-F under a root; each format's path."""

DumpFiles = Callable[[Path], dict[str, object]]
"""`dump_files`: every file under a root, as SQL dump or bytes."""


class SnapCompare(Protocol):
    """pytest-textual-snapshot's `snap_compare`: run the app, compare its SVG with the stored one."""

    def __call__(
        self,
        app: str | PurePath | App[Any],
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
    ) -> bool: ...


StartStandIn = Callable[..., StandIn]
"""`standins`: start a stand-in agent process (`start_standin`'s arguments); stopped after the test."""
