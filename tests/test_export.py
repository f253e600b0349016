"""`sessiontui export`: the JSON export read back equals what the store holds, in order, across
pages; tool calls and results, tokens and cost come along; the file is the owner's alone."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sessiontui.cli import main
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, tool_use_block, usage_dict
from sessiontui.timestamps import iso_utc, parse_timestamp

NOW = datetime.now(UTC).replace(microsecond=0)


def export(isolated: Path, *args: str) -> tuple[int, str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["export", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def zeroclaw(tmp_path: Path) -> Path:
    path = tmp_path / "zeroclaw" / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    try:
        for i in range(1203):  # more than two pages of 500: order kept across pages
            bot.append(
                "gw_long",
                "user" if i % 2 == 0 else "assistant",
                f"message {i}\n```x``` [b]{i}[/b]",
                now=NOW - timedelta(seconds=2000 - i),
            )
        bot.append("gw_short", "user", "hi", now=NOW)
    finally:
        bot.close()
    return path.resolve()


def test_json_export_reads_back_as_the_store_holds_it(
    zeroclaw: Path, isolated_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "long.json"
    target.parent.mkdir()
    code, _, err = export(
        isolated_home, "gw_long", str(zeroclaw), "--format", "json", "-o", str(target)
    )
    assert (code, err.strip()) == (0, f"1203 messages written to {target}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text())
    with sqlite3.connect(zeroclaw) as conn:
        rows = conn.execute(
            "SELECT role, content, created_at FROM sessions WHERE session_key = 'gw_long' "
            "ORDER BY id"
        ).fetchall()
    assert [(m["role"], m["text"], m["at"]) for m in document["messages"]] == [
        (role, content, iso_utc(parse_timestamp(at))) for role, content, at in rows
    ]
    assert document["session"]["id"] == "gw_long"
    assert document["session"]["messages"] == 1203
    assert document["session"]["store"] == str(zeroclaw)
    assert not list(target.parent.glob(".*partial"))


def test_jsonl_and_markdown(zeroclaw: Path, isolated_home: Path) -> None:
    code, out, _ = export(isolated_home, "gw_long", str(zeroclaw), "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 1204
    assert lines[0]["session"]["id"] == "gw_long"
    assert lines[1]["text"].startswith("message 0\n")
    code, out, _ = export(isolated_home, "gw_long", str(zeroclaw))
    assert code == 0 and out.startswith("# gw_long\n")
    assert out.count("\n## user") == 602 and out.count("\n## assistant") == 601
    assert "message 1202\n```x``` [b]1202[/b]" in out


def test_unknown_or_ambiguous_id(zeroclaw: Path, isolated_home: Path) -> None:
    code, out, err = export(isolated_home, "nope", str(zeroclaw))
    assert (code, out) == (2, "") and "no session 'nope'" in err


def test_claude_code_tool_calls_results_tokens_and_cost(
    tmp_path: Path, isolated_home: Path
) -> None:
    projects = tmp_path / "claude" / "projects"
    writer = ClaudeCodeWriter(projects)
    at = NOW - timedelta(minutes=5)
    writer.user("cc-1", "/src/repo", "list the files", now=at)
    writer.assistant(
        "cc-1",
        "/src/repo",
        [text_block("Listing."), tool_use_block("toolu_1", "Bash", {"command": "ls"})],
        model="claude-haiku-4-5",
        usage=usage_dict(100, 20),
        now=at,
    )
    writer.tool_result("cc-1", "/src/repo", "toolu_1", "a.txt\nb.txt", now=at)
    writer.assistant(
        "cc-1",
        "/src/repo",
        [text_block("Two files.")],
        model="claude-haiku-4-5",
        usage=usage_dict(150, 10),
        now=at,
    )
    code, out, _ = export(isolated_home, "cc-1", str(projects), "--format", "json")
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    calls = [c for m in document["messages"] for c in m["tool_calls"]]
    assert calls == [{"id": "toolu_1", "name": "Bash", "arguments": json.dumps({"command": "ls"})}]
    results = [m["tool_result"] for m in document["messages"] if m["tool_result"]]
    assert [(r["tool_call_id"], r["content"], r["is_error"]) for r in results] == [
        ("toolu_1", "a.txt\nb.txt", False)
    ]
    texts = [m["text"] for m in document["messages"] if m["role"] == "assistant" and m["text"]]
    assert texts == ["Listing.", "Two files."]
    session = document["session"]
    assert session["usage"]["input_tokens"] == 250 and session["usage"]["output_tokens"] == 30
    assert session["cost_usd"] is not None and session["cost_usd"] > 0
    assert session["cost_source"] == "computed"
