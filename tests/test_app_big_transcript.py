"""The real app on a transcript too big to count in one refresh: its row is listed at once with
tokens and cost shown as counting, and the figures arrive when the count ends."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pilot_wait import screen_text
from test_transcript_streaming import conversation

from sessiontui import app as app_module
from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.stores import claude_code, find_stores
from sessiontui.widgets.session_table import SessionTable


async def test_a_big_transcript_is_listed_counting_then_priced(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "INTERACTIVE_READ_SECONDS", 0.0)  # one 4 MiB step per refresh
    conversation(tmp_path / "projects", 6_000)  # about 6 MB: two refreshes at least
    found, _ = find_stores([tmp_path / "projects"])
    app = make_app(Config(refresh_seconds=0.1), found=found)
    seen: list[str] = []
    async with app.run_test(size=(200, 40)) as pilot:
        for _ in range(1_200):
            rows = (
                app.screen_stack[1].query_one(SessionTable).visible_rows()
                if len(app.screen_stack) > 1
                else []
            )
            if rows:
                seen.append("counting" if rows[0].session.counting is not None else "done")
                if seen[-1] == "counting" and re.search(r"count +…\d+%", screen_text(app)):
                    seen.append("shown")
                if seen[-1] == "done":
                    break
            await pilot.pause(0.05)
        assert seen[0] == "counting" and "shown" in seen and seen[-1] == "done"
        text = screen_text(app)
        assert not re.search(r"count +…\d+%", text) and "$" in text


async def test_the_detail_of_a_transcript_being_counted_says_so(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "INTERACTIVE_READ_SECONDS", 0.0)
    monkeypatch.setattr(
        claude_code, "_READ_STEP", 1 << 20
    )  # one 1 MiB step per refresh: slow to count
    conversation(tmp_path / "projects", 8_000)
    found, _ = find_stores([tmp_path / "projects"])
    app = make_app(Config(refresh_seconds=0.5), found=found)
    async with app.run_test(size=(200, 40)) as pilot:
        await until(
            pilot,
            lambda: (
                len(app.screen_stack) > 1
                and app.screen_stack[1].query_one(SessionTable).visible_rows()
            ),
        )
        row = app.screen_stack[1].query_one(SessionTable).visible_rows()[0]
        assert row.session.counting is not None
        await pilot.press("enter")
        await until(
            pilot, lambda: "of the transcript read" in screen_text(app) or "$" in screen_text(app)
        )
        assert re.search(r"Cost +counting \(\d+% of the transcript read\)", screen_text(app))


async def until(pilot: Any, condition: Callable[[], object], timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")
