"""OpenClaw is never written: every write key on an OpenClaw session, on the dashboard and in the
detail screen, is refused with the reason and the OpenClaw command that does it, and the store's
files are byte-identical afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pilot_wait import until
from test_app_actions import SIZE, open_app, show_only
from test_stores_openclaw import agent_store
from test_stores_openclaw_legacy import legacy_store

from sessiontui.screens.detail import SessionDetailScreen

WRITE_KEYS = (
    "C",
    "n",
    "d",
    "z",
    "X",
    "m",
    "A",
    "P",
    "u",
    "escape",
)  # u: the trash list (empty here)


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    ("build", "owner"),
    [
        (agent_store, "OpenClaw's gateway owns this store and rewrites its rows from entry_json"),
        (legacy_store, "OpenClaw's gateway owns sessions.json and rewrites it from memory"),
    ],
    ids=["openclaw", "openclaw-legacy"],
)
async def test_every_write_key_is_refused_and_nothing_changes(
    tmp_path: Path, build: Callable[[Path, datetime], Path], owner: str
) -> None:
    db = build(tmp_path / ".openclaw", datetime.now(UTC) - timedelta(seconds=1))
    app, notes = open_app(tmp_path / ".openclaw")
    async with app.run_test(size=SIZE) as pilot:
        await show_only(pilot, app, "run:stale")
        before = files(db.parent)
        await pilot.press(*WRITE_KEYS)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail screen")
        await pilot.press(*WRITE_KEYS)
        await until(pilot, lambda: len(notes) == 2 * 8, "every refusal to be said")
        assert files(db.parent) == before
    messages = [message for message, _ in notes]
    assert f"{owner}: run `openclaw sessions delete <session key> --yes`" in messages
    assert any("openclaw#119117" in m for m in messages)  # z: a stale 'running' no command clears
    assert all(severity == "warning" for _, severity in notes)
