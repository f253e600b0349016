"""ZeroClaw's JSONL session store (store C, STORES.md 2.2-2.4) and the awkward files it leaves:
corrupt and unfinished lines, rewrites in place and by rename, archives, old file names."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fixture_types import SnapshotRows, SnapshotRun
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.demo.zeroclaw_bots import (
    INTERRUPTED_MARKER,
    ZeroClawJsonlBot,
    ZeroClawSqliteBot,
    channel_user_content,
    tool_call_content,
    tool_result_content,
)
from sessiontui.live.jsonl_tail import JsonlTail, parse_line
from sessiontui.model import Message, MessageKind, Role, Session
from sessiontui.rules.state import Reason, classify
from sessiontui.stores.base import ReadReport
from sessiontui.stores.jsonl_dir import read_after, read_page
from sessiontui.stores.zeroclaw_jsonl import ZeroClawJsonlStore
from sessiontui.stores.zeroclaw_messages import prefix_time

KEY = "telegram_123456789"
# 17:44:00 at -04:00 is 21:44:00 UTC.
ASKED = datetime(2025, 8, 22, 21, 44, tzinfo=UTC)


def chat(bot: ZeroClawJsonlBot, key: str = KEY) -> Path:
    """The sample conversation of STORES.md 2.3, as a channel writes it."""
    bot.append(
        key, {"role": "user", "content": channel_user_content("what's in my home dir?", ASKED)}
    )
    bot.append(
        key,
        {
            "role": "assistant",
            "content": tool_call_content([("call_1", "shell", {"command": "ls"})]),
        },
    )
    bot.append(key, {"role": "tool", "content": tool_result_content("call_1", "a.txt\nb.txt")})
    return bot.append(key, {"role": "assistant", "content": "You have a.txt and b.txt."})


def append_bytes(path: Path, data: bytes) -> None:
    """Bytes added the way `OpenOptions::append` + `write` adds them (no newline of its own)."""
    with open(path, "ab") as handle:
        handle.write(data)


def by_id(report: ReadReport) -> dict[str, Session]:
    return {s.id: s for s in report.sessions}


def test_prefix_is_written_as_the_bot_writes_it() -> None:
    assert channel_user_content("hi", ASKED) == "[2025-08-22 17:44:00 -04:00] hi"


def test_snapshot_of_a_jsonl_directory(
    tmp_path: Path, snapshot_rows: SnapshotRows, snapshot_keys: set[str]
) -> None:
    sessions = tmp_path / "workspace" / "sessions"
    path = chat(ZeroClawJsonlBot(sessions))
    mtime = ASKED + timedelta(seconds=9)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    row = snapshot_rows(tmp_path / "workspace")[KEY]
    assert set(row) == snapshot_keys
    assert row == row | {
        "format": "zeroclaw-jsonl",
        "store": str(sessions.resolve()),
        "name": KEY,
        "state": "idle",
        "created_at": "2025-08-22T21:44:00+00:00",  # the user turn's local-time prefix, in UTC
        "last_activity": "2025-08-22T21:44:09+00:00",  # the file's mtime
        "messages": 4,
        "turns": 1,
        "model": None,
        "channel": "telegram",
        "input_tokens": None,
        "output_tokens": None,
        "cache_read_tokens": None,
        "cache_write_tokens": None,
        "cost_usd": None,
        "cost_source": None,
        "transcript": str(path.resolve()),
    }


async def test_transcript_decodes_prefix_time_and_tool_calls(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    chat(bot)
    bot.append(KEY, {"role": "user", "content": "[2025-08-22 18:01:30 +05:30] from Delhi"})
    bot.append(KEY, {"role": "user", "content": "[Tool results]\n<tool_result>ok</tool_result>"})
    store = ZeroClawJsonlStore(tmp_path)
    session = by_id(await store.refresh())[KEY]
    page = await store.read_messages(session)
    user, call, result, answer, delhi, prompt_mode = page.messages
    assert (user.role, user.kind, user.at) == (Role.USER, MessageKind.TEXT, ASKED)
    assert user.text.endswith("what's in my home dir?")
    assert call.kind == MessageKind.TOOL_CALL and call.text == ""
    assert [(c.id, c.name, c.arguments) for c in call.tool_calls] == [
        ("call_1", "shell", '{"command":"ls"}')
    ]
    assert result.kind == MessageKind.TOOL_RESULT and result.tool_result is not None
    assert (result.tool_result.tool_call_id, result.text) == ("call_1", "a.txt\nb.txt")
    assert (answer.role, answer.text, answer.at) == (
        Role.ASSISTANT,
        "You have a.txt and b.txt.",
        None,
    )
    assert delhi.at == datetime(2025, 8, 22, 12, 31, 30, tzinfo=UTC)
    assert prompt_mode.kind == MessageKind.TOOL_RESULT
    assert session.turns == 2  # the two human turns; prompt-mode tool results are not turns


async def test_corrupt_invalid_utf8_and_blank_lines(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    path = bot.append(KEY, {"role": "user", "content": "hello"})
    append_bytes(path, b"this is not valid json\n")  # ZeroClaw's own test line
    append_bytes(path, b"\n   \n")  # blank lines: skipped, not counted
    append_bytes(path, b'{"role":"user","content":"caf\xe9 \xff"}\n')  # invalid UTF-8
    append_bytes(path, b'["not", "an", "object"]\n')
    append_bytes(path, b'{"role":"assistant"}\n')  # an object, but not a ChatMessage
    bot.append(KEY, {"role": "assistant", "content": "world"})
    store = ZeroClawJsonlStore(tmp_path)
    report = await store.refresh()
    assert report.skipped_lines == 4
    session = report.sessions[0]
    assert (session.message_count, session.turns) == (2, 1)
    page = await store.read_messages(session)
    assert [m.text for m in page.messages] == ["hello", "world"]
    # Counted once, not again on every refresh.
    assert (await store.refresh()).skipped_lines == 4


async def test_unfinished_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    path = bot.append(KEY, {"role": "user", "content": "hello"})
    store = ZeroClawJsonlStore(tmp_path)
    assert (await store.refresh()).sessions[0].message_count == 1
    # `writeln!` can be two write syscalls: the JSON, then the newline.
    append_bytes(path, b'{"role":"assistant","content":"wor')
    report = await store.refresh()
    assert (report.sessions[0].message_count, report.skipped_lines) == (1, 0)
    append_bytes(path, b'ld"}')
    report = await store.refresh()
    assert (report.sessions[0].message_count, report.skipped_lines) == (1, 0)
    session = report.sessions[0]
    assert [m.text for m in (await store.read_messages(session)).messages] == ["hello"]
    append_bytes(path, b"\n")
    report = await store.refresh()
    assert (report.sessions[0].message_count, report.skipped_lines) == (2, 0)
    assert report.sessions[0].last_message is not None
    assert report.sessions[0].last_message.preview == "world"


def test_tail_between_the_json_and_its_newline(tmp_path: Path) -> None:
    """The bot impersonator writes the JSON and the newline separately; look in between."""
    bot = ZeroClawJsonlBot(tmp_path)
    path = bot.append(KEY, {"role": "user", "content": "hello"})
    tail = JsonlTail(path)
    result = tail.poll()
    assert result is not None
    assert [r["content"] for r in result.records] == ["hello"]
    seen: list[object] = []

    def look(_: Path) -> None:
        result = tail.poll()
        seen.append(result and [r["content"] for r in result.records])

    bot.append(KEY, {"role": "assistant", "content": "world"}, between=look)
    assert seen == [[]]  # the unfinished line is not a record yet
    result = tail.poll()
    assert result is not None and [r["content"] for r in result.records] == ["world"]
    assert (result.reset, tail.corrupt_total) == (False, 0)
    assert tail.poll() is None  # unchanged


def test_migrated_files_are_archived_and_odd_files_ignored(
    tmp_path: Path, snapshot_json: SnapshotRun
) -> None:
    bot = ZeroClawJsonlBot(tmp_path / "sessions")
    chat(bot)
    chat(bot, "legacy")
    # HEAD's importer: legacy.jsonl -> .importing -> rows in sessions.db -> legacy.jsonl.migrated
    ZeroClawSqliteBot(tmp_path / "sessions" / "sessions.db").import_jsonl(
        tmp_path / "sessions" / "legacy.jsonl"
    )
    (tmp_path / "sessions" / ".tmpAb12Cd").write_text(
        '{"role":"user","content":"half a rewrite"}\n'
    )
    (tmp_path / "sessions" / "x.jsonl.importing").write_text('{"role":"user","content":"staged"}\n')
    code, rows, err = snapshot_json(tmp_path / "sessions")
    assert (code, err) == (0, "")
    jsonl = {r["id"]: r for r in rows if r["format"] == "zeroclaw-jsonl"}
    sqlite = {r["id"]: r for r in rows if r["format"] == "zeroclaw-sqlite"}
    assert set(jsonl) == {KEY, "legacy"}
    assert jsonl["legacy"]["state"] == "archived"
    assert jsonl["legacy"]["transcript"].endswith("legacy.jsonl.migrated")
    assert jsonl[KEY]["state"] != "archived"
    assert set(sqlite) == {"legacy"} and sqlite["legacy"]["messages"] == 4


async def test_v066_percent_encoded_names_are_decoded(tmp_path: Path) -> None:
    old = ZeroClawJsonlBot(tmp_path, naming="percent")
    path = old.append("telegram.bot_123 x", {"role": "user", "content": "hi"})
    assert path.name == "telegram%2Ebot_123%20x.jsonl"
    ZeroClawJsonlBot(tmp_path).append("slack_C123_1.2_user one", {"role": "user", "content": "hi"})
    ids = set(by_id(await ZeroClawJsonlStore(tmp_path).refresh()))
    assert ids == {"telegram.bot_123 x", "slack_C123_1_2_user_one"}


async def test_rewrites_deletes_and_new_files(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    chat(bot)
    store = ZeroClawJsonlStore(tmp_path)
    assert by_id(await store.refresh())[KEY].message_count == 4
    assert (await store.refresh()).changed is False

    # HEAD's rewrite (compact, update_last): temp file + rename over the session file.
    lines = [
        {"role": "user", "content": "[2025-08-22 17:50:00 -04:00] start over"},
        {"role": "assistant", "content": "Sure."},
        {"role": "user", "content": "ok"},
        {"role": "assistant", "content": "Done."},
        {"role": "user", "content": "more"},
    ]
    bot.rewrite(KEY, lines, atomic=True)
    session = by_id(await store.refresh())[KEY]
    assert (session.message_count, session.turns) == (5, 3)  # read again from the start
    assert session.created_at == datetime(2025, 8, 22, 21, 50, tzinfo=UTC)
    assert [m.text for m in (await store.read_messages(session)).messages][-1] == "more"

    # <= v0.8.4's rewrite: truncate in place; the file shrank.
    bot.rewrite(KEY, lines[:2], atomic=False)
    session = by_id(await store.refresh())[KEY]
    assert (session.message_count, session.turns) == (2, 1)
    assert session.last_message is not None and session.last_message.preview == "Sure."

    # A rewrite to the same length with different bytes (update_last of the last line).
    bot.rewrite(KEY, [lines[0], {"role": "assistant", "content": "Nah."}, lines[2]], atomic=False)
    bot.rewrite(KEY, [lines[0], {"role": "assistant", "content": "Yes."}, lines[2]], atomic=True)
    session = by_id(await store.refresh())[KEY]
    assert session.message_count == 3
    assert [m.text for m in (await store.read_messages(session)).messages][1] == "Yes."

    # A new file appears; the old one is deleted (delete_session).
    bot.append("gw_new", {"role": "user", "content": "hello"})
    assert set(by_id(await store.refresh())) == {KEY, "gw_new"}
    os.remove(bot.path_for(KEY))
    report = await store.refresh()
    assert report.changed and set(by_id(report)) == {"gw_new"}
    os.remove(bot.path_for("gw_new"))
    report = await store.refresh()
    assert (report.changed, report.sessions) == (True, ())
    assert (await store.refresh()).changed is False  # empty, and unchanged since


async def test_watcher_hint_reads_only_named_files(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    a = bot.append("a", {"role": "user", "content": "one"})
    b = bot.append("b", {"role": "user", "content": "one"})
    store = ZeroClawJsonlStore(tmp_path)
    await store.refresh()
    bot.append("a", {"role": "user", "content": "two"})
    bot.append("b", {"role": "user", "content": "two"})
    report = await store.refresh({a})
    assert {s.id: s.message_count for s in report.sessions} == {"a": 2, "b": 1}
    os.remove(b)
    report = await store.refresh({b, tmp_path / "unrelated.txt"})
    assert set(by_id(report)) == {"a"}


async def test_interrupted_marker_is_stuck(tmp_path: Path) -> None:
    bot = ZeroClawJsonlBot(tmp_path)
    bot.append(KEY, {"role": "user", "content": "hello"})
    bot.append(KEY, {"role": "assistant", "content": INTERRUPTED_MARKER})
    session = (await ZeroClawJsonlStore(tmp_path).refresh()).sessions[0]
    verdict = classify(session, datetime.now(UTC))
    assert (verdict.state.value, verdict.reason) == ("stuck", Reason.INTERRUPTED)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[2025-08-22 17:44:00 -04:00] hi", ASKED),
        ("[2025-08-22 21:44:00 +00:00] hi", ASKED),
        ("[2025-08-22 17:44:00 EDT] hi", ASKED),  # a zone name is tolerated too
        ("[2025-08-22 23:14:00 +0130] hi", ASKED),
        ("no prefix", None),
        ("[not a time] hi", None),
    ],
)
def test_prefix_time(content: str, expected: datetime | None) -> None:
    parsed = prefix_time(content)
    assert parsed == expected
    assert parsed is None or parsed.utcoffset() == timedelta(0)


# ---------------------------------------------------------------------------------------------
# Randomised: whatever the bot does to a file, what the tail has seen is the file's records.

_texts = st.text(alphabet="abcxyz é", max_size=40)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("append"), _texts),
        st.tuples(st.just("partial"), _texts),
        st.tuples(st.just("finish"), st.just("")),
        st.tuples(st.just("corrupt"), _texts),
        st.tuples(st.just("atomic"), st.lists(_texts, max_size=4)),
        st.tuples(st.just("in-place"), st.lists(_texts, max_size=4)),
        st.tuples(st.just("poll"), st.just("")),
    ),
    max_size=30,
)


def _line(text: str) -> bytes:
    return json.dumps({"role": "user", "content": text}, ensure_ascii=False).encode()


def _records_in(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1].split(b"\n")[:-1]
    return [r for r in (parse_line(line) for line in complete) if r is not None]


@settings(max_examples=200, deadline=None)
@given(_operations)
def test_tail_matches_the_file_whatever_happens(operations: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "s.jsonl"
        path.write_bytes(b"")
        tail = JsonlTail(path)
        seen: list[dict[str, Any]] = []
        rest: bytes | None = None
        for op, arg in [*operations, ("poll", "")]:
            if op in ("append", "partial", "corrupt") and rest is not None:
                continue  # the bot finishes a line before it starts the next
            if op == "append":
                with open(path, "ab") as handle:
                    handle.write(_line(arg) + b"\n")  # type: ignore[arg-type]
            elif op == "partial":
                full = _line(arg) + b"\n"  # type: ignore[arg-type]
                with open(path, "ab") as handle:
                    handle.write(full[: len(full) // 2])
                rest = full[len(full) // 2 :]
            elif op == "finish" and rest is not None:
                with open(path, "ab") as handle:
                    handle.write(rest)
                rest = None
            elif op == "corrupt":
                with open(path, "ab") as handle:
                    handle.write(b"not json " + str(arg).encode() + b"\n")
            elif op in ("atomic", "in-place"):
                data = b"".join(_line(t) + b"\n" for t in cast("list[str]", arg))
                rest = None
                if op == "atomic":
                    (Path(directory) / ".tmp1").write_bytes(data)
                    os.replace(Path(directory) / ".tmp1", path)
                else:
                    path.write_bytes(data)
            elif op == "poll":
                result = tail.poll()
                if result is not None:
                    seen = result.records if result.reset else seen + result.records
                assert seen == _records_in(path)


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            _texts.map(lambda t: _line(t)),
            st.just(b""),
            st.just(b"garbage"),
            st.sampled_from("xy").map(lambda c: _line(c * 70_000)),
        ),  # > one 64 KiB step
        max_size=12,
    ),
    tail_bytes=st.sampled_from([b"", b'{"role":"user","content":"unfini']),
    limit=st.integers(min_value=1, max_value=5),
)
def test_paging_backwards_reads_every_line_once(
    lines: list[bytes], tail_bytes: bytes, limit: int
) -> None:
    """Pages read from the end with `older` cursors add up to the whole file, in order; the
    unfinished last line is in none of them until it ends."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "s.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines) + tail_bytes)

        def convert(record: dict[str, Any]) -> list[Message]:
            return [record["content"]]  # the content stands in for a Message: paging never looks in

        pages: list[list[Message]] = []
        cursor: object | None = None
        for _ in range(len(lines) + 2):
            page = read_page(path, cursor, limit, convert)
            pages.insert(0, list(page.messages))
            cursor = page.older
            if cursor is None:
                break
        assert cursor is None
        expected = [json.loads(line)["content"] for line in lines if parse_line(line) is not None]
        assert [m for page in pages for m in page] == expected
        newer = read_page(path, None, limit, convert).newer
        with open(path, "ab") as handle:
            handle.write(b'shed"}\n' if tail_bytes else _line("next") + b"\n")
        after = read_after(path, newer, convert)
        expected_after: tuple[object, ...] = ("unfinished",) if tail_bytes else ("next",)
        assert after.messages == expected_after
