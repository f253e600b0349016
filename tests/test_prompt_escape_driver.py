"""The terminal driver takes a lone Esc as the key at the parser's deadline, not at a later poll.

Its input thread reads real bytes from a real pipe; what it hands on is recorded where the app
would receive it. The poll is made a minute long, so a lone Esc taken only when the poll came back
empty (Textual's own loop) would not arrive within the test's wait.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import AsyncIterator

import pytest
from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.message import Message

from sessiontui import prompt_escape_driver
from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.prompt_escape_driver import (
    PromptEscapeDriver,
    parser_deadline,
    poll_seconds,
    use_default_escape_delay,
)


class _Recorded(PromptEscapeDriver):
    """The driver, with what it hands to the app kept in a queue."""

    received: queue.Queue[Message]

    def process_message(self, message: Message) -> None:
        self.received.put(message)


@pytest.fixture
async def driver(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[_Recorded, int]]:
    """The driver's input thread reading a pipe (and the pipe's write end), polling once a minute
    (a driver is made inside a running event loop)."""
    monkeypatch.setattr(prompt_escape_driver, "POLL_SECONDS", 60.0)
    read_end, write_end = os.pipe()
    recorded = _Recorded(make_app(Config(paths=())))
    recorded.received = queue.Queue()
    recorded.fileno = read_end
    thread = threading.Thread(target=recorded.run_input_thread, daemon=True)
    thread.start()
    try:
        yield recorded, write_end
    finally:
        monkeypatch.setattr(prompt_escape_driver, "POLL_SECONDS", 0.01)  # the last poll, too
        recorded.exit_event.set()
        os.write(write_end, b"q")  # wakes the poll so the thread sees the exit
        thread.join(10)
        os.close(write_end)
        os.close(read_end)


def _next_key(recorded: _Recorded) -> str:
    while True:
        message = recorded.received.get(timeout=10)  # a minute's poll would miss this
        if isinstance(message, events.Key):
            return message.key


async def test_a_lone_esc_is_the_escape_key_without_waiting_for_the_poll(
    driver: tuple[_Recorded, int],
) -> None:
    """And escape sequences and letters are still whole keys."""
    recorded, write_end = driver
    for sent, keys in ((b"\x1b", ["escape"]), (b"\x1b[Ax", ["up", "x"]), (b"\x1b", ["escape"])):
        os.write(write_end, sent)
        assert [_next_key(recorded) for _ in keys] == keys


def test_the_poll_lasts_until_the_parsers_deadline_at_most() -> None:
    assert poll_seconds(None, 100.0) == prompt_escape_driver.POLL_SECONDS
    assert poll_seconds(100.025, 100.0) == pytest.approx(0.025)
    assert poll_seconds(99.0, 100.0) == 0.0
    assert poll_seconds(500.0, 100.0) == prompt_escape_driver.POLL_SECONDS


def test_the_parser_still_keeps_its_deadline_where_the_driver_reads_it() -> None:
    """A guard: the deadline is a private name of Textual's parser; an upgrade that moves it
    fails here rather than making every Esc wait a poll again."""
    parser = XTermParser()
    assert parser_deadline(parser) is None
    assert list(parser.feed("\x1b")) == []
    assert parser_deadline(parser) is not None


def test_the_app_picks_the_driver_in_a_terminal() -> None:
    app = make_app(Config(paths=()))
    assert app.driver_class is PromptEscapeDriver


def test_escdelay_defaults_to_25_ms_unless_the_operator_set_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.1)
    monkeypatch.setenv("ESCDELAY", "100")
    use_default_escape_delay()
    assert constants.ESCAPE_DELAY == 0.1
    monkeypatch.delenv("ESCDELAY")
    use_default_escape_delay()
    assert constants.ESCAPE_DELAY == 0.025
