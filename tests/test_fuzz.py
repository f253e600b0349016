"""Hypothesis over every parser and every string that reaches the screen, JSON output or a file
name: no exception escapes, and what is printed is valid UTF-8 (JSON where JSON is promised).

A few thousand examples in the normal run; `-m soak` runs `FUZZ_EXAMPLES` (default 112,000)
per target, 10 targets (the default gives about 1,014,000: the whole-store target runs 1/20).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessiontui.actions.audit import read_audit_log
from sessiontui.actions.trash import DamagedTrash, read_entry
from sessiontui.config import ConfigError, parse_duration
from sessiontui.live.jsonl_tail import parse_line
from sessiontui.rules.state import Thresholds
from sessiontui.snapshot import collect, write_json, write_table
from sessiontui.stores.claude_transcript import messages_from_record
from sessiontui.stores.zeroclaw_jsonl import ZeroClawJsonlStore
from sessiontui.stores.zeroclaw_messages import to_message
from sessiontui.text import json_line, one_line, printable
from sessiontui.timestamps import parse_timestamp

NORMAL = 300
SOAK = int(os.environ.get("FUZZ_EXAMPLES", "112000"))
UNSAFE_LEFT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Text as stores hand it over: anything, lone surrogates and file-name escapes included.
hostile_text = st.text(st.characters(exclude_categories=()), max_size=80) | st.sampled_from(
    [
        "cut \ud83d emoji",
        "bad\udcff\udcfe",
        "\x1b[31mred\x1b]0;title\x07",
        "\u202eevil",
        "a\u2028b\u2029c",
        "\u200f\u061c",
        "[bold]markup[/]",
        "\r\n\t",
        "",
    ]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def record_lines() -> st.SearchStrategy[bytes]:
    """A JSONL line: real JSON records, JSON with surrogate escapes, or raw bytes."""
    as_json = json_values.map(lambda v: json.dumps(v, ensure_ascii=True).encode())
    chat = st.builds(
        lambda role, content: json.dumps({"role": role, "content": content}).encode(),
        hostile_text,
        hostile_text,
    )
    return st.one_of(as_json, chat, st.binary(max_size=120))


RUNS: Counter[str] = Counter()  # examples each target ran (what the soak reports)
COUNTS = Path(__file__).parent.parent / "benchmarks" / "results" / "fuzz_soak_counts.json"


def both(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    chosen = settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )

    def counted(test: Callable[..., None]) -> Callable[..., None]:
        inner = test.hypothesis.inner_test  # type: ignore[attr-defined]

        def run(*args: Any, **kwargs: Any) -> None:
            RUNS[test.__name__] += 1
            inner(*args, **kwargs)

        test.hypothesis.inner_test = run  # type: ignore[attr-defined]  # Hypothesis allows this
        return chosen(test)

    return counted


def targets(examples: int) -> dict[str, Callable[[], None]]:
    """Each target as a zero-argument test with its own example count."""

    @both(examples)
    @given(hostile_text, st.integers(min_value=0, max_value=120))
    def shown(text: str, width: int) -> None:
        for out in (printable(text), one_line(text), one_line(text, width or None)):
            out.encode("utf-8")
            assert UNSAFE_LEFT.search(out.replace("\n", "").replace("\t", "")) is None
        assert "\n" not in one_line(text)

    @both(examples)
    @given(json_values)
    def json_out(value: Any) -> None:
        line = json_line(value)
        assert "\n" not in line and UNSAFE_LEFT.search(line) is None
        json.loads(line.encode("utf-8"))

    @both(examples)
    @given(record_lines())
    def jsonl_line(line: bytes) -> None:
        record = parse_line(line)
        assert record is None or isinstance(record, dict)

    @both(examples)
    @given(
        st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "message",
                    "content",
                    "role",
                    "timestamp",
                    "uuid",
                    "toolUseResult",
                    "isMeta",
                    "sessionId",
                    "model",
                    "usage",
                ]
            ),
            json_values,
            max_size=6,
        )
    )
    def claude_record(record: dict[str, Any]) -> None:
        if isinstance(record.get("message"), dict) or "message" not in record:
            for message in messages_from_record(record):
                printable(message.text).encode("utf-8")

    @both(examples)
    @given(hostile_text, hostile_text)
    def zeroclaw_message(role: str, content: str) -> None:
        message = to_message(role, content)
        printable(message.text).encode("utf-8")

    @both(examples)
    @given(st.one_of(hostile_text, json_values))
    def timestamp(value: Any) -> None:
        moment = parse_timestamp(value)
        assert moment is None or isinstance(moment, datetime)

    @both(examples)
    @given(hostile_text)
    def duration(value: str) -> None:
        try:
            parse_duration(value, "--stuck-after")
        except ConfigError as exc:
            one_line(str(exc)).encode("utf-8")

    @both(examples)
    @given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
    def trash_entry(document: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "entry.json").write_bytes(document)
            try:
                entry = read_entry(Path(folder))
            except DamagedTrash as exc:
                one_line(str(exc)).encode("utf-8")
            else:
                one_line(f"{entry.id} {entry.name} {entry.session_id} {entry.store}").encode(
                    "utf-8"
                )

    @both(examples)
    @given(st.lists(record_lines(), max_size=6))
    def audit_log(lines: list[bytes]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "audit.jsonl").write_bytes(b"\n".join(lines))
            records, _ = read_audit_log(Path(folder))
            out = StringIO()
            from sessiontui.actions.audit import write_audit_table

            write_audit_table(records, out)
            out.getvalue().encode("utf-8")
            for record in records:
                json.loads(json_line(record))

    @both(max(1, examples // 20))
    @given(
        st.lists(record_lines(), min_size=1, max_size=5),
        st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b),
    )
    def snapshot_of_a_store(lines: list[bytes], name: bytes) -> None:
        """A real ZeroClaw JSONL directory with hostile lines and a hostile file name, through
        the store, the fleet and both snapshot outputs."""
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(os.fsencode(folder), name + b".jsonl"), "wb") as out:
                out.write(b"\n".join(lines) + b"\n")
            store = ZeroClawJsonlStore(Path(folder))

            async def read() -> Any:
                try:
                    return await collect([store], datetime.now(UTC), Thresholds())
                finally:
                    await store.close()

            rows, errors = asyncio.run(read())
            table, as_json = StringIO(), StringIO()
            write_table(rows, table)
            write_json(rows, as_json)
            table.getvalue().encode("utf-8")
            for line in as_json.getvalue().splitlines():
                json.loads(line.encode("utf-8"))
            for error in errors:
                one_line(error).encode("utf-8")

    return {
        "shown": shown,
        "json_out": json_out,
        "jsonl_line": jsonl_line,
        "claude_record": claude_record,
        "zeroclaw_message": zeroclaw_message,
        "timestamp": timestamp,
        "duration": duration,
        "trash_entry": trash_entry,
        "audit_log": audit_log,
        "snapshot_of_a_store": snapshot_of_a_store,
    }


NAMES = list(targets(1))


@pytest.mark.parametrize("name", NAMES)
def test_fuzz(name: str) -> None:
    RUNS[name] = 0
    targets(NORMAL)[name]()
    assert RUNS[name] > NORMAL // 40  # the examples ran (the whole-store target runs 1/20)


@pytest.mark.soak
@pytest.mark.parametrize("name", NAMES)
def test_fuzz_soak(name: str) -> None:
    RUNS[name] = 0
    targets(SOAK)[name]()
    counts = json.loads(COUNTS.read_text()) if COUNTS.exists() else {}
    counts[name] = RUNS[name]
    counts["total"] = sum(v for k, v in counts.items() if k != "total")
    COUNTS.write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
    assert RUNS[name] > 0
