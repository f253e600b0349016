"""The real `sessiontui` command in a real terminal (tmux), against stores a second process writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessiontui.demo import store_paths
from sessiontui.demo.bots import ZeroClawSqliteBot

pytestmark = pytest.mark.e2e


def pane(name: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True, check=False
    ).stdout


def wait_for(name: str, text: str, seconds: float) -> str:
    return wait_until(name, lambda screen: text in screen, repr(text), seconds)


def wait_until(name: str, holds: Callable[[str], bool], what: str, seconds: float) -> str:
    """Read the terminal until `holds(screen)`; fail after `seconds` showing the last screen."""
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = pane(name)
        if holds(screen):
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{what} not on screen after {seconds}s; screen was:\n{screen}")


@pytest.fixture
def live_host(tmp_path: Path) -> Iterator[Path]:
    """A workspace that a separate simulator process keeps writing."""
    assert shutil.which("tmux"), "tmux is needed for the end-to-end test (apt-get install tmux)"
    root = tmp_path / "host"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessiontui",
            "demo",
            "--simulate-only",
            str(root),
            "--rate",
            "10",
            "--seed",
            "7",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not store_paths(root)["zeroclaw-sqlite"].exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        yield root
    finally:
        writer.terminate()
        writer.wait(timeout=10)


def test_new_session_appears_on_screen_while_a_bot_writes(live_host: Path, tmp_path: Path) -> None:
    name = f"sessiontui-e2e-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TERM": "xterm-256color"}
    env.pop("CLAUDE_CONFIG_DIR", None)
    command = f"{sys.executable} -m sessiontui {live_host} --refresh 0.5"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "50", command],
        check=True,
        env=env,
    )
    try:
        wait_for(name, "sessions", 20)
        subprocess.run(["tmux", "send-keys", "-t", name, "/"], check=True)
        wait_for(name, "filter:", 10)  # the field opens with its hint; then they type
        subprocess.run(["tmux", "send-keys", "-t", name, "newcomer"], check=True)
        wait_for(name, "0 of", 10)  # the filter hides every row until the newcomer exists

        bot = ZeroClawSqliteBot(store_paths(live_host)["zeroclaw-sqlite"], busy_timeout_ms=5000)
        bot.append("gw_e2e", "user", "hello from the e2e test", datetime.now(UTC))
        bot.set_name("gw_e2e", "e2e newcomer")
        bot.close()

        screen = wait_for(name, "e2e newcomer", 10)
        assert "zeroclaw-sqlite" in screen
        subprocess.run(["tmux", "send-keys", "-t", name, "Escape"], check=True)  # leave the filter
        wait_until(
            name,
            lambda now: "0 of" not in now and now.count("newcomer") <= 1,
            "the filter field closed",
            10,
        )
        subprocess.run(["tmux", "send-keys", "-t", name, "q"], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = subprocess.run(
                ["tmux", "has-session", "-t", name], capture_output=True, check=False
            )
            if alive.returncode != 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("sessiontui did not exit on q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, check=False)
