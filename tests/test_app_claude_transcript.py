"""A Claude Code session opened from the table: the transcript opens at its last message, the
detail lists models and transcript facts, and Claude Code's plumbing does not read as prompts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from claude_code_lines import HAIKU, HAIKU_5M, OPUS, OPUS_1H, Transcript, text, tool_use, usage
from pilot_wait import screen_text, until

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.screens.costs import CostsScreen
from sessiontui.screens.detail import SessionDetailScreen
from sessiontui.stores import find_stores
from sessiontui.widgets.transcript_view import TranscriptView

SIZE = (160, 48)
START = datetime.now(UTC) - timedelta(hours=2)


pytestmark = pytest.mark.usefixtures("state_home")  # HOME and the state dir in tmp_path


def long_session(tmp_path: Path) -> Path:
    project = tmp_path / "projects" / "-home-USER-src-library"
    t = Transcript(project / "s.jsonl", "s", START).prompt("first prompt")
    for n in range(120):
        t.reply(
            [text(f"answer number {n}\nwith a second line")],
            OPUS if n % 2 else HAIKU,
            OPUS_1H if n % 2 else HAIKU_5M,
            str(n),
        )
    t.reply(
        [tool_use("toolu_b", "Bash", {"command": "cd /x &&\nmake test", "description": "tests"})],
        OPUS,
        usage(1, 1),
        "b",
    )
    t.tool_result(
        "toolu_b",
        "Exit code 2\n\x1b[31mFAILED\x1b[0m",
        is_error=True,
        result={"stdout": "", "stderr": "boom", "interrupted": False, "isImage": False},
    )
    t.reply([text("")], OPUS, usage(1, 1), "e")  # an empty text block: nothing to show
    t.command_stdout("Set model to \x1b[1mopus\x1b[22m").turn_duration(61_000)
    t.reply([text("THE LAST WORD")], "llama-local-7b", usage(1, 1), "z")
    return tmp_path / "projects"


async def test_enter_opens_the_transcript_at_its_end(tmp_path: Path) -> None:
    found, errors = find_stores([long_session(tmp_path)])
    assert not errors
    app = make_app(Config(refresh_seconds=0.1), found=found)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "first prompt" in screen_text(app), "the session listed")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, SessionDetailScreen)
                and app.screen.query_one(TranscriptView).message_count > 100
            ),
            "the transcript loaded",
        )
        view = app.screen.query_one(TranscriptView)
        await until(pilot, lambda: "THE LAST WORD" in screen_text(app), "the last message in view")
        assert view.scroll_offset.y == view.max_scroll_y > 0
        shown = screen_text(app)
        assert "Set model to opus" in shown and "\x1b" not in shown and "␛" not in shown
        assert "turn took 1m 01s" in shown
        texts = [m.text for m in view.messages]
        assert "" not in [
            t for t in texts if t is not None and not view.messages[texts.index(t)].tool_calls
        ]
        call = next(m for m in view.messages if m.tool_calls and m.tool_calls[0].name == "Bash")
        assert call.tool_calls[0].arguments.startswith("cd /x &&\nmake test")
        result = next(m for m in view.messages if m.tool_result is not None)
        assert result.text.startswith("[stderr: boom]\nExit code 2\nFAILED")
        # The detail lists each model with its calls, and says unknown for the unpriced one.
        assert "claude-opus-4-6" in shown and "claude-haiku-4-5" in shown
        assert "62 calls" in shown and "60 calls" in shown
        assert "llama-local-7b" in shown and "unknown" in shown


async def test_costs_view_says_unknown_for_an_unpriced_model(tmp_path: Path) -> None:
    found, _ = find_stores([long_session(tmp_path)])
    app = make_app(Config(refresh_seconds=0.1), found=found)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "first prompt" in screen_text(app), "the session listed")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CostsScreen), "the costs view")
        await until(pilot, lambda: "llama-local-7b" in screen_text(app), "the by-model table")
        line = next(x for x in screen_text(app).splitlines() if "llama-local-7b" in x)
        assert "unknown" in line and "$0.00" not in line
        assert "claude-haiku-4-5" in screen_text(app)  # every call under its own model
