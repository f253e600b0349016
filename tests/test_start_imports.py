"""What a `snapshot` run imports: a warm Claude Code snapshot pays for no module it does not use
(no multiprocessing when no file needs reading, no SQLite driver without a SQLite file, none of
the write path behind `sessiontui.actions`), and the names the actions package hands out late
all resolve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sessiontui.actions
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict

UNUSED_WHEN_WARM = (
    "multiprocessing",
    "sqlite3",
    "aiosqlite",
    "sessiontui.actions.perform",
    "sessiontui.actions.trash",
    "sessiontui.actions.journal",
    "sessiontui.actions.audit",
)


def test_a_warm_claude_snapshot_imports_nothing_it_does_not_use(
    tmp_path: Path, isolated_home: Path
) -> None:
    writer = ClaudeCodeWriter(tmp_path / "projects")
    writer.user("s1", "/home/dev/src/a", "hello")
    writer.assistant(
        "s1",
        "/home/dev/src/a",
        [text_block("hi")],
        model="claude-sonnet-4-5",
        usage=usage_dict(1, 2, 3, 4),
    )
    env = {**os.environ, "HOME": str(isolated_home), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    code = (
        "import contextlib, io, sys\n"
        "from sessiontui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['snapshot', '--json', {str(tmp_path / 'projects')!r}])\n"
        f"loaded = [m for m in {UNUSED_WHEN_WARM!r} if m in sys.modules]\n"
        "print(code, out.getvalue().count(chr(10)), *loaded)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        ).stdout.split()
        for _ in ("cold", "warm")
    ]
    assert runs[0][:2] == ["0", "1"]  # (the cold run reads the file: it may import more)
    assert runs[1] == ["0", "1"]  # warm: one row, and none of those modules


@pytest.mark.parametrize("name", sessiontui.actions.__all__)
def test_every_name_of_the_actions_package_resolves(name: str) -> None:
    value = getattr(sessiontui.actions, name)
    assert getattr(value, "__name__", name) == name
