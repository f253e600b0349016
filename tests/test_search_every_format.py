"""Search over one store of every format: each format's messages are found where they are, and
Codex and Claude Code results carry their resume commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.cli import main
from sessiontui.demo.bots import StarpodBot
from sessiontui.demo.codex import CodexWriter


def test_every_format(
    tmp_path: Path,
    isolated_home: Path,
    one_store_each: Callable[[Path], dict[str, Path]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = one_store_each(tmp_path / "stores")
    codex = tmp_path / "stores" / "codex"
    writer = CodexWriter(codex)
    at = datetime.now(UTC) - timedelta(minutes=20)
    thread = writer.start("/src/app", at)
    writer.user_turn(thread, "hi there, codex", at)
    starpod = StarpodBot(paths["starpod"])
    starpod.save_message("sp-1", "user", "say hi to the team", now=at)
    starpod.close()
    code = main(["search", "hi", "--json", *(str(p) for p in paths.values()), str(codex)])
    hits = {
        (h["format"], h["session"], h["role"], h["line"], h["resume"])
        for h in map(json.loads, capsys.readouterr().out.splitlines())
    }
    assert code == 0
    assert hits == {
        ("zeroclaw-sqlite", "gw_1", "user", "hi", None),  # through its FTS5 index
        ("zeroclaw-jsonl", "telegram_1", "user", "hi", None),
        ("starpod", "sp-1", "user", "say hi to the team", None),
        ("codex", thread, "user", "hi there, codex", f"codex resume {thread}"),
        ("claude-code", "cc-1", "user", "hi", "cd /src/repo && claude --resume cc-1"),
    }  # the hermes-bot rows of this scene link to no transcript yet: nothing to find there
