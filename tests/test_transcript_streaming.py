"""Big transcripts: JSONL read in bounded chunks, lines over the long-line bound never held whole
(counted, not parsed; shown by their head and size), reads that stop at a byte budget and go on."""

from __future__ import annotations

import json
import tempfile
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, tool_use_block, usage_dict
from sessiontui.live import jsonl_tail
from sessiontui.live.jsonl_tail import (
    JsonlTail,
    Line,
    LongLine,
    iter_complete_lines,
    read_lines_backwards,
)
from sessiontui.model import Role
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import line_matters_for_summary, messages_from_record
from sessiontui.stores.jsonl_dir import read_after, read_page

CWD = "/home/dev/src/big"
SID = "6b1f0f55-8a57-4a39-9d0b-3f3b2f4f1a10"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def conversation(projects: Path, turns: int, *, huge_output: int = 0) -> Path:
    """`turns` prompts, each answered by a tool call (one usage) and its result; the middle
    turn's tool result is `huge_output` bytes long when that is set."""
    w = ClaudeCodeWriter(projects)
    at = START
    path = w.transcript_path(CWD, SID)
    for turn in range(turns):
        w.user(SID, CWD, f"prompt {turn}", now=at)
        w.assistant(
            SID,
            CWD,
            [
                text_block(f"answer {turn}"),
                tool_use_block(f"toolu_{turn}", "Bash", {"command": "ls"}),
            ],
            model="claude-sonnet-4-5",
            usage=usage_dict(10 + turn, 100, 1_000, 50),
            now=at + timedelta(seconds=2),
        )
        output = "y" * huge_output if huge_output and turn == turns // 2 else f"output {turn}"
        w.tool_result(SID, CWD, f"toolu_{turn}", output, now=at + timedelta(seconds=3))
        at += timedelta(minutes=1)
    return path


def test_a_line_over_the_bound_is_counted_not_parsed_and_memory_stays_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_tail, "LONG_LINE", 256 * 1024)
    path = conversation(tmp_path, 9, huge_output=20_000_000)  # one 20 MB tool-result line
    normal = conversation(tmp_path / "normal", 9)
    expected = TranscriptFollower(normal)
    expected.poll()  # also loads the price data, before memory is traced
    follower = TranscriptFollower(path)
    tracemalloc.start()
    try:
        assert follower.poll()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6_000_000  # a 64 KiB read and the bound, never the 20 MB line
    assert (follower.tail.long_total, follower.tail.corrupt_total) == (1, 1)
    assert follower.tail.offset == path.stat().st_size
    s = follower.summary
    # Usage lines are untouched: only the skipped tool result is missing from the message count.
    assert (s.calls, s.usage, s.cost_usd) == (
        expected.summary.calls,
        expected.summary.usage,
        expected.summary.cost_usd,
    )
    assert s.messages == expected.summary.messages - 1
    assert follower.poll() is False  # unchanged since


def test_recognising_a_file_never_holds_a_long_line_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Detection reads a bounded head: a 20 MB line among a transcript's first lines (a big
    tool result early in a session) once took `snapshot` to 438 MiB for a 200 MB line."""
    from sessiontui.model import StoreFormat
    from sessiontui.stores import find_stores
    from sessiontui.stores.detect import jsonl_format

    monkeypatch.setattr(jsonl_tail, "LONG_LINE", 256 * 1024)
    path = conversation(tmp_path / "projects", 3, huge_output=20_000_000)  # line 6 of 9
    find_stores([tmp_path / "projects"])  # imports and caches, before memory is traced
    tracemalloc.start()
    try:
        found, problems = find_stores([tmp_path / "projects"])
        fmt = jsonl_format(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.format for f in found] == [StoreFormat.CLAUDE_CODE] and problems == []
    assert fmt is StoreFormat.CLAUDE_CODE
    assert peak < 4_000_000  # a chunk and the bound, never the 20 MB line


def test_the_transcript_shows_a_long_line_as_its_head_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_tail, "LONG_LINE", 256 * 1024)
    path = conversation(tmp_path, 3, huge_output=3_000_000)
    page = read_page(path, None, 200, messages_from_record)
    long = [m for m in page.messages if m.role == Role.SYSTEM]
    assert len(long) == 1
    size = len(
        path.read_bytes().split(b"\n")[7]
    )  # user, assistant x2, result; user, assistant x2, result
    assert long[0].text.startswith(f"(a line of {size:,} bytes")
    assert '"type":"user"' in long[0].text or "toolu_1" in long[0].text
    texts = [m.text for m in page.messages]
    assert "answer 2" in texts and "output 2" in texts and "output 0" in texts
    after = read_after(path, 0, messages_from_record)
    assert [m.text for m in after.messages] == texts


_LINE_SIZES = st.lists(st.sampled_from([20, 300, 1_500, 70_000, 200_000]), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(sizes=_LINE_SIZES, limit=st.integers(1, 4), unfinished=st.booleans())
def test_long_lines_are_seen_once_whichever_way_the_file_is_read(
    sizes: list[int], limit: int, unfinished: bool
) -> None:
    """Forwards (tail and iter_complete_lines) and backwards in pages: every line once, in order,
    each long one as a LongLine of the right size and offset, never more."""
    saved = jsonl_tail.LONG_LINE, jsonl_tail._CHUNK
    jsonl_tail.LONG_LINE, jsonl_tail._CHUNK = 1_000, 4_096
    try:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "t.jsonl"
            lines = [
                json.dumps({"n": i, "pad": "z" * size}).encode() for i, size in enumerate(sizes)
            ]
            path.write_bytes(
                b"".join(line + b"\n" for line in lines)
                + (b'{"n": "unfinis' if unfinished else b"")
            )
            offsets = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
            expected = [
                (
                    o,
                    LongLine(line[: jsonl_tail.LONG_LINE_HEAD], len(line))
                    if len(line) > 1_000
                    else line,
                )
                for o, line in zip(offsets, lines, strict=True)
            ]
            assert list(iter_complete_lines(path, 0)) == expected
            tail = JsonlTail(path)
            result = tail.poll()
            assert result is not None
            assert [r["n"] for r in result.records] == [
                i for i, line in enumerate(lines) if len(line) <= 1_000
            ]
            assert tail.long_total == sum(len(line) > 1_000 for line in lines)
            end = offsets[-1] + len(lines[-1]) + 1
            seen: list[tuple[int, Line]] = []
            while True:
                found, start = read_lines_backwards(path, end, limit)
                seen = list(reversed(found)) + seen
                if start == 0:
                    break
                end = start
            assert seen == expected
    finally:
        jsonl_tail.LONG_LINE, jsonl_tail._CHUNK = saved


def test_a_long_line_still_being_written_is_skipped_across_polls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_tail, "LONG_LINE", 1_000)
    monkeypatch.setattr(jsonl_tail, "_CHUNK", 4_096)
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"n": 0}\n{"n": 1, "pad": "' + b"q" * 10_000)
    tail = JsonlTail(path)
    first = tail.poll()
    assert first is not None
    assert [r["n"] for r in first.records] == [0]
    with open(path, "ab") as handle:
        handle.write(b"q" * 10_000 + b'"}\n{"n": 2}\n')
    result = tail.poll()
    assert result is not None and [r["n"] for r in result.records] == [2]
    assert (tail.long_total, tail.corrupt_total, tail.offset) == (1, 1, path.stat().st_size)


def test_a_budgeted_read_goes_on_where_it_stopped_and_ends_with_the_same_totals(
    tmp_path: Path,
) -> None:
    path = conversation(tmp_path, 1_000)
    follower = TranscriptFollower(path)
    polls = 0
    while True:
        follower.poll(budget=1)  # one 64 KiB read per poll at most
        polls += 1
        if not follower.counting:
            break
        assert follower.tail.offset < path.stat().st_size
    follower_once = TranscriptFollower(path)
    follower_once.poll()
    assert path.stat().st_size > 1 << 20 and polls >= 2
    assert follower.summary.calls == follower_once.summary.calls == 1_000
    assert follower.summary.cost_usd == pytest.approx(follower_once.summary.cost_usd)
    assert follower.summary.last_message == follower_once.summary.last_message
    assert follower.poll() is False


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        (
            b'{"type":"file-history-snapshot","messageId":"m","snapshot":{"timestamp":"2026-01-01T00:00:00Z"}}',
            False,
        ),
        (b'{"parentUuid":null,"type":"user","message":{"role":"user","content":"hi"}}', True),
        (b'{"type":"progress","timestamp":"2026-01-01T00:00:00Z"}', True),
        (b'{"type":"summary","summary":"t"}', True),
        (b'{"type":"system","subtype":"turn_duration","durationMs":1}', True),
    ],
)
def test_the_prefilter_skips_only_lines_that_change_nothing(line: bytes, parsed: bool) -> None:
    assert line_matters_for_summary(line) is parsed


def test_bad_json_and_surrogates_still_read_as_stdlib_json_would(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(
        b'{"a": "\\ud800"}\n{"b": 123456789012345678901234567890}\nnot json\n{"c": NaN}\n\xff\xfe\n'
    )
    result = JsonlTail(path).poll()
    assert result is not None
    assert [sorted(r) for r in result.records] == [["a"], ["b"], ["c"]]
    assert result.corrupt == 2


async def test_a_big_transcript_is_listed_from_its_head_and_tail_then_counted(
    tmp_path: Path,
) -> None:
    from sessiontui.stores.claude_code import ClaudeCodeStore

    conversation(tmp_path, 4_000)  # about 4 MB: one 4 MiB read step does not finish it
    whole = (await ClaudeCodeStore(tmp_path).refresh()).sessions[0]
    store = ClaudeCodeStore(tmp_path)
    store.read_seconds = 0.0  # one read step per refresh, as a slow machine would manage
    first = (await store.refresh()).sessions[0]
    assert first.counting is not None and 0 < first.counting < 1
    assert (first.usage, first.cost_usd) == (None, None)  # not a partial figure
    assert first.name == whole.name == "prompt 0"
    assert (first.last_activity, first.last_message, first.model) == (
        whole.last_activity,
        whole.last_message,
        whole.model,
    )
    refreshes = 1
    while (session := (await store.refresh(set())).sessions[0]).counting is not None:
        refreshes += 1
        assert refreshes < 50
    assert session == whole


def test_a_budget_smaller_than_a_line_still_gets_past_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read stops at its budget only between lines: a line longer than the budget (but under
    the long-line bound) is read whole in one go instead of being started again forever."""
    monkeypatch.setattr(jsonl_tail, "_CHUNK", 4_096)
    path = tmp_path / "t.jsonl"
    path.write_bytes(
        b'{"n": 0}\n' + json.dumps({"n": 1, "pad": "z" * 50_000}).encode() + b'\n{"n": 2}\n'
    )
    tail, seen = JsonlTail(path), []
    for _ in range(10):
        if tail.start() is None:
            break
        seen += [r["n"] for r in tail.records(budget=1)]
        if tail.at_end:
            break
    assert seen == [0, 1, 2] and tail.offset == path.stat().st_size


async def test_a_big_transcript_counted_in_a_worker_process_ends_as_a_full_read_and_the_worker_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from sessiontui.stores import claude_code

    monkeypatch.setattr(claude_code, "BACKGROUND_MIN_BYTES", 1 << 20)  # this 4 MB file is big
    conversation(tmp_path, 4_000)
    whole = (await claude_code.ClaudeCodeStore(tmp_path).refresh()).sessions[0]
    store = claude_code.ClaudeCodeStore(tmp_path)
    store.read_seconds = 0.4  # as the app sets it
    first = (await store.refresh()).sessions[0]
    assert first.counting is not None and first.name == whole.name
    assert store._background.running  # a worker process counts it
    looks = 0
    while (session := (await store.refresh(set())).sessions[0]).counting is not None:
        looks += 1
        assert looks < 2_000, "the worker never handed its count back"
        await asyncio.sleep(0.02)
    assert session == whole
    assert not store._background.running  # no worker left once the count is in
    await store.close()


async def test_a_failed_count_in_a_worker_is_counted_again_here_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessiontui.stores import claude_code

    monkeypatch.setattr(claude_code, "BACKGROUND_MIN_BYTES", 1 << 20)
    conversation(tmp_path, 4_000)
    whole = (await claude_code.ClaudeCodeStore(tmp_path).refresh()).sessions[0]
    store = claude_code.ClaudeCodeStore(tmp_path)
    store.read_seconds = 0.0
    failing: set[Path] = set()

    class FailingWorkers:
        running = False

        def __contains__(self, path: Path) -> bool:
            return path in failing

        def start(self, path: Path) -> bool:
            failing.add(path)
            return True

        def take(self, path: Path) -> tuple[bool, None]:
            failing.discard(path)
            return True, None

        def forget(self, path: Path) -> None: ...

        def stop(self) -> None: ...

    store._background = FailingWorkers()  # type: ignore[assignment]
    first = (await store.refresh()).sessions[0]
    assert first.counting is not None and failing  # handed to a worker (that will fail)
    refreshes = 0
    while (session := (await store.refresh(set())).sessions[0]).counting is not None:
        refreshes += 1
        assert refreshes < 50
    assert session == whole  # the unpriced head was not kept: read again, priced


_READ_LINES = st.lists(
    st.one_of(
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
        st.sampled_from([b"", b"\r", b'{"a":1}\r', b"x" * 300, b"y" * 5_000]),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    lines=_READ_LINES,
    unfinished=st.sampled_from([b"", b'{"half', b"z" * 3_000]),
    cuts=st.lists(st.integers(0, 1 << 16), max_size=4),
    read=st.sampled_from([1, 3, 64, 1_000, 4_096, 64 << 10]),
    long_line=st.sampled_from([100, 2_000, 1 << 20]),
    budget=st.sampled_from([None, 1, 500]),
)
def test_the_tail_hands_out_each_complete_line_once_whatever_the_reads(
    lines: list[bytes],
    unfinished: bytes,
    cuts: list[int],
    read: int,
    long_line: int,
    budget: int | None,
) -> None:
    """JsonlTail's lines are the file's complete lines, in order, each once, whatever the read
    size, the budget and where the writes stop: lines cut by a read, CRLF endings, empty and
    huge lines (over the long-line bound: counted, never handed out), an unfinished last line
    (left for later)."""
    data = b"".join(line + b"\n" for line in lines) + unfinished
    bounds = sorted({cut % (len(data) + 1) for cut in cuts} | {len(data)})
    got: list[bytes] = []
    saved = jsonl_tail._CHUNK, jsonl_tail.LONG_LINE
    jsonl_tail._CHUNK, jsonl_tail.LONG_LINE = read, long_line
    try:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "t.jsonl"
            path.write_bytes(b"")
            tail, written = JsonlTail(path), 0
            for bound in bounds:
                with open(path, "ab") as handle:
                    handle.write(data[written:bound])
                written = bound
                for _ in range(len(data) + 2):  # a budget stops early: read on to the end
                    if tail.start() is None:
                        break
                    for block in tail.line_blocks(budget):
                        got.extend(block)
                    if tail.at_end:
                        break
    finally:
        jsonl_tail._CHUNK, jsonl_tail.LONG_LINE = saved
    assert got == [line for line in lines if len(line) <= long_line]
    assert tail.long_total == sum(len(line) > long_line for line in lines)
    long_unfinished = len(unfinished) > long_line
    assert tail.offset == len(data) - (0 if long_unfinished else len(unfinished))
