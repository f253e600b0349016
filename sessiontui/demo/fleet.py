"""Every bot of a demo workspace, opened once, with each write counted in a report.

The scene (populate) and the simulator both write through a `Fleet`. With `set_mtime` the
fleet also stamps each JSONL file with the write's time, so a scene built for a fixed `now`
looks right to readers that go by file times (ZeroClaw JSONL has no other clock).
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sessiontui.demo import phrases
from sessiontui.demo.bots import (
    ClaudeCodeWriter,
    HermesJsonBot,
    HermesSqliteBot,
    StarpodBot,
    ZeroClawJsonlBot,
    ZeroClawSqliteBot,
)
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.demo.claude_code import text_block, thinking_block, tool_use_block, usage_dict
from sessiontui.demo.codex import CodexWriter, rate_limits, token_usage
from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.demo.ids import Ids
from sessiontui.demo.openclaw_bot import OpenClawAgentBot
from sessiontui.demo.workspace import SimulationReport, store_paths
from sessiontui.demo.zeroclaw_bots import channel_user_content, sanitize_session_key
from sessiontui.model import StoreFormat as F


class Fleet:
    """The six bots of one workspace (created on first use) and the report they fill."""

    def __init__(
        self,
        root: Path,
        ids: Ids,
        report: SimulationReport,
        *,
        set_mtime: bool = False,
        created: datetime | None = None,
    ) -> None:
        paths = store_paths(root)
        self.root = Path(root)
        self.ids = ids
        self.rng: random.Random = ids.rng
        self.report = report
        self.set_mtime = set_mtime
        starpod = paths[F.STARPOD]
        if not starpod.exists():
            create_starpod_db(starpod, now=created)
        self.hermes = HermesSqliteBot(paths[F.HERMES_SQLITE])
        self.hermes_json = HermesJsonBot(paths[F.HERMES_JSON])
        self.claude = ClaudeCodeWriter(paths[F.CLAUDE_CODE], ids=ids)
        self.zeroclaw = ZeroClawSqliteBot(paths[F.ZEROCLAW_SQLITE])
        self.jsonl = ZeroClawJsonlBot(paths[F.ZEROCLAW_JSONL])
        self.jsonl_v066 = ZeroClawJsonlBot(paths[F.ZEROCLAW_JSONL], naming="percent")
        self.starpod = StarpodBot(starpod)
        self.hermes_agent = HermesAgentBot(paths[F.HERMES_AGENT])
        self.openclaw = OpenClawAgentBot(paths[F.OPENCLAW], created=created)
        self.codex = CodexWriter(paths[F.CODEX], ids=ids)

    def close(self) -> None:
        for bot in (self.hermes, self.zeroclaw, self.starpod, self.hermes_agent, self.openclaw):
            bot.close()

    # -- Claude Code -------------------------------------------------------------------------

    def claude_user(self, sid: str, cwd: str, text: str, at: datetime) -> None:
        self.touch(self.claude.user(sid, cwd, text, at), at)
        self.report.add(F.CLAUDE_CODE, sid, 1)

    def claude_reply(
        self,
        sid: str,
        cwd: str,
        at: datetime,
        *,
        text: str | None = None,
        tool: phrases.ToolCall | None = None,
        think: bool = False,
        model: str | None = None,
        context: int = 20_000,
    ) -> str | None:
        """One assistant reply (thinking?, text?, tool_use?); returns the tool_use id if any."""
        blocks: list[dict[str, Any]] = []
        if think:
            blocks.append(thinking_block("Let me look at the code first."))
        if text is not None:
            blocks.append(text_block(text))
        tool_id = None
        if tool is not None:
            tool_id = self.ids.tool_use_id()
            blocks.append(tool_use_block(tool_id, tool.name, dict(tool.input)))
        usage = usage_dict(*self._usage(context))
        chosen = model or phrases.MODELS[0]
        self.touch(self.claude.assistant(sid, cwd, blocks, model=chosen, usage=usage, now=at), at)
        self.report.add(F.CLAUDE_CODE, sid, len(blocks))
        return tool_id

    def claude_tool_result(
        self, sid: str, cwd: str, tool_id: str, output: str, at: datetime, *, error: bool = False
    ) -> None:
        self.touch(self.claude.tool_result(sid, cwd, tool_id, output, is_error=error, now=at), at)
        self.report.add(F.CLAUDE_CODE, sid, 1)

    def claude_synthetic(self, sid: str, cwd: str, at: datetime, text: str) -> None:
        self.touch(self.claude.synthetic(sid, cwd, text, now=at), at)
        self.report.add(F.CLAUDE_CODE, sid, 1)

    # -- Codex ---------------------------------------------------------------------------------

    def codex_start(self, cwd: str, at: datetime, *, older: bool = False) -> str:
        tid = self.codex.start(cwd, at, older=older)
        self._codex_wrote(tid, at, 0)
        return tid

    def codex_prompt(self, tid: str, text: str, at: datetime) -> None:
        self.codex.user_turn(tid, text, at)
        self._codex_wrote(tid, at, 1)

    def codex_call(self, tid: str, tool: phrases.ToolCall, at: datetime) -> str:
        """A shell call doing what `tool` does; returns its call id."""
        command = (
            tool.input.get("command")
            or f"{tool.name.lower()} {' '.join(map(str, tool.input.values()))}"
        )
        call_id = self.codex.tool_call(tid, ["bash", "-lc", str(command)], at)
        self._codex_wrote(tid, at, 1)
        return call_id

    def codex_output(self, tid: str, call_id: str, output: str, at: datetime) -> None:
        self.codex.tool_output(tid, call_id, output, at)
        self._codex_wrote(tid, at, 1)

    def codex_answer(self, tid: str, text: str, at: datetime, *, context: int = 20_000) -> None:
        """The answer, the call's token count (with the rate limits) and the turn's end."""
        self.codex_tokens(tid, at, context)
        self.codex.answer(tid, text, at)
        self.codex.turn_complete(tid, at, text)
        self._codex_wrote(tid, at, 1)

    def codex_tokens(self, tid: str, at: datetime, context: int = 20_000) -> None:
        uncached, output, cached, _ = self._usage(context)
        reasoning = output // 3
        used = 20.0 + (at.timestamp() / 3600) % 60  # the 5-hour window fills as the day goes
        limits = rate_limits(
            round(used, 1),
            round(used / 4, 1),
            resets=at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=3),
        )
        self.codex.token_count(
            tid, token_usage(uncached + cached, cached, output, reasoning), at, limits
        )
        self._codex_wrote(tid, at, 0)

    def codex_rename(self, tid: str, name: str, at: datetime) -> None:
        self.touch(self.codex.rename(tid, name, at), at)

    def _codex_wrote(self, tid: str, at: datetime, messages: int) -> None:
        self.touch(self.codex.path_of(tid), at)
        self.report.add(F.CODEX, tid, messages)

    # -- hermes-bot --------------------------------------------------------------------------

    def hermes_bot(self, legacy: bool) -> HermesSqliteBot | HermesJsonBot:
        return self.hermes_json if legacy else self.hermes

    def hermes_fmt(self, legacy: bool) -> F:
        return F.HERMES_JSON if legacy else F.HERMES_SQLITE

    # -- ZeroClaw ------------------------------------------------------------------------------

    def zc_append(self, key: str, role: str, content: str, at: datetime) -> None:
        self.zeroclaw.append(key, role, content, at)
        self.report.add(F.ZEROCLAW_SQLITE, key, 1)

    def jsonl_append(
        self, key: str, role: str, content: str, at: datetime, *, v066: bool = False
    ) -> str:
        """Append to the old install's JSONL store; returns the session id (the file stem)."""
        bot = self.jsonl_v066 if v066 else self.jsonl
        path = bot.append(key, {"role": role, "content": content})
        self.touch(path, at)
        stem = path.name[: -len(".jsonl")]
        self.report.add(F.ZEROCLAW_JSONL, stem, 1)
        return stem

    def channel_text(self, text: str, at: datetime) -> str:
        return channel_user_content(text, at)

    @staticmethod
    def channel_key(channel: str, reply_target: str) -> str:
        return sanitize_session_key(f"{channel}_{reply_target}")

    # -- Starpod -------------------------------------------------------------------------------

    def starpod_message(self, sid: str, role: str, content: str, at: datetime) -> None:
        self.starpod.save_message(sid, role, content, at)
        self.report.add(F.STARPOD, sid, 1)

    def starpod_tool(
        self, sid: str, tool: phrases.ToolCall, started: datetime, finished: datetime | None
    ) -> str:
        """A tool_use row, and its tool_result row when `finished` is given; returns the id."""
        tool_id = self.starpod_tool_use(sid, tool, started)
        if finished is not None:
            self.starpod_tool_result(sid, tool_id, tool.output, finished)
        return tool_id

    def starpod_tool_use(self, sid: str, tool: phrases.ToolCall, at: datetime) -> str:
        tool_id = self.ids.tool_use_id()
        self.starpod.save_tool_use(sid, tool_id, tool.name, dict(tool.input), at)
        self.report.add(F.STARPOD, sid, 1)
        return tool_id

    def starpod_tool_result(self, sid: str, tool_id: str, output: str, at: datetime) -> None:
        self.starpod.save_tool_result(sid, tool_id, output, now=at)
        self.report.add(F.STARPOD, sid, 1)

    def starpod_usage(
        self, sid: str, at: datetime, *, calls: int, model: str, user_id: str = "admin"
    ) -> None:
        """The `usage_stats` row of one chat request that made `calls` API calls."""
        totals = [0, 0, 0, 0]
        for n in range(calls):
            for i, value in enumerate(self._usage(12_000 + 3_000 * n)):
                totals[i] += value
        self.starpod.record_usage(
            sid,
            turn=calls,
            input_tokens=totals[0],
            output_tokens=totals[1],
            cache_read=totals[2],
            cache_write=totals[3],
            model=model,
            user_id=user_id,
            now=at,
        )

    # -- helpers -------------------------------------------------------------------------------

    def _usage(self, context: int) -> tuple[int, int, int, int]:
        return phrases.usage_numbers(self.rng, context)

    def touch(self, path: Path, at: datetime) -> None:
        """Stamp `path` with the write time `at` (only with `set_mtime`)."""
        if self.set_mtime:
            stamp = at.timestamp()
            os.utime(path, (stamp, stamp))
