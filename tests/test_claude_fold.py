"""The fast fold gives exactly the summary of the reference path (parse each line, `add` it):
the same tokens, the same dollars to the last bit, the same names, facts and last message, the
same corrupt-line count, whatever the lines and however a read is cut into polls."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessiontui.live import jsonl_tail
from sessiontui.stores import claude_fold
from sessiontui.stores.claude_fold import TranscriptFold, fold_reference
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import TranscriptSummary, line_matters_for_summary

MODELS = [
    "claude-opus-4-6",
    "claude-haiku-4-5",
    "claude-sonnet-4-5",  # tiered: over 200k prompt tokens costs more
    "claude-3-5-sonnet-20241022",
    "<synthetic>",
    "no-such-model-9",
    "",
]
TIMES = st.one_of(
    st.integers(1, 28).flatmap(
        lambda day: st.sampled_from(
            [
                f"2026-02-{day:02d}T10:00:00.000Z",
                f"2026-02-{day:02d}T23:59:59.999Z",
                f"2026-02-{day:02d}T01:30:00+02:00",
            ]
        )
    ),
    st.just(1_770_000_000_000),
    st.just("not a time"),
    st.none(),
)
TOKENS = st.one_of(st.integers(0, 300_000), st.just(-1), st.just(2.5), st.none(), st.just("7"))


@st.composite
def usage(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 12)) == 0:
        return draw(st.sampled_from([None, [], "x", 3]))
    raw: dict[str, Any] = {
        "input_tokens": draw(TOKENS),
        "output_tokens": draw(TOKENS),
        "cache_read_input_tokens": draw(TOKENS),
        "cache_creation_input_tokens": draw(TOKENS),
    }
    if draw(st.booleans()):
        raw["cache_creation"] = {
            "ephemeral_5m_input_tokens": draw(TOKENS),
            "ephemeral_1h_input_tokens": draw(TOKENS),
        }
    if draw(st.integers(0, 20)) == 0:
        raw["cache_creation"] = draw(st.sampled_from([[1], "x", 4, None]))
    return raw


TEXT = st.sampled_from(
    [
        "fix the login bug",
        "  ",
        "",
        "[Request interrupted by user]",
        "<local-command-stdout>\x1b[1mdone\x1b[0m</local-command-stdout>",
        "<command-name>/review</command-name><command-args>pr 7</command-args>",
        "<task-notification>done</task-notification>",
        "héllo ☃ wörld",
        'quote " and \\ backslash \\u0041',
    ]
)
BLOCK = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, TEXT),
    st.just({"type": "thinking", "thinking": "hmm", "signature": "s"}),
    st.builds(
        lambda i, kind: {
            "type": "tool_use",
            "id": f"toolu_{i}",
            "name": "Task",
            "input": {"subagent_type": kind, "prompt": "go"} if kind else {"command": "ls\nx"},
        },
        st.integers(0, 3),
        st.sampled_from(["general-purpose", "Explore", None]),
    ),
    st.builds(
        lambda i, t: {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": t},
        st.integers(0, 3),
        TEXT,
    ),
    st.just("a bare string"),
    st.just({"type": "image"}),
)


@st.composite
def record(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["assistant"] * 6
            + ["user"] * 4
            + ["system", "progress", "summary", "ai-title", "custom-title", "queue-operation"]
            + ["file-history-snapshot", "attachment", None]
        )
    )
    out: dict[str, Any] = {"type": kind} if kind else {}
    if draw(st.integers(0, 8)):
        out["timestamp"] = draw(TIMES)
    for key, values in (
        ("sessionId", ["s-1", "s-2", "", 5]),
        ("cwd", ["/src/a", "/src/b", None]),
        ("version", ["2.1.39", "2.1.40", ""]),
        ("gitBranch", ["main", "fix"]),
        ("permissionMode", ["default", "plan"]),
        ("slug", ["lexical-painting"]),
        ("agentId", ["a1", "a2", 7]),
        ("isSidechain", [True, False]),
        ("isApiErrorMessage", [True]),
        ("isMeta", [True]),
        ("isCompactSummary", [True]),
        ("costUSD", [0.25, 1, True, "0.3"]),
    ):
        if draw(st.integers(0, 4)) == 0:
            out[key] = draw(st.sampled_from(values))
    if kind == "assistant":
        out["requestId"] = draw(st.sampled_from(["req_1", "req_2", "req_3", None, 12]))
        message: Any = {
            "id": draw(st.sampled_from(["msg_1", "msg_2", "msg_3", None, 4])),
            "model": draw(st.sampled_from(MODELS)),
            "usage": draw(usage()),
            "content": draw(st.one_of(st.lists(BLOCK, max_size=4), st.sampled_from([None, 5]))),
        }
        out["message"] = message if draw(st.integers(0, 15)) else draw(st.sampled_from([None, "x"]))
    elif kind == "user":
        content = draw(st.one_of(TEXT, st.lists(BLOCK, max_size=3), st.sampled_from([None, 5])))
        out["message"] = {"role": "user", "content": content}
        if draw(st.booleans()):
            out["toolUseResult"] = draw(
                st.sampled_from(
                    [{"agentId": "a1", "status": "completed"}, {"stdout": "ok"}, "Error: x"]
                )
            )
    elif kind == "system":
        out.update(
            draw(
                st.sampled_from(
                    [
                        {"subtype": "turn_duration", "durationMs": 1234},
                        {"subtype": "compact_boundary", "compactMetadata": {"trigger": "auto"}},
                        {"subtype": "stop_hook_summary", "preventedContinuation": True},
                    ]
                )
            )
        )
    elif kind == "progress":
        out["data"] = {"type": "bash_progress", "elapsedTimeSeconds": 3, "output": "line"}
    elif kind in ("summary", "ai-title", "custom-title"):
        out[{"summary": "summary", "ai-title": "aiTitle", "custom-title": "customTitle"}[kind]] = (
            "A title"
        )
    elif kind == "queue-operation":
        out.update(operation="enqueue", content="later")
    return out


ODD_LINES = [
    b"",
    b"   ",
    b'{"type":"assistant","message":{"id":"m',  # cut off
    b"[1, 2]",
    b'"just a string"',
    b'{"type":"user","message":{"content":"bad \xff utf-8"}}',
    (
        b'{"type":"assistant","requestId":"r9","message":{"id":"m9","model":"claude-opus-4-6",'
        b'"usage":{"input_tokens":18446744073709551616,"output_tokens":5}}}'
    ),  # over 64 bits
    (
        b'{"type":"assistant","requestId":"r8","message":{"id":"m8","model":"claude-opus-4-6",'
        b'"usage":{"input_tokens":9223372036854775808,"output_tokens":5}}}'
    ),
    (
        b'{"type":"assistant","requestId":"r7","costUSD":NaN,"message":{"id":"m7",'
        b'"model":"claude-opus-4-6","usage":{"input_tokens":1}}}'
    ),
    b'{"type":"user","message":{"content":"lone \\ud800 surrogate"}}',
    (
        b'{"type":"assistant","message":{"model":"claude-haiku-4-5","content":"\\ud83d"},'
        b'"timestamp":"2026-02-02T00:00:00.000Z"}'
    ),
    b'{"type":"assistant","type":"user","message":{"content":"dup keys"}}',
    b'{"type":"user","message":"a string","message":{"content":"second wins"}}',
    (
        b'{"\\u0074ype":"assistant","message":{"id":"m6","model":"claude-opus-4-6",'
        b'"usage":{"input_tokens":3}},"requestId":"r6"}'
    ),
    (
        b'{"type":"assistant","requestId":"r5","message":{"id":"m5","model":"claude-opus-4-6",'
        b'"content":[{"type":"tool_use","name":"Task","id":"t9","input":{"subagent\\u005ftype":"X"}}],'
        b'"usage":{"input_tokens":3,"input_tokens":4}}}'
    ),
    b'{"type":"file-history-snapshot","snapshot":{"broken"',
    b'{"type":"user","message":{"content":[{"type":"tool\\u005fresult","content":"x"}]}}',
    b'{"type":"assistant","message":{"usage":{"input_tokens":1e400}}}',
    b'\xef\xbb\xbf{"type":"user","message":{"content":"bom"}}',
    b'{"type":"user","message":{"content":"deep"},"x":' + b"[" * 1100 + b"]" * 1100 + b"}",
]


def encode(rec: dict[str, Any]) -> bytes:
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode()


LINES = st.lists(
    st.one_of(record().map(encode), record().map(encode), st.sampled_from(ODD_LINES)),
    max_size=40,
)


def same(a: TranscriptSummary, b: TranscriptSummary) -> bool:
    """Equal field by field; a NaN dollar figure (a `costUSD: NaN` line) equals itself."""
    return a == b or _canonical(a) == _canonical(b)


def _canonical(summary: TranscriptSummary) -> str:
    """Every field as plain values, sets sorted; NaN prints as itself."""
    return repr(msgspec.to_builtins(summary, order="deterministic"))


def fast(lines: list[bytes], cuts: list[int]) -> tuple[TranscriptSummary, int]:
    summary = TranscriptSummary()
    corrupt = 0
    bounds = [0, *sorted(c % (len(lines) + 1) for c in cuts), len(lines)]
    for start, end in itertools.pairwise(bounds):
        fold = TranscriptFold(summary)  # a new fold per poll, as the follower makes
        fold.lines(lines[start:end])
        fold.finish()
        corrupt += fold.corrupt
    return summary, corrupt


def reference(lines: list[bytes]) -> tuple[TranscriptSummary, int]:
    summary = TranscriptSummary()
    return summary, fold_reference(summary, lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES, st.lists(st.integers(0, 60), max_size=3))
def test_the_fast_fold_equals_the_reference_path(lines: list[bytes], cuts: list[int]) -> None:
    expected, expected_corrupt = reference(lines)
    got, corrupt = fast(lines, cuts)
    assert same(got, expected)
    assert corrupt == expected_corrupt


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES, st.lists(st.integers(0, 60), max_size=3))
def test_the_fast_fold_equals_the_reference_path_when_no_line_is_kept_unread(
    lines: list[bytes], cuts: list[int]
) -> None:
    """Every assistant line counted as too long to keep: each is looked into at once."""
    with patch.object(claude_fold, "_PENDING_LINE_BYTES", 0):
        got, corrupt = fast(lines, cuts)
    expected, expected_corrupt = reference(lines)
    assert same(got, expected)
    assert corrupt == expected_corrupt


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    LINES,
    st.lists(st.integers(0, 1 << 16), max_size=4),
    st.sampled_from([1, 7, 64, 4_096]),
    st.integers(64, 4_000),
)
def test_a_file_followed_through_reads_of_any_size_folds_as_the_reference(
    lines: list[bytes], cuts: list[int], read: int, long_line: int
) -> None:
    """The tail splits whole reads, of any size, into lines: the file written in pieces cut at
    any byte (a poll after each), the fold equals the reference over the lines it holds, and
    each line over the long-line bound is counted once, never folded."""
    data = b"".join(line + b"\n" for line in lines)
    bounds = sorted({cut % (len(data) + 1) for cut in cuts} | {len(data)})
    with (
        tempfile.TemporaryDirectory() as directory,
        patch.object(jsonl_tail, "_CHUNK", read),
        patch.object(jsonl_tail, "LONG_LINE", long_line),
    ):
        path = Path(directory) / "t.jsonl"
        path.write_bytes(b"")
        follower = TranscriptFollower(path)
        written = 0
        for bound in bounds:
            with open(path, "ab") as handle:
                handle.write(data[written:bound])
            written = bound
            follower.poll()
    kept = [line for line in lines if len(line) <= long_line]
    expected, expected_corrupt = reference(kept)
    assert same(follower.summary, expected)
    assert follower.tail.long_total == len(lines) - len(kept)
    assert follower.tail.corrupt_total == expected_corrupt + len(lines) - len(kept)
    assert follower.tail.offset == len(data)


@pytest.mark.parametrize("line", ODD_LINES, ids=range(len(ODD_LINES)))
def test_each_odd_line_after_a_normal_one_folds_as_the_reference_does(line: bytes) -> None:
    first = encode(
        {
            "type": "assistant",
            "timestamp": "2026-02-03T10:00:00.000Z",
            "requestId": "r1",
            "message": {
                "id": "m1",
                "model": "claude-sonnet-4-5",
                "usage": {"input_tokens": 250_000, "output_tokens": 10},
                "content": [{"type": "text", "text": "hi"}],
            },
        }
    )
    lines = [first, line, first]
    (got, corrupt), (expected, expected_corrupt) = fast(lines, []), reference(lines)
    assert same(got, expected) and corrupt == expected_corrupt


def test_duplicated_requests_and_tiers_cost_the_same_to_the_last_bit() -> None:
    lines = []
    for n in range(300):
        for block in ("thinking", "text"):  # one line per content block, the same usage
            lines.append(
                encode(
                    {
                        "type": "assistant",
                        "timestamp": f"2026-02-{1 + n % 27:02d}T10:00:{n % 60:02d}.000Z",
                        "requestId": f"req_{n}",
                        "message": {
                            "id": f"msg_{n}",
                            "model": MODELS[n % 4],
                            "usage": {
                                "input_tokens": 3 + n,
                                "output_tokens": 100 + n,
                                "cache_read_input_tokens": (n * 7919) % 400_000,
                                "cache_creation_input_tokens": 1000,
                                "cache_creation": {"ephemeral_1h_input_tokens": 600},
                            },
                            "content": [{"type": block, "text": "x", "thinking": "y"}],
                        },
                    }
                )
            )
    got, _ = fast(lines, [17, 255])
    expected, _ = reference(lines)
    assert got == expected
    assert got.calls == 300 and got.cost_usd == expected.cost_usd > 0


def test_a_followed_file_folds_as_the_reference_reads_it_long_lines_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_tail, "LONG_LINE", 2_000)  # a long line: counted, never parsed
    path = tmp_path / "t.jsonl"
    long = encode({"type": "user", "message": {"content": "x" * 5_000}})
    lines = [*ODD_LINES[:3], long, *[encode(r) for r in _sample_records()], long]
    path.write_bytes(b"\n".join(lines) + b"\n")
    follower = TranscriptFollower(path)
    while follower.poll(budget=3_000) and follower.counting:
        pass
    tail = jsonl_tail.JsonlTail(path)
    tail.start()
    expected = TranscriptSummary()
    for rec in tail.records(line_matters_for_summary):
        expected.add(rec)
    assert follower.summary == expected
    assert follower.tail.corrupt_total == tail.corrupt_total
    assert follower.tail.long_total == tail.long_total == 2


def _sample_records() -> list[dict[str, Any]]:
    return [
        {
            "type": "assistant",
            "timestamp": f"2026-02-03T10:00:{n:02d}.000Z",
            "requestId": f"r{n // 2}",
            "message": {
                "id": f"m{n // 2}",
                "model": "claude-opus-4-6",
                "usage": {"input_tokens": n, "output_tokens": 2 * n},
                "content": [{"type": "text", "text": f"answer {n}"}],
            },
        }
        for n in range(40)
    ]


@pytest.mark.parametrize("text_at", [0, 299, 300, 301, 599])
@pytest.mark.parametrize("line_bytes", [64 << 10, 0])
def test_a_long_run_of_assistant_lines_ends_on_the_reference_last_message(
    text_at: int, line_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More assistant lines between two user lines than the fold keeps unread (or lines too
    long to keep, when every line counts as long): the one that sets the last message is
    still the reference's, wherever it stands in the run."""
    monkeypatch.setattr(claude_fold, "_PENDING_LINE_BYTES", line_bytes)
    lines = [encode({"type": "user", "message": {"content": "go"}})]
    for n in range(600):
        block = (
            {"type": "text", "text": f"answer {n}"}
            if n == text_at
            else {"type": "thinking", "thinking": "hmm"}
        )
        lines.append(
            encode(
                {
                    "type": "assistant",
                    "timestamp": f"2026-02-03T10:{n // 60:02d}:{n % 60:02d}.000Z",
                    "requestId": f"r{n}",
                    "message": {
                        "id": f"m{n}",
                        "model": "claude-opus-4-6",
                        "usage": {"input_tokens": n, "output_tokens": 1},
                        "content": [block],
                    },
                }
            )
        )
    for cuts in ([], [250], [100, 400]):
        got, _ = fast(lines, cuts)
        expected, _ = reference(lines)
        assert got == expected
        assert got.last_message is not None and got.last_message.preview == f"answer {text_at}"
