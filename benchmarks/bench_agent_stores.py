"""Hermes Agent `state.db` and OpenClaw agent store adapters at scale: first read, an unchanged
poll, a poll after one new message. CPU seconds (process user+system, aiosqlite's thread
included) and wall time, medians over fresh store objects; the machine is shared and noisy.

    python benchmarks/bench_agent_stores.py [--sessions 10000] [--messages 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import Summary, cpu_seconds, log, machine_header, table, write_results

from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.demo.hermes_agent_schema import create_hermes_agent_db
from sessiontui.demo.openclaw_bot import OpenClawAgentBot, assistant, message_record, ms, user
from sessiontui.demo.openclaw_schema import create_openclaw_db
from sessiontui.stores.hermes_agent import HermesAgentStore
from sessiontui.stores.openclaw import OpenClawStore

NOW = datetime.now(UTC)


def build_hermes(path: Path, sessions: int, per: int) -> None:
    """Rows as Hermes writes them (bulk, in one transaction, for speed)."""
    create_hermes_agent_db(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    t0 = (NOW - timedelta(days=3)).timestamp()
    for n in range(sessions):
        sid = f"20261101_000000_{n:06x}"
        start = t0 + n * 20
        conn.execute(
            "INSERT INTO sessions (id, source, model, started_at, message_count, input_tokens, "
            "output_tokens, estimated_cost_usd, last_activity_at, ended_at, end_reason) "
            "VALUES (?, 'cli', 'm', ?, ?, 1000, 100, 0.01, ?, ?, ?)",
            (
                sid,
                start,
                per,
                start + per,
                start + per if n % 3 else None,
                "idle_timeout" if n % 3 else None,
            ),
        )
        conn.executemany(
            "INSERT INTO messages (session_id, role, content, timestamp) VALUES (?, ?, ?, ?)",
            [
                (sid, "user" if i % 2 == 0 else "assistant", f"message {i} " * 20, start + i)
                for i in range(per)
            ],
        )
    conn.execute("COMMIT")
    conn.close()


def build_openclaw(path: Path, sessions: int, per: int) -> None:
    create_openclaw_db(path, now_ms=ms(NOW))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for n in range(sessions):
        key, sid = f"agent:main:run:{n}", f"w-{n:06d}"
        at = NOW - timedelta(hours=n % 48)
        entry = {
            "sessionId": sid,
            "updatedAt": ms(at),
            "sessionStartedAt": ms(at),
            "estimatedCostUsd": 0.01,
        }
        conn.execute(
            "INSERT INTO session_nodes (session_key, current_session_id, entry_json, updated_at) "
            "VALUES (?, ?, ?, ?)",
            (key, sid, json.dumps(entry), ms(at)),
        )
        conn.execute(
            "INSERT INTO session_windows (session_id, session_key, created_at, updated_at) "
            "VALUES (?, ?, ?, ?)",
            (sid, key, ms(at), ms(at)),
        )
        conn.executemany(
            "INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)",
            [
                (
                    sid,
                    i + 1,
                    json.dumps(
                        message_record(
                            user("hi " * 20)
                            if i % 2 == 0
                            else assistant("ok " * 20, usage=(100, 10, 0, 0), cost=0.001),
                            at,
                        )
                    ),
                    ms(at),
                )
                for i in range(per)
            ],
        )
    conn.execute("COMMIT")
    conn.close()


async def measure(make_store, append) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[float]] = {}
    for _ in range(3):
        store = make_store()
        for label, action in (
            ("first refresh", None),
            ("unchanged poll", None),
            ("poll after one message", append),
        ):
            if action is not None:
                action()
            c0, w0 = cpu_seconds(), time.perf_counter()
            report = await store.refresh()
            out.setdefault(f"{label} CPU ms", []).append((cpu_seconds() - c0) * 1000)
            out.setdefault(f"{label} wall ms", []).append((time.perf_counter() - w0) * 1000)
            out.setdefault(f"{label}: said changed", []).append(float(report.changed))
        await store.close()
    return out


def section(title: str, results: dict[str, list[float]]) -> list[str]:
    """A blank line, the title, and the medians (min-max) of each measured step."""
    return ["", title, *table(["", "median (min-max)"], [[k, Summary(v).fmt(1)] for k, v in results.items()])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    lines = machine_header(
        "Hermes Agent and OpenClaw stores at scale",
        [
            "3 fresh store objects each; median (min-max); machine shared by ~8 engineers (load average 7-12)"
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        hermes = Path(tmp) / "state.db"
        log(f"building {args.sessions} Hermes Agent sessions x {args.messages} messages")
        build_hermes(hermes, args.sessions, args.messages)
        bot = HermesAgentBot(hermes)
        results = asyncio.run(
            measure(
                lambda: HermesAgentStore(hermes),
                lambda: bot.append_message("20261101_000000_000000", "user", "again"),
            )
        )
        bot.close()
        lines += section(
            f"== hermes-agent: {args.sessions:,} sessions, {args.sessions * args.messages:,} messages, "
            f"{hermes.stat().st_size / 1e6:.0f} MB",
            results,
        )
        claw = Path(tmp) / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
        count = args.sessions // 5
        log(f"building {count} OpenClaw sessions x {args.messages} events")
        build_openclaw(claw, count, args.messages)
        writer = OpenClawAgentBot(claw)
        results = asyncio.run(
            measure(
                lambda: OpenClawStore(claw),
                lambda: writer.append("w-000000", message_record(user("again"), NOW)),
            )
        )
        writer.close()
        lines += section(
            f"== openclaw: {count:,} sessions, {count * args.messages:,} transcript events, "
            f"{claw.stat().st_size / 1e6:.0f} MB",
            results,
        )
    write_results("agent_stores", lines)


if __name__ == "__main__":
    main()
