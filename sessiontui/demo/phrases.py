"""What the demo bots say: prompts, answers, questions and tool calls with their output."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

PROMPTS = (
    "Add rate limiting to the /login endpoint",
    "Why is the nightly backup job failing?",
    "Summarise the open pull requests",
    "Rename the `Config` class to `Settings` everywhere",
    "What's on my calendar today?",
    "Find the slowest query in yesterday's logs",
    "Draft a reply to the vendor about the invoice",
    "Upgrade the project to Python 3.12",
    "Check disk usage on the build server",
    "Write release notes for v2.4",
    "Which tests are flaky this week?",
    "Translate the onboarding email into Spanish",
)
FOLLOW_UPS = (
    "Thanks, now add tests for it",
    "Can you make it shorter?",
    "Go with the first option",
    "ok, and tomorrow?",
    "Please also update the docs",
    "Looks good, ship it",
)
ANSWERS = (
    "Done. The change is in place and the tests pass.",
    "Here is the summary: three PRs are ready to merge, two need review.",
    "The backup failed because the disk was full; I cleaned up old snapshots.",
    "You have two meetings: stand-up at 9:30 and a design review at 14:00.",
    "The slowest query is the report join on `orders`; adding an index fixes it.",
    "I drafted the reply and saved it as `reply.md`.",
)
QUESTIONS = (
    "I can do that two ways: a middleware or a decorator. Which would you prefer?",
    "Should I send it to #general or to #random?",
    "Do you want me to delete the old snapshots as well?",
    "Shall I open a pull request now?",
)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the demo agents call: its name, input and the output it produces."""

    name: str
    input: dict[str, Any]
    output: str


TOOLS = (
    ToolCall("Bash", {"command": "pytest -q"}, "58 passed, 2 skipped in 4.21s"),
    ToolCall(
        "Bash",
        {"command": "df -h /"},
        "Filesystem  Size  Used Avail Use%\n/dev/sda1  98G  91G  7G  93%",
    ),
    ToolCall("Read", {"file_path": "src/app/login.py"}, "def login(request):\n    ..."),
    ToolCall(
        "Grep", {"pattern": "class Config", "path": "src"}, "src/app/config.py:12:class Config:"
    ),
    ToolCall(
        "Edit",
        {
            "file_path": "src/app/login.py",
            "old_string": "def login",
            "new_string": "@limit\ndef login",
        },
        "The file src/app/login.py has been updated.",
    ),
    ToolCall("WebFetch", {"url": "https://status.example.com"}, "All systems operational"),
)
# ZeroClaw's tools are named differently (`shell`, `file_read`, …).
ZEROCLAW_TOOL_NAMES = {
    "Bash": "shell",
    "Read": "file_read",
    "Grep": "content_search",
    "Edit": "file_edit",
    "WebFetch": "http_request",
}
MODELS = ("claude-sonnet-4-6", "claude-opus-4-6")

# The text that proves safe rendering: Rich markup and a terminal escape (clear screen).
HOSTILE_TEXT = "Please print [bold red]x[/] and then \x1b[2J as-is"


def pick(rng: random.Random, options: tuple[T, ...]) -> T:
    """One of `options`, drawn from `rng`."""
    return options[rng.randrange(len(options))]


def usage_numbers(rng: random.Random, context: int) -> tuple[int, int, int, int]:
    """(input, output, cache_read, cache_write) of one API call with `context` tokens cached."""
    return rng.randint(3, 40), rng.randint(40, 900), context, rng.randint(150, 3000)
