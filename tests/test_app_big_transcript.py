"""The real app on a transcript too big to count in one refresh: its row is listed at once with
tokens and cost shown as counting, and the figures arrive when the count ends."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from test_transcript_streaming import conversation

from sessiontui import app as app_module
from sessiontui.app import SessionTuiApp, make_app
from sessiontui.config import Config
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable


def screen_text(app: SessionTuiApp) -> str:
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


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
