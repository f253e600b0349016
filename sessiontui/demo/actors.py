"""The simulated sessions: one generator per session, one write per step.

An actor is a generator over the simulator. Each `next()` makes one write (a message, a
state change: the statements a bot issues together) at `sim.now`, then yields how many
seconds until its next write. When it returns, the session is left as it is: finished and
idle, or, by its fate, stuck mid-turn, waiting on a question, or failed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from sessiontui.demo import phrases
from sessiontui.demo.agent_scene import hermes_agent_actor, openclaw_actor
from sessiontui.demo.fleet import Fleet
from sessiontui.demo.phrases import ANSWERS, FOLLOW_UPS, PROMPTS, QUESTIONS, TOOLS, pick
from sessiontui.demo.zeroclaw_bots import (
    INTERRUPTED_MARKER,
    tool_call_content,
    tool_result_content,
)
from sessiontui.model import StoreFormat as F

Actor = Iterator[float]
FATES = (("stuck", 0.05), ("error", 0.04), ("question", 0.08))  # the rest: "normal"
CWDS = ("/home/dev/src/webapp", "/home/dev/src/infra", "/home/dev/src/sessiontui")


class Sim(Protocol):
    fleet: Fleet
    rng: random.Random
    now: datetime


def pick_fate(rng: random.Random) -> str:
    roll = rng.random()
    for fate, chance in FATES:
        if roll < chance:
            return fate
        roll -= chance
    return "normal"


def think(rng: random.Random) -> float:
    return rng.uniform(1.0, 5.0)


def tool_time(rng: random.Random) -> float:
    """Most tools take seconds; one in five runs for minutes."""
    return rng.uniform(60.0, 240.0) if rng.random() < 0.2 else rng.uniform(1.0, 12.0)


def user_time(rng: random.Random) -> float:
    return rng.uniform(5.0, 40.0)


def _prompt(rng: random.Random, turn: int) -> str:
    options: tuple[str, ...] = PROMPTS if turn == 0 else FOLLOW_UPS
    return options[rng.randrange(len(options))]


def claude_actor(sim: Sim, fate: str, *, hermes: str | None = None) -> Actor:
    """A Claude Code session, standalone or driven by hermes-bot (`hermes` = 'sqlite'/'json').

    Stuck: standalone, a tool call never gets its result; via hermes, the row stays pending.
    Error: standalone, a `<synthetic>` API error line; via hermes, `status = 'error'`.
    """
    f, rng = sim.fleet, sim.rng
    sid, cwd, model = f.ids.uuid4(), pick(rng, CWDS), pick(rng, phrases.MODELS)
    # A stuck hermes session is a first turn that never finishes: the row stays pending.
    turns = 1 if hermes is not None and fate == "stuck" else rng.randint(1, 3)
    thread = None
    legacy = hermes == "json"
    if hermes is not None:
        thread = f.ids.thread_ts(sim.now)
        f.hermes_bot(legacy).new_thread(
            thread, cwd.rsplit("/", 1)[-1], cwd, "C0SIMULATE", model, sim.now
        )
        f.report.add(f.hermes_fmt(legacy), thread)
        yield think(rng)
    for turn in range(turns):
        last = turn == turns - 1
        f.claude_user(sid, cwd, _prompt(rng, turn), sim.now)
        yield think(rng)
        if last and fate == "stuck" and thread is not None:
            return  # the hermes row stays 'pending-<ts>'
        calls = rng.randint(1 if fate == "stuck" else 0, 3)
        for n in range(calls):
            tool = pick(rng, TOOLS)
            tool_id = f.claude_reply(sid, cwd, sim.now, tool=tool, think=n == 0, model=model)
            if last and fate == "stuck" and n == calls - 1:
                return  # the tool call never gets its result
            yield tool_time(rng)
            f.claude_tool_result(sid, cwd, tool_id or "", tool.output, sim.now)
            yield think(rng)
        if last and fate == "error":
            if thread is not None:
                f.hermes_bot(legacy).set_error(thread)
            else:
                f.claude_synthetic(sid, cwd, sim.now, "API Error: 529 Overloaded")
            return
        text = pick(rng, QUESTIONS) if last and fate == "question" else pick(rng, ANSWERS)
        f.claude_reply(sid, cwd, sim.now, text=text, model=model)
        if thread is not None:
            f.hermes_bot(legacy).finish_turn(thread, sid, calls + 1, sim.now)
        if last:
            return
        yield user_time(rng)


def zeroclaw_gateway_actor(sim: Sim, fate: str) -> Actor:
    """A gateway WebSocket chat in sessions.db: alias on connect, turns running -> idle.

    Stuck: the state stays 'running'. Error: the state becomes 'error'.
    """
    f, rng = sim.fleet, sim.rng
    key = f"gw_{f.ids.uuid4()}"
    f.zeroclaw.set_agent_alias(key, pick(rng, ("main", "ops", "research")), sim.now)
    f.report.add(F.ZEROCLAW_SQLITE, key, 0)
    yield think(rng)
    turns = rng.randint(1, 3)
    for turn in range(turns):
        last = turn == turns - 1
        f.zc_append(key, "user", _prompt(rng, turn), sim.now)
        turn_id = f.ids.uuid4()
        f.zeroclaw.set_state(key, "running", turn_id, sim.now)
        yield think(rng)
        if last and fate == "stuck":
            return
        for _ in range(rng.randint(0, 3)):
            call_id, tool = f.ids.call_id(), pick(rng, TOOLS)
            name = phrases.ZEROCLAW_TOOL_NAMES[tool.name]
            f.zc_append(key, "assistant", tool_call_content([(call_id, name, tool.input)]), sim.now)
            yield tool_time(rng)
            f.zc_append(key, "tool", tool_result_content(call_id, tool.output), sim.now)
            yield think(rng)
        if last and fate == "error":
            f.zeroclaw.set_state(key, "error", turn_id, sim.now)
            return
        text = pick(rng, QUESTIONS) if last and fate == "question" else pick(rng, ANSWERS)
        f.zc_append(key, "assistant", text, sim.now)
        f.zeroclaw.set_state(key, "idle", None, sim.now)
        if last:
            return
        yield user_time(rng)


def zeroclaw_channel_actor(sim: Sim, fate: str, *, jsonl: bool) -> Actor:
    """A channel chat (Telegram/Discord), in sessions.db or the old install's JSONL files.

    Channel sessions never change state. Stuck: the user is never answered; in JSONL, a
    restart may then append the interrupted marker.
    """
    f, rng = sim.fleet, sim.rng
    channel = pick(rng, ("telegram", "discord", "slack"))
    target = str(rng.randint(10**6, 10**9))
    key = f.channel_key(channel, target)

    def append(role: str, content: str) -> None:
        if jsonl:
            f.jsonl_append(key, role, content, sim.now)
        else:
            f.zc_append(key, role, content, sim.now)

    turns = rng.randint(1, 3)
    for turn in range(turns):
        last = turn == turns - 1
        if not jsonl:
            f.zeroclaw.set_context(key, f"{channel}.main", target, f"user{target[-3:]}", sim.now)
        append("user", f.channel_text(_prompt(rng, turn), sim.now))
        yield think(rng)
        if last and fate in ("stuck", "error"):
            if jsonl and rng.random() < 0.5:
                yield rng.uniform(60.0, 180.0)
                append("assistant", INTERRUPTED_MARKER)
            return
        if rng.random() < 0.4:
            call_id, tool = f.ids.call_id(), pick(rng, TOOLS)
            name = phrases.ZEROCLAW_TOOL_NAMES[tool.name]
            append("assistant", tool_call_content([(call_id, name, tool.input)]))
            yield tool_time(rng)
            append("tool", tool_result_content(call_id, tool.output))
            yield think(rng)
        append("assistant", pick(rng, QUESTIONS if last and fate == "question" else ANSWERS))
        if last:
            return
        yield user_time(rng)


def starpod_actor(sim: Sim, fate: str) -> Actor:
    """A Starpod session: requests with tools, answer and usage; some end closed or archived.

    Stuck: the last user message is never answered.
    """
    f, rng = sim.fleet, sim.rng
    channel = pick(rng, ("main", "main", "telegram", "slack"))
    key = f.ids.uuid4() if channel == "main" else str(rng.randint(10**6, 10**9))
    sid = f.starpod.create_session(
        f.ids.uuid4(), channel=channel, channel_session_key=key, now=sim.now
    )
    f.report.add(F.STARPOD, sid, 0)
    model = pick(rng, phrases.MODELS)
    yield think(rng)
    turns = rng.randint(1, 3)
    for turn in range(turns):
        last = turn == turns - 1
        f.starpod.touch_session(sid, sim.now)
        f.starpod_message(sid, "user", _prompt(rng, turn), sim.now)
        yield think(rng)
        if last and fate == "stuck":
            return
        calls = rng.randint(0, 2)
        for _ in range(calls):
            tool = pick(rng, TOOLS)
            tool_id = f.starpod_tool_use(sid, tool, sim.now)
            yield tool_time(rng)
            f.starpod_tool_result(sid, tool_id, tool.output, sim.now)
            yield think(rng)
        text = pick(rng, QUESTIONS) if last and fate == "question" else pick(rng, ANSWERS)
        f.starpod_message(sid, "assistant", text, sim.now)
        f.starpod_usage(sid, sim.now, calls=calls + 1, model=model)
        if last:
            break
        yield user_time(rng)
    if fate == "normal":
        roll = rng.random()
        if roll < 0.2:
            yield user_time(rng)
            f.starpod.close_session(sid, "Auto-closed: inactivity")
        elif roll < 0.3:
            yield user_time(rng)
            f.starpod.archive(sid)


def codex_actor(sim: Sim, fate: str) -> Actor:
    """A Codex CLI thread: turns of shell calls and an answer, each call's tokens counted.

    Stuck: a command never returns (the turn stays open). Error: the user interrupts the turn
    (idle with a note). Question: the last answer asks one. Some end archived or renamed.
    """
    f, rng = sim.fleet, sim.rng
    tid = f.codex_start(pick(rng, CWDS), sim.now)
    turns = rng.randint(1, 3)
    for turn in range(turns):
        last = turn == turns - 1
        f.codex_prompt(tid, _prompt(rng, turn), sim.now)
        yield think(rng)
        for _ in range(rng.randint(0, 2)):
            tool = pick(rng, TOOLS)
            call = f.codex_call(tid, tool, sim.now)
            if last and fate == "stuck":
                return
            yield tool_time(rng)
            if last and fate == "error":
                f.codex.turn_aborted(tid, sim.now, "interrupted")
                f.touch(f.codex.path_of(tid), sim.now)
                return
            f.codex_output(tid, call, tool.output, sim.now)
            f.codex_tokens(tid, sim.now)
            yield think(rng)
        text = pick(rng, QUESTIONS) if last and fate == "question" else pick(rng, ANSWERS)
        f.codex_answer(tid, text, sim.now)
        if not last:
            yield user_time(rng)
    if fate == "normal" and rng.random() < 0.3:
        yield user_time(rng)
        if rng.random() < 0.5:
            f.codex_rename(tid, _prompt(rng, 0)[:40], sim.now)
        else:
            f.touch(f.codex.archive(tid), sim.now)


KINDS = (
    ("claude", 3.0),
    ("hermes", 2.0),
    ("hermes-json", 0.5),
    ("zeroclaw-gateway", 2.0),
    ("zeroclaw-channel", 1.0),
    ("zeroclaw-jsonl", 1.5),
    ("starpod", 2.5),
    ("codex", 2.0),
    ("hermes-agent", 1.0),
    ("openclaw", 1.0),
)


def spawn(sim: Sim) -> Actor:
    """A new session of a kind drawn by weight, with a fate drawn by chance."""
    rng = sim.rng
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    fate = pick_fate(rng)
    if kind == "claude":
        return claude_actor(sim, fate)
    if kind == "hermes":
        return claude_actor(sim, fate, hermes="sqlite")
    if kind == "hermes-json":
        return claude_actor(sim, fate, hermes="json")
    if kind == "zeroclaw-gateway":
        return zeroclaw_gateway_actor(sim, fate)
    if kind == "zeroclaw-channel":
        return zeroclaw_channel_actor(sim, fate, jsonl=False)
    if kind == "zeroclaw-jsonl":
        return zeroclaw_channel_actor(sim, fate, jsonl=True)
    if kind == "hermes-agent":
        return hermes_agent_actor(sim, fate)
    if kind == "openclaw":
        return openclaw_actor(sim, fate)
    if kind == "codex":
        return codex_actor(sim, fate)
    return starpod_actor(sim, fate)
