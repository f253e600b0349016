"""`sessiontui costs`: the costs view's numbers headless, each call under its own model, the
orphan subagent's spend counted, unknown prices said, and bad paths refused in one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from claude_code_lines import (
    HAIKU,
    HAIKU_5M,
    NO_SPLIT,
    OPUS,
    OPUS_1H,
    Transcript,
    library_price,
    text,
    tool_use,
    usage,
)

from sessiontui.cli import main

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
CALLS = [(OPUS, OPUS_1H), (HAIKU, HAIKU_5M), (HAIKU, HAIKU_5M), (OPUS, NO_SPLIT), (HAIKU, HAIKU_5M)]


def host(tmp_path: Path) -> Path:
    """Two sessions and an orphan subagent: 1-hour writes, two models, a subagent, an interrupt,
    a compaction, a slash command, and a model with no price."""
    project = tmp_path / "projects" / "-home-USER-src-library"
    main_t = Transcript(project / "m.jsonl", "m", START).slash_command("review", "PR 1")
    main_t.reply([tool_use("toolu_t", "Task", {"subagent_type": "Explore"})], OPUS, OPUS_1H, "1")
    sub = Transcript(
        project / "m" / "subagents" / "agent-a1.jsonl", "m", START, sidechain=True, agent_id="a1"
    )
    sub.prompt("look").reply([text("x")], HAIKU, HAIKU_5M, "s1").reply(
        [text("y")], HAIKU, HAIKU_5M, "s2"
    )
    main_t.tool_result("toolu_t", "x", result={"status": "completed", "agentId": "a1"}).interrupt()
    main_t.compact_boundary(9_000).compact_summary().prompt("go on").reply(
        [text("ok")], OPUS, NO_SPLIT, "2"
    )
    orphan = Transcript(
        project / "gone" / "subagents" / "agent-b2.jsonl",
        "gone",
        START,
        sidechain=True,
        agent_id="b2",
    )
    orphan.prompt("look").reply([text("z")], HAIKU, HAIKU_5M, "o1")
    local = Transcript(project / "l.jsonl", "l", START).prompt("hi")
    local.reply([text("hi")], "llama-local-7b", usage(5, 5), "x")
    return tmp_path / "projects"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(out: str) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in map(json.loads, out.splitlines())}


def test_costs_by_model_match_genai_prices_with_the_one_hour_split(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = host(tmp_path)
    code, out, err = run(capsys, "costs", "--json", "--by", "model", str(root))
    assert (code, err) == (0, "")
    rows = rows_of(out)
    for model in (OPUS, HAIKU):
        expected = sum(library_price(m, u, START) for m, u in CALLS if m == model)
        assert rows[model]["cost_usd"] == pytest.approx(expected, rel=1e-9)
        assert rows[model]["cost_source"] == "computed"
    assert (rows[OPUS]["calls"], rows[HAIKU]["calls"]) == (2, 3)  # the orphan's call included
    assert rows[HAIKU]["sessions"] == 2
    assert rows[HAIKU]["cache_write_tokens"] == 3 * 4_000
    assert rows[OPUS]["cache_write_1h_tokens"] == 13_835
    unknown = rows["llama-local-7b"]
    assert (unknown["cost_usd"], unknown["cost_source"], unknown["calls"]) == (None, "unknown", 1)
    assert set(unknown) >= {
        "by",
        "key",
        "sessions",
        "calls",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cost_usd",
        "cost_source",
    }

    # snapshot agrees with costs, session by session, and the orphan is a session of its own.
    code, out, err = run(capsys, "snapshot", "--json", str(root))
    snap = {row["id"]: row for row in map(json.loads, out.splitlines())}
    assert snap["agent-b2"]["name"] == "subagent b2 (parent missing)"
    assert snap["m"]["name"] == "/review PR 1"
    assert (snap["m"]["turns"], snap["m"]["state"]) == (2, "idle")
    total = sum(library_price(m, u, START) for m, u in CALLS)
    assert snap["m"]["cost_usd"] + snap["agent-b2"]["cost_usd"] == pytest.approx(total, rel=1e-9)
    code, out, err = run(capsys, "costs", "--json", "--by", "session", str(root))
    by_session = [row for row in map(json.loads, out.splitlines()) if row["cost_usd"] is not None]
    assert sum(row["cost_usd"] for row in by_session) == pytest.approx(total, rel=1e-9)


def test_costs_table_says_unknown_not_zero_and_days_filter(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = host(tmp_path)
    code, out, _ = run(capsys, "costs", str(root))
    line = next(line for line in out.splitlines() if line.startswith("llama-local-7b"))
    assert line.split()[-1] == "unknown" and "$0.00" not in line
    assert out.splitlines()[-1].startswith("total")
    day = f"{START:%Y-%m-%d}"
    code, out, _ = run(
        capsys, "costs", "--json", "--by", "day", "--since", day, "--until", day, str(root)
    )
    (row,) = map(json.loads, out.splitlines())
    assert row["key"] == day and row["cost_source"] == "partial"
    assert row["cost_usd"] == pytest.approx(
        sum(library_price(m, u, START) for m, u in CALLS), rel=1e-9
    )
    code, out, _ = run(
        capsys, "costs", "--json", "--since", f"{START + timedelta(days=2):%Y-%m-%d}", str(root)
    )
    assert (code, out) == (0, "")


def test_a_path_that_is_no_store_exits_2_in_one_line(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("hello")
    code, out, err = run(capsys, "costs", str(tmp_path / "notes"))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("sessiontui: ")
    code, out, err = run(capsys, "costs", "--since", "yesterday", str(tmp_path))
    assert code == 2 and "--since" in err and len(err.splitlines()) == 1
