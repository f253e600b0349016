"""`sessiontui search`: the bots' own full-text indexes and the transcript scan find exactly the
messages that hold the text, agree with each other, and treat hostile text as text."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sessiontui.cli import main
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.demo.openclaw_bot import (
    OpenClawAgentBot,
    assistant,
    header,
    message_record,
    ms,
    user,
)
from sessiontui.search.hits import matching_line

NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE = '[bold red]invoice[/] \x1b[31mred\x1b[0m "quoted" OR NEAR(a b) col:* ^start'

Search = Callable[..., tuple[int, list[dict[str, Any]]]]

# Hermes Agent's current FTS layout, verbatim from STORES.md 7.5 (the demo schema leaves FTS out).
HERMES_FTS = """
CREATE VIEW IF NOT EXISTS messages_fts_src AS
    SELECT id,
           CASE WHEN role = 'tool'
                THEN substr(COALESCE(content, ''), 1, 8192)
                ELSE content END AS content,
           tool_name, tool_calls
    FROM messages;
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    content, tool_name, tool_calls, content='messages_fts_src', content_rowid='id'
);
"""


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


@pytest.fixture
def search(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> Search:
    def run(
        text: str, *paths: Path, flags: tuple[str, ...] = ()
    ) -> tuple[int, list[dict[str, Any]]]:
        code = main(["search", text, "--json", *flags, *(str(p) for p in paths)])
        out, _ = capsys.readouterr()
        return code, [json.loads(line) for line in out.splitlines()]

    return run


def found(hits: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(h["session"], h["role"], h["line"][h["match"][0] : h["match"][1]]) for h in hits]


def zeroclaw_store(root: Path) -> Path:
    path = root / "zeroclaw" / "data" / "sessions" / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    try:
        bot.append("gw_old", "user", "Where is the invoice for March?", now=ago(hours=3))
        bot.append("gw_old", "assistant", "Attached: the March invoice.", now=ago(hours=3))
        bot.append("gw_new", "user", "nothing to see here", now=ago(hours=1))
        bot.append("gw_new", "assistant", "Second line\nINVOICE 42 paid", now=ago(minutes=50))
        bot.append("gw_other", "user", "invoices plural is another word", now=ago(minutes=40))
        bot.append("gw_hostile", "user", HOSTILE, now=ago(hours=5))
    finally:
        bot.close()
    return path.resolve()


def test_zeroclaw_index_finds_exactly_the_messages_newest_session_first(
    tmp_path: Path, search: Search
) -> None:
    path = zeroclaw_store(tmp_path)
    code, hits = search("invoice", path)
    assert code == 0
    assert found(hits) == [
        ("gw_new", "assistant", "INVOICE"),
        ("gw_old", "assistant", "invoice"),
        ("gw_old", "user", "invoice"),
        ("gw_hostile", "user", "invoice"),
    ]
    assert {h["via"] for h in hits} == {"index"}
    assert hits[0]["line"] == "INVOICE 42 paid"  # the matching line, not the message's first


def test_zeroclaw_scan_agrees_with_its_index_on_whole_words(tmp_path: Path, search: Search) -> None:
    path = zeroclaw_store(tmp_path)
    _, indexed = search("invoice", path)
    _, scanned = search("invoice", path, flags=("--scan",))
    assert {h["via"] for h in scanned} == {"scan"}
    # The scan matches text inside words too ("invoices"); the index matches whole words, as the bot's search.
    assert [h for h in found(scanned) if h[0] != "gw_other"] == found(indexed)
    assert ("gw_other", "user", "invoice") in found(scanned)


@pytest.mark.parametrize(
    "hostile",
    [
        '" OR "nothing',
        'invoice" OR "nothing',
        "NEAR(invoice March)",
        "content: invoice",
        "invoice*",
        "[bold red]invoice[/]",
        "\x1b[31mred",
        '"quoted" OR',
        "^start",
        "col:*",
    ],
)
def test_hostile_text_is_one_literal_phrase(tmp_path: Path, search: Search, hostile: str) -> None:
    path = zeroclaw_store(tmp_path)
    for flags in ((), ("--scan",)):
        code, hits = search(hostile, path, flags=flags)
        holders = {h["session"] for h in hits}  # exactly the messages holding the text as it is
        assert holders == ({"gw_hostile"} if hostile.lower() in HOSTILE.lower() else set()), (
            hostile,
            flags,
        )
        assert code == (0 if holders else 1)


def hermes_agent_store(root: Path) -> Path:
    path = root / "hermes" / "state.db"
    bot = HermesAgentBot(path)
    try:
        bot.create_session("s-a", "cli", title="Billing", now=ago(hours=2))
        bot.append_message("s-a", "user", "Send the invoice to Ann", now=ago(hours=2))
        bot.append_message("s-a", "assistant", "Sent.", now=ago(hours=2))
        bot.create_session("s-b", "telegram", title="Chat", now=ago(hours=1))
        bot.append_message("s-b", "user", "hello", now=ago(hours=1))
        bot.append_message("s-b", "assistant", "An invoice arrived today", now=ago(minutes=30))
        bot.conn.executescript(
            HERMES_FTS + "INSERT INTO messages_fts(messages_fts) VALUES('rebuild');"
        )
    finally:
        bot.close()
    return path.resolve()


def test_hermes_agent_index_and_scan_agree(tmp_path: Path, search: Search) -> None:
    path = hermes_agent_store(tmp_path)
    _, indexed = search("invoice", path)
    _, scanned = search("invoice", path, flags=("--scan",))
    assert found(indexed) == [("s-b", "assistant", "invoice"), ("s-a", "user", "invoice")]
    assert {h["via"] for h in indexed} == {"index"}
    assert found(scanned) == found(indexed)
    assert [h["at"] for h in scanned] == [h["at"] for h in indexed]


def openclaw_store(root: Path) -> Path:
    path = root / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    bot = OpenClawAgentBot(path)
    try:
        for key, sid, text, reply, at in (
            (
                "agent:main:telegram:dm:1",
                "w-1",
                "book the flight",
                "Flight to Oslo booked",
                ago(hours=2),
            ),
            (
                "agent:main:telegram:dm:2",
                "w-2",
                "what about Oslo?",
                "Nothing planned",
                ago(hours=1),
            ),
        ):
            bot.write_entry(
                key,
                {
                    "sessionId": sid,
                    "updatedAt": ms(at),
                    "sessionStartedAt": ms(at),
                    "chatType": "direct",
                    "lastActivityAt": ms(at),
                },
                now=at,
            )
            bot.open_window(key, sid, channel="telegram", peer=key[-1], now=at)
            bot.append(sid, header(sid, at), now=at)
            for role, record in (("user", user(text)), ("assistant", assistant(reply))):
                seq = bot.append(sid, message_record(record, at), now=at)
                bot.conn.execute(  # the gateway's own index of what it appended (STORES.md 8.3)
                    "INSERT INTO session_transcript_fts (text, session_id, message_id, role, timestamp) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (text if role == "user" else reply, sid, str(seq), role, ms(at)),
                )
    finally:
        bot.close()
    return path.resolve()


def test_openclaw_index_and_scan_agree(tmp_path: Path, search: Search) -> None:
    path = openclaw_store(tmp_path)
    _, indexed = search("oslo", path)
    _, scanned = search("oslo", path, flags=("--scan",))
    assert found(indexed) == [
        ("agent:main:telegram:dm:2", "user", "Oslo"),
        ("agent:main:telegram:dm:1", "assistant", "Oslo"),
    ]
    assert {h["via"] for h in indexed} == {"index"}
    assert found(scanned) == found(indexed)


def claude_tree(root: Path) -> Path:
    projects = root / "claude" / "projects"
    writer = ClaudeCodeWriter(projects)
    writer.user("cc-old", "/src/my repo", "fix the invoice export", now=ago(hours=3))
    writer.assistant(
        "cc-old",
        "/src/my repo",
        [text_block("Done: invoice.py fixed")],
        model="claude-haiku-4-5",
        usage=usage_dict(10, 5),
        now=ago(hours=3),
    )
    writer.user("cc-new", "/src/other", "unrelated work", now=ago(hours=1))
    writer.user("cc-json", "/src/other", 'say "invoice" with quotes and é', now=ago(hours=2))
    return projects.resolve()


def test_claude_code_scan_with_resume_commands(tmp_path: Path, search: Search) -> None:
    projects = claude_tree(tmp_path)
    code, hits = search("invoice", projects)
    assert code == 0
    assert found(hits) == [
        ("cc-json", "user", "invoice"),
        ("cc-old", "assistant", "invoice"),
        ("cc-old", "user", "invoice"),
    ]
    assert {h["via"] for h in hits} == {"scan"}
    assert hits[1]["resume"] == "cd '/src/my repo' && claude --resume cc-old"
    # Text the JSON line escapes (quotes, non-ASCII) passes the byte pre-filter.
    assert found(search('"invoice" with quotes and é', projects)[1]) == [
        ("cc-json", "user", '"invoice" with quotes and é')
    ]
    assert search("nowhere to be found", projects) == (1, [])


def test_text_output_marks_the_match_and_escapes_controls(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = zeroclaw_store(tmp_path)
    assert main(["search", "red", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out
    assert (
        "[bold [red]]invoice[/] ␛[31mred" in out
    )  # the match in brackets; markup and escapes as text
    assert err.strip() == "1 match"


@pytest.mark.parametrize(
    ("text", "needle", "expected"),
    [
        ("one\ntwo INVOICE three\nfour", "invoice", ("two INVOICE three", 4, 11)),
        ("no match", "invoice", None),
        ("İstanbul invoice", "invoice", ("İstanbul invoice", 9, 16)),
    ],
)
def test_matching_line(text: str, needle: str, expected: tuple[str, int, int] | None) -> None:
    assert matching_line(text, needle) == expected


def test_index_is_only_read(tmp_path: Path, search: Search) -> None:
    path = zeroclaw_store(tmp_path)
    before = path.read_bytes()
    search("invoice", path)
    assert path.read_bytes() == before
    with sqlite3.connect(path) as conn:
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM sessions_fts WHERE sessions_fts MATCH 'invoice'"
            ).fetchone()[0]
            == 4
        )


def test_hermes_agent_stale_index_is_not_trusted(tmp_path: Path, search: Search) -> None:
    path = hermes_agent_store(tmp_path)
    with sqlite3.connect(
        path
    ) as conn:  # the bot marks a rebuild in progress; new rows are not indexed
        conn.execute("INSERT INTO state_meta (key, value) VALUES ('fts_rebuild_progress', '0')")
        conn.execute(
            "INSERT INTO messages (session_id, role, content, timestamp) VALUES "
            "('s-a', 'assistant', 'invoice resent', ?)",
            (ago(minutes=1).timestamp(),),
        )
        conn.execute(
            "INSERT INTO messages_fts(messages_fts) VALUES('delete-all')"
        )  # a rebuild midway
    code, hits = search("invoice", path)
    assert code == 0
    assert {h["via"] for h in hits} == {"scan"}
    assert found(hits) == [
        ("s-a", "assistant", "invoice"),
        ("s-a", "user", "invoice"),
        ("s-b", "assistant", "invoice"),
    ]
