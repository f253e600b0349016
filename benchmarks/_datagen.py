"""Bot-exact data at scale, generated once under benchmarks/data/ and reused between runs.

Every file is created with the bot's own DDL (sessiontui.demo.botschema) and filled with the
bot's own statements and row shapes (chrono `+00:00` timestamps in SQLite, Claude Code's
one-line-per-content-block replies, ZeroClaw's `{"role","content"}` lines), only faster: many
rows per transaction with executemany, whole files written at once. A `<name>.json` marker
beside each data set records its parameters; a data set whose marker matches is reused.

SQLite data sets are kept pristine: benchmarks that write copy them first (`work_copy`).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import DATA, log

from sessiontui.demo.bots import _cut_bytes, _serde, starpod_cost
from sessiontui.demo.botschema import create_starpod_db, create_zeroclaw_db
from sessiontui.demo.claude_code import (
    ClaudeCodeWriter,
    encode_project_path,
    text_block,
    thinking_block,
    tool_use_block,
    usage_dict,
)
from sessiontui.demo.ids import Ids
from sessiontui.demo.phrases import (
    ANSWERS,
    FOLLOW_UPS,
    MODELS,
    PROMPTS,
    QUESTIONS,
    TOOLS,
    ZEROCLAW_TOOL_NAMES,
)
from sessiontui.demo.zeroclaw_bots import (
    channel_user_content,
    compact_json_ordered,
    sanitize_session_key,
    tool_call_content,
    tool_result_content,
)
from sessiontui.timestamps import chrono_rfc3339

VERSION = 2  # bump to regenerate every data set


def set_data_dir(path: Path) -> None:
    """Make and reuse data sets under `path` instead of benchmarks/data (a private copy: no other
    process holds its files open, and its timestamps are as fresh or as old as asked)."""
    global DATA
    path.mkdir(parents=True, exist_ok=True)
    DATA = path


def _aged(params: dict[str, Any], aged: timedelta) -> datetime:
    """The data set's `now`: the present, or `aged` before it (noted in `params`)."""
    if aged:
        params["aged_seconds"] = aged.total_seconds()
    return datetime.now(UTC).replace(microsecond=0) - aged


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def reuse(path: Path, params: dict[str, Any]) -> dict[str, Any] | None:
    """The marker of an existing data set made with `params`, or None (then make it anew)."""
    marker = _marker(path)
    if not marker.is_file() or not path.exists():
        return None
    try:
        info = json.loads(marker.read_text())
    except ValueError:
        return None
    return info if info.get("params") == {**params, "version": VERSION} else None


def _save(path: Path, params: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    info = {"params": {**params, "version": VERSION}, **info}
    _marker(path).write_text(json.dumps(info, indent=1))
    return info


def _clear(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    _marker(path).unlink(missing_ok=True)


def work_copy(pristine: Path, name: str) -> Path:
    """A fresh copy of a pristine SQLite file, to write into (its WAL checkpointed away)."""
    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    target = work / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(pristine, target)
    return target


def clear_work(prefix: str) -> None:
    """Delete the working copies a benchmark made (`work_copy`), with their -wal and -shm."""
    work = DATA / "work"
    if work.is_dir():
        for path in work.glob(prefix + "*"):
            path.unlink(missing_ok=True)


def _spread(rng: random.Random, total: int, parts: int, low: int) -> list[int]:
    """`parts` counts of at least `low` summing to exactly `total`, uneven like real sessions."""
    spare = total - low * parts
    weights = [rng.expovariate(1.0) for _ in range(parts)]
    scale = spare / sum(weights)
    counts = [low + int(w * scale) for w in weights]
    short = total - sum(counts)
    for i in range(short):
        counts[i % parts] += 1
    return counts


def _session_start(rng: random.Random, now: datetime, length_s: float) -> datetime:
    """Most sessions are days old; 2 % ended in the last two minutes, 3 % in the last hour."""
    roll = rng.random()
    if roll < 0.02:
        ago = rng.uniform(0, 110)
    elif roll < 0.05:
        ago = rng.uniform(120, 3600)
    else:
        ago = rng.uniform(3600, 7 * 86400)
    return now - timedelta(seconds=ago + length_s)


# ---------------------------------------------------------------------------------------------
# ZeroClaw sessions.db


def zeroclaw_conversation(rng: random.Random, ids: Ids, channel: bool, count: int) -> list[tuple[str, Any]]:
    """`count` (role, content-or-callable) messages of a ZeroClaw chat; channel user turns take a
    time prefix, so their content is a callable of the message time."""
    out: list[tuple[str, Any]] = []
    turn = 0
    while len(out) < count:
        prompt = rng.choice(PROMPTS if turn == 0 else FOLLOW_UPS)
        if channel:
            out.append(("user", lambda at, p=prompt: channel_user_content(p, at)))
        else:
            out.append(("user", prompt))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            tool = rng.choice(TOOLS)
            call_id = ids.call_id()
            name = ZEROCLAW_TOOL_NAMES.get(tool.name, tool.name)
            out.append(("assistant", tool_call_content([(call_id, name, tool.input)])))
            out.append(("tool", tool_result_content(call_id, tool.output)))
        out.append(("assistant", rng.choice(ANSWERS + QUESTIONS)))
        turn += 1
    out = out[:count]
    # Most chats end answered; about 1 in 20 is left mid-turn (unanswered, tool pending).
    unfinished = out[-1][0] != "assistant" or out[-1][1].startswith("{")
    if unfinished and rng.random() < 0.95:
        out[-1] = ("assistant", rng.choice(ANSWERS))
    return out


def make_zeroclaw_db(name: str, sessions: int, messages: int, seed: int = 1,
                     aged: timedelta = timedelta(0)) -> tuple[Path, dict[str, Any]]:
    """A HEAD-schema ZeroClaw sessions.db with `sessions` sessions and `messages` message rows,
    written as if `aged` ago (its newest activity that long before now)."""
    path = DATA / name
    params: dict[str, Any] = {"kind": "zeroclaw-sqlite", "sessions": sessions, "messages": messages,
                              "seed": seed}
    now = _aged(params, aged)
    info = reuse(path, params)
    if info is not None:
        return path, info
    _clear(path)
    started = time.perf_counter()
    log(f"generating {path.name}: ZeroClaw sessions.db, {sessions:,} sessions, {messages:,} messages")
    DATA.mkdir(parents=True, exist_ok=True)
    create_zeroclaw_db(path)
    rng = random.Random(seed)
    ids = Ids(random.Random(seed + 1))
    counts = _spread(rng, messages, sessions, 1)
    meta: list[tuple[Any, ...]] = []
    events: list[tuple[float, int, str, str]] = []  # (time, session, role, content)
    keys: list[str] = []
    for index, count in enumerate(counts):
        channel = rng.random() < 0.5
        if channel:
            platform = rng.choice(("telegram", "discord", "slack"))
            target = str(10**8 + index * 7 + rng.randrange(7))
            key = sanitize_session_key(f"{platform}_{target}")
        else:
            key = f"gw_{ids.uuid4()}"
        keys.append(key)
        gaps = [rng.uniform(2, 90) for _ in range(count)]
        start = _session_start(rng, now, sum(gaps))
        at = start
        stamps = []
        for gap in gaps:
            at = at + timedelta(seconds=gap, microseconds=rng.randrange(1_000_000))
            stamps.append(min(at, now))
        for (role, content), stamp in zip(zeroclaw_conversation(rng, ids, channel, count), stamps, strict=True):
            text = content(stamp) if callable(content) else content
            events.append((stamp.timestamp(), index, role, text))
        last = stamps[-1]
        state, turn_id, turn_started = "idle", None, None
        roll = rng.random()
        if not channel and roll < 0.01:
            state, turn_id, turn_started = "running", ids.uuid4(), chrono_rfc3339(last)
        elif not channel and roll < 0.015:
            state, turn_id = "error", ids.uuid4()
        name_ = None if rng.random() < 0.7 else rng.choice(PROMPTS)[:40]
        if channel:
            ctx = (f"{platform}.main", target, f"user{target[-3:]}")
            alias = None
        else:
            ctx = (None, None, None)
            alias = rng.choice(("main", "ops", "research"))
        meta.append((key, chrono_rfc3339(stamps[0]), chrono_rfc3339(last), count, name_, state,
                     turn_id, turn_started, alias, *ctx))
    events.sort(key=lambda e: e[0])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    conn.execute("BEGIN")
    # The bot's own INSERT (the sessions_ai trigger fills the FTS index as it would).
    insert = "INSERT INTO sessions (session_key, role, content, created_at) VALUES (?1, ?2, ?3, ?4)"
    batch = 50_000
    for offset in range(0, len(events), batch):
        conn.executemany(insert, [
            (keys[i], role, text, chrono_rfc3339(datetime.fromtimestamp(t, UTC)))
            for t, i, role, text in events[offset : offset + batch]
        ])
    # What the upserts (append, set_state, set_name, set_agent_alias, set_context) leave.
    meta.sort(key=lambda row: row[1])
    conn.executemany(
        "INSERT INTO session_metadata (session_key, created_at, last_activity, message_count, name, "
        "state, turn_id, turn_started_at, agent_alias, channel_id, room_id, sender_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        meta,
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    info = _save(path, params, {
        "now": now.isoformat(), "keys_sample": keys[:: max(1, len(keys) // 2000)],
        "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 1),
    })
    log(f"  {path.stat().st_size / 1e6:.0f} MB in {info['seconds']} s")
    return path, info


# ---------------------------------------------------------------------------------------------
# Starpod core.db


def make_starpod_db(
    name: str, sessions: int, messages: int, requests: int, seed: int = 2,
    aged: timedelta = timedelta(0),
) -> tuple[Path, dict[str, Any]]:
    """A Starpod core.db: `sessions` sessions, about `messages` session_messages rows and
    exactly `requests` usage_stats rows (one per chat request, each touching its session),
    written as if `aged` ago."""
    path = DATA / name
    params: dict[str, Any] = {"kind": "starpod", "sessions": sessions, "messages": messages,
                              "requests": requests, "seed": seed}
    now = _aged(params, aged)
    info = reuse(path, params)
    if info is not None:
        return path, info
    _clear(path)
    started = time.perf_counter()
    log(f"generating {path.name}: Starpod core.db, {sessions:,} sessions, ~{messages:,} messages, "
        f"{requests:,} requests")
    DATA.mkdir(parents=True, exist_ok=True)
    create_starpod_db(path, now=now)
    rng = random.Random(seed)
    ids = Ids(random.Random(seed + 1))
    per_session = _spread(rng, requests, sessions, 1)
    # Messages per request: user + assistant, plus tool_use/tool_result pairs to reach the total.
    extra_pairs = max(0.0, (messages / requests - 2) / 2)
    meta: list[tuple[Any, ...]] = []
    msg_events: list[tuple[float, str, str, str]] = []
    usage_events: list[tuple[float, tuple[Any, ...]]] = []
    session_ids: list[str] = []
    for count in per_session:
        sid = ids.uuid4()
        session_ids.append(sid)
        channel = rng.choice(("main", "main", "telegram", "slack"))
        key = ids.uuid4() if channel == "main" else str(rng.randint(10**6, 10**9))
        model = rng.choice(MODELS)
        gaps = [rng.uniform(10, 600) for _ in range(count)]
        start = _session_start(rng, now, sum(gaps))
        at = start
        title = None
        for turn in range(count):
            at = at + timedelta(seconds=gaps[turn], microseconds=rng.randrange(1_000_000))
            at = min(at, now)
            prompt = rng.choice(PROMPTS if turn == 0 else FOLLOW_UPS)
            title = title or _cut_bytes(prompt, 100)
            t = at.timestamp()
            msg_events.append((t, sid, "user", prompt))
            pairs = int(extra_pairs) + (rng.random() < extra_pairs - int(extra_pairs))
            for p in range(pairs):
                tool = rng.choice(TOOLS)
                tool_id = ids.tool_use_id()
                body = {"id": tool_id, "input": dict(tool.input), "name": tool.name, "type": "tool_use"}
                msg_events.append((t + 0.001 * (2 * p + 1), sid, "tool_use", _serde(body)))
                result = {"content": _cut_bytes(tool.output, 500), "is_error": False,
                          "tool_use_id": tool_id, "type": "tool_result"}
                msg_events.append((t + 0.001 * (2 * p + 2), sid, "tool_result", _serde(result)))
            msg_events.append((t + 0.5, sid, "assistant", rng.choice(ANSWERS + QUESTIONS)))
            calls = pairs + 1
            inp, out, read, write = (rng.randint(3, 40) * calls, rng.randint(40, 900) * calls,
                                     12_000 * calls, rng.randint(150, 3000) * calls)
            cost = starpod_cost(model, inp, out, read, write)
            usage_events.append((t + 0.6, (sid, calls, inp, out, read, write, cost, model, "admin")))
        closed = rng.random() < 0.2
        archived = not closed and rng.random() < 0.1
        meta.append((sid, chrono_rfc3339(start), chrono_rfc3339(at), int(closed),
                     "Auto-closed: inactivity" if closed else None, count, channel, key, title,
                     "admin", 1, int(archived), None))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    conn.execute("BEGIN")
    meta.sort(key=lambda row: row[1])
    conn.executemany(
        "INSERT INTO session_metadata (id, created_at, last_message_at, is_closed, summary, "
        "message_count, channel, channel_session_key, title, user_id, is_read, is_archived, "
        "triggered_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        meta,
    )
    msg_events.sort(key=lambda e: e[0])
    batch = 50_000
    for offset in range(0, len(msg_events), batch):
        conn.executemany(
            "INSERT INTO session_messages (session_id, role, content, timestamp) VALUES (?1, ?2, ?3, ?4)",
            [(sid, role, content, chrono_rfc3339(datetime.fromtimestamp(t, UTC)))
             for t, sid, role, content in msg_events[offset : offset + batch]],
        )
    usage_events.sort(key=lambda e: e[0])
    conn.executemany(
        "INSERT INTO usage_stats (session_id, turn, input_tokens, output_tokens, cache_read, "
        "cache_write, cost_usd, model, user_id, timestamp) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        [(*row, chrono_rfc3339(datetime.fromtimestamp(t, UTC))) for t, row in usage_events],
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    info = _save(path, params, {
        "now": now.isoformat(), "messages": len(msg_events), "requests": len(usage_events),
        "ids_sample": session_ids[:: max(1, len(session_ids) // 2000)],
        "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 1),
    })
    log(f"  {len(msg_events):,} messages, {path.stat().st_size / 1e6:.0f} MB in {info['seconds']} s")
    return path, info


# ---------------------------------------------------------------------------------------------
# Claude Code projects tree


class BufferedClaudeWriter(ClaudeCodeWriter):
    """Claude Code's exact records (ClaudeCodeWriter), kept in memory and written per file
    at once: the bytes are the same as line-by-line appends, only much faster to make."""

    def __init__(self, projects_dir: Path, ids: Ids) -> None:
        super().__init__(projects_dir, ids=ids)
        self.buffers: dict[Path, list[str]] = {}

    def _parent(self, path: Path) -> str | None:
        return self._last_uuid.get(path)

    def _write(self, path: Path, line: str) -> None:
        self.buffers.setdefault(path, []).append(line + "\n")

    def flush(self, path: Path | None = None) -> None:
        for target in [path] if path is not None else list(self.buffers):
            lines = self.buffers.pop(target, [])
            if not lines:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a", encoding="utf-8", newline="") as handle:
                handle.write("".join(lines))


def claude_turn(writer: ClaudeCodeWriter, rng: random.Random, sid: str, cwd: str, at: datetime,
                first: bool, *, output_pad: int = 0) -> datetime:
    """One prompt and its replies: assistant lines one per content block, tool results between."""
    model = MODELS[hash(sid) % len(MODELS)]
    writer.user(sid, cwd, rng.choice(PROMPTS if first else FOLLOW_UPS), now=at)
    for _ in range(rng.randint(1, 3)):
        at += timedelta(seconds=rng.uniform(2, 20))
        tool = rng.choice(TOOLS)
        tool_id = writer.ids.tool_use_id()
        usage = usage_dict(rng.randint(3, 40), rng.randint(40, 900), 20_000, rng.randint(150, 3000))
        blocks = [thinking_block("Let me look at the code first."), text_block(rng.choice(ANSWERS)),
                  tool_use_block(tool_id, tool.name, dict(tool.input))]
        writer.assistant(sid, cwd, blocks, model=model, usage=usage, now=at)
        at += timedelta(seconds=rng.uniform(1, 30))
        output = tool.output + ("\n" + "x" * output_pad if output_pad else "")
        writer.tool_result(sid, cwd, tool_id, output, now=at)
    at += timedelta(seconds=rng.uniform(2, 20))
    usage = usage_dict(rng.randint(3, 40), rng.randint(40, 900), 20_000, rng.randint(150, 3000))
    writer.assistant(sid, cwd, [text_block(rng.choice(ANSWERS + QUESTIONS))], model=model,
                     usage=usage, now=at)
    return at


def make_claude_tree(name: str, files: int, lines: int, seed: int = 3) -> tuple[Path, dict[str, Any]]:
    """A Claude Code `projects` directory: `files` transcripts of about `lines` lines each,
    spread over 40 project directories."""
    root = DATA / name
    params = {"kind": "claude-code", "files": files, "lines": lines, "seed": seed}
    info = reuse(root, params)
    if info is not None:
        return root, info
    _clear(root)
    started = time.perf_counter()
    log(f"generating {root.name}: Claude Code projects, {files:,} transcripts of ~{lines} lines")
    rng = random.Random(seed)
    ids = Ids(random.Random(seed + 1))
    now = datetime.now(UTC).replace(microsecond=0)
    writer = BufferedClaudeWriter(root, ids)
    paths = []
    total_lines = 0
    for index in range(files):
        sid = ids.uuid4()
        cwd = f"/home/dev/src/project{index % 40:02d}"
        at = _session_start(rng, now, lines * 8.0)
        path = writer.transcript_path(cwd, sid)
        first = True
        while len(writer.buffers.get(path, ())) < lines:
            at = claude_turn(writer, rng, sid, cwd, at, first)
            first = False
        total_lines += len(writer.buffers[path])
        writer.flush(path)
        stamp = min(at, now).timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(str(path.relative_to(root)))
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl"))
    info = _save(root, params, {
        "now": now.isoformat(), "lines": total_lines, "bytes": size, "append_target": paths[0],
        "append_size": (root / paths[0]).stat().st_size, "seconds": round(time.perf_counter() - started, 1),
    })
    log(f"  {total_lines:,} lines, {size / 1e6:.0f} MB in {info['seconds']} s")
    return root, info


def make_claude_big(name: str, megabytes: int, seed: int = 4) -> tuple[Path, dict[str, Any]]:
    """One project directory holding a single transcript of `megabytes` MB (long tool output)."""
    root = DATA / name
    params = {"kind": "claude-code-big", "megabytes": megabytes, "seed": seed}
    info = reuse(root, params)
    if info is not None:
        return root, info
    _clear(root)
    started = time.perf_counter()
    log(f"generating {root.name}: one {megabytes} MB Claude Code transcript")
    rng = random.Random(seed)
    ids = Ids(random.Random(seed + 1))
    now = datetime.now(UTC).replace(microsecond=0)
    writer = BufferedClaudeWriter(root, ids)
    sid = ids.uuid4()
    cwd = "/home/dev/src/monorepo"
    path = writer.transcript_path(cwd, sid)
    at = now - timedelta(days=2)
    target = megabytes * 1_000_000
    written = 0
    lines = 0
    first = True
    while written < target:
        at = claude_turn(writer, rng, sid, cwd, at, first, output_pad=rng.randint(500, 6000))
        first = False
        buffered = writer.buffers.get(path, [])
        lines += len(buffered)
        written += sum(len(line.encode()) for line in buffered)
        writer.flush(path)
    stamp = min(at, now).timestamp()
    os.utime(path, (stamp, stamp))
    info = _save(root, params, {
        "now": now.isoformat(), "file": str(path.relative_to(root)), "lines": lines,
        "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 1),
    })
    log(f"  {lines:,} lines, {path.stat().st_size / 1e6:.0f} MB in {info['seconds']} s")
    return root, info


# ---------------------------------------------------------------------------------------------
# ZeroClaw JSONL directory


def make_zeroclaw_jsonl(name: str, files: int, lines: int, seed: int = 5) -> tuple[Path, dict[str, Any]]:
    """A ZeroClaw sessions directory of `files` `<channel>_<target>.jsonl` files, ~`lines` each."""
    root = DATA / name
    params = {"kind": "zeroclaw-jsonl", "files": files, "lines": lines, "seed": seed}
    info = reuse(root, params)
    if info is not None:
        return root, info
    _clear(root)
    started = time.perf_counter()
    log(f"generating {root.name}: ZeroClaw JSONL directory, {files:,} files of ~{lines} lines")
    root.mkdir(parents=True)
    rng = random.Random(seed)
    ids = Ids(random.Random(seed + 1))
    now = datetime.now(UTC).replace(microsecond=0)
    names = []
    total = 0
    for index in range(files):
        platform = rng.choice(("telegram", "discord", "slack"))
        key = sanitize_session_key(f"{platform}_{10**8 + index}")
        count = max(1, int(rng.uniform(0.3, 1.7) * lines))
        gaps = [rng.uniform(2, 90) for _ in range(count)]
        at = _session_start(rng, now, sum(gaps))
        body = []
        for (role, content), gap in zip(zeroclaw_conversation(rng, ids, True, count), gaps, strict=True):
            at += timedelta(seconds=gap)
            text = content(at) if callable(content) else content
            body.append(compact_json_ordered({"role": role, "content": text}) + "\n")
        path = root / f"{key}.jsonl"
        path.write_text("".join(body), encoding="utf-8")
        stamp = min(at, now).timestamp()
        os.utime(path, (stamp, stamp))
        names.append(path.name)
        total += count
    info = _save(root, params, {
        "now": now.isoformat(), "lines": total, "append_target": names[0],
        "append_size": (root / names[0]).stat().st_size, "seconds": round(time.perf_counter() - started, 1),
    })
    log(f"  {total:,} lines in {info['seconds']} s")
    return root, info


def restore_size(path: Path, size: int) -> None:
    """Undo a previous run's appends to a JSONL file (truncate back to its generated size)."""
    if path.stat().st_size > size:
        os.truncate(path, size)


def project_dir(root: Path, cwd: str) -> Path:
    return root / encode_project_path(cwd)
