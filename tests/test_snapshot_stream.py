"""The streamed snapshot gives exactly the rows (and the JSON) the dashboard's full read gives.

Real files made with the bots' own DDL and statements (ZeroClaw `sessions.db`, Starpod `core.db`,
hermes-bot `sessions.db` beside them), read both ways at one fixed moment: `collect` (the Fleet,
as the dashboard reads) and `stream_rows` (pages of a few sessions, as `snapshot` reads).
"""

from __future__ import annotations

import io
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import StartStandIn

from sessiontui import snapshot_stream
from sessiontui.demo.bots import HermesSqliteBot, StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.model import SessionRow
from sessiontui.rules.state import Thresholds
from sessiontui.snapshot import JsonLines, Table, as_json, collect, write_json, write_table
from sessiontui.stores import open_paths

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KEYS = ["gw_a", "gw_b", "Zeta", "telegram_1", "gw_é", "gw_日本", "slack_C1_1_2"]


def make_zeroclaw(path: Path, rng: random.Random) -> None:
    bot = ZeroClawSqliteBot(path)
    try:
        for n in range(40):
            key = f"{rng.choice(KEYS)}_{n}"
            at = NOW - timedelta(minutes=rng.choice([1, 20, 90, 60 * 30]))
            for i in range(rng.randint(1, 6)):
                role = "user" if i % 2 == 0 else "assistant"
                text = rng.choice(["hi", "[Tool results]\nok", "what now?", "done."])
                bot.append(key, role, text, at + timedelta(seconds=i))
            if key.startswith("gw_") and rng.random() < 0.3:
                bot.set_state(key, rng.choice(["running", "error"]), "t1", at)
            if rng.random() < 0.3:
                bot.set_name(key, f"named {n}")
        bot.set_agent_alias("gw_empty", "main", NOW - timedelta(hours=2))  # a row with 0 messages
    finally:
        bot.close()


def make_starpod(path: Path, rng: random.Random) -> None:
    create_starpod_db(path, now=NOW - timedelta(days=10))
    bot = StarpodBot(path)
    try:
        for n in range(40):
            sid = f"{n:02d}-{rng.randrange(10**6)}"
            at = NOW - timedelta(minutes=rng.choice([2, 5, 40, 60 * 30, 60 * 24 * 4]))
            bot.create_session(sid, channel=rng.choice(["main", "telegram"]), now=at)
            for turn in range(rng.randint(0, 4)):
                moment = at + timedelta(seconds=30 * turn)
                bot.save_message(sid, "user", rng.choice(["hello", "fix it"]), moment)
                bot.save_message(sid, "assistant", rng.choice(["ok", "which file?"]), moment)
                bot.touch_session(sid, moment)
                bot.record_usage(
                    sid,
                    turn=1,
                    input_tokens=rng.randint(1, 50),
                    output_tokens=rng.randint(10, 900),
                    cache_read=rng.choice([0, 12_000]),
                    cache_write=rng.randint(0, 3000),
                    model=rng.choice(["claude-sonnet-4-6", "claude-opus-4-6"]),
                    cost_usd=rng.choice([None, 0.0, 0.003]),
                    now=moment,
                )
            if rng.random() < 0.2:
                bot.close_session(sid, "Auto-closed: inactivity")
        for n, dollars in enumerate([0.01, 0.02, 0.01, 4.5]):  # spending now; the last runs away
            sid = f"burning-{n}"
            bot.create_session(sid, now=NOW - timedelta(minutes=3))
            bot.record_usage(
                sid, turn=1, input_tokens=5, output_tokens=50, cache_read=0, cache_write=0,
                model="claude-sonnet-4-6", cost_usd=dollars, now=NOW - timedelta(minutes=1),
            )  # fmt: skip
        bot.record_usage(  # usage of a deleted session (no FK): counted for nobody
            "gone", turn=1, input_tokens=1, output_tokens=1, cache_read=0, cache_write=0,
            model="claude-sonnet-4-6", now=NOW - timedelta(minutes=1),
        )  # fmt: skip
    finally:
        bot.close()


def make_hermes(path: Path) -> None:
    bot = HermesSqliteBot(path)
    try:
        bot.new_thread(
            "1700000000.000100", "repo", "/srv/repo", "C1", None, now=NOW - timedelta(minutes=3)
        )
    finally:
        bot.close()


async def both_ways(paths: list[Path]) -> tuple[list[SessionRow], list[SessionRow]]:
    def read() -> list:  # type: ignore[type-arg]
        opened = open_paths(paths, pytest.fail)
        assert opened is not None
        return opened[0]

    stores = read()
    try:
        whole, errors = await collect(stores, NOW, Thresholds())
    finally:
        for store in stores:
            await store.close()
    assert errors == []
    streamed: list[SessionRow] = []
    stores = read()
    try:
        assert await snapshot_stream.stream_rows(stores, NOW, Thresholds(), streamed.append) == []
    finally:
        for store in stores:
            await store.close()
    return whole, streamed


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_streamed_rows_are_the_full_reads_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(snapshot_stream, "PAGE", 7)  # many pages, one of them short
    rng = random.Random(seed)
    make_zeroclaw(tmp_path / "sessions.db", rng)
    make_starpod(tmp_path / "core.db", rng)
    make_hermes(tmp_path / "hermes.db")
    whole, streamed = await both_ways(
        [tmp_path / "sessions.db", tmp_path / "core.db", tmp_path / "hermes.db"]
    )
    assert len(whole) == 40 + 1 + 40 + 4 + 1
    assert [as_json(r) for r in streamed] == [as_json(r) for r in whole]
    assert [(r.key, r.verdict, r.burn) for r in streamed] == [
        (r.key, r.verdict, r.burn) for r in whole
    ]
    assert any(r.burn and r.burn.runaway for r in whole)  # the runaway marks were compared
    assert {r.verdict.state for r in whole} >= {"stuck", "idle", "closed"}
    for write, writer in ((write_json, JsonLines), (write_table, Table)):  # what `snapshot` writes
        expected, got = io.StringIO(), io.StringIO()
        write(whole, expected)
        streaming = writer(got)
        for row in streamed:
            streaming.write(row)
        streaming.close()
        assert got.getvalue() == expected.getvalue()


async def test_a_daemon_holding_the_stores_is_linked_to_every_paged_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, standins: StartStandIn
) -> None:
    """Process linking is skipped only for pages no process can concern (`_may_link`): with the
    bot's daemon holding both stores open, every streamed row carries it, as the full read's do."""
    monkeypatch.setattr(snapshot_stream, "PAGE", 7)
    rng = random.Random(4)
    make_zeroclaw(tmp_path / "sessions.db", rng)
    make_starpod(tmp_path / "core.db", rng)
    daemon = standins("zeroclaw", ["daemon"], hold=[tmp_path / "sessions.db", tmp_path / "core.db"])
    whole, streamed = await both_ways([tmp_path / "sessions.db", tmp_path / "core.db"])
    assert [as_json(r) for r in streamed] == [as_json(r) for r in whole]
    assert len(streamed) == 40 + 1 + 40 + 4
    assert all(as_json(r)["pids"] == [daemon.pid] for r in streamed)


async def stream_into(path: Path, emit: snapshot_stream.Emit) -> list[str]:
    opened = open_paths([path], pytest.fail)
    assert opened is not None
    stores = opened[0]
    try:
        return await snapshot_stream.stream_rows(stores, NOW, Thresholds(), emit)
    finally:
        for store in stores:
            await store.close()


async def test_a_page_that_cannot_be_read_ends_its_store_in_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows of the pages read are written; the page that fails ends the store with one
    line naming it (the bot renamed the table between two pages)."""
    monkeypatch.setattr(snapshot_stream, "PAGE", 7)
    db = tmp_path / "sessions.db"
    make_zeroclaw(db, random.Random(5))
    whole, _ = await both_ways([db])
    written: list[SessionRow] = []

    def emit(row: SessionRow) -> None:
        written.append(row)
        if len(written) == 7:  # the first page is out
            with sqlite3.connect(db) as bot:
                bot.execute("ALTER TABLE session_metadata RENAME TO session_metadata_old")

    errors = await stream_into(db, emit)
    assert [as_json(r) for r in written] == [as_json(r) for r in whole[:7]]
    assert len(errors) == 1 and errors[0].startswith(f"{db}: ") and "session_metadata" in errors[0]


async def test_sessions_made_during_the_read_are_listed_once_past_the_page_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages follow the key: a session the bot makes after the pages passed its key is not
    listed, one made ahead of them is, and no session is listed twice or left out."""
    monkeypatch.setattr(snapshot_stream, "PAGE", 7)
    db = tmp_path / "sessions.db"
    make_zeroclaw(db, random.Random(6))
    whole, _ = await both_ways([db])
    written: list[SessionRow] = []

    def emit(row: SessionRow) -> None:
        written.append(row)
        if len(written) == 10:  # inside the second page
            bot = ZeroClawSqliteBot(db)
            try:
                for key in ("AAA_behind", "zzz_ahead"):
                    bot.append(key, "user", "hello", NOW - timedelta(minutes=1))
            finally:
                bot.close()

    assert await stream_into(db, emit) == []
    ids = [r.session.id for r in written]
    assert ids == [r.session.id for r in whole] + ["zzz_ahead"]
    assert [as_json(r) for r in written[:-1]] == [as_json(r) for r in whole]


def test_an_empty_table_still_has_its_header_and_count() -> None:
    expected, got = io.StringIO(), io.StringIO()
    write_table([], expected)
    Table(got).close()
    assert got.getvalue() == expected.getvalue()
    assert got.getvalue().endswith("0 sessions, 0 stuck\n")


def test_a_snapshot_run_never_imports_textual(tmp_path: Path) -> None:
    make_zeroclaw(tmp_path / "sessions.db", random.Random(4))
    code = (
        "import contextlib, io, sys\n"
        "from sessiontui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['snapshot', '--json', {str(tmp_path / 'sessions.db')!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(code, out.getvalue().count(chr(10)), heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "0 41 []"  # exit 0, every session, no Textual nor Rich
