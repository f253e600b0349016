"""The demo's Hermes Agent `state.db` and OpenClaw agent store: a fixed scene (one session in
each state worth showing) and the simulator's actors that keep writing to them.

Both write through the bots' own writers (`hermes_agent_bot`, `openclaw_bot`), with ids and
times drawn from the fleet's seeded source and clock, so a seed gives the same files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.demo.ids import Ids
from sessiontui.demo.openclaw_bot import (
    OpenClawAgentBot,
    assistant,
    header,
    message_record,
    ms,
    tool_result,
    user,
)
from sessiontui.demo.phrases import ANSWERS, PROMPTS, QUESTIONS, TOOLS, ToolCall, pick
from sessiontui.demo.workspace import Expectation, SimulationReport
from sessiontui.model import SessionState as S
from sessiontui.model import StoreFormat as F

HA, OC = F.HERMES_AGENT, F.OPENCLAW
HA_MODEL = "anthropic/claude-sonnet-4.6"
_SEC = timedelta(seconds=1)
# PIDs the scene's leases and heartbeats name: above Linux's PID_MAX_LIMIT (2**22) and macOS's
# 99999, so sessiontui never links a demo session to a real process of the host.
NO_SUCH_PID = 2**22 + 1000


class Writers(Protocol):
    """What the scene and the actors need of the demo fleet."""

    @property
    def ids(self) -> Ids: ...

    @property
    def report(self) -> SimulationReport: ...

    @property
    def hermes_agent(self) -> HermesAgentBot: ...

    @property
    def openclaw(self) -> OpenClawAgentBot: ...


def hermes_id(ids: Ids, at: datetime) -> str:
    """A Hermes Agent session id as its tests show them: `20260909_101500_ab12cd`."""
    return f"{at:%Y%m%d_%H%M%S}_{ids.rng.getrandbits(24):06x}"


def _openai_call(ids: Ids, tool: ToolCall) -> list[dict[str, Any]]:
    return [
        {
            "id": ids.call_id(),
            "type": "function",
            "function": {"name": tool.name, "arguments": json.dumps(tool.input)},
        }
    ]


def hermes_turn(
    f: Writers,
    sid: str,
    at: datetime,
    prompt: str,
    answer: str | None,
    *,
    tool: ToolCall | None = None,
    finish: str = "stop",
) -> datetime:
    """User prompt, an optional tool round trip, the answer and its usage. Returns its end."""
    bot = f.hermes_agent
    bot.append_message(sid, "user", prompt, now=at)
    count = 1
    if tool is not None:
        calls = _openai_call(f.ids, tool)
        at += 3 * _SEC
        bot.append_message(
            sid, "assistant", "", tool_calls=calls, reasoning="Let me check.", now=at
        )
        at += 2 * _SEC
        bot.append_message(
            sid, "tool", tool.output, tool_call_id=calls[0]["id"], tool_name=tool.name, now=at
        )
        count += 2
    if answer is not None:
        at += 4 * _SEC
        bot.append_message(sid, "assistant", answer, finish_reason=finish, now=at)
        bot.record_usage(
            sid,
            HA_MODEL,
            input_tokens=1800,
            output_tokens=240,
            cache_read=12_000,
            cache_write=900,
            reasoning=60,
            cost_usd=0.0142,
            now=at,
        )
        count += 1
    f.report.add(HA, sid, count)
    return at


def _expect(f: Writers, fmt: F, sid: str, state: S, reason: str | None, note: str) -> None:
    f.report.expect(fmt, sid, Expectation(state, reason, note))


def hermes_agent_scene(f: Writers, now: datetime) -> None:
    bot = f.hermes_agent
    bot.heartbeat(
        "gw-1", NO_SUCH_PID + 101, started=now - timedelta(days=3), now=now - timedelta(hours=2)
    )
    bot.heartbeat("gw-2", NO_SUCH_PID + 177, started=now - timedelta(hours=2), now=now - 10 * _SEC)

    sid = hermes_id(f.ids, now - timedelta(minutes=50))
    bot.create_session(
        sid,
        "telegram",
        model=HA_MODEL,
        user_id="u_8412",
        chat_id="8412",
        chat_type="dm",
        title="Calendar assistant",
        title_source="llm",
        now=now - timedelta(minutes=50),
    )
    hermes_turn(f, sid, now - timedelta(minutes=45), PROMPTS[1], ANSWERS[0], tool=TOOLS[1])
    _expect(f, HA, sid, S.IDLE, None, "telegram chat answered 45 min ago, gateway alive")

    root = hermes_id(f.ids, now - timedelta(hours=3))
    bot.create_session(
        root,
        "cli",
        model=HA_MODEL,
        title="Refactor the billing module",
        title_source="user",
        cwd="/home/dev/src/webapp",
        now=now - timedelta(hours=3),
    )
    hermes_turn(f, root, now - timedelta(hours=3), PROMPTS[0], ANSWERS[1], tool=TOOLS[0])
    tip = hermes_id(f.ids, now - timedelta(hours=1))
    bot.compress(root, tip, now=now - timedelta(hours=1))
    f.report.add(
        HA, tip, f.report.stores[HA].sessions.pop(root)
    )  # one logical session, shown at its tip
    hermes_turn(f, tip, now - 8 * _SEC, "Now the invoices", None)
    bot.acquire_lease(tip, NO_SUCH_PID + 150, ttl=300, now=now - 8 * _SEC)
    _expect(f, HA, tip, S.RUNNING, None, f"compression lineage {root} -> tip; turn lease held")
    helper = hermes_id(f.ids, now - timedelta(minutes=30))
    bot.create_session(
        helper,
        "subagent",
        parent=tip,
        model_config={"_delegate_from": tip},
        now=now - timedelta(minutes=30),
    )
    hermes_turn(f, helper, now - timedelta(minutes=30), "Find the invoice tables", ANSWERS[2])
    _expect(f, HA, helper, S.IDLE, None, "a subagent run: hidden until H")

    sid = hermes_id(f.ids, now - timedelta(minutes=30))
    bot.create_session(sid, "cli", model=HA_MODEL, now=now - timedelta(minutes=30))
    hermes_turn(f, sid, now - timedelta(minutes=25), PROMPTS[2], None)
    bot.acquire_lease(sid, NO_SUCH_PID + 188, ttl=300, now=now - timedelta(minutes=25))
    _expect(f, HA, sid, S.STUCK, "lease-expired", "turn lease expired 20 min ago, nothing since")

    sid = hermes_id(f.ids, now - timedelta(hours=5))
    bot.create_session(
        sid,
        "slack",
        model=HA_MODEL,
        user_id="U042",
        chat_id="C7",
        chat_type="channel",
        now=now - timedelta(hours=5),
    )
    hermes_turn(f, sid, now - timedelta(hours=4), PROMPTS[3], QUESTIONS[1])
    _expect(f, HA, sid, S.STUCK, "gateway-silent", "its gateway's heartbeat stopped 2 h ago")

    sid = hermes_id(f.ids, now - timedelta(hours=3))
    bot.create_session(sid, "tui", model=HA_MODEL, now=now - timedelta(hours=3))
    hermes_turn(f, sid, now - timedelta(hours=3), PROMPTS[4], ANSWERS[3])
    bot.end_session(sid, "idle_timeout", now=now - timedelta(hours=2))
    _expect(f, HA, sid, S.CLOSED, None, "ended by the runtime (idle_timeout)")

    sid = hermes_id(f.ids, now - timedelta(minutes=40))
    bot.create_session(sid, "cli", model=HA_MODEL, now=now - timedelta(minutes=40))
    hermes_turn(
        f,
        sid,
        now - timedelta(minutes=40),
        PROMPTS[5],
        "Provider returned an error.",
        finish="agent_error",
    )
    _expect(f, HA, sid, S.ERROR, None, "last message finished with agent_error")


def _entry(sid: str, started: datetime, last: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "sessionId": sid,
        "updatedAt": ms(last),
        "sessionStartedAt": ms(started),
        "lastActivityAt": ms(last),
        "model": "claude-sonnet-4-6",
        "modelProvider": "anthropic",
        **fields,
    }


def openclaw_run(
    f: Writers,
    key: str,
    started: datetime,
    last: datetime,
    *,
    peer: str = "main",
    answer: str | None = ANSWERS[0],
    **fields: Any,
) -> str:
    """A session with one window, a user prompt and (optionally) an answer with its cost."""
    bot, sid = f.openclaw, f.ids.uuid4()
    bot.write_entry(key, _entry(sid, started, last, **fields), now=last)
    bot.open_window(
        key, sid, channel="telegram" if peer != "main" else "webchat", peer=peer, now=started
    )
    bot.append(sid, header(sid, started), now=started)
    bot.append(sid, message_record(user(pick(f.ids.rng, PROMPTS)), started), now=started)
    count = 1
    if answer is not None:
        bot.append(
            sid,
            message_record(assistant(answer, usage=(1500, 200, 10_000, 500), cost=0.0131), last),
            now=last,
        )
        count += 1
    f.report.add(OC, key, count)
    return sid


def openclaw_scene(f: Writers, now: datetime) -> None:
    key = "agent:main:telegram:direct:8412"
    sid = openclaw_run(
        f,
        key,
        now - timedelta(hours=2),
        now - timedelta(hours=1),
        peer="8412",
        label="Travel plans",
    )
    f.openclaw.append(
        sid,
        message_record(tool_result("call_0", "web_search", "3 results"), now - timedelta(hours=1)),
        now=now - timedelta(hours=1),
    )
    f.report.add(OC, key, 1)
    f.openclaw.append(
        sid,
        message_record(
            assistant("Booked.", usage=(900, 40, 0, 0), cost=0.0051), now - timedelta(hours=1)
        ),
        now=now - timedelta(hours=1),
    )
    f.report.add(OC, key, 1)
    _expect(f, OC, key, S.IDLE, None, "telegram chat answered 1 h ago")
    key = "agent:main:subagent:nightly-report"
    openclaw_run(
        f, key, now - timedelta(hours=4), now - timedelta(hours=3), answer=None, status="running"
    )
    _expect(f, OC, key, S.STUCK, "stale-running", "status running, no event for 3 h")
    key = "agent:main:subagent:deploy"
    openclaw_run(f, key, now - timedelta(minutes=2), now - 4 * _SEC, status="running")
    _expect(f, OC, key, S.RUNNING, None, "status running, event 4 s ago")
    key = "agent:main:main"
    openclaw_run(f, key, now - timedelta(hours=6), now - timedelta(minutes=20))
    f.openclaw.heartbeat_outcome(
        key,
        "blocked",
        "waiting for approval to deploy to production",
        now=now - timedelta(minutes=20),
    )
    _expect(f, OC, key, S.WAITING, None, "heartbeat outcome: blocked")
    key = "agent:main:subagent:old-migration"
    openclaw_run(
        f,
        key,
        now - timedelta(days=30),
        now - timedelta(days=28),
        answer=None,
        status="running",
        archivedAt=ms(now - timedelta(days=20)),
    )
    _expect(
        f, OC, key, S.ARCHIVED, "archived-running", "archived 20 days ago, still status running"
    )
    key = "agent:main:subagent:weekly-digest"
    openclaw_run(f, key, now - timedelta(hours=8), now - timedelta(hours=7), status="done")
    _expect(f, OC, key, S.CLOSED, None, "status done")


class Sim(Protocol):
    @property
    def fleet(self) -> Writers: ...

    @property
    def now(self) -> datetime: ...


def hermes_agent_actor(sim: Sim, fate: str) -> Iterator[float]:
    """A Hermes Agent CLI session: leased turns; stuck ones keep a lease that runs out."""
    f, rng = sim.fleet, sim.fleet.ids.rng
    sid = hermes_id(f.ids, sim.now)
    f.hermes_agent.create_session(
        sid, pick(rng, ("cli", "cli", "telegram")), model=HA_MODEL, now=sim.now
    )
    f.hermes_agent.heartbeat(
        "gw-2", NO_SUCH_PID + 177, started=sim.now, now=sim.now
    )  # the live gateway keeps beating
    f.report.add(HA, sid, 0)
    for turn in range(rng.randint(1, 3)):
        f.hermes_agent.acquire_lease(
            sid, NO_SUCH_PID + 200 + rng.randrange(1000), ttl=120, now=sim.now
        )
        f.hermes_agent.append_message(sid, "user", pick(rng, PROMPTS), now=sim.now)
        f.report.add(HA, sid, 1)
        yield rng.uniform(1.0, 5.0)
        if fate == "stuck":
            return  # the lease stays and runs out: lease-expired
        finish = "agent_error" if fate == "error" else "stop"
        text = pick(rng, QUESTIONS) if fate == "question" else pick(rng, ANSWERS)
        f.hermes_agent.append_message(sid, "assistant", text, finish_reason=finish, now=sim.now)
        f.hermes_agent.record_usage(
            sid,
            HA_MODEL,
            input_tokens=1200 + 100 * turn,
            output_tokens=150,
            cost_usd=0.006,
            now=sim.now,
        )
        f.hermes_agent.release_lease(sid)
        f.report.add(HA, sid, 1)
        if fate == "error":
            return
        yield rng.uniform(5.0, 40.0)
    if rng.random() < 0.3:
        f.hermes_agent.end_session(sid, "new_session", now=sim.now)


def openclaw_actor(sim: Sim, fate: str) -> Iterator[float]:
    """An OpenClaw subagent run: status running, events, then done (or failed, or stale)."""
    f, rng = sim.fleet, sim.fleet.ids.rng
    key = f"agent:main:subagent:{f.ids.uuid4()[:8]}"
    sid = openclaw_run(f, key, sim.now, sim.now, answer=None, status="running")
    for _ in range(rng.randint(1, 3)):
        yield rng.uniform(1.0, 8.0)
        if fate == "stuck":
            return  # stays 'running' with no new event: stale-running after the threshold
        f.openclaw.append(
            sid,
            message_record(
                assistant(pick(rng, ANSWERS), usage=(800, 90, 0, 0), cost=0.004), sim.now
            ),
            now=sim.now,
        )
        f.openclaw.update_entry(key, now=sim.now, lastActivityAt=ms(sim.now))
        f.report.add(OC, key, 1)
    yield rng.uniform(1.0, 5.0)
    f.openclaw.update_entry(key, now=sim.now, status="failed" if fate == "error" else "done")
