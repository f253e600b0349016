"""Token and cost counters only go up: across deleted sessions, across runs (the high-water
marks in the XDG state dir), and across a store that could not be read for a while."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sessiontui.cli import main
from sessiontui.config import state_dir
from sessiontui.demo.bots import ClaudeCodeWriter, StarpodBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.demo.claude_code import text_block, usage_dict
from sessiontui.live.fleet import Fleet
from sessiontui.metrics.exporter import FleetMetrics
from sessiontui.rules.state import Thresholds
from sessiontui.stores import find_stores, open_stores


def totals(text: str) -> dict[str, float]:
    """Sum of every sample per name."""
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            sums[s.name] = sums.get(s.name, 0.0) + s.value
    return sums


def run_metrics(capsys: pytest.CaptureFixture[str], *paths: Path) -> dict[str, float]:
    assert main(["metrics", *(str(p) for p in paths)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return totals(out)


def reply(writer: ClaudeCodeWriter, sid: str, tokens: int, at: datetime) -> None:
    writer.user(sid, "/src/repo", "go on", now=at)
    writer.assistant(
        sid,
        "/src/repo",
        [text_block("done")],
        model="claude-haiku-4-5",
        usage=usage_dict(tokens, 0),
        now=at,
    )


def test_deleting_a_transcript_keeps_the_counters(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    projects = tmp_path / "claude" / "projects"
    writer = ClaudeCodeWriter(projects)
    at = datetime.now(UTC) - timedelta(hours=1)
    reply(writer, "cc-1", 1000, at)
    reply(writer, "cc-2", 500, at)
    first = run_metrics(capsys, projects)
    assert first["sessiontui_tokens_total"] == 1500
    assert first["sessiontui_cost_usd_total"] == pytest.approx(1500 / 1e6)  # Haiku 4.5: $1/M input

    next(projects.rglob("cc-1.jsonl")).unlink()  # Claude Code's cleanup removes old transcripts
    after_delete = run_metrics(capsys, projects)
    assert after_delete["sessiontui_sessions"] == 1
    assert after_delete["sessiontui_tokens_total"] == 1500
    assert after_delete["sessiontui_cost_usd_total"] == pytest.approx(
        first["sessiontui_cost_usd_total"]
    )

    reply(writer, "cc-2", 200, at + timedelta(minutes=1))
    reply(writer, "cc-3", 50, at + timedelta(minutes=1))
    grown = run_metrics(capsys, projects)
    assert grown["sessiontui_tokens_total"] == 1500 + 200 + 50

    marks = list((state_dir() / "metrics").iterdir())
    assert len(marks) == 1 and stat.S_IMODE(marks[0].stat().st_mode) == 0o600
    marks[0].unlink()  # without the marks, the counter is the plain sum again
    assert run_metrics(capsys, projects)["sessiontui_tokens_total"] == 750


async def test_a_store_down_for_a_while_neither_loses_nor_doubles_its_counters(
    tmp_path: Path, isolated_home: Path
) -> None:
    db = tmp_path / "project" / ".starpod" / "db" / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    at = datetime.now(UTC) - timedelta(hours=1)
    bot.create_session("sp-1", now=at)
    bot.record_usage(
        "sp-1",
        turn=1,
        input_tokens=100,
        output_tokens=10,
        cache_read=0,
        cache_write=0,
        model="claude-sonnet-4-5",
        cost_usd=0.25,
        now=at,
    )
    bot.close()
    good = db.read_bytes()
    found, errors = find_stores([db])
    assert not errors
    stores = open_stores(found)
    fleet = Fleet(stores, clock=lambda: datetime.now(UTC), thresholds=Thresholds())
    metrics = FleetMetrics(None)

    async def scrape() -> dict[str, float]:
        metrics.take(await fleet.refresh(full=True), stores)
        return {
            s.name: s.value
            for family in metrics.collect()
            for s in family.samples
            if s.name.endswith(("_total", "_up")) and s.labels.get("token_type", "input") == "input"
        }

    try:
        up = await scrape()
        assert up == {
            "sessiontui_tokens_total": 100,
            "sessiontui_cost_usd_total": 0.25,
            "sessiontui_store_up": 1,
            "sessiontui_store_read_errors_total": 0,
        }
        await stores[0].close()
        db.write_bytes(b"this is not a database" * 100)  # replaced under us
        down = await scrape()
        assert down["sessiontui_store_up"] == 0
        assert down["sessiontui_store_read_errors_total"] == 1
        assert (down["sessiontui_tokens_total"], down["sessiontui_cost_usd_total"]) == (100, 0.25)
        await stores[0].close()
        db.write_bytes(good)
        back = await scrape()
        assert back == {**up, "sessiontui_store_read_errors_total": 1}
    finally:
        await fleet.close()
